/** `invalid-value`: an argument of the wrong type or out of range; the message names the type and range. */
import { parseArg } from '../schema/args.js';
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'invalid-value',
  severity: 'error',
  local({ report, statements }) {
    for (const { stmt, spec } of statements) {
      if (!spec) continue;
      stmt.args.forEach((arg, i) => {
        const argSpec = spec.args[i] ?? spec.rest;
        if (!argSpec) return;
        const p = parseArg(arg, argSpec);
        if (p.ok) return;
        const shown = arg.value.length > 60 ? arg.value.slice(0, 60) + '…' : arg.value;
        report(arg, `Invalid ${argSpec.label.toLowerCase()} \`${shown}\` for \`${spec.keyword}\`: expected ${p.message}.`);
      });
    }
  },
});

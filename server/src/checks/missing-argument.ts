/** `missing-argument`: a statement with fewer arguments than its keyword takes. */
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'missing-argument',
  severity: 'error',
  local({ report, statements }) {
    for (const { stmt, spec } of statements) {
      if (!spec) continue;
      const need = spec.args.length + (spec.rest ? 1 : 0);
      if (stmt.args.length < need) {
        const missing = [...spec.args.slice(stmt.args.length), ...(spec.rest && stmt.args.length < need ? [spec.rest] : [])];
        report({ start: stmt.keyword.start, end: stmt.args.length ? stmt.args[stmt.args.length - 1]!.end : stmt.keyword.end },
          `\`${spec.keyword}\` needs ${missing.map((a) => a.label).join(' ')}${spec.rest ? ' (one or more)' : ''}, ` +
            `e.g. \`${spec.keyword} ${[...spec.args, ...(spec.rest ? [spec.rest] : [])].map((a) => a.label).join(' ')}\`.`);
      }
    }
  },
});

/** `multiple-primaries`: more than one lb claims `role primary`; each after the first is reported. */
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';

export default defineCheck({
  code: 'multiple-primaries',
  severity: 'error',
  fix: 'change to `role backup`',
  run({ resolved, report }) {
    let first: string | undefined;
    resolved.model.lbs.forEach((lb, i) => {
      if (lb.role !== 'primary') return;
      if (first === undefined) {
        first = lb.name;
        return;
      }
      const role = prop(resolved.lbs[i]!, 'role')!;
      report(argSpan(role), `\`${first}\` is already the primary: only one lb may have \`role primary\`. Make \`${lb.name}\` a backup.`,
        [{ title: 'Change to `role backup`', edits: [{ span: argSpan(role), newText: 'backup' }] }]);
    });
  },
});

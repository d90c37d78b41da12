/** `multiple-defaults`: more than one site says `default`; HAProxy has one default_backend. */
import { defineCheck } from './types.js';
import { prop } from './util.js';

export default defineCheck({
  code: 'multiple-defaults',
  severity: 'error',
  fix: 'remove the statement',
  run({ resolved, report }) {
    let first: string | undefined;
    resolved.model.sites.forEach((s, i) => {
      if (!s.isDefault) return;
      if (first === undefined) first = s.name;
      else {
        const st = prop(resolved.sites[i]!, 'default')!;
        report(st.keyword, `Site \`${first}\` is already the default: only one site may say \`default\`.`,
          [{ title: 'Remove `default`', edits: [{ span: { start: st.start, end: st.end }, newText: '' }] }]);
      }
    });
  },
});

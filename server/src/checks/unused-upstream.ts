/** `unused-upstream`: an upstream no site lists in `servers`. */
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'unused-upstream',
  severity: 'hint',
  run({ resolved, report }) {
    const used = new Set(resolved.model.sites.flatMap((s) => s.servers));
    for (const u of resolved.model.upstreams) if (u.name && !used.has(u.name)) report(u.nameSpan, `Upstream \`${u.name}\` is not used by any site.`);
  },
});

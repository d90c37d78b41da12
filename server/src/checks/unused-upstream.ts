/** `unused-upstream`: an upstream no site or service lists in `servers`. */
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'unused-upstream',
  severity: 'hint',
  run({ resolved, report }) {
    const used = new Set<string>();
    for (const s of [...resolved.model.sites, ...resolved.model.services]) for (const name of s.servers) used.add(name);
    for (const u of resolved.model.upstreams) {
      if (u.name && !used.has(u.name)) report(u.nameSpan, `Upstream \`${u.name}\` is not used by any site or service.`);
    }
  },
});

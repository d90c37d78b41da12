/** `single-upstream`: a site with one server has no redundancy behind the redundant lbs. */
import { defineCheck } from './types.js';
import { prop } from './util.js';

export default defineCheck({
  code: 'single-upstream',
  severity: 'warning',
  run({ resolved, report }) {
    resolved.model.sites.forEach((s, i) => {
      if (s.servers.length !== 1) return;
      const st = prop(resolved.sites[i]!, 'servers');
      if (st) {
        report({ start: st.start, end: st.end }, `Site \`${s.name}\` has one server: if it dies the site is down. Add a second upstream.`);
      }
    });
  },
});

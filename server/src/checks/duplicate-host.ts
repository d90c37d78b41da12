/** `duplicate-host`: one Host name in two sites (HAProxy would route it to whichever comes first). */
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'duplicate-host',
  severity: 'error',
  run({ resolved, report }) {
    const seen = new Map<string, string>();
    resolved.sites.forEach((node, i) => {
      const site = resolved.model.sites[i]!;
      for (const st of node.props.get('host') ?? []) {
        for (const a of st.args) {
          const h = a.value.toLowerCase();
          const prev = seen.get(h);
          if (prev === undefined) seen.set(h, site.name);
          else if (prev !== site.name) {
            report(a, `Host \`${a.value}\` is already routed to site \`${prev}\`. A Host name belongs to one site.`);
          }
        }
      }
    });
  },
});

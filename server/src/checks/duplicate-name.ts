/** `duplicate-name`: two hosts (lbs and upstreams share one namespace) or two sites with one name. */
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'duplicate-name',
  severity: 'error',
  run({ resolved, report }) {
    const m = resolved.model;
    // lbs and upstreams in file order (two sorted lists, merged).
    const hosts = new Map<string, string>();
    const visit = (h: { name: string; nameSpan: { start: number; end: number } }, kind: string) => {
      if (!h.name) return;
      const prev = hosts.get(h.name);
      if (prev) {
        report(h.nameSpan,
          `The name \`${h.name}\` is already used by ${prev}; lbs and upstreams share one namespace. Rename this ${kind}.`);
      }
      else hosts.set(h.name, `${kind} ${h.name}`);
    };
    let i = 0;
    let j = 0;
    while (i < m.lbs.length || j < m.upstreams.length) {
      const lb = m.lbs[i];
      const up = m.upstreams[j];
      if (lb && (!up || lb.span.start < up.span.start)) visit(lb, 'lb'), i++;
      else visit(up!, 'upstream'), j++;
    }
    const sites = new Set<string>();
    for (const s of m.sites) {
      if (!s.name) continue;
      if (sites.has(s.name)) report(s.nameSpan, `There is already a site named \`${s.name}\`. Rename this one.`);
      sites.add(s.name);
    }
  },
});

/** `duplicate-name`: two hosts (lbs and upstreams share one namespace) or two sites with one name. */
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'duplicate-name',
  severity: 'error',
  run({ resolved, report }) {
    const m = resolved.model;
    const hosts = new Map<string, string>();
    for (const h of [...m.lbs.map((x) => ({ ...x, kind: 'lb' })), ...m.upstreams.map((x) => ({ ...x, kind: 'upstream' }))].sort((a, b) => a.span.start - b.span.start)) {
      if (!h.name) continue;
      const prev = hosts.get(h.name);
      if (prev) report(h.nameSpan, `The name \`${h.name}\` is already used by ${prev}; lbs and upstreams share one namespace. Rename this ${h.kind}.`);
      else hosts.set(h.name, `${h.kind} ${h.name}`);
    }
    const sites = new Set<string>();
    for (const s of m.sites) {
      if (!s.name) continue;
      if (sites.has(s.name)) report(s.nameSpan, `There is already a site named \`${s.name}\`. Rename this one.`);
      sites.add(s.name);
    }
  },
});

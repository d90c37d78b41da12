/**
 * `duplicate-name`: two hosts (lbs and upstreams share one namespace), or two sites, services or
 * proxy sections kept whole (one namespace: each is an HAProxy proxy), with one name.
 */
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
    // Sites and services are HAProxy proxies (backend NAME, listen NAME): one namespace.
    const proxies = new Map<string, string>();
    // a frontend, backend or listen kept whole (haproxy-section) is a proxy too
    const raw = m.haproxySections.filter((x) => x.kind === 'frontend' || x.kind === 'backend' || x.kind === 'listen');
    const all = [
      ...m.sites.map((s) => ({ s, kind: 'site' })), ...m.services.map((s) => ({ s, kind: 'service' })),
      ...raw.map((s) => ({ s, kind: `haproxy-section ${s.kind}` })),
    ].sort((a, b) => a.s.span.start - b.s.span.start);
    for (const { s, kind } of all) {
      if (!s.name) continue;
      const prev = proxies.get(s.name);
      if (prev) {
        report(
          s.nameSpan,
          `There is already a ${prev} named \`${s.name}\`` +
            `${prev === kind ? '' : ' (sites, services and the frontend, backend and listen sections share one namespace)'}. ` +
            'Rename this one.',
        );
      }
      else proxies.set(s.name, kind);
    }
  },
});

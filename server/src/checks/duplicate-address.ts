/**
 * `duplicate-address`: two hosts with one address. Two upstreams may share an address when their
 * ports differ (two web servers on one machine); an lb never shares its address.
 */
import { prop, argSpan } from './util.js';
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'duplicate-address',
  severity: 'error',
  run({ resolved, report }) {
    const m = resolved.model;
    const entries = [
      ...m.lbs.map((h, i) => ({ kind: 'lb', name: h.name, address: h.address, port: -1, node: resolved.lbs[i]! })),
      ...m.upstreams.map((h, i) => ({ kind: 'upstream', name: h.name, address: h.address, port: h.port, node: resolved.upstreams[i]! })),
    ].sort((a, b) => a.node.stmt.start - b.node.stmt.start);
    const byAddress = new Map<string, typeof entries>();
    for (const e of entries) {
      if (!e.address) continue;
      const prevs = byAddress.get(e.address) ?? [];
      const clash = prevs.find((p) => p.kind === 'lb' || e.kind === 'lb' || p.port === e.port);
      if (clash) {
        const stmt = prop(e.node, 'address');
        const servers = e.kind === 'upstream' && clash.kind === 'upstream';
        report(stmt ? argSpan(stmt) : e.node.stmt.keyword,
          `Address ${e.address}${servers ? ':' + e.port : ''} is already used by ${clash.kind} ${clash.name}. ` +
            `Each host needs its own address${servers ? ' (or another port)' : ''}.`);
      }
      prevs.push(e);
      byAddress.set(e.address, prevs);
    }
  },
});

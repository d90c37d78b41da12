/** Suggestions for quick fixes: free addresses next to the existing hosts. */
import ipaddr from 'ipaddr.js';
import type { Topology } from '../../../shared/model/types.js';

/** The next unused IPv4 address after the last host of that kind (else after the vip). */
export function nextFreeAddress(m: Topology, kind: 'lb' | 'upstream'): string {
  const used = new Set<string>([...m.lbs.map((l) => l.address), ...m.upstreams.map((u) => u.address), ...m.vips.map((v) => v.address)]);
  const list = kind === 'lb' ? m.lbs : m.upstreams;
  const base = [...list].reverse().find((h) => ipaddr.IPv4.isValidFourPartDecimal(h.address))?.address
    ?? m.vips.find((v) => ipaddr.IPv4.isValidFourPartDecimal(v.address))?.address ?? '198.18.0.10';
  const n = ipaddr.IPv4.parse(base).toByteArray();
  for (let i = 0; i < 250; i++) {
    n[3] = (n[3]! + 1) % 255 || 1;
    const cand = n.join('.');
    if (!used.has(cand)) return cand;
  }
  return base;
}

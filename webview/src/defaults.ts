/** Suggested values for the "add" forms (the user can change them before submitting). */
import type { Topology } from '../../shared/model/types.js';

export function nextName(prefix: string, taken: Iterable<string>): string {
  const set = new Set(taken);
  for (let i = 1; ; i++) {
    const n = `${prefix}${i}`;
    if (!set.has(n)) return n;
  }
}

function v4ToInt(a: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (!m) return null;
  const p = m.slice(1).map(Number);
  return p.some((x) => x > 255) ? null : ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3];
}
const intToV4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** The first free address after `after` (an lb or upstream address) inside the first vip's prefix. */
export function nextAddress(model: Topology, after?: string): string {
  const used = new Set([...model.lbs.map((l) => l.address), ...model.upstreams.map((u) => u.address), ...model.vips.map((v) => v.address)]);
  const vip = model.vips.find((v) => v.family === 4);
  const start = v4ToInt(after ?? '') ?? (vip ? v4ToInt(vip.address) : null);
  if (start === null) return '';
  const prefix = vip?.prefix ?? 24;
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const net = vip ? (v4ToInt(vip.address)! & mask) >>> 0 : (start & mask) >>> 0;
  for (let i = 1; i < 4096; i++) {
    const c = (start + i) >>> 0;
    if ((c & mask) >>> 0 !== net) break;
    const host = c & ~mask;
    if (host === 0 || host === (~mask >>> 0)) continue; // network and broadcast
    const a = intToV4(c);
    if (!used.has(a)) return a;
  }
  return '';
}

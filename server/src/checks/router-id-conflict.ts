/**
 * `router-id-conflict`: two vips with one VRRP router id in one address family (they would fight
 * over one virtual router; IPv4 and IPv6 VRRP are separate protocols, so 51 may serve one of
 * each), or two vips whose vrrp_instance would have one name (keepalived refuses the second).
 */
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';

export default defineCheck({
  code: 'router-id-conflict',
  severity: 'error',
  fix: 'use a free router id',
  run({ resolved, report }) {
    const seen = new Map<string, string>();
    const names = new Map<string, string>();
    resolved.model.vips.forEach((vip, i) => {
      if (!vip.routerId) return;
      const key = `${vip.family}:${vip.routerId}`;
      const prev = seen.get(key);
      const st = prop(resolved.vips[i]!, 'router-id');
      if (prev && st) {
        const used = new Set(resolved.model.vips.filter((v) => v.family === vip.family).map((v) => v.routerId));
        let free = 1;
        while (used.has(free) && free < 255) free++;
        report(argSpan(st), `router-id ${vip.routerId} is already used by vip ${prev}. Each vip needs its own router id.`,
          [{ title: `Use router-id ${free}`, edits: [{ span: argSpan(st), newText: String(free) }] }]);
        return;
      }
      seen.set(key, vip.address);
      const sameName = names.get(vip.instance);
      const at = prop(resolved.vips[i]!, 'instance') ?? st;
      if (sameName && at) {
        report(argSpan(at), `vrrp_instance ${vip.instance} is already the instance of vip ${sameName}: give this vip its own ` +
          '`instance NAME`.');
      } else names.set(vip.instance, vip.address);
    });
  },
});

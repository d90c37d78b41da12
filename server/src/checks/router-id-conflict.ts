/** `router-id-conflict`: two vips with one VRRP router id (they would fight over one virtual router). */
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';

export default defineCheck({
  code: 'router-id-conflict',
  severity: 'error',
  fix: 'use a free router id',
  run({ resolved, report }) {
    const seen = new Map<number, string>();
    resolved.model.vips.forEach((vip, i) => {
      if (!vip.routerId) return;
      const prev = seen.get(vip.routerId);
      const st = prop(resolved.vips[i]!, 'router-id');
      if (prev && st) {
        const used = new Set(resolved.model.vips.map((v) => v.routerId));
        let free = 1;
        while (used.has(free) && free < 255) free++;
        report(argSpan(st), `router-id ${vip.routerId} is already used by vip ${prev}. Each vip needs its own router id.`,
          [{ title: `Use router-id ${free}`, edits: [{ span: argSpan(st), newText: String(free) }] }]);
      } else seen.set(vip.routerId, vip.address);
    });
  },
});

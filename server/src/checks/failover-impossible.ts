/**
 * `failover-impossible`: with `track script` and a non-zero weight, keepalived adds the weight to a
 * healthy node's priority (weight > 0) or subtracts it from a failed one (weight < 0). If the best
 * backup cannot then beat the failed primary, the VIP never moves: e.g. 101/100 with weight 1
 * (101 vs 101 is a tie, decided by IP address, not health). Weight 0 means FAULT and always works.
 */
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';

export default defineCheck({
  code: 'failover-impossible',
  severity: 'error',
  fix: 'use `track-weight 0`',
  run({ resolved, report }) {
    const { model } = resolved;
    const primary = model.lbs.find((l) => l.role === 'primary');
    const backups = model.lbs.filter((l) => l.role === 'backup');
    if (!primary || backups.length === 0) return;
    // A loop, not Math.max(...): spreading a list of any length onto the stack can overflow it.
    const best = backups.reduce((m, b) => Math.max(m, b.priority), -Infinity);
    model.vips.forEach((vip, i) => {
      if (vip.track !== 'script' || vip.trackWeight === 0) return;
      const w = Math.abs(vip.trackWeight);
      // Healthy backup vs failed primary, in either sign convention the gap is |weight|.
      if (best + w > primary.priority) return;
      const node = resolved.vips[i]!;
      const st = prop(node, 'track-weight');
      const need = primary.priority - best + 1;
      report(st ? argSpan(st) : argSpan(node.stmt),
        `With priorities ${primary.priority}/${best} and track-weight ${vip.trackWeight}, ` +
          `a failed primary keeps ${vip.trackWeight > 0 ? primary.priority : primary.priority - w} ` +
          `against the backup's ${vip.trackWeight > 0 ? best + w : best}: the VIP cannot move. ` +
          `Use a weight of at least ${need} (or 0 for FAULT).`,
        st ? [{ title: 'Use track-weight 0 (FAULT on failure)', edits: [{ span: argSpan(st), newText: '0' }] }] : undefined);
    });
  },
});

/**
 * `priority-order`: a backup's priority is ≥ the primary's. Keepalived would then elect the
 * backup (or tie-break on the address), so the "primary" would not hold the VIP.
 */
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';

export default defineCheck({
  code: 'priority-order',
  severity: 'error',
  fix: "set a priority below the primary's",
  run({ resolved, report }) {
    const lbs = resolved.model.lbs;
    const primaries = lbs.filter((l) => l.role === 'primary');
    if (primaries.length !== 1) return;
    const primary = primaries[0]!;
    lbs.forEach((lb, i) => {
      if (lb.role !== 'backup' || lb.priority < primary.priority) return;
      const node = resolved.lbs[i]!;
      const p = prop(node, 'priority');
      const below = Math.max(1, primary.priority - 1);
      report(p ? argSpan(p) : argSpan(node.stmt),
        `Backup \`${lb.name}\` has priority ${lb.priority}, not below the primary's ${primary.priority}: it would take the VIP. ` +
          `Give it a priority below ${primary.priority}.`,
        p ? [{ title: `Set priority ${below}`, edits: [{ span: argSpan(p), newText: String(below) }] }] : undefined);
    });
  },
});

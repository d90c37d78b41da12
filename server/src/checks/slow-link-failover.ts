/**
 * `slow-link-failover` (hint): with VRRPv2 the shortest advert is 1 s, so when the primary goes
 * silent (its link down, its host gone — nothing sends a priority-0 advert) the backup waits
 * 3 adverts + skew, about 3 s. VRRPv3 with a 40 ms advert makes it ~0.12 s. A hint, not a
 * warning: v2 is what the seed runs, and its `auth` has no v3 equivalent.
 */
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';
import { DEFAULT_BACKUP_PRIORITY, RECOMMENDED_V3_ADVERT_MS, masterDownMs, seconds } from '../model/vrrp-timing.js';

export default defineCheck({
  code: 'slow-link-failover',
  severity: 'hint',
  run({ resolved, report }) {
    const backup = Math.max(...resolved.model.lbs.filter((l) => l.role !== 'primary').map((l) => l.priority), DEFAULT_BACKUP_PRIORITY);
    resolved.model.vips.forEach((vip, i) => {
      if (vip.vrrpVersion === 3) return;
      const node = resolved.vips[i]!;
      // on `vrrp-version 2` or `advert` when written, else on the vip's address
      const span = argSpan(prop(node, 'vrrp-version') ?? prop(node, 'advert') ?? node.stmt);
      const now = seconds(masterDownMs(vip.advertMs, backup));
      const v3 = seconds(masterDownMs(RECOMMENDED_V3_ADVERT_MS, backup));
      report(
        span,
        `If the primary goes silent (link down, host lost), the backup takes over after 3 adverts + skew: ${now} with VRRPv2. ` +
          `\`vrrp-version 3\` with \`advert ${RECOMMENDED_V3_ADVERT_MS}ms\` makes it ${v3} (v3 has no \`auth\`).`,
      );
    });
  },
});

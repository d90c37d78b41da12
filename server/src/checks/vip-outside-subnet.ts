/** `vip-outside-subnet`: an lb's address is not inside a vip's prefix. VRRP needs one L2 segment. */
import ipaddr from 'ipaddr.js';
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';

export default defineCheck({
  code: 'vip-outside-subnet',
  severity: 'error',
  run({ resolved, report }) {
    const { model } = resolved;
    model.lbs.forEach((lb, i) => {
      if (!ipaddr.isValid(lb.address)) return;
      const a = ipaddr.parse(lb.address);
      for (const vip of model.vips) {
        if (!ipaddr.isValid(vip.address)) continue;
        const v = ipaddr.parse(vip.address);
        if (v.kind() !== a.kind()) continue;
        if (!a.match(v, vip.prefix)) {
          const st = prop(resolved.lbs[i]!, 'address');
          report(st ? argSpan(st) : argSpan(resolved.lbs[i]!.stmt), `lb \`${lb.name}\` (${lb.address}) is outside vip ${vip.address}/${vip.prefix}: VRRP needs the lbs and the vip on one L2 segment. Fix the address or the vip's prefix.`);
        }
      }
    });
  },
});

/** `vip-outside-subnet`: an lb's address is not inside a vip's prefix. VRRP needs one L2 segment. */
import ipaddr from 'ipaddr.js';
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';

export default defineCheck({
  code: 'vip-outside-subnet',
  severity: 'error',
  run({ resolved, report }) {
    const { model } = resolved;
    // Distinct vip networks (usually one), so the work is lbs × networks, not lbs × vips.
    const nets = new Map<string, { net: ipaddr.IPv4 | ipaddr.IPv6; prefix: number; vip: string }>();
    for (const vip of model.vips) {
      if (!vip.address || !ipaddr.isValid(vip.address)) continue;
      const cidr = ipaddr.parseCIDR(`${vip.address}/${vip.prefix}`);
      const written = `${vip.address}/${vip.prefix}`;
      const net = cidr[0].kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(written) : ipaddr.IPv6.networkAddressFromCIDR(written);
      const key = `${net.toString()}/${vip.prefix}`;
      if (!nets.has(key)) nets.set(key, { net: cidr[0], prefix: vip.prefix, vip: `${vip.address}/${vip.prefix}` });
    }
    model.lbs.forEach((lb, i) => {
      if (!lb.address || !ipaddr.isValid(lb.address)) return;
      const a = ipaddr.parse(lb.address);
      for (const { net, prefix, vip } of nets.values()) {
        if (net.kind() !== a.kind() || a.match(net, prefix)) continue;
        const st = prop(resolved.lbs[i]!, 'address');
        report(st ? argSpan(st) : argSpan(resolved.lbs[i]!.stmt),
          `lb \`${lb.name}\` (${lb.address}) is outside vip ${vip}: VRRP needs the lbs and the vip on one L2 segment. ` +
            "Fix the address or the vip's prefix.");
        break;
      }
    });
  },
});

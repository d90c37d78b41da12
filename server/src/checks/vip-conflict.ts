/** `vip-conflict`: a vip equals a host's own address; the VIP must be an address no host owns. */
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'vip-conflict',
  severity: 'error',
  run({ resolved, report }) {
    const { model } = resolved;
    model.vips.forEach((vip) => {
      const host = [...model.lbs, ...model.upstreams].find((h) => h.address === vip.address);
      if (host) report(vip.nameSpan, `vip ${vip.address} is the address of ${model.lbs.includes(host as never) ? 'lb' : 'upstream'} \`${host.name}\`. Choose an unused address for the vip.`);
    });
  },
});

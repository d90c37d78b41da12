/** `vip-conflict`: a vip equals a host's own address; the VIP must be an address no host owns. */
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'vip-conflict',
  severity: 'error',
  run({ resolved, report }) {
    const { model } = resolved;
    const owners = new Map<string, string>();
    for (const u of model.upstreams) if (u.address) owners.set(u.address, `upstream \`${u.name}\``);
    for (const l of model.lbs) if (l.address) owners.set(l.address, `lb \`${l.name}\``);
    for (const vip of model.vips) {
      const owner = vip.address ? owners.get(vip.address) : undefined;
      if (owner) report(vip.nameSpan, `vip ${vip.address} is the address of ${owner}. Choose an unused address for the vip.`);
    }
  },
});

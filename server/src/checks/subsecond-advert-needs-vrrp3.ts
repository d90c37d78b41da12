/**
 * `subsecond-advert-needs-vrrp3`: VRRPv2 advertises in whole seconds (RFC 3768); sub-second or
 * fractional adverts need `vrrp-version 3` (centiseconds, RFC 5798).
 */
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';

export default defineCheck({
  code: 'subsecond-advert-needs-vrrp3',
  severity: 'error',
  run({ resolved, report }) {
    resolved.model.vips.forEach((vip, i) => {
      if (vip.vrrpVersion === 3 || vip.advertMs % 1000 === 0) return;
      const st = prop(resolved.vips[i]!, 'advert');
      if (st) report(argSpan(st), `VRRPv2 adverts are whole seconds; ${st.args[0]?.value} needs \`vrrp-version 3\`.`);
    });
  },
});

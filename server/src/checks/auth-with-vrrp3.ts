/** `auth-with-vrrp3`: VRRPv3 (RFC 5798) has no authentication; keepalived ignores or rejects it. */
import { defineCheck } from './types.js';
import { prop } from './util.js';

export default defineCheck({
  code: 'auth-with-vrrp3',
  severity: 'error',
  fix: 'remove the statement',
  run({ resolved, report }) {
    resolved.model.vips.forEach((vip, i) => {
      const st = prop(resolved.vips[i]!, 'auth');
      if (vip.vrrpVersion === 3 && st) {
        report({ start: st.start, end: st.end }, 'VRRPv3 has no authentication: remove `auth`, or use `vrrp-version 2`.',
          [{ title: 'Remove `auth`', edits: [{ span: { start: st.start, end: st.end }, newText: '' }] }]);
      }
    });
  },
});

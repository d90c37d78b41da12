/** `auth-pass-truncated`: keepalived uses only the first 8 characters of a PASS auth (RFC 2338 field size). */
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';

export default defineCheck({
  code: 'auth-pass-truncated',
  severity: 'warning',
  run({ resolved, report }) {
    resolved.model.vips.forEach((vip, i) => {
      if (vip.auth?.kind === 'literal' && vip.auth.value.length > 8) {
        report(argSpan(prop(resolved.vips[i]!, 'auth')!), `keepalived uses only the first 8 characters of \`auth\` ("${vip.auth.value.slice(0, 8)}"); the rest is ignored.`);
      }
    });
  },
});

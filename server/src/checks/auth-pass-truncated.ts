/**
 * `auth-pass-truncated`: keepalived uses only the first 8 bytes of a PASS auth (RFC 2338 field
 * size), counted as written in keepalived.conf, so the renderer keeps the longest prefix whose
 * quoted spelling fits. Warn when a literal password is cut: the check asks the renderer's own
 * `truncateAuthPass` (render/escape.ts), so both count the same bytes (a quote takes 4 as
 * `\042`, an `é` 2). The message gives lengths only: the characters kept are the whole effective
 * secret, and diagnostics end up in terminals and CI logs.
 */
import { truncateAuthPass } from '../render/escape.js';
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';

export default defineCheck({
  code: 'auth-pass-truncated',
  severity: 'warning',
  run({ resolved, report }) {
    resolved.model.vips.forEach((vip, i) => {
      if (vip.auth?.kind !== 'literal') return;
      const kept = truncateAuthPass(vip.auth.value);
      if (kept === vip.auth.value) return;
      report(
        argSpan(prop(resolved.vips[i]!, 'auth')!),
        'keepalived reads only 8 bytes of `auth` as written in keepalived.conf: ' +
          `${[...kept].length} of these ${[...vip.auth.value].length} characters count, the rest is ignored.`,
      );
    });
  },
});

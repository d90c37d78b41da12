/**
 * `line-too-long`: a value that would make a rendered line longer than its target reads as one
 * line. keepalived 2.2.7 parses whatever follows byte 1022 of a line as a new line (a long
 * `track-command` once passed check and render, then crashed `keepalived -t`; text placed there
 * is a directive); HAProxy reads 64 words per line, so one `bind VIP:443 ssl crt …` line holds 30
 * certificates. The bounds are measured (render/limits.ts); the renderer refuses anything past
 * them too, but `check` should say so first, at the value, with what to do instead.
 */
import { parseArg } from '../schema/args.js';
import { normalPath } from '../schema/value-types.js';
import { keepalivedString } from '../render/escape.js';
import { HTTPS_BIND_MAX_CERTS, KEEPALIVED_MAX_LINE_BYTES, KEEPALIVED_SCRIPT_PREFIX } from '../render/limits.js';
import { prop } from './util.js';
import { defineCheck } from './types.js';

/** The bytes of `    script "…"` as keepalived.conf.njk writes it (quotes as \047, UTF-8). */
export function trackCommandLineBytes(command: string): number {
  return Buffer.byteLength(KEEPALIVED_SCRIPT_PREFIX + keepalivedString(command), 'utf8');
}

export default defineCheck({
  code: 'line-too-long',
  severity: 'error',
  note: "a value past a target's line bound: keepalived 1,022 bytes, HAProxy 64 words",
  local({ report, statements }) {
    for (const { stmt, spec, block } of statements) {
      if (block.id !== 'vip' || spec?.keyword !== 'track-command') continue;
      const arg = stmt.args[0];
      if (!arg || !parseArg(arg, spec.args[0]!).ok) continue; // invalid-value speaks for it
      const n = trackCommandLineBytes(arg.value);
      if (n > KEEPALIVED_MAX_LINE_BYTES) {
        report(
          arg,
          `This command becomes a ${n}-byte \`script\` line in keepalived.conf (each \`'\` is written as 4 bytes, non-ASCII as UTF-8); ` +
            `keepalived reads at most ${KEEPALIVED_MAX_LINE_BYTES} bytes as one line and would parse the rest as another directive. ` +
            'Put the command in a script file on the lbs and give its path here.',
        );
      }
    }
  },
  run({ resolved, report }) {
    // Distinct certificate files per vip, in file order: the first HTTPS_BIND_MAX_CERTS fit.
    const certs = new Map<string, Set<string>>();
    resolved.model.sites.forEach((site, i) => {
      if (!site.tls) return;
      const seen = certs.get(site.vip) ?? new Set<string>();
      certs.set(site.vip, seen);
      const cert = normalPath(site.tls);
      if (seen.has(cert)) return;
      seen.add(cert);
      if (seen.size <= HTTPS_BIND_MAX_CERTS) return;
      const stmt = prop(resolved.sites[i]!, 'tls');
      if (!stmt?.args[0]) return;
      report(
        stmt.args[0],
        `Site \`${site.name}\` brings the ${seen.size}th certificate file to vip ${site.vip}; HAProxy reads at most 64 words per line, ` +
          `so one \`bind ${site.vip}:443 ssl crt …\` line holds ${HTTPS_BIND_MAX_CERTS}. ` +
          'Put the certificates in one directory and give that directory as `tls` ' +
          '(HAProxy loads every certificate in it and picks by SNI), or move some sites to another vip.',
      );
    });
  },
});

/** `weak-credentials`: a stats user/password pair from the well-known defaults (the seed used admin/haproxy). */
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';

const WEAK = new Set([
  'admin/admin', 'admin/haproxy', 'admin/password', 'admin/123456', 'admin/changeme', 'haproxy/haproxy', 'root/root', 'admin/',
  'stats/stats',
]);

export default defineCheck({
  code: 'weak-credentials',
  severity: 'warning',
  run({ resolved, report }) {
    const s = resolved.model.stats;
    if (!s || !resolved.stats || s.password?.kind !== 'literal') return;
    if (WEAK.has(`${s.user.toLowerCase()}/${s.password.value.toLowerCase()}`) || s.password.value.length < 8) {
      // the message never repeats the password: diagnostics reach terminals, CI logs and the Problems panel
      const why = s.password.value.length < 8 ? 'is under 8 characters' : `is a well-known default for user ${s.user}`;
      report(argSpan(prop(resolved.stats, 'password')!),
        `The stats password ${why}: easy to guess. Use a long random password from \`env:\`.`);
    }
  },
});

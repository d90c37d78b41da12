/** `weak-credentials`: a stats user/password pair from the well-known defaults (the seed used admin/haproxy). */
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';

const WEAK = new Set(['admin/admin', 'admin/haproxy', 'admin/password', 'admin/123456', 'admin/changeme', 'haproxy/haproxy', 'root/root', 'admin/', 'stats/stats']);

export default defineCheck({
  code: 'weak-credentials',
  severity: 'warning',
  run({ resolved, report }) {
    const s = resolved.model.stats;
    if (!s || !resolved.stats || s.password?.kind !== 'literal') return;
    if (WEAK.has(`${s.user.toLowerCase()}/${s.password.value.toLowerCase()}`) || s.password.value.length < 8) {
      report(argSpan(prop(resolved.stats, 'password')!), `The stats credentials ${s.user}/${s.password.value.length < 8 ? '(under 8 characters)' : s.password.value} are easy to guess. Use a long random password from \`env:\`.`);
    }
  },
});

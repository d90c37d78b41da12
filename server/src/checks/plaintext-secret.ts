/**
 * `plaintext-secret`: a password written into the file, where it lands in version control.
 * Quick fix: replace the literal with an `env:` reference (HALAB_STATS_PASSWORD, HALAB_VRRP_AUTH).
 */
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';
import type { NodeInfo } from '../model/resolve.js';

export default defineCheck({
  code: 'plaintext-secret',
  severity: 'warning',
  fix: 'replace the literal with `env:…`',
  run({ resolved, report }) {
    const flag = (node: NodeInfo, kw: string, env: string) => {
      const st = prop(node, kw);
      const a = st?.args[0];
      if (!a || (a.kind === 'word' && /^(env|secret):/.test(a.value))) return;
      report(argSpan(st!), `The ${kw === 'auth' ? 'VRRP password' : 'stats password'} is written in plain text. Use \`env:${env}\` (read at render/deploy time) or \`secret:NAME\` (the editor's secret store).`,
        [{ title: `Replace with \`env:${env}\``, edits: [{ span: argSpan(st!), newText: `env:${env}` }] }]);
    };
    resolved.vips.forEach((n, i) => flag(n, 'auth', resolved.vips.length > 1 ? `HALAB_VRRP_AUTH_${i + 1}` : 'HALAB_VRRP_AUTH'));
    if (resolved.stats) flag(resolved.stats, 'password', 'HALAB_STATS_PASSWORD');
  },
});

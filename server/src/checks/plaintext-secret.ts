/**
 * `plaintext-secret`: a password written into the file, where it lands in version control.
 * Quick fix: replace the literal with an `env:` reference, the variable the secret table
 * (server/src/secrets.ts) names for it: HALAB_VRRP_AUTH (numbered when there are several vips),
 * HALAB_STATS_PASSWORD.
 */
import { defineCheck } from './types.js';
import { prop, argSpan } from './util.js';
import type { NodeInfo, Resolved } from '../model/resolve.js';
import { SECRET_FIELDS, type SecretField } from '../secrets.js';

const blocks = (r: Resolved, f: SecretField): NodeInfo[] => (f.block === 'vip' ? r.vips : r.stats ? [r.stats] : []);

export default defineCheck({
  code: 'plaintext-secret',
  severity: 'warning',
  fix: 'replace the literal with `env:…`',
  run({ resolved, report }) {
    const flag = (node: NodeInfo, f: SecretField, env: string) => {
      const st = prop(node, f.keyword);
      const a = st?.args[0];
      if (!a || (a.kind === 'word' && /^(env|secret):/.test(a.value))) return;
      report(argSpan(st!),
        `The ${f.what} is written in plain text. ` +
          `Use \`env:${env}\` (read at render/deploy time) or \`secret:NAME\` (the editor's secret store).`,
        [{ title: `Replace with \`env:${env}\``, edits: [{ span: argSpan(st!), newText: `env:${env}` }] }]);
    };
    for (const f of Object.values(SECRET_FIELDS)) {
      const nodes = blocks(resolved, f);
      nodes.forEach((n, i) => flag(n, f, nodes.length > 1 ? `${f.env}_${i + 1}` : f.env));
    }
  },
});

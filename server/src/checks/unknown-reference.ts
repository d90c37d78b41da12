/**
 * `unknown-reference`: a name that refers to nothing — `servers foo` without `upstream foo`, or a
 * site's `vip` that matches no vip. Quick fix: create the missing upstream.
 */
import { defineCheck } from './types.js';
import { prop } from './util.js';
import { nextFreeAddress } from './suggest.js';
import { parseCidr } from '../schema/value-types.js';

export default defineCheck({
  code: 'unknown-reference',
  severity: 'error',
  fix: 'create the missing upstream (at the next free address)',
  run({ tree, resolved, report }) {
    const m = resolved.model;
    const upstreams = new Set(m.upstreams.map((u) => u.name));
    const lbs = new Set(m.lbs.map((l) => l.name));
    const text = tree.text;
    const created = new Set<string>();
    resolved.sites.forEach((node) => {
      for (const s of node.props.get('servers') ?? []) {
        for (const a of s.args) {
          if (upstreams.has(a.value) || !/^[A-Za-z]/.test(a.value)) continue;
          const addr = nextFreeAddress(m, 'upstream');
          const lastUp = resolved.upstreams[resolved.upstreams.length - 1]?.stmt;
          const at = lastUp ? lastUp.end : text.length;
          const block = `upstream ${a.value} { address ${addr} }`;
          report(a, lbs.has(a.value)
            ? `\`${a.value}\` is an lb, not an upstream: \`servers\` lists upstreams.`
            : `No upstream named \`${a.value}\`. Declare \`upstream ${a.value} { address … }\` or fix the name.`,
          lbs.has(a.value) || created.has(a.value) ? undefined : [{ title: `Create \`upstream ${a.value}\``, edits: [{ span: { start: at, end: at }, newText: lastUp ? `\n${block}` : `${text.endsWith('\n') ? '' : '\n'}\n${block}\n` }] }]);
          created.add(a.value);
        }
      }
      const vipStmt = prop(node, 'vip');
      const vipArg = vipStmt?.args[0];
      if (vipArg) {
        const p = parseCidr(vipArg.value, false);
        if (p.ok && !m.vips.some((v) => v.address === p.value.address)) {
          report(vipArg, `No vip ${p.value.address}. Declared vips: ${m.vips.map((v) => v.address).join(', ') || 'none'}.`);
        }
      }
    });
  },
});

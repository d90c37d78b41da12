/**
 * `unknown-reference`: a name that refers to nothing — `servers foo` without `upstream foo`, or a
 * site's `vip` that matches no vip. Quick fixes for `servers`: change the name to each close
 * existing upstream (closest first, by the `closest` that suggests keywords, and only upstreams the
 * statement does not list already; the first is preferred, as a near miss is most likely a typo),
 * then create the missing upstream.
 */
import { defineCheck, type Fix } from './types.js';
import { closest, prop } from './util.js';
import { nextFreeAddress } from './suggest.js';
import { parseCidr } from '../schema/value-types.js';

/** At most this many "Change to" fixes per reference. */
const MAX_CHANGES = 3;
/**
 * Name comparisons per analysis for "Change to" fixes (distinct unknown names × candidate
 * upstreams): past it the remaining references get only "Create". A 100,000-name `servers` list
 * with 50,000 unknown names must stay linear (test/unit/model/resolve-scale.test.ts).
 */
const COMPARE_BUDGET = 200_000;

/** The existing names close to `word`, closest first. */
function closeNames(word: string, names: readonly string[]): string[] {
  const out: string[] = [];
  let left = [...names];
  for (let best = closest(word, left); best !== undefined && out.length < MAX_CHANGES; best = closest(word, left)) {
    out.push(best);
    left = left.filter((n) => n !== best);
  }
  return out;
}

export default defineCheck({
  code: 'unknown-reference',
  severity: 'error',
  fix: 'change to the closest existing upstream names; create the missing upstream (at the next free address)',
  run({ tree, resolved, report }) {
    const m = resolved.model;
    const upstreams = new Set(m.upstreams.map((u) => u.name));
    const lbs = new Set(m.lbs.map((l) => l.name));
    const text = tree.text;
    const created = new Set<string>();
    const upstreamNames = [...upstreams].filter((n) => n);
    let budget = COMPARE_BUDGET;
    [...resolved.sites, ...resolved.services].forEach((node) => {
      for (const s of node.props.get('servers') ?? []) {
        // Per statement: the upstreams it does not list yet, and the suggestions per unknown name.
        let candidates: string[] | undefined;
        const suggested = new Map<string, string[]>();
        const suggest = (name: string): string[] => {
          let r = suggested.get(name);
          if (r) return r;
          if (!candidates) {
            const listed = new Set(s.args.map((x) => x.value));
            candidates = upstreamNames.filter((n) => !listed.has(n));
          }
          budget -= candidates.length;
          r = budget >= 0 ? closeNames(name, candidates) : [];
          suggested.set(name, r);
          return r;
        };
        for (const a of s.args) {
          if (upstreams.has(a.value) || !/^[A-Za-z]/.test(a.value)) continue;
          const addr = nextFreeAddress(m, 'upstream');
          const lastUp = resolved.upstreams[resolved.upstreams.length - 1]?.stmt;
          const at = lastUp ? lastUp.end : text.length;
          const block = `upstream ${a.value} { address ${addr} }`;
          const fixes: Fix[] = suggest(a.value)
            .map((name) => ({ title: `Change to \`${name}\``, edits: [{ span: { start: a.start, end: a.end }, newText: name }] }));
          if (!lbs.has(a.value) && !created.has(a.value)) {
            const newText = lastUp ? `\n${block}` : `${text.endsWith('\n') ? '' : '\n'}\n${block}\n`;
            fixes.push({ title: `Create \`upstream ${a.value}\``, edits: [{ span: { start: at, end: at }, newText }] });
          }
          const meant = fixes[0]?.title.startsWith('Change') ? fixes[0].edits[0]!.newText : undefined;
          report(a, lbs.has(a.value)
            ? `\`${a.value}\` is an lb, not an upstream: \`servers\` lists upstreams.`
            : `No upstream named \`${a.value}\`${meant ? ` (did you mean \`${meant}\`?)` : ''}. ` +
              `Declare \`upstream ${a.value} { address … }\` or fix the name.`,
          fixes.length ? fixes : undefined);
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

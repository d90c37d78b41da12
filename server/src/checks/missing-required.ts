/**
 * `missing-required`: a required statement is absent from a block or from the file (no
 * `topology`, no `vip`, a vip without `router-id`, stats without `password`, …). The quick fix
 * inserts the statement with a sensible value (a free router id, `role backup` when a primary
 * exists, the first upstream for `servers`).
 *
 * A misspelling is not a missing statement: when an unknown keyword of the block is a near miss of
 * the missing one (`adress` for `address`: the very suggestion `unknown-keyword` makes, from the
 * same `closest`), the diagnostic names it and offers no insert, which would add a second, made-up
 * value; the fix is `unknown-keyword`'s "Replace with `address`". The rule lives here because this
 * check decides its own fixes; `unknown-keyword` stays statement-local and unaware of it.
 */
import type { Statement } from '../syntax/ast.js';
import { BLOCKS, keywordSpec, type BlockSpec, type KeywordSpec } from '../schema/schema.js';
import type { Resolved } from '../model/resolve.js';
import { defineCheck, type TextEdit } from './types.js';
import { closest, insertIntoBlock } from './util.js';
import { nextFreeAddress } from './suggest.js';

/** Turns a snippet into plain text by taking each placeholder's default. */
export function snippetText(snippet: string, indent = '  '): string {
  return snippet
    .replace(/\$\{\d+\|([^,|]*)[^}]*\|\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\{\d+\}/g, '')
    .replace(/\$\d+/g, '')
    .replace(/\t/g, indent);
}

function valueFor(kw: KeywordSpec, blockId: string, r: Resolved, owner: Statement): string {
  const m = r.model;
  switch (`${blockId}.${kw.keyword}`) {
    case 'vip.router-id': {
      const used = new Set(m.vips.map((v) => v.routerId));
      let id = 51;
      while (used.has(id) && id < 255) id++;
      return `router-id ${id}`;
    }
    case 'lb.role':
      return `role ${r.lbs.some((n, i) => n.stmt !== owner && n.props.has('role') && m.lbs[i]!.role === 'primary') ? 'backup' : 'primary'}`;
    case 'lb.address':
    case 'upstream.address':
      return `address ${nextFreeAddress(m, blockId === 'lb' ? 'lb' : 'upstream')}`;
    case 'site.servers':
      return `servers ${m.upstreams[0]?.name ?? 'web1'}`;
    case 'site.host':
      return `host ${owner.args[0]?.value ?? 'www'}.example.com`;
    default:
      return snippetText(kw.snippet ?? kw.keyword);
  }
}

const required = new Map<BlockSpec, KeywordSpec[]>();
const requiredOf = (b: BlockSpec): KeywordSpec[] => required.get(b) ?? required.set(b, b.keywords.filter((k) => k.required)).get(b)!;

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

export default defineCheck({
  code: 'missing-required',
  severity: 'error',
  fix: 'insert the statement with a sensible value ' +
    '(none when an unknown keyword of the block is a misspelling of it: `unknown-keyword` replaces that)',
  run({ tree, resolved, report }) {
    const text = tree.text;
    // File level.
    const firstLineEnd = text.indexOf('\n') < 0 ? text.length : text.indexOf('\n');
    const topology = resolved.topologyStmt;
    const fileSpan = topology ? { start: topology.start, end: topology.end } : { start: 0, end: firstLineEnd };
    for (const kw of BLOCKS.file!.keywords) {
      if (!kw.required || resolved.top.has(kw.keyword)) continue;
      const edit: TextEdit = kw.keyword === 'topology'
        ? { span: { start: 0, end: 0 }, newText: `topology main\n\n` }
        : {
          span: { start: text.length, end: text.length },
          newText: `${text.endsWith('\n') || text === '' ? '' : '\n'}\n${snippetText(kw.snippet ?? kw.keyword)}\n`,
        };
      const what = kw.keyword === 'topology' ? 'a `topology NAME` statement' : `at least one \`${kw.keyword}\` block`;
      report(fileSpan, `The file needs ${what}.`, [{ title: `Add \`${kw.keyword}\``, edits: [edit] }]);
    }
    // Block level (the fixes depend on the whole model, so this part is not statement-local).
    for (const stmt of tree.statements) {
      const spec = keywordSpec('file', stmt.keyword.value);
      if (!spec?.block || !stmt.block) continue;
      const block = BLOCKS[spec.block]!;
      const inner = stmt.block.statements;
      let misspelt: Map<string, string> | undefined;
      for (const kw of requiredOf(block)) {
        if (inner.some((s) => s.keyword.value === kw.keyword)) continue;
        // Unknown keywords of this block by the keyword `unknown-keyword` suggests for them.
        misspelt ??= new Map(inner.filter((s) => !keywordSpec(block.id, s.keyword.value))
          .map((s) => [closest(s.keyword.value, block.keywords.map((k) => k.keyword)) ?? '', s.keyword.value] as const).reverse());
        const typo = misspelt.get(kw.keyword);
        const owner = `${stmt.keyword.value}${stmt.args[0] ? ' ' + stmt.args[0].value : ''}`;
        const head = `\`${owner}\` needs \`${kw.keyword}\` (${lowerFirst(kw.doc.split('. ')[0]!.replace(/\.$/, ''))}).`;
        const at = { start: stmt.keyword.start, end: stmt.args[0]?.end ?? stmt.keyword.end };
        if (typo) {
          report(at, `${head} \`${typo}\` looks like a misspelling of it.`);
          continue;
        }
        const line = valueFor(kw, block.id, resolved, stmt);
        report(at, `${head} Add \`${line}\`.`, [{ title: `Insert \`${line}\``, edits: [insertIntoBlock(text, stmt, line)] }]);
      }
    }
  },
});

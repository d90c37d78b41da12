/**
 * Semantic tokens: keywords, declared names, references, enum values, numbers/durations/addresses,
 * strings and comments. Encoded as LSP's relative 5-tuples.
 */
import type { SyntaxTree } from '../syntax/ast.js';
import { LineIndex } from '../syntax/line-index.js';
import { walk } from '../schema/walk.js';

export const TOKEN_TYPES = ['keyword', 'class', 'variable', 'enumMember', 'number', 'string', 'comment', 'namespace', 'property'] as const;
export const TOKEN_MODIFIERS = ['declaration', 'readonly'] as const;
const T = Object.fromEntries(TOKEN_TYPES.map((t, i) => [t, i])) as Record<(typeof TOKEN_TYPES)[number], number>;

export function semanticTokens(tree: SyntaxTree, idx = new LineIndex(tree.text)): number[] {
  const toks: { start: number; end: number; type: number; mods: number }[] = [];
  for (const { stmt, spec, parent } of walk(tree)) {
    toks.push({ start: stmt.keyword.start, end: stmt.keyword.end, type: parent ? T.property : T.keyword, mods: 0 });
    stmt.args.forEach((a, i) => {
      const as = spec?.args[i] ?? spec?.rest;
      let type: number = T.variable;
      let mods = 0;
      if (a.kind === 'string') type = T.string;
      else if (!as) type = T.variable;
      else if (as.type === 'name') {
        type = stmt.keyword.value === 'topology' ? T.namespace : T.class;
        mods = 1;
      } else if (as.type === 'enum') type = T.enumMember;
      else if (['int', 'port', 'duration', 'ip', 'cidr', 'vip-ref'].includes(as.type)) type = T.number;
      toks.push({ start: a.start, end: a.end, type, mods });
    });
  }
  for (const c of tree.comments) toks.push({ start: c.start, end: c.end, type: T.comment, mods: 0 });
  toks.sort((a, b) => a.start - b.start);
  const data: number[] = [];
  let pl = 0;
  let pc = 0;
  for (const t of toks) {
    const p = idx.position(t.start);
    const len = t.end - t.start;
    // A token never spans lines here (strings are one line), but clamp for safety.
    const e = idx.position(t.end);
    const length = e.line === p.line ? len : idx.offset({ line: p.line + 1, character: 0 }) - 1 - t.start;
    if (length <= 0) continue;
    data.push(p.line - pl, p.line === pl ? p.character - pc : p.character, length, t.type, t.mods);
    pl = p.line;
    pc = p.character;
  }
  return data;
}

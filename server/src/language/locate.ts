/** Finding what stands at an offset: the statement, its block, the argument under the cursor. */
import type { Arg, Statement, SyntaxTree } from '../syntax/ast.js';
import { BLOCKS, type BlockSpec, type KeywordSpec } from '../schema/schema.js';

export interface Located {
  stmt: Statement;
  /** The block the statement stands in. */
  block: BlockSpec;
  spec: KeywordSpec | undefined;
  parent: Statement | undefined;
  /** -1 for the keyword, else the argument index. */
  argIndex: number;
  arg: Arg | undefined;
}

const inside = (s: { start: number; end: number }, o: number) => o >= s.start && o <= s.end;

/** The block (and its owner) whose braces enclose the offset. */
export function enclosingBlock(tree: SyntaxTree, offset: number): { block: BlockSpec; owner: Statement | undefined } {
  for (const st of tree.statements) {
    const b = st.block;
    if (!b || offset <= b.open) continue;
    const closed = b.close >= 0;
    if ((closed && offset <= b.close) || (!closed && offset <= Math.max(b.end, st.end) + 1) || (!closed && isLastTop(tree, st))) {
      const spec = BLOCKS.file!.keywords.find((k) => k.keyword === st.keyword.value);
      const block = spec?.block ? BLOCKS[spec.block] : undefined;
      if (block) return { block, owner: st };
    }
  }
  return { block: BLOCKS.file!, owner: undefined };
}

function isLastTop(tree: SyntaxTree, st: Statement): boolean {
  return tree.statements[tree.statements.length - 1] === st;
}

/** The statement and argument under the offset (inclusive of the end, for a cursor after a word). */
export function locate(tree: SyntaxTree, offset: number): Located | undefined {
  for (const st of tree.statements) {
    const spec = BLOCKS.file!.keywords.find((k) => k.keyword === st.keyword.value);
    if (st.block && spec?.block && offset > st.block.open && (st.block.close < 0 || offset <= st.block.close)) {
      const block = BLOCKS[spec.block]!;
      for (const inner of st.block.statements) {
        const hit = hitIn(inner, offset);
        if (hit) return { stmt: inner, block, spec: block.keywords.find((k) => k.keyword === inner.keyword.value), parent: st, ...hit };
      }
    }
    const hit = hitIn(st, offset);
    if (hit) return { stmt: st, block: BLOCKS.file!, spec, parent: undefined, ...hit };
  }
  return undefined;
}

function hitIn(st: Statement, offset: number): { argIndex: number; arg: Arg | undefined } | undefined {
  if (inside(st.keyword, offset)) return { argIndex: -1, arg: st.keyword };
  const i = st.args.findIndex((a) => inside(a, offset));
  if (i >= 0) return { argIndex: i, arg: st.args[i] };
  return undefined;
}

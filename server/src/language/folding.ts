/** Folding ranges: multi-line blocks and runs of comment lines. */
import type { SyntaxTree } from '../syntax/ast.js';
import { LineIndex } from '../syntax/line-index.js';

export interface Fold {
  startLine: number;
  endLine: number;
  kind?: 'comment';
}

export function folds(tree: SyntaxTree, idx = new LineIndex(tree.text)): Fold[] {
  const out: Fold[] = [];
  for (const st of tree.statements) {
    if (!st.block) continue;
    const s = idx.position(st.start).line;
    const e = idx.position(st.block.close >= 0 ? st.block.close : st.block.end).line;
    // Keep the closing brace visible: fold up to the line before it.
    if (e > s) out.push({ startLine: s, endLine: st.block.close >= 0 ? e - 1 : e });
  }
  let run: { s: number; e: number } | undefined;
  for (const c of tree.comments) {
    const line = idx.position(c.start).line;
    const lineStart = tree.text.lastIndexOf('\n', c.start - 1) + 1;
    if (tree.text.slice(lineStart, c.start).trim() !== '') continue; // trailing comment
    if (run && line === run.e + 1) run.e = line;
    else {
      if (run && run.e > run.s) out.push({ startLine: run.s, endLine: run.e, kind: 'comment' });
      run = { s: line, e: line };
    }
  }
  if (run && run.e > run.s) out.push({ startLine: run.s, endLine: run.e, kind: 'comment' });
  return out.filter((f) => f.endLine > f.startLine);
}

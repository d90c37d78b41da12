/** Walks the syntax tree together with the schema: each statement with the block it stands in. */
import type { Statement, SyntaxTree } from '../syntax/ast.js';
import { BLOCKS, keywordSpec, type BlockSpec, type KeywordSpec } from './schema.js';

export interface StatementContext {
  stmt: Statement;
  /** The block the statement stands in. */
  block: BlockSpec;
  /** Its schema entry, undefined for unknown keywords. */
  spec: KeywordSpec | undefined;
  /** The statement owning the enclosing block (undefined at top level). */
  parent: Statement | undefined;
}

/** A top-level statement followed by the statements of its block. */
export function walkStatement(stmt: Statement, out: StatementContext[] = []): StatementContext[] {
  const file = BLOCKS.file!;
  const spec = keywordSpec('file', stmt.keyword.value);
  out.push({ stmt, block: file, spec, parent: undefined });
  if (stmt.block && spec?.block) {
    const child = BLOCKS[spec.block]!;
    for (const inner of stmt.block.statements) {
      out.push({ stmt: inner, block: child, spec: keywordSpec(child.id, inner.keyword.value), parent: stmt });
    }
  }
  return out;
}

/** Every statement in file order: top-level ones, each followed by those of its block. */
export function walk(tree: SyntaxTree): StatementContext[] {
  const out: StatementContext[] = [];
  for (const stmt of tree.statements) walkStatement(stmt, out);
  return out;
}

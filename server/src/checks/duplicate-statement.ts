/** `duplicate-statement`: a single-valued statement given twice in a block; the last one wins. */
import { defineCheck, type Fix } from './types.js';
import type { Span, Statement } from '../syntax/ast.js';
import type { KeywordSpec } from '../schema/schema.js';

const message = (kw: string) => `\`${kw}\` is given twice in this block; the last one wins. Remove one.`;
const removeEarlier = (prev: Statement): Fix[] =>
  [{ title: 'Remove the earlier statement', edits: [{ span: { start: prev.start, end: prev.end }, newText: '' }] }];

/** Reports the second and later of each single-valued keyword in one list of statements. */
function scan(
  items: Iterable<{ stmt: Statement; spec: KeywordSpec | undefined }>, report: (span: Span, message: string, fixes?: Fix[]) => void,
): void {
  const seen = new Map<string, Statement>();
  for (const { stmt, spec } of items) {
    if (!spec || spec.repeatable) continue;
    const prev = seen.get(spec.keyword);
    if (prev) report(stmt.keyword, message(spec.keyword), removeEarlier(prev));
    seen.set(spec.keyword, stmt);
  }
}

export default defineCheck({
  code: 'duplicate-statement',
  severity: 'warning',
  fix: 'remove the earlier statement',
  // Inside a block: local to the block's owner.
  local({ statements, report }) {
    scan(statements.filter((c) => c.parent), report);
  },
  // At the top level: across the file.
  run({ statements, report }) {
    scan(statements.filter((c) => !c.parent), report);
  },
});

/** `duplicate-statement`: a single-valued statement given twice in a block; the last one wins. */
import { defineCheck } from './types.js';
import type { Statement } from '../syntax/ast.js';

export default defineCheck({
  code: 'duplicate-statement',
  severity: 'warning',
  run({ report, statements }) {
    // `statements` lists each block's statements together, right after their owner, so one map
    // per block is enough: it is cleared when the owner changes (no map per block kept alive).
    const top = new Map<string, Statement>();
    const inner = new Map<string, Statement>();
    let owner: Statement | undefined;
    for (const { stmt, spec, parent } of statements) {
      if (parent !== owner) {
        owner = parent;
        inner.clear();
      }
      if (!spec || spec.repeatable) continue;
      const m = parent ? inner : top;
      const prev = m.get(spec.keyword);
      if (prev) report(stmt.keyword, `\`${spec.keyword}\` is given twice in this block; the last one wins. Remove one.`,
        [{ title: 'Remove the earlier statement', edits: [{ span: { start: prev.start, end: prev.end }, newText: '' }] }]);
      m.set(spec.keyword, stmt);
    }
  },
});

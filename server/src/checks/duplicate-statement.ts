/** `duplicate-statement`: a single-valued statement given twice in a block; the last one wins. */
import { defineCheck } from './types.js';
import type { Statement } from '../syntax/ast.js';

export default defineCheck({
  code: 'duplicate-statement',
  severity: 'warning',
  run({ report, statements }) {
    const seen = new Map<Statement | undefined, Map<string, Statement>>();
    for (const { stmt, spec, parent } of statements) {
      if (!spec || spec.repeatable) continue;
      let m = seen.get(parent);
      if (!m) seen.set(parent, (m = new Map()));
      const prev = m.get(spec.keyword);
      if (prev) report(stmt.keyword, `\`${spec.keyword}\` is given twice in this block; the last one wins. Remove one.`,
        [{ title: 'Remove the earlier statement', edits: [{ span: { start: prev.start, end: prev.end }, newText: '' }] }]);
      m.set(spec.keyword, stmt);
    }
  },
});

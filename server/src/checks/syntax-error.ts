/**
 * `syntax-error`: what the parser could not make sense of (stray `}`, missing `}`, unterminated
 * string, `{` where none belongs), plus block shape: a block keyword without its `{ … }`, or a
 * plain statement given a block.
 */
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'syntax-error',
  severity: 'error',
  run({ tree, report }) {
    for (const e of tree.errors) report(e, e.message);
  },
  // Block shape depends on the statement alone.
  local({ report, statements }) {
    for (const { stmt, spec } of statements) {
      if (!spec) continue;
      if (spec.block && !stmt.block) {
        const form = `${spec.keyword}${spec.args.length ? ' ' + spec.args.map((a) => a.label).join(' ') : ''} { … }`;
        report(stmt.keyword, `\`${spec.keyword}\` needs a block: \`${form}\`, with \`{\` on this line.`);
      } else if (!spec.block && stmt.block) {
        report({ start: stmt.block.open, end: stmt.block.open + 1 },
          `\`{\` where none belongs: \`${spec.keyword}\` takes no block. End the statement with a newline or \`;\`.`);
      }
    }
  },
});

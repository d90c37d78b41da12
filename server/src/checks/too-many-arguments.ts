/** `too-many-arguments`: extra arguments after the ones a keyword takes. */
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'too-many-arguments',
  severity: 'error',
  fix: 'remove the extra arguments',
  local({ report, statements }) {
    for (const { stmt, spec } of statements) {
      if (!spec || spec.rest || stmt.args.length <= spec.args.length) continue;
      const extra = stmt.args.slice(spec.args.length);
      const form = [spec.keyword, ...spec.args.map((a) => a.label)].join(' ');
      const n = spec.args.length;
      const count = n === 0 ? 'no arguments' : n === 1 ? 'one argument' : `${n} arguments`;
      // From the end of the last argument it takes, so the separating blanks go too.
      const removed = { start: stmt.args[n - 1]?.end ?? stmt.keyword.end, end: extra[extra.length - 1]!.end };
      report({ start: extra[0]!.start, end: extra[extra.length - 1]!.end },
        `\`${spec.keyword}\` takes ${count} (\`${form}\`). Remove the extra ones, or end the statement with \`;\`.`,
        [{ title: 'Remove the extra arguments', edits: [{ span: removed, newText: '' }] }]);
    }
  },
});

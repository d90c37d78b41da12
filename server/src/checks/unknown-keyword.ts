/**
 * `unknown-keyword`: a keyword not valid in its block. The message suggests the closest valid
 * keyword of that block (quick fix: replace it), or names the block where the keyword belongs.
 */
import { BLOCKS } from '../schema/schema.js';
import { defineCheck } from './types.js';
import { closest } from './util.js';

export default defineCheck({
  code: 'unknown-keyword',
  severity: 'error',
  fix: 'replace with the closest valid keyword',
  local({ report, statements }) {
    for (const { stmt, spec, block } of statements) {
      if (spec) continue;
      const word = stmt.keyword.value;
      const where = block.id === 'file' ? 'at the top level' : `in a \`${block.title}\` block`;
      const valid = block.keywords.map((k) => k.keyword);
      const suggestion = closest(word, valid);
      const elsewhere = Object.values(BLOCKS)
        .filter((b) => b !== block && b.keywords.some((k) => k.keyword === word))
        .map((b) => `\`${b.title}\``);
      let message = `Unknown keyword \`${word}\` ${where}.`;
      if (suggestion) message += ` Did you mean \`${suggestion}\`?`;
      else if (elsewhere.length) message += ` It belongs in ${elsewhere.join(' or ')}.`;
      else message += ` Valid here: ${valid.join(', ')}.`;
      const span = { start: stmt.keyword.start, end: stmt.keyword.end };
      const fixes = suggestion ? [{ title: `Replace with \`${suggestion}\``, edits: [{ span, newText: suggestion }] }] : undefined;
      report(stmt.keyword, message, fixes);
    }
  },
});

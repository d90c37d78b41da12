/** Generated files stay in sync with the schema table: the grammar and the language reference. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { updateLanguageDoc } from '../../../scripts/gen-docs.js';
import { BLOCKS } from '../../../server/src/schema/schema.js';

test('docs/language.md carries the current schema reference (npm run docs)', () => {
  const { before, after } = updateLanguageDoc();
  assert.equal(before, after, 'docs/language.md is stale: run npm run docs');
  for (const b of Object.values(BLOCKS)) {
    for (const k of b.keywords) assert.ok(before.includes(`\`${k.keyword}`), `${k.keyword} documented`);
  }
});

test('the TextMate grammar is generated from the schema (npm run docs)', () => {
  const committed = readFileSync('syntaxes/halab.tmLanguage.json', 'utf8');
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/gen-grammar.ts']);
  assert.equal(readFileSync('syntaxes/halab.tmLanguage.json', 'utf8'), committed);
  const g = JSON.parse(committed);
  for (const k of ['router-id', 'track-weight', 'check-interval']) assert.ok(JSON.stringify(g).includes(k.replace('-', '\\\\-')), k);
});

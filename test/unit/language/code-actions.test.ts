/**
 * Code actions in-process (language/code-actions.ts): which quick fixes a range gets, in which
 * order, which one is preferred, and the text each produces (written out). test/lsp/server.test.ts
 * applies the same fixes over stdio.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, type Diagnostic } from '../../../server/src/engine.js';
import { quickFixes } from '../../../server/src/language/code-actions.js';
import { applyEdits } from '../../../server/src/edit/text-edits.js';
import { BASE } from '../../helpers/markers.js';

const notSent = (): undefined => undefined;

/** The fixes for the range of `word` (its first occurrence), none of them sent by the client. */
function fixesAt(text: string, word: string) {
  const start = text.indexOf(word);
  assert.ok(start >= 0, word);
  return quickFixes(analyze(text).diagnostics, { start, end: start + word.length }, notSent);
}

test('a misspelt keyword: one preferred fix that spells it right', () => {
  const text = BASE.replace('router-id 51', 'rouer-id 51');
  const fixes = fixesAt(text, 'rouer-id');
  assert.deepEqual(fixes.map((f) => [f.diagnostic.code, f.title, f.preferred]), [['unknown-keyword', 'Replace with `router-id`', true]]);
  assert.equal(applyEdits(text, fixes[0]!.edits), BASE);
});

test('an unknown upstream: change to the near name (preferred), or create it after the last upstream', () => {
  const text = BASE.replace('servers web1 web2', 'servers web2 web3');
  const fixes = fixesAt(text, 'web3');
  assert.deepEqual(fixes.map((f) => [f.title, f.preferred]), [['Change to `web1`', true], ['Create `upstream web3`', false]]);
  assert.equal(applyEdits(text, fixes[0]!.edits), BASE.replace('servers web1 web2', 'servers web2 web1'));
  assert.equal(
    applyEdits(text, fixes[1]!.edits),
    text.replace('upstream web2 { address 198.18.0.22 }\n',
      'upstream web2 { address 198.18.0.22 }\nupstream web3 { address 198.18.0.23 }\n'),
  );
});

test('a plaintext secret: replaced with the env variable the secrets table names', () => {
  const text = `${BASE}stats { password "s3cret-pass-long" }\n`;
  const fixes = fixesAt(text, '"s3cret-pass-long"');
  assert.deepEqual(fixes.map((f) => f.title), ['Replace with `env:HALAB_STATS_PASSWORD`']);
  assert.equal(applyEdits(text, fixes[0]!.edits), `${BASE}stats { password env:HALAB_STATS_PASSWORD }\n`);
});

test('a range away from every fixable diagnostic gets nothing, unless the client sent the diagnostic', () => {
  const text = BASE.replace('router-id 51', 'rouer-id 51');
  const { diagnostics } = analyze(text);
  const away = { start: 0, end: 'topology'.length };
  assert.deepEqual(quickFixes(diagnostics, away, notSent), []);
  const sentAs = (d: Diagnostic) => (d.code === 'unknown-keyword' ? 'the client’s copy' : undefined);
  const fixes = quickFixes(diagnostics, away, sentAs);
  assert.deepEqual(fixes.map((f) => [f.title, f.sent]), [['Replace with `router-id`', 'the client’s copy']]);
});

test('a range touching a diagnostic at either end counts; diagnostics without fixes give none', () => {
  const text = BASE.replace('router-id 51', 'rouer-id 51');
  const start = text.indexOf('rouer-id');
  const { diagnostics } = analyze(text);
  assert.equal(quickFixes(diagnostics, { start: start + 8, end: start + 8 }, notSent).length, 1, 'a cursor just after the word');
  assert.equal(quickFixes(diagnostics, { start: start - 1, end: start - 1 }, notSent).length, 0, 'a cursor one before it');
  const withoutFixes = diagnostics.map((d) => ({ ...d, fixes: undefined }));
  assert.deepEqual(quickFixes(withoutFixes, { start: 0, end: text.length }, notSent), []);
});

/**
 * Formatting in-process (language/format.ts), on small files with the formatted text written out:
 * indentation per block level, spacing, comments and strings kept, blank lines collapsed, line
 * endings kept, one final newline. test/lsp/server.test.ts runs it over stdio on an example.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { format, formatEdits } from '../../../server/src/language/format.js';
import { applyEdits } from '../../../server/src/edit/text-edits.js';

const MESSY = [
  '',
  '',
  'topology t',
  'vip 198.18.0.100/24 {',
  'router-id 51   # the id   ',
  '',
  '',
  '      advert 1s',
  '}',
  'lb lb1 {   address 198.18.0.11 ;  role primary }',
  'site s { host a.example.com; page "two  spaces #kept" }',
].join('\n');

const TIDY = [
  'topology t',
  'vip 198.18.0.100/24 {',
  '  router-id 51  # the id',
  '',
  '  advert 1s',
  '}',
  'lb lb1 { address 198.18.0.11; role primary }',
  'site s { host a.example.com; page "two  spaces #kept" }',
  '',
].join('\n');

test('indentation, spacing, comments, strings, blank lines and the final newline', () => {
  assert.equal(format(MESSY), TIDY);
});

test('formatting is idempotent, and a formatted file gets no edits', () => {
  assert.equal(format(TIDY), TIDY);
  assert.deepEqual(formatEdits(TIDY), []);
});

test('the edits, applied, give the formatted text', () => {
  assert.equal(applyEdits(MESSY, formatEdits(MESSY)), TIDY);
});

test('the indent unit is the caller’s; nested closing braces dedent their line', () => {
  assert.equal(format('lb a {\naddress 198.18.0.11\n}\n', '\t'), 'lb a {\n\taddress 198.18.0.11\n}\n');
  assert.equal(format('lb a {\n    address 198.18.0.11 }\n', '    '), 'lb a {\n    address 198.18.0.11 }\n');
});

test('CRLF line endings stay CRLF', () => {
  assert.equal(format('topology t\r\nlb a {\r\naddress 198.18.0.11\r\n}\r\n'), 'topology t\r\nlb a {\r\n  address 198.18.0.11\r\n}\r\n');
});

test('trailing blank lines go; an empty file stays empty', () => {
  assert.equal(format('topology t\n\n\n'), 'topology t\n');
  assert.equal(format(''), '');
});

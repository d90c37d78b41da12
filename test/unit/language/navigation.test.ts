/**
 * Definition, references and rename in-process (language/navigation.ts), with the spans and the
 * renamed text written out. rename.test.ts checks that the diagram's rename agrees with this one;
 * test/lsp/server.test.ts runs the same requests over stdio.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../server/src/engine.js';
import { nameRefusal, rename, symbolAt } from '../../../server/src/language/navigation.js';
import { applyEdits } from '../../../server/src/edit/text-edits.js';
import { BASE } from '../../helpers/markers.js';

// Two sites use web1, so it has two references.
const TEXT = `${BASE}site s2 { host b.example.com; servers web1 }\n`;
const A = analyze(TEXT);

/** The offset of `word` inside the first occurrence of `context` (which must be unique). */
function offsetOf(context: string, word: string): number {
  assert.equal(TEXT.split(context).length, 2, `"${context}" occurs once`);
  return TEXT.indexOf(context) + context.indexOf(word);
}

/** A span written as the text around it: `[context, word]`. */
function spanOf(context: string, word: string) {
  const start = offsetOf(context, word);
  return { start, end: start + word.length };
}

const symbolAtWord = (context: string, word: string) => symbolAt(A.tree, A.resolved, offsetOf(context, word) + 1);

test('an upstream, from a servers reference or from its declaration: the declaration and both references', () => {
  const want = {
    kind: 'upstream',
    name: 'web1',
    declaration: spanOf('upstream web1 {', 'web1'),
    references: [spanOf('servers web1 web2', 'web1'), spanOf('servers web1 }', 'web1')],
  };
  assert.deepEqual(symbolAtWord('servers web1 }', 'web1'), want);
  assert.deepEqual(symbolAtWord('upstream web1 {', 'web1'), want);
});

test('an lb or a site: its declaration, no references', () => {
  assert.deepEqual(symbolAtWord('lb lb2 {', 'lb2'), { kind: 'lb', name: 'lb2', declaration: spanOf('lb lb2 {', 'lb2'), references: [] });
  assert.deepEqual(symbolAtWord('site s2 {', 's2'), { kind: 'site', name: 's2', declaration: spanOf('site s2 {', 's2'), references: [] });
});

test("a site's vip points at the vip statement's address", () => {
  const text = BASE.replace('servers web1 web2 }', 'servers web1 web2; vip 198.18.0.100 }');
  const a = analyze(text);
  const at = text.indexOf('vip 198.18.0.100 }') + 5;
  const s = symbolAt(a.tree, a.resolved, at)!;
  assert.equal(s.kind, 'vip');
  assert.equal(s.name, '198.18.0.100');
  assert.equal(text.slice(s.declaration!.start, s.declaration!.end), '198.18.0.100/24');
  assert.deepEqual(s.references.map((r) => text.slice(r.start, r.end)), ['198.18.0.100']);
});

test('an undeclared upstream has references but no declaration; keywords and values are no symbol', () => {
  const text = BASE.replace('servers web1 web2', 'servers web1 web9');
  const a = analyze(text);
  const s = symbolAt(a.tree, a.resolved, text.indexOf('web9') + 1)!;
  assert.equal(s.declaration, undefined);
  assert.deepEqual(s.references, [{ start: text.indexOf('web9'), end: text.indexOf('web9') + 4 }]);
  assert.equal(symbolAtWord('servers web1 }', 'servers'), undefined);
  assert.equal(symbolAtWord('role primary', 'primary'), undefined);
});

test('renaming an upstream rewrites its declaration and every reference', () => {
  const r = rename(A.tree, A.resolved, offsetOf('servers web1 }', 'web1'), 'app1');
  assert.ok('edits' in r);
  const want = TEXT.replace('upstream web1 {', 'upstream app1 {').replace('servers web1 web2', 'servers app1 web2')
    .replace('servers web1 }', 'servers app1 }');
  assert.equal(applyEdits(TEXT, r.edits), want);
});

test('lbs and upstreams share one namespace, sites have their own', () => {
  assert.equal(nameRefusal(A.tree, 'lb', 'web2'), 'taken');
  assert.equal(nameRefusal(A.tree, 'upstream', 'lb1'), 'taken');
  assert.equal(nameRefusal(A.tree, 'site', 'web2'), undefined);
  assert.equal(nameRefusal(A.tree, 'site', 's1'), 'taken');
  assert.equal(nameRefusal(A.tree, 'lb', 'lb3'), undefined);
  assert.equal(nameRefusal(A.tree, 'lb', '9lb'), 'invalid');
  const site = rename(A.tree, A.resolved, offsetOf('site s2 {', 's2'), 'web2');
  assert.ok('edits' in site);
  assert.equal(applyEdits(TEXT, site.edits), TEXT.replace('site s2 {', 'site web2 {'));
});

test('rename refuses a taken or invalid name and anything but lb, upstream and site names', () => {
  const at = offsetOf('lb lb2 {', 'lb2');
  assert.deepEqual(rename(A.tree, A.resolved, at, 'web1'), { error: 'The name `web1` is already taken.' });
  assert.deepEqual(rename(A.tree, A.resolved, at, 'lb 3'), {
    error: '`lb 3` is not a valid name: start with a letter; use letters, digits, `_` or `-`.',
  });
  assert.deepEqual(rename(A.tree, A.resolved, offsetOf('role primary', 'role'), 'x'),
    { error: 'Only lb, upstream and site names can be renamed.' });
  // Its own name is not "taken": renaming to it changes nothing.
  const same = rename(A.tree, A.resolved, at, 'lb2');
  assert.ok('edits' in same);
  assert.equal(applyEdits(TEXT, same.edits), TEXT);
});

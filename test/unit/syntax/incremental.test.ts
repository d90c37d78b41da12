/**
 * Incremental re-parse must be invisible: for random edits — typed characters, deletions, pasted
 * lines, removed braces — the reused tree equals a full parse of the new text, or reparse declines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PARSE_OPTIONS as opts, analyze, parseHalab } from '../../../server/src/engine.js';
import { rng } from '../../helpers/rng.js';
import { reparse } from '../../../server/src/syntax/incremental.js';

const SNIPPETS = ['x', ' ', '\n', ';', '{', '}', '"', '#', 'lb', 'site s9 { host z.example.com; servers web1 }\n', 'balance leastconn',
  '\n\n', '  ', 'address 198.18.0.99', '# note\n'];

function edit(text: string, r: () => number): string {
  const at = Math.floor(r() * (text.length + 1));
  const del = r() < 0.5 ? Math.floor(r() * 6) : 0;
  const ins = r() < 0.7 ? SNIPPETS[Math.floor(r() * SNIPPETS.length)]! : '';
  return text.slice(0, at) + ins + text.slice(Math.min(text.length, at + del));
}

const plain = (t: ReturnType<typeof parseHalab>) => JSON.parse(JSON.stringify({ s: t.statements, c: t.comments, e: t.errors }));

test('random edits: a reused tree always equals the full parse', () => {
  const r = rng(7);
  const bases = [readFileSync('examples/lab.halab', 'utf8'), readFileSync('examples/seed-lab.halab', 'utf8')];
  let reused = 0;
  for (let i = 0; i < 3000; i++) {
    let text = bases[i % 2]!;
    let tree = parseHalab(text);
    // A few edits in a row, each reusing the previous tree, as the language server does.
    for (let k = 0; k < 4; k++) {
      const next = edit(text, r);
      const full = parseHalab(next);
      const inc = reparse(tree, next, opts);
      if (inc) {
        reused++;
        assert.deepEqual(plain(inc), plain(full), `edit #${i}.${k} differs:\n--- before\n${text}\n--- after\n${next}`);
      }
      text = next;
      tree = full;
    }
  }
  assert.ok(reused > 3000, `reparse was used for ${reused} of 12000 edits`);
});

test('a one-word change in a 10,000-line file re-parses only around it', () => {
  const lines = ['topology big', 'vip 198.18.0.100/16 { router-id 51 }'];
  for (let i = 0; i < 1200; i++) lines.push(`site s${i} {`, `  host s${i}.example.com`, '  servers web1 web2', '  balance roundrobin', '}');
  const text = lines.join('\n') + '\n';
  const tree = parseHalab(text);
  const keep = tree.statements[700];
  const next = text.replace('site s600 {\n  host s600.example.com\n  servers web1 web2\n  balance roundrobin',
    'site s600 {\n  host s600.example.com\n  servers web1 web2\n  balance leastconn');
  const inc = reparse(tree, next, opts)!;
  assert.ok(inc, 'reused');
  assert.equal(inc.statements[700], keep, 'statements after the edit are the same objects, shifted');
  assert.deepEqual(plain(inc), plain(parseHalab(next)));
});

test('random edits: an analysis reusing the previous one equals a fresh analysis', () => {
  // The language server chains analyses (each hands its tree, and the per-statement memos of
  // resolve and the local checks, to the next); any stale reuse would show up as a difference.
  const r = rng(11);
  const bases = [readFileSync('examples/lab.halab', 'utf8'), readFileSync('examples/seed-lab.halab', 'utf8')];
  const extra = ['port 0', 'bogus', ' 999999', 'weight 7', 'ballance', ' extra', 'vip 198.18.0.1/24 { router-id 9 }\n',
    'upstream web3 { address 198.18.0.33 }\n'];
  const pick = (): string => (r() < 0.5 ? SNIPPETS : extra)[Math.floor(r() * (r() < 0.5 ? SNIPPETS.length : extra.length))] ?? 'x';
  const view = (a: ReturnType<typeof analyze>) =>
    JSON.parse(JSON.stringify({ d: a.diagnostics, m: a.model, e: a.internalErrors.map((x) => x.code) }));
  let steps = 0;
  for (let i = 0; i < 400; i++) {
    let text = bases[i % 2]!;
    let prev = analyze(text, 'file:///t.halab');
    for (let k = 0; k < 8; k++) {
      const at = Math.floor(r() * (text.length + 1));
      const del = r() < 0.4 ? Math.floor(r() * 8) : 0;
      const next = text.slice(0, at) + (r() < 0.8 ? pick() : '') + text.slice(Math.min(text.length, at + del));
      const fresh = analyze(next, 'file:///t.halab');
      const chained = analyze(next, 'file:///t.halab', prev);
      assert.deepEqual(view(chained), view(fresh), `edit #${i}.${k} differs:\n--- before\n${text}\n--- after\n${next}`);
      text = next;
      prev = chained;
      steps++;
    }
  }
  assert.equal(steps, 3200);
});

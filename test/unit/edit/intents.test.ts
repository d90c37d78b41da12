/**
 * Intent -> text edit. Expected texts are written out by hand from the language contract, not
 * derived from the code: each test states exactly which bytes must change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { applyEdits, intentEdits, planIntent, EditError } from '../../../server/src/edit/intents.js';
import type { Intent } from '../../../shared/protocol/webview.js';

const SEED = readFileSync(new URL('../../../examples/seed-lab.halab', import.meta.url), 'utf8');
const LAB = readFileSync(new URL('../../../examples/lab.halab', import.meta.url), 'utf8');

const tree = (text: string) => analyze(text).tree;
const run = (text: string, intent: Intent) => applyEdits(text, intentEdits(tree(text), intent));

/** Assert that `after` equals `before` with exactly the replacements listed (each must match once). */
function expectChange(before: string, after: string, ...pairs: [string, string][]) {
  let want = before;
  for (const [from, to] of pairs) {
    assert.equal(want.split(from).length, 2, `fixture: "${from}" must occur exactly once`);
    want = want.replace(from, to);
  }
  assert.equal(after, want);
}

test('addUpstream: one-line sibling style, right after the last upstream, no blank line', () => {
  const out = run(SEED, { op: 'addUpstream', name: 'upstream03', address: '192.168.56.105' });
  expectChange(SEED, out, [
    'upstream upstream02 { address 192.168.56.104 }\n',
    'upstream upstream02 { address 192.168.56.104 }\nupstream upstream03 { address 192.168.56.105 }\n',
  ]);
});

test('addUpstream with a port', () => {
  const out = run(SEED, { op: 'addUpstream', name: 'u9', address: '192.168.56.109', port: 8080 });
  assert.match(out, /^upstream u9 \{ address 192\.168\.56\.109; port 8080 \}$/m);
});

test('addLb: one-line style after the last lb, priority below the explicit ones', () => {
  const out = run(SEED, { op: 'addLb', name: 'haproxy03', address: '192.168.56.110', role: 'backup' });
  expectChange(SEED, out, [
    'lb haproxy02 { address 192.168.56.102; role backup; priority 100 }\n',
    'lb haproxy02 { address 192.168.56.102; role backup; priority 100 }\n' +
      'lb haproxy03 { address 192.168.56.110; role backup; priority 99 }\n',
  ]);
});

test('addSite: multi-line style with a blank line, like its siblings', () => {
  const out = run(SEED, { op: 'addSite', name: 'web03', host: 'web03.example.test', servers: ['upstream01'] });
  expectChange(SEED, out, [
    '  page "WEB 02 - TEST PAGE"\n}\n',
    '  page "WEB 02 - TEST PAGE"\n}\n\nsite web03 {\n  host web03.example.test\n  servers upstream01\n}\n',
  ]);
});

test('addSite into a file without sites goes after the upstreams, indentation of the file', () => {
  const text = 'topology t\nvip 198.18.0.100/24 {\n    router-id 1\n}\nlb a {\n    address 198.18.0.11\n    role primary\n}\n' +
    'upstream u {\n    address 198.18.0.21\n}\nstats {\n    password env:X\n}\n';
  const out = run(text, { op: 'addSite', name: 's', host: 's.test', servers: ['u'] });
  expectChange(text, out, [
    'upstream u {\n    address 198.18.0.21\n}\n',
    'upstream u {\n    address 198.18.0.21\n}\n\nsite s {\n    host s.test\n    servers u\n}\n',
  ]);
});

test('connect appends to servers; disconnect removes just that name', () => {
  const a = run(SEED, { op: 'addUpstream', name: 'upstream03', address: '192.168.56.105' });
  const b = run(a, { op: 'connect', site: 'web01', upstream: 'upstream03' });
  expectChange(a, b, [
    'host web01-192-168-56-100.nip.io\n  servers upstream01 upstream02\n',
    'host web01-192-168-56-100.nip.io\n  servers upstream01 upstream02 upstream03\n',
  ]);
  const c = run(SEED, { op: 'disconnect', site: 'web02', upstream: 'upstream01' });
  expectChange(SEED, c, [
    'host web02-192-168-56-100.nip.io\n  servers upstream01 upstream02\n',
    'host web02-192-168-56-100.nip.io\n  servers upstream02\n',
  ]);
  const d = run(SEED, { op: 'disconnect', site: 'web02', upstream: 'upstream02' });
  expectChange(SEED, d, [
    'host web02-192-168-56-100.nip.io\n  servers upstream01 upstream02\n',
    'host web02-192-168-56-100.nip.io\n  servers upstream01\n',
  ]);
});

test('connect adds a servers statement when the site has none', () => {
  const text = 'site s {\n  host s.test\n}\nupstream u { address 198.18.0.21 }\n';
  assert.equal(run(text, { op: 'connect', site: 's', upstream: 'u' }),
    'site s {\n  host s.test\n  servers u\n}\nupstream u { address 198.18.0.21 }\n');
});

test('connect twice is refused', () => {
  assert.throws(() => run(SEED, { op: 'connect', site: 'web01', upstream: 'upstream01' }), EditError);
});

test('remove upstream deletes its line and every reference', () => {
  const out = run(SEED, { op: 'remove', kind: 'upstream', name: 'upstream02' });
  expectChange(
    SEED,
    out,
    ['upstream upstream02 { address 192.168.56.104 }\n', ''],
    ['web01-192-168-56-100.nip.io\n  servers upstream01 upstream02', 'web01-192-168-56-100.nip.io\n  servers upstream01'],
    ['web02-192-168-56-100.nip.io\n  servers upstream01 upstream02', 'web02-192-168-56-100.nip.io\n  servers upstream01'],
  );
});

test('remove a multi-line site leaves one blank line, not two', () => {
  const out = run(SEED, { op: 'remove', kind: 'site', name: 'web02' });
  expectChange(SEED, out, [
    'site web02 {\n  host web02-192-168-56-100.nip.io\n  servers upstream01 upstream02\n  page "WEB 02 - TEST PAGE"\n}\n\n',
    '',
  ]);
  assert.doesNotMatch(out, /\n\n\n/);
});

test('remove the only server of a site removes the servers statement', () => {
  const text = 'site s {\n  host s.test\n  servers u   # the only one\n  balance first\n}\n';
  assert.equal(run(text, { op: 'disconnect', site: 's', upstream: 'u' }), 'site s {\n  host s.test\n  balance first\n}\n');
});

test('rename an upstream renames its statement and all references', () => {
  const out = run(SEED, { op: 'rename', kind: 'upstream', from: 'upstream01', to: 'web-a' });
  assert.equal(out, SEED.replaceAll('upstream01', 'web-a'));
});

test('rename refuses a taken name (lbs and upstreams share one namespace)', () => {
  assert.throws(() => run(SEED, { op: 'rename', kind: 'upstream', from: 'upstream01', to: 'haproxy01' }), /already used/);
  assert.throws(() => run(SEED, { op: 'addLb', name: 'upstream02', address: '192.168.56.120', role: 'backup' }), /already used/);
});

test('setRole primary swaps roles and, with explicit priorities, the priorities', () => {
  const out = run(SEED, { op: 'setRole', lb: 'haproxy02', role: 'primary' });
  expectChange(
    SEED,
    out,
    ['lb haproxy01 { address 192.168.56.101; role primary; priority 101 }',
      'lb haproxy01 { address 192.168.56.101; role backup; priority 100 }'],
    ['lb haproxy02 { address 192.168.56.102; role backup; priority 100 }',
      'lb haproxy02 { address 192.168.56.102; role primary; priority 101 }'],
  );
});

test('setRole on lbs without priorities only swaps the roles', () => {
  const out = run(LAB, { op: 'setRole', lb: 'lb2', role: 'primary' });
  expectChange(
    LAB,
    out,
    ['lb lb1 { address 198.18.0.11; role primary; os debian }', 'lb lb1 { address 198.18.0.11; role backup; os debian }'],
    ['lb lb2 { address 198.18.0.12; role backup; os debian }', 'lb lb2 { address 198.18.0.12; role primary; os debian }'],
  );
});

test('setBalance inserts after the last statement with its indentation', () => {
  const out = run(SEED, { op: 'setBalance', site: 'web01', balance: 'leastconn' });
  expectChange(SEED, out, ['  page "WEB 01 - TEST PAGE"\n', '  page "WEB 01 - TEST PAGE"\n  balance leastconn\n']);
  const again = run(out, { op: 'setBalance', site: 'web01', balance: 'source' });
  expectChange(out, again, ['balance leastconn', 'balance source']);
});

test('setPort inserts inline in a one-line block, replaces an existing value', () => {
  const out = run(SEED, { op: 'setPort', upstream: 'upstream01', port: 8080 });
  expectChange(SEED, out, ['upstream upstream01 { address 192.168.56.103 }', 'upstream upstream01 { address 192.168.56.103; port 8080 }']);
  const again = run(out, { op: 'setPort', upstream: 'upstream01', port: 81 });
  expectChange(out, again, ['port 8080', 'port 81']);
});

test('setListen with `}` on the last statement line stays inside the block', () => {
  const text = 'site s {\n  host s.test\n  servers u }\n';
  assert.equal(run(text, { op: 'setListen', site: 's', port: 8081 }), 'site s {\n  host s.test\n  servers u; listen 8081 }\n');
});

test('comments survive every intent (lab.halab has comments inside and between blocks)', () => {
  const comments = tree(LAB).comments.map((c) => c.text);
  assert.ok(comments.length >= 4);
  const intents: Intent[] = [
    { op: 'addLb', name: 'lb3', address: '198.18.0.13', role: 'backup' },
    { op: 'addUpstream', name: 'web3', address: '198.18.0.23' },
    { op: 'addSite', name: 'web03', host: 'web03.lab.test', servers: ['web1'] },
    { op: 'connect', site: 'web01', upstream: 'web3' },
    { op: 'disconnect', site: 'web01', upstream: 'web2' },
    { op: 'remove', kind: 'site', name: 'web02' },
    { op: 'remove', kind: 'upstream', name: 'web2' },
    { op: 'rename', kind: 'lb', from: 'lb1', to: 'edge1' },
    { op: 'setRole', lb: 'lb2', role: 'primary' },
    { op: 'setBalance', site: 'web01', balance: 'leastconn' },
    { op: 'setPort', upstream: 'web1', port: 8080 },
  ];
  let text = LAB;
  for (const i of intents) {
    text = run(text, i);
    const now = tree(text);
    assert.deepEqual(now.errors, [], `${i.op} left a syntax error:\n${text}`);
    assert.deepEqual(now.comments.map((c) => c.text), comments, `${i.op} lost or changed a comment`);
    const errs = analyze(text).diagnostics.filter((d) => d.severity === 'error');
    assert.ok(!hasErrors(errs), `${i.op} produced an invalid file: ${errs.map((d) => d.code + ' ' + d.message).join('; ')}\n${text}`);
  }
  assert.match(text, /^lb edge1 \{ address 198\.18\.0\.11; role backup; os debian \}$/m);
  assert.match(text, /^lb lb3 \{ address 198\.18\.0\.13; role backup \}$/m);
  assert.match(text, /^  servers web1 web3$/m);
  assert.doesNotMatch(text, /web2\b/);
});

test('a trailing comment on a removed one-line statement goes with it', () => {
  const text = 'upstream a { address 198.18.0.21 }  # first\nupstream b { address 198.18.0.22 }\n';
  assert.equal(run(text, { op: 'remove', kind: 'upstream', name: 'a' }), 'upstream b { address 198.18.0.22 }\n');
});

test('CRLF files get CRLF insertions', () => {
  const text = 'site s {\r\n  host s.test\r\n  servers u\r\n}\r\n';
  assert.equal(run(text, { op: 'setBalance', site: 's', balance: 'first' }),
    'site s {\r\n  host s.test\r\n  servers u\r\n  balance first\r\n}\r\n');
});

test('planIntent rejects a stale revision and reports refusals without throwing', () => {
  const t = tree(SEED);
  const stale = planIntent(t, 5, 4, { op: 'setPort', upstream: 'upstream01', port: 81 });
  assert.deepEqual(stale.ok ? null : stale.stale, true);
  const refused = planIntent(t, 5, 5, { op: 'remove', kind: 'site', name: 'nope' });
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.stale, false);
  const ok = planIntent(t, 5, 5, { op: 'setPort', upstream: 'upstream01', port: 81 });
  assert.equal(ok.ok, true);
});

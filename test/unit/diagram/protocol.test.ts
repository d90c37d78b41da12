/** The webview protocol's runtime validator: what it accepts, what it refuses, that it never throws. */
import { inspect } from 'node:util';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseWebviewMessage } from '../../../shared/protocol/webview.js';
import { contentSecurityPolicy, panelHtml } from '../../../server/src/diagram/panel-html.js';

const ok = (m: unknown) => {
  const r = parseWebviewMessage(m);
  assert.ok(r.ok, `should accept ${JSON.stringify(m)}: ${r.ok ? '' : r.error}`);
  return r.value;
};
const bad = (m: unknown, why: RegExp) => {
  const r = parseWebviewMessage(m);
  assert.equal(r.ok, false, `should refuse ${inspect(m)}`);
  assert.match(r.ok ? '' : r.error, why);
  return r;
};

test('accepts each well-formed message and returns a clean copy', () => {
  assert.deepEqual(ok({ type: 'ready', requestId: 'r1' }), { type: 'ready', requestId: 'r1' });
  const i = ok({
    type: 'intent', requestId: 'r2', revision: 3, intent: { op: 'addUpstream', name: 'u3', address: '198.18.0.23', port: 8080 },
  });
  assert.deepEqual(i,
    { type: 'intent', requestId: 'r2', revision: 3, intent: { op: 'addUpstream', name: 'u3', address: '198.18.0.23', port: 8080 } });
  ok({ type: 'intent', requestId: 'r3', revision: 0, intent: { op: 'addSite', name: 's', host: 'a.example.test', servers: ['u1', 'u2'] } });
  ok({ type: 'intent', requestId: 'r4', revision: 1, intent: { op: 'setBalance', site: 's', balance: 'leastconn' } });
  ok({ type: 'reveal', requestId: 'r5', nodeId: 'vip:198.18.0.100' });
  ok({ type: 'savePositions', requestId: 'r6', positions: { 'lb:a': { x: 1.5, y: -2 } } });
  ok({ type: 'export', requestId: 'r7', format: 'svg', data: '<svg></svg>' });
});

test('refuses wrong types, unknown ops and fields, injection attempts', () => {
  bad(null, /expected an object/);
  bad({ type: 'ready' }, /requestId/);
  bad({ type: 'ready', requestId: 'a b' }, /request id/);
  bad({ type: 'nope', requestId: 'x' }, /unknown message type/);
  bad({ type: 'ready', requestId: 'x', extra: 1 }, /unexpected field "extra"/);
  bad({ type: 'intent', requestId: 'x', revision: -1, intent: { op: 'remove', kind: 'lb', name: 'a' } }, /revision/);
  bad({ type: 'intent', requestId: 'x', revision: 1.5, intent: { op: 'remove', kind: 'lb', name: 'a' } }, /revision/);
  bad({ type: 'intent', requestId: 'x', revision: 1, intent: { op: 'remove', kind: 'vip', name: 'a' } }, /kind/);
  bad({ type: 'intent', requestId: 'x', revision: 1, intent: { op: 'rename', kind: 'lb', from: 'a', to: 'b }\nlb c {' } },
    /not a valid name/);
  bad({ type: 'intent', requestId: 'x', revision: 1, intent: { op: 'addLb', name: 'a', address: '1.2.3.4 # x', role: 'backup' } },
    /not a valid word/);
  bad({ type: 'intent', requestId: 'x', revision: 1, intent: { op: 'setPort', upstream: 'a', port: 0 } }, /port/);
  bad({ type: 'intent', requestId: 'x', revision: 1, intent: { op: 'setRole', lb: 'a', role: 'master' } }, /role/);
  bad({ type: 'intent', requestId: 'x', revision: 1, intent: { op: 'addSite', name: 's', host: 'h', servers: 'u1' } }, /servers/);
  bad({ type: 'intent', requestId: 'x', revision: 1, intent: { op: 'exec' } }, /unknown op/);
  // Values JSON.stringify throws on (postMessage carries BigInt): refused, not thrown.
  bad({ type: 'intent', requestId: 'x', revision: 1, intent: { op: { '': 0n } } }, /unknown op \(an object\)/);
  bad({ type: 10n, requestId: 'x' }, /unknown message type \(a bigint\)/);
  bad({ type: 'reveal', requestId: 'x', nodeId: '../../etc/passwd' }, /node id/);
  bad({ type: 'savePositions', requestId: 'x', positions: { 'lb:a': { x: Infinity, y: 0 } } }, /finite/);
  bad({ type: 'export', requestId: 'x', format: 'png', data: 'data:text/html;base64,AAAA' }, /PNG/);
  bad({ type: 'export', requestId: 'x', format: 'pdf', data: '' }, /format/);
  // A refused message still names its request when it had a usable id, so the page can be told.
  assert.equal(bad({ type: 'intent', requestId: 'keep-me', revision: 'x', intent: {} }, /revision/).requestId, 'keep-me');
});

test('never throws, whatever the page sends', () => {
  fc.assert(
    fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true }), (x) => {
      parseWebviewMessage(x);
      parseWebviewMessage({ type: 'intent', requestId: 'r', revision: 1, intent: x });
      parseWebviewMessage({ type: 'savePositions', requestId: 'r', positions: x });
    }),
    { numRuns: 2000 },
  );
});

test('panel HTML: nonce-only scripts, no eval, no remote origins', () => {
  const csp = contentSecurityPolicy({ cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'abc123' });
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc123'(;|$)/);
  // Workers only from blobs the page builds (ELK's), never from a URL.
  assert.match(csp, /(^|; )worker-src blob:(;|$)/);
  assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline|\*|https?:\/\/(?!file\+\.vscode-resource)/);
  const html = panelHtml({
    cspSource: 'https://x', nonce: 'n"><script>', scriptUri: 'https://x/webview.js', styleUri: 'https://x/webview.css',
  });
  assert.doesNotMatch(html, /n"><script>/, 'attribute values are escaped');
  assert.equal((html.match(/<script/g) ?? []).length, 1);
});

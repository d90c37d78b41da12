/**
 * The language server's framing guard (server/src/lsp/framing.ts) on its own: what it lets
 * through, what it calls broken, and that a busy server does not mistake queued bytes for a
 * stall. test/lsp/robustness.test.ts drives the same through the built server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { FramingGuard, MAX_BODY_BYTES, parseErrorResponse } from '../../../server/src/lsp/framing.js';

const msg = (body: string, headers = '') => Buffer.from(`${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

function run(chunks: (string | Buffer)[], stallMs = 60_000) {
  const reasons: string[] = [];
  const g = new FramingGuard((r) => reasons.push(r), stallMs);
  for (const c of chunks) g.push(typeof c === 'string' ? Buffer.from(c) : c);
  g.dispose();
  return reasons;
}

test('well-framed messages pass, however the bytes are split', () => {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'x', params: { text: 'é\r\n\r\nContent-Length: 3\r\n' } });
  const stream = Buffer.concat([
    msg(body), msg('{}', 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n'), msg(''),
    msg(body, 'content-length: ' + Buffer.byteLength(body) + '\r\n'),
  ]);
  assert.deepEqual(run([stream]), []);
  for (let cut = 1; cut < stream.length; cut++) assert.deepEqual(run([stream.subarray(0, cut), stream.subarray(cut)]), [], `cut at ${cut}`);
  assert.deepEqual(run([...stream].map((b) => Buffer.from([b]))), [], 'one byte at a time');
});

test('each kind of broken framing is reported once, with what was wrong', () => {
  const cases: [string | Buffer, RegExp][] = [
    ['Content-Length: abc\r\n\r\n', /not a non-negative integer/],
    ['Content-Length: -5\r\n\r\n', /not a non-negative integer/],
    ['Content-Length: 1e3\r\n\r\n', /not a non-negative integer/],
    ['Content-Length:\r\n\r\n', /not a non-negative integer/],
    ['Content-Length: 2\n\n{}', /LF alone/],
    ['Content-Length: 2\r\r\n', /CR not followed by LF/],
    ['Content-Type: x\r\n\r\n{}', /no Content-Length/],
    ['\r\n', /no Content-Length/],
    ['Content-Length 2\r\n\r\n{}', /header name/],
    [': 2\r\n\r\n', /header name/],
    ['Content-Length: 2\r\nContent-Length: 3\r\n\r\n', /conflicting/],
    [`Content-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`, /over the/],
    ['X: ' + 'a'.repeat(9000), /header section longer/],
    // The tail of a body read with too short a length becomes the next "header".
    [Buffer.concat([Buffer.from('Content-Length: 1\r\n\r\n{}'), msg('{}')]), /byte 0x7d in a header name/],
  ];
  for (const [bytes, reason] of cases) {
    const reasons = run([bytes, msg('{}'), 'more junk\n\n']);
    assert.equal(reasons.length, 1, `one report for ${JSON.stringify(String(bytes).slice(0, 40))}`);
    assert.match(reasons[0]!, reason);
  }
});

test('the parse error is a framed JSON-RPC error with id null and code -32700', () => {
  const out = parseErrorResponse('no Content-Length header').toString();
  const [head, body] = out.split('\r\n\r\n');
  assert.equal(head, `Content-Length: ${Buffer.byteLength(body!)}`);
  const m = JSON.parse(body!);
  assert.equal(m.jsonrpc, '2.0');
  assert.equal(m.id, null);
  assert.equal(m.error.code, -32700);
  assert.match(m.error.message, /no Content-Length header/);
});

test('a message left incomplete is reported after the stall limit, a complete one never', async () => {
  const reasons: string[] = [];
  const g = new FramingGuard((r) => reasons.push(r), 50);
  g.push(Buffer.from('Content-Length: 40\r\n\r\n{}'));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(reasons.length, 1);
  assert.match(reasons[0]!, /incomplete/);

  const quiet: string[] = [];
  const h = new FramingGuard((r) => quiet.push(r), 50);
  h.push(msg('{}'));
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(quiet, [], 'nothing pending, nothing reported');
  h.dispose();
});

test('bytes queued in the pipe while the server was busy count as arrived (no false stall)', async () => {
  // A writer sends the header now and the body 20 ms later; meanwhile this process is blocked for
  // 300 ms, far past the 100 ms limit, so the guard's timer is overdue when the loop resumes while
  // the body is still unread in the pipe.
  const writer = spawn(process.execPath, ['-e', `
    process.stdout.write('Content-Length: 2\\r\\n\\r\\n');
    setTimeout(() => process.stdout.write('{}'), 20);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const reasons: string[] = [];
  const g = new FramingGuard((r) => reasons.push(r), 100);
  let first = true;
  writer.stdout!.on('data', (chunk: Buffer) => {
    g.push(chunk);
    if (first) {
      first = false;
      const until = Date.now() + 300;
      while (Date.now() < until); // a long analysis
    }
  });
  await new Promise((r) => writer.on('close', r));
  await new Promise((r) => setTimeout(r, 250));
  g.dispose();
  assert.equal(first, false, 'the writer sent its bytes');
  assert.deepEqual(reasons, []);
});

/**
 * The language server never dies on a malformed message and never hangs on broken framing
 * (issue 13, item 10). Driven over stdio with raw bytes against the bundled dist/server.js
 * (run `npm run build` first; `npm test` does), so the transport is exactly an editor's.
 *
 * The contract checked here:
 * - a well-framed message with bad params (a `didOpen` whose `text` is null, a number or missing)
 *   is refused; the server stays up and keeps answering;
 * - after broken framing the byte stream cannot be resynchronised (the next message's header is
 *   read from the middle of a body), so the server answers once with a JSON-RPC parse error
 *   (id null, code -32700) and exits non-zero. The editor restarts it. It never goes silent.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { BASE } from '../helpers/markers.js';

const PARSE_ERROR = -32700;

interface Message {
  id?: number | string | null; method?: string; params?: any; result?: unknown; error?: { code: number; message: string };
}

/** A server process with its stdout parsed into messages (the server's own output is well-framed). */
interface RawServer {
  proc: ChildProcess;
  messages: Message[];
  send(bytes: string | Buffer): void;
  /** Resolves with the first message matching `pred`, or null after `ms`. */
  waitFor(pred: (m: Message) => boolean, ms: number): Promise<Message | null>;
  /** Resolves with the exit code (a signal counts as null), or 'alive' after `ms`. */
  exited(ms: number): Promise<number | null | 'alive'>;
  kill(): void;
}

const frame = (msg: object) => {
  const body = Buffer.from(JSON.stringify(msg));
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
};

async function startRaw(): Promise<RawServer> {
  const proc = spawn(process.execPath, [path.resolve('dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stderr!.resume(); // its log is not under test; never let the pipe fill up
  proc.stdin!.on('error', () => undefined); // writing after the server exited is expected here
  const messages: Message[] = [];
  const listeners = new Set<() => void>();
  let buf = Buffer.alloc(0);
  proc.stdout!.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) break;
      const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, end).toString())?.[1]);
      if (buf.length < end + 4 + len) break;
      messages.push(JSON.parse(buf.subarray(end + 4, end + 4 + len).toString()));
      buf = buf.subarray(end + 4 + len);
    }
    for (const l of listeners) l();
  });
  let exitCode: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(exitCode = code)));
  const server: RawServer = {
    proc, messages,
    send: (bytes) => { if (exitCode === undefined) proc.stdin!.write(bytes); },
    waitFor: (pred, ms) => new Promise((resolve) => {
      const check = () => {
        const hit = messages.find(pred);
        if (hit) done(hit);
      };
      const done = (m: Message | null) => {
        listeners.delete(check);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => done(null), ms);
      listeners.add(check);
      check();
    }),
    exited: (ms) => Promise.race([exit, new Promise<'alive'>((r) => setTimeout(() => r('alive'), ms).unref())]),
    // End of input first: the re-executed child (see lsp/main.ts) shares the pipe and exits on it.
    kill: () => {
      proc.stdin!.end();
      if (exitCode === undefined) proc.kill('SIGKILL');
    },
  };
  server.send(frame({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } }));
  assert.ok(await server.waitFor((m) => m.id === 0, 10_000), 'initialize answered');
  server.send(frame({ jsonrpc: '2.0', method: 'initialized', params: {} }));
  return server;
}

const hover = (id: number, uri = 'file:///other.halab') =>
  frame({ jsonrpc: '2.0', id, method: 'textDocument/hover', params: { textDocument: { uri }, position: { line: 0, character: 0 } } });
const didOpen = (uri: string, text: unknown, omitText = false) => frame({
  jsonrpc: '2.0', method: 'textDocument/didOpen',
  params: { textDocument: { uri, languageId: 'halab', version: 1, ...(omitText ? {} : { text }) } },
});

describe('malformed didOpen params', { concurrency: 4 }, () => {
  const cases: [string, unknown, boolean][] = [
    ['text null', null, false], ['text a number', 42, false], ['text missing', undefined, true], ['text an object', { a: 1 }, false],
  ];
  for (const [name, text, omit] of cases) {
    test(`${name}: the server survives, keeps answering and analyses the next document`, async () => {
      const s = await startRaw();
      try {
        s.send(didOpen('file:///bad.halab', text, omit));
        // A request on the broken document is answered (with an error or null), not dropped.
        s.send(hover(1, 'file:///bad.halab'));
        assert.ok(await s.waitFor((m) => m.id === 1, 10_000), 'request on the malformed document answered');
        s.send(didOpen('file:///good.halab', BASE.replace('router-id 51', 'rouer-id 51')));
        const diags = await s.waitFor((m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === 'file:///good.halab',
          10_000);
        assert.ok(diags, 'diagnostics published for the next, well-formed document');
        assert.ok(diags.params.diagnostics.some((d: { code: string }) => d.code === 'unknown-keyword'));
        s.send(hover(2));
        assert.ok(await s.waitFor((m) => m.id === 2, 10_000), 'a later request answered');
        assert.equal(await s.exited(200), 'alive', 'the server is still running');
      } finally {
        s.kill();
      }
    });
  }
  test('a didChange whose change has no text is refused without killing the server', async () => {
    const s = await startRaw();
    try {
      s.send(didOpen('file:///c.halab', BASE));
      assert.ok(await s.waitFor((m) => m.method === 'textDocument/publishDiagnostics', 10_000));
      for (const contentChanges of [[{ text: null }], [{ text: 7 }], null, [{ range: 'x', text: 'y' }]]) {
        s.send(frame({
          jsonrpc: '2.0', method: 'textDocument/didChange',
          params: { textDocument: { uri: 'file:///c.halab', version: 2 }, contentChanges },
        }));
      }
      s.send(hover(3, 'file:///c.halab'));
      assert.ok(await s.waitFor((m) => m.id === 3, 10_000), 'answered after the bad changes');
      assert.equal(await s.exited(200), 'alive');
    } finally {
      s.kill();
    }
  });
});

describe('broken framing: a parse error, then exit; never silence', { concurrency: 4 }, () => {
  // Each case is followed by a well-formed request, as an editor would send next.
  // The stall case comes first: it waits the server's 10 s stall limit while the others run.
  const cases: [string, string | Buffer][] = [
    ['a Content-Length longer than what follows (the stream then stalls mid-message)', 'Content-Length: 4000\r\n\r\n{}'],
    ['a Content-Length that is not a number', 'Content-Length: abc\r\n\r\n{}'],
    ['a negative Content-Length', 'Content-Length: -5\r\n\r\n{}'],
    ['LF-only header line ends', 'Content-Length: 2\n\n{}'],
    ['no Content-Length header', 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}'],
    ['a Content-Length shorter than the body', 'Content-Length: 1\r\n\r\n{}'],
    ['a header line without a colon', 'Content-Length 2\r\n\r\n{}'],
    ['a Content-Length far beyond any message', 'Content-Length: 99999999999999\r\n\r\n{}'],
    ['two conflicting Content-Length headers', 'Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
    ['a header section that never ends', 'X-Junk: ' + 'a'.repeat(20_000)],
  ];
  for (const [name, bytes] of cases) {
    test(name, async () => {
      const s = await startRaw();
      try {
        s.send(bytes);
        s.send(hover(7));
        // 10 s is the server's stall limit for a message left incomplete; the rest answer at once.
        const err = await s.waitFor((m) => m.id === null && m.error?.code === PARSE_ERROR, 15_000);
        assert.ok(err, `a parse error is sent (got ${JSON.stringify(s.messages.slice(1))})`);
        assert.ok(err.error!.message.length > 0, 'it says what was wrong');
        const code = await s.exited(5000);
        assert.notEqual(code, 'alive', 'the server exits: the stream cannot be resynchronised');
        assert.notEqual(code, 0, 'with a failure status, so the editor restarts it');
      } finally {
        s.kill();
      }
    });
  }

  test('well-framed bytes that are not JSON keep the stream in step: the next request is answered', async () => {
    const s = await startRaw();
    try {
      s.send('Content-Length: 5\r\n\r\n{{{{{');
      s.send(hover(8));
      assert.ok(await s.waitFor((m) => m.id === 8, 10_000), 'answered');
      assert.equal(await s.exited(200), 'alive');
    } finally {
      s.kill();
    }
  });

  test('a message split across many small writes is read normally (no false stall or framing error)', async () => {
    const s = await startRaw();
    try {
      const bytes = didOpen('file:///split.halab', BASE);
      for (let i = 0; i < bytes.length; i += 7) {
        s.send(bytes.subarray(i, i + 7));
        await new Promise((r) => setTimeout(r, 1));
      }
      assert.ok(await s.waitFor((m) => m.method === 'textDocument/publishDiagnostics', 10_000), 'diagnostics for the split message');
      s.send(Buffer.concat([hover(9), hover(10)])); // two messages in one write
      assert.ok(await s.waitFor((m) => m.id === 10, 10_000));
      assert.ok(s.messages.some((m) => m.id === 9));
    } finally {
      s.kill();
    }
  });
});

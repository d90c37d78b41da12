/**
 * A strict watch over the language server's input framing (LSP base protocol: header lines ended
 * by CRLF, an empty line, then exactly Content-Length bytes of body).
 *
 * vscode-jsonrpc's reader is lenient: it reads a negative Content-Length as a length, waits for
 * ever on LF-only headers, and after a missing or non-numeric length it drops the header and reads
 * the next header from the middle of a body. Each of those left the server alive but silent for
 * good (issue 13, item 10). Once the framing is broken the stream cannot be resynchronised — any
 * byte may be the start of a body — so the only honest outcomes are an error and an exit; the
 * editor then restarts the server.
 *
 * The guard reads the same bytes as the library's reader (a second 'data' listener), looking only
 * at headers: it keeps no body bytes, just a count of how many to skip, so it costs nothing on
 * big documents.
 */

/** Header section size beyond which the input is not LSP (real headers are under 100 bytes). */
export const MAX_HEADER_BYTES = 8 * 1024;
/**
 * Largest body accepted. A body is decoded into one string, and V8 strings stop at 2^29 - 24
 * UTF-16 units; half of that leaves room for JSON.parse's copy. A .halab file is far smaller.
 */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;
/**
 * How long a message may stay incomplete with no byte arriving. Editors write a message in one
 * go, so a stall means a Content-Length longer than the message that was sent. Same figure as
 * vscode-jsonrpc's own partial-message warning.
 */
export const STALL_MS = 10_000;

const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;

/** RFC 9110 `tchar`: the characters of a header name. */
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN[c.charCodeAt(0)] = 1;

type State = 'name' | 'value' | 'value-cr' | 'end-cr' | 'body';

export class FramingGuard {
  private state: State = 'name';
  private header: number[] = [];
  private bodyLeft = 0;
  private lastByteAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private failed = false;

  /** `onViolation` is called once, with what was wrong; the guard ignores input after that. */
  constructor(private readonly onViolation: (reason: string) => void, private readonly stallMs = STALL_MS) {}

  push(chunk: Uint8Array): void {
    if (this.failed) return;
    this.lastByteAt = Date.now();
    for (let i = 0; i < chunk.length && !this.failed;) {
      if (this.state === 'body') {
        const take = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= take;
        i += take;
        if (this.bodyLeft === 0) this.state = 'name';
      } else {
        this.headerByte(chunk[i]!);
        i++;
      }
    }
    this.watchStall();
  }

  /** Stops the stall timer (the input ended or the server is going away). */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private get midMessage(): boolean {
    return this.state === 'body' ? this.bodyLeft > 0 : this.header.length > 0;
  }

  private headerByte(b: number): void {
    if (this.header.length >= MAX_HEADER_BYTES) return this.fail(`header section longer than ${MAX_HEADER_BYTES} bytes`);
    this.header.push(b);
    switch (this.state) {
      case 'name':
        if (b === CR && this.atLineStart()) this.state = 'end-cr';
        else if (b === COLON && !this.atLineStart()) this.state = 'value';
        else if (!(b < 128 && TOKEN[b])) {
          this.fail(`byte 0x${b.toString(16)} in a header name (expected "Name: value" lines ended by CRLF)`);
        }
        return;
      case 'value':
        if (b === CR) this.state = 'value-cr';
        else if (b === LF) this.fail('header line ended by LF alone (the protocol requires CRLF)');
        return;
      case 'value-cr':
        if (b === LF) this.state = 'name';
        else this.fail('CR not followed by LF in a header line');
        return;
      case 'end-cr':
        if (b === LF) this.endHeaders();
        else this.fail('CR not followed by LF at the end of the headers');
        return;
    }
  }

  /** True when the byte just pushed is the first of a header line. */
  private atLineStart(): boolean {
    const n = this.header.length;
    return n === 1 || (this.header[n - 2] === LF);
  }

  private endHeaders(): void {
    const text = Buffer.from(this.header).toString('latin1');
    this.header = [];
    const lengths = text.split('\r\n')
      .filter((line) => /^content-length:/i.test(line))
      .map((line) => line.slice(line.indexOf(':') + 1).trim());
    if (lengths.length === 0) return this.fail('no Content-Length header');
    if (new Set(lengths).size > 1) return this.fail(`conflicting Content-Length headers (${lengths.join(', ')})`);
    const value = lengths[0]!;
    if (!/^[0-9]{1,12}$/.test(value)) {
      return this.fail(`Content-Length is not a non-negative integer: ${JSON.stringify(value.slice(0, 40))}`);
    }
    const length = Number(value);
    if (length > MAX_BODY_BYTES) return this.fail(`Content-Length ${length} is over the ${MAX_BODY_BYTES}-byte limit`);
    this.bodyLeft = length;
    this.state = length > 0 ? 'body' : 'name';
  }

  private fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.dispose();
    this.onViolation(reason);
  }

  /**
   * Arms a check while a message is incomplete. When the deadline passes, the verdict waits for
   * setImmediate: after a long analysis the timer phase runs before the poll phase has read
   * bytes that have been waiting in the pipe, and those must count as arrived.
   */
  private watchStall(): void {
    if (!this.midMessage) return this.dispose();
    if (this.timer) return;
    const check = () => {
      this.timer = undefined;
      if (this.failed || !this.midMessage) return;
      const idle = Date.now() - this.lastByteAt;
      if (idle < this.stallMs) {
        this.timer = setTimeout(check, this.stallMs - idle).unref();
        return;
      }
      setImmediate(() => {
        if (!this.failed && this.midMessage && Date.now() - this.lastByteAt >= this.stallMs) {
          this.fail(`message incomplete: no byte for ${this.stallMs / 1000} s (Content-Length longer than the message sent?)`);
        } else this.watchStall();
      });
    };
    this.timer = setTimeout(check, this.stallMs).unref();
  }
}

/** The JSON-RPC answer to input that cannot be parsed: a parse error with no id (JSON-RPC 2.0 §5). */
export function parseErrorResponse(reason: string): Buffer {
  const body = Buffer.from(JSON.stringify({
    jsonrpc: '2.0',
    id: null,
    error: { code: -32700, message: `Parse error: ${reason}. The input stream cannot be resynchronised; the halab language server exits.` },
  }));
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

/**
 * Watches `input` and, on broken framing, writes the parse error to `output` and exits with
 * status 1. Must be attached before the connection listens, so it sees every byte.
 */
export function guardFraming(
  input: NodeJS.ReadableStream, output: NodeJS.WritableStream, exit = (code: number) => process.exit(code),
): FramingGuard {
  const guard = new FramingGuard((reason) => {
    process.stderr.write(`halab language server: ${reason}; exiting\n`);
    // Exit once the error is written; the timer covers an output nobody reads any more.
    const bye = setTimeout(() => exit(1), 1000);
    output.write(parseErrorResponse(reason), () => {
      clearTimeout(bye);
      exit(1);
    });
  });
  input.on('data', (chunk: Buffer) => guard.push(chunk));
  input.on('end', () => guard.dispose());
  return guard;
}

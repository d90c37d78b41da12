/**
 * Lexer for §1 of the contract. Total: every input, including random bytes, becomes tokens ending
 * in `eof`; problems (an unterminated string) are flagged on the token, never thrown.
 *
 * `Scanner` hands out one token at a time: the parser pulls from it, so only the tokens that end
 * up in the tree (words, strings, comments) outlive a parse. A token array for a 10,000-line file
 * is large enough to be allocated straight into V8's old generation, and made garbage collection
 * the biggest share of the language server's latency (docs/benchmarks.md). `lex()` still returns
 * the whole list for the formatter and the tests.
 */
import type { Token } from './ast.js';

/** Whitespace other than newline: space, tab, CR, VT, FF, NBSP, BOM. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c || c === 0xa0 || c === 0xfeff;
}

/** A word is anything but whitespace, braces, semicolon, quote and hash (§1). Sticky regex: fast in V8. */
const WORD = /[^ \t\r\v\f\u00a0\ufeff\n{};"#]+/y;

export class Scanner {
  private i = 0;
  constructor(readonly text: string) {}

  /** The offset the next token will start at or after. */
  get offset(): number {
    return this.i;
  }

  next(): Token {
    const text = this.text;
    const n = text.length;
    let i = this.i;
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) {
      this.i = n;
      return { kind: 'eof', start: n, end: n, value: '' };
    }
    const start = i;
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x0a:
        this.i = i + 1;
        return { kind: 'newline', start, end: i + 1, value: '\n' };
      case 0x7b:
        this.i = i + 1;
        return { kind: 'lbrace', start, end: i + 1, value: '{' };
      case 0x7d:
        this.i = i + 1;
        return { kind: 'rbrace', start, end: i + 1, value: '}' };
      case 0x3b:
        this.i = i + 1;
        return { kind: 'semi', start, end: i + 1, value: ';' };
      case 0x23: {
        let j = text.indexOf('\n', i);
        if (j < 0) j = n;
        this.i = j;
        return { kind: 'comment', start, end: j, value: text.slice(i + 1, j) };
      }
      case 0x22: {
        // A string stays on one line: an unescaped newline ends it unterminated.
        let j = i + 1;
        let value = '';
        let terminated = false;
        let chunk = j;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === 0x22) {
            value += text.slice(chunk, j);
            terminated = true;
            j++;
            break;
          }
          if (d === 0x0a) break;
          if (d === 0x5c && j + 1 < n) {
            value += text.slice(chunk, j);
            const e = text[j + 1];
            value += e === 'n' ? '\n' : e === 't' ? '\t' : e === '"' ? '"' : e === '\\' ? '\\' : '\\' + e;
            j += 2;
            chunk = j;
            continue;
          }
          j++;
        }
        if (!terminated) value += text.slice(chunk, j);
        this.i = j;
        return { kind: 'string', start, end: j, value, terminated };
      }
      default: {
        WORD.lastIndex = i;
        WORD.test(text);
        const j = WORD.lastIndex > i ? WORD.lastIndex : i + 1;
        this.i = j;
        return { kind: 'word', start, end: j, value: text.slice(i, j) };
      }
    }
  }

  /**
   * Does the rest of the current line reach a `{` before the statement ends (newline, `;`, `}`)?
   * Scans characters, skipping strings and stopping at comments, without making tokens.
   */
  lineHasBrace(): boolean {
    const text = this.text;
    for (let k = this.i; k < text.length; k++) {
      const c = text.charCodeAt(k);
      if (c === 0x7b) return true;
      if (c === 0x0a || c === 0x3b || c === 0x7d || c === 0x23) return false;
      if (c === 0x22) {
        k++;
        while (k < text.length && text.charCodeAt(k) !== 0x22 && text.charCodeAt(k) !== 0x0a) {
          if (text.charCodeAt(k) === 0x5c) k++;
          k++;
        }
        if (k >= text.length || text.charCodeAt(k) === 0x0a) return false;
      }
    }
    return false;
  }
}

export function lex(text: string): Token[] {
  const s = new Scanner(text);
  const tokens: Token[] = [];
  for (;;) {
    const t = s.next();
    tokens.push(t);
    if (t.kind === 'eof') return tokens;
  }
}

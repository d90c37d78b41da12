/**
 * Lexer for §1 of the contract. Total: every input, including random bytes, becomes a token
 * list ending in `eof`; problems (an unterminated string) are flagged on the token, never thrown.
 */
import type { Token } from './ast.js';

const WS = new Set([0x20, 0x09, 0x0d, 0x0b, 0x0c, 0xa0, 0xfeff]);

/** A word is anything but whitespace, braces, semicolon, quote and hash (§1). Sticky regex: fast in V8. */
const WORD = /[^ \t\r\v\f\u00a0\ufeff\n{};"#]+/y;

export function lex(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (WS.has(c)) {
      i++;
      continue;
    }
    const start = i;
    switch (c) {
      case 0x0a:
        tokens.push({ kind: 'newline', start, end: ++i, value: '\n' });
        continue;
      case 0x7b:
        tokens.push({ kind: 'lbrace', start, end: ++i, value: '{' });
        continue;
      case 0x7d:
        tokens.push({ kind: 'rbrace', start, end: ++i, value: '}' });
        continue;
      case 0x3b:
        tokens.push({ kind: 'semi', start, end: ++i, value: ';' });
        continue;
      case 0x23: {
        let j = text.indexOf('\n', i);
        if (j < 0) j = n;
        tokens.push({ kind: 'comment', start, end: j, value: text.slice(i + 1, j) });
        i = j;
        continue;
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
        tokens.push({ kind: 'string', start, end: j, value, terminated });
        i = j;
        continue;
      }
      default: {
        WORD.lastIndex = i;
        WORD.test(text);
        const j = WORD.lastIndex > i ? WORD.lastIndex : i + 1;
        tokens.push({ kind: 'word', start, end: j, value: text.slice(i, j) });
        i = j;
      }
    }
  }
  tokens.push({ kind: 'eof', start: n, end: n, value: '' });
  return tokens;
}

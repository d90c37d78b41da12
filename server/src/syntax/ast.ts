/**
 * The concrete syntax tree of a .halab file. Every node carries its range as UTF-16 offsets
 * into the source text (what JavaScript strings and LSP positions use); `LineIndex` turns them
 * into line/column. The tree keeps enough to rebuild or minimally edit the text.
 */

import type { Span } from '../../../shared/span.js';
export type { Span };

/**
 * Moves a span by `d`, in place. The incremental analysis shifts the nodes, model objects and
 * diagnostics of statements an edit moved instead of copying them.
 */
export function shiftSpan(x: Span, d: number): void {
  x.start += d;
  x.end += d;
}

export type TokenKind = 'word' | 'string' | 'lbrace' | 'rbrace' | 'semi' | 'newline' | 'comment' | 'eof';

export interface Token extends Span {
  kind: TokenKind;
  /** For `word` the raw text; for `string` the unescaped value; for comments the text after `#`. */
  value: string;
  /** Only for strings: false when the closing quote is missing. */
  terminated?: boolean;
}

/** One argument of a statement: a bare word or a quoted string. */
export interface Arg extends Span {
  kind: 'word' | 'string';
  value: string;
}

export interface Block extends Span {
  /** Offset of `{`. */
  open: number;
  /** Offset of `}`, or -1 when the block was never closed (a `syntax-error` is reported). */
  close: number;
  statements: Statement[];
}

export interface Statement extends Span {
  /** The keyword token (first word). */
  keyword: Arg;
  args: Arg[];
  block?: Block;
}

export interface Comment extends Span {
  text: string;
}

export interface SyntaxError_ extends Span {
  message: string;
}

export interface SyntaxTree {
  text: string;
  statements: Statement[];
  comments: Comment[];
  errors: SyntaxError_[];
}

/**
 * Parser: tokens → syntax tree. It never throws. Errors become `SyntaxError_` entries and the
 * parser recovers at statement boundaries (newline, `;`) and brace boundaries (`{`, `}`), like
 * rust-analyzer: unexpected tokens are skipped until a recovery point.
 *
 * `isTopLevelBlock` lets the parser recover from a missing `}`: the schema has no nested blocks,
 * so a top-level block keyword (`lb`, `site`, …) appearing inside a block most likely means the
 * previous block was not closed.
 */
import type { Arg, Block, Comment, Statement, SyntaxError_, SyntaxTree, Token } from './ast.js';
import { Scanner } from './lexer.js';

/** Nested blocks beyond this depth are treated as stray braces (keeps recursion bounded). */
const MAX_DEPTH = 32;

export interface ParseOptions {
  /** True for keywords that open a top-level block; used for missing-`}` recovery. */
  isTopLevelBlock?: (keyword: string) => boolean;
}

export function parse(text: string, opts: ParseOptions = {}): SyntaxTree {
  const comments: Comment[] = [];
  const errors: SyntaxError_[] = [];
  // Tokens are pulled one at a time (see Scanner): `cur` is the one-token lookahead.
  const scanner = new Scanner(text);
  const pull = (): Token => {
    for (;;) {
      const t = scanner.next();
      if (t.kind !== 'comment') return t;
      comments.push({ start: t.start, end: t.end, text: t.value });
    }
  };
  let cur = pull();
  const isTop = opts.isTopLevelBlock ?? (() => false);
  const peek = (): Token => cur;
  const advance = (): void => {
    if (cur.kind !== 'eof') cur = pull();
  };
  const err = (start: number, end: number, message: string) => errors.push({ start, end, message });

  // Word and string tokens already have the Arg shape: reuse them instead of copying (less GC).
  const toArg = (t: Token): Arg => t as Arg;

  function parseStatements(depth: number, block: Block | null): Statement[] {
    const out: Statement[] = [];
    for (;;) {
      const t = peek();
      switch (t.kind) {
        case 'eof':
          return out;
        case 'newline':
        case 'semi':
          advance();
          continue;
        case 'rbrace':
          if (block) return out; // caller consumes it
          err(t.start, t.end, 'Stray `}`: no block is open here. Remove it.');
          advance();
          continue;
        case 'lbrace':
          err(t.start, t.end, '`{` must follow a keyword on the same line, e.g. `lb NAME {`.');
          skipBlock(t);
          continue;
        case 'string':
          err(t.start, t.end, 'A statement must start with a keyword, not a string.');
          if (t.terminated === false) err(t.start, t.start + 1, 'Unterminated string: add the closing `"` on this line.');
          advance();
          skipToTerminator();
          continue;
        case 'word': {
          if (block && depth > 0 && isTop(t.value) && lineHasBrace()) {
            // Recovery: the enclosing block lacks its `}`; let the parent take this statement.
            return out;
          }
          out.push(parseStatement(depth));
          continue;
        }
        default:
          advance();
      }
    }
  }

  /** Does the current line (from the lookahead token on) reach a `{` before its terminator? */
  function lineHasBrace(): boolean {
    if (cur.kind === 'lbrace') return true;
    if (cur.kind !== 'word' && cur.kind !== 'string') return false;
    return scanner.lineHasBrace();
  }

  function skipToTerminator(): void {
    for (;;) {
      const k = peek().kind;
      if (k === 'eof' || k === 'newline' || k === 'semi' || k === 'rbrace') return;
      if (k === 'lbrace') {
        skipBlock(peek());
        return;
      }
      advance();
    }
  }

  /** Skip a balanced `{ … }` starting at the current `{`, without recursion. */
  function skipBlock(open: Token): void {
    let level = 0;
    for (;;) {
      const t = peek();
      if (t.kind === 'eof') {
        if (level > 0) err(open.start, open.end, 'Missing `}` for this `{`.');
        return;
      }
      advance();
      if (t.kind === 'lbrace') level++;
      else if (t.kind === 'rbrace' && --level === 0) return;
    }
  }

  function parseStatement(depth: number): Statement {
    const kw = cur;
    advance();
    const stmt: Statement = { keyword: toArg(kw), args: [], start: kw.start, end: kw.end };
    for (;;) {
      const t = peek();
      if (t.kind === 'word' || t.kind === 'string') {
        if (t.kind === 'string' && t.terminated === false) {
          err(t.start, t.start + 1, 'Unterminated string: add the closing `"` on this line.');
        }
        stmt.args.push(toArg(t));
        stmt.end = t.end;
        advance();
        continue;
      }
      if (t.kind === 'lbrace') {
        if (depth + 1 > MAX_DEPTH) {
          err(t.start, t.end, 'Blocks are nested too deeply.');
          skipBlock(t);
          return stmt;
        }
        advance();
        const block: Block = { open: t.start, close: -1, statements: [], start: t.start, end: t.end };
        block.statements = parseStatements(depth + 1, block);
        const c = peek();
        if (c.kind === 'rbrace') {
          block.close = c.start;
          block.end = c.end;
          advance();
        } else {
          err(t.start, t.end, `Missing \`}\` to close the \`${kw.value}\` block.`);
          const last = block.statements[block.statements.length - 1];
          block.end = last ? last.end : t.end;
        }
        stmt.block = block;
        stmt.end = block.end;
      }
      return stmt; // newline, semi, rbrace, eof, or after a block
    }
  }

  const statements = parseStatements(0, null);
  // The top level never returns early except at eof; a `}` there was reported as stray.
  return { text, statements, comments, errors };
}

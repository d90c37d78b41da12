/** Small helpers shared by the checks. */
import type { Span, Statement } from '../syntax/ast.js';
import type { NodeInfo } from '../model/resolve.js';
import type { TextEdit } from '../edit/text-edits.js';

export const spanOf = (x: Span): Span => ({ start: x.start, end: x.end });

/** The last statement of a keyword in a block. */
export function prop(node: NodeInfo, kw: string): Statement | undefined {
  const l = node.props.get(kw);
  return l?.[l.length - 1];
}

/** Span of a statement's first argument, else its keyword. */
export function argSpan(stmt: Statement, i = 0): Span {
  const a = stmt.args[i] ?? stmt.keyword;
  return spanOf(a);
}

/** Levenshtein distance, bounded for speed (returns > max as max + 1). */
export function distance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 3 ? 1 : distance(word, c, bestD);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** The line indentation at an offset, and the text's dominant indent unit. */
export function indentAt(text: string, offset: number): string {
  const ls = text.lastIndexOf('\n', offset - 1) + 1;
  const m = /^[ \t]*/.exec(text.slice(ls, ls + 200));
  return m ? m[0] : '';
}

export function indentUnit(text: string): string {
  // One analysis asks once per quick fix, and a broken 10 MB file can have 20,000 of them: a scan
  // each was quadratic. The last answer is kept (the same text is the same string object).
  if (text !== lastIndent.text) {
    const m = /\n([ \t]+)\S/.exec(text);
    lastIndent = { text, unit: m ? m[1]! : '  ' };
  }
  return lastIndent.unit;
}
let lastIndent = { text: '', unit: '  ' };

/**
 * Insert a statement into a block, as its last statement, in the style of the block (one-line
 * `{ a; b }` blocks get `; stmt`, multi-line blocks a new indented line).
 */
export function insertIntoBlock(text: string, stmt: Statement, line: string): TextEdit {
  const b = stmt.block!;
  const close = b.close >= 0 ? b.close : b.end;
  const openLineEnd = text.indexOf('\n', b.open);
  const oneLine = b.close >= 0 && (openLineEnd < 0 || openLineEnd > b.close);
  if (oneLine) {
    const last = b.statements[b.statements.length - 1];
    const at = last ? last.end : b.open + 1;
    return { span: { start: at, end: at }, newText: last ? `; ${line}` : ` ${line}` };
  }
  const last = b.statements[b.statements.length - 1];
  const indent = last ? indentAt(text, last.start) : indentAt(text, stmt.start) + indentUnit(text);
  if (last) {
    // After the last statement's end (keeps a trailing comment on that line in place).
    const eol = text.indexOf('\n', last.end);
    const at = eol < 0 || eol > close ? last.end : eol;
    return { span: { start: at, end: at }, newText: `\n${indent}${line}` };
  }
  return { span: { start: b.open + 1, end: b.open + 1 }, newText: `\n${indent}${line}` };
}

/**
 * Low-level, style-preserving text surgery on a .halab file, driven by the syntax tree's spans.
 * Everything works on UTF-16 offsets (the tree's unit) and returns edits instead of new text, so
 * the VS Code side can apply them as one WorkspaceEdit (one undo step) and unchanged bytes —
 * comments, blank lines, alignment — stay as they are.
 */
import type { Block, Span, Statement, SyntaxTree } from '../syntax/ast.js';

/**
 * Replace `span` with `newText`: the one edit shape of the engine (quick fixes, rename, diagram
 * intents). Offsets, like every span of the tree; the LSP and VS Code edges turn them into
 * positions with the document's line index.
 */
export interface TextEdit {
  span: Span;
  newText: string;
}

/** The edit replacing `[start, end)` with `newText`. */
export function replace(start: number, end: number, newText: string): TextEdit {
  return { span: { start, end }, newText };
}

export class EditError extends Error {}

/** Apply non-overlapping edits (any order) to `text`. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.span.start - a.span.start || b.span.end - a.span.end);
  let out = text;
  let limit = Infinity;
  for (const { span, newText } of sorted) {
    if (span.end > limit) throw new EditError('overlapping edits');
    out = out.slice(0, span.start) + newText + out.slice(span.end);
    limit = span.start;
  }
  return out;
}

export function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

export function lineStart(text: string, off: number): number {
  return text.lastIndexOf('\n', off - 1) + 1;
}

/** Offset of the line break ending the line that holds `off` (before a `\r`), or text.length. */
export function lineEnd(text: string, off: number): number {
  const nl = text.indexOf('\n', off);
  if (nl < 0) return text.length;
  return nl > 0 && text[nl - 1] === '\r' ? nl - 1 : nl;
}

/** Start of the next line (after the line break), or text.length. */
function nextLineStart(text: string, off: number): number {
  const nl = text.indexOf('\n', off);
  return nl < 0 ? text.length : nl + 1;
}

function isBlank(s: string): boolean {
  return /^[ \t\r]*$/.test(s);
}

/** Text after `off` up to the end of its line is only spaces, `;` and/or a comment. */
function restOfLineIsTrivia(text: string, off: number): boolean {
  return /^[ \t;]*(#.*)?$/.test(text.slice(off, lineEnd(text, off)));
}

/** The indentation of the line holding `off`, when `off` is the first thing on it; else null. */
export function indentBefore(text: string, off: number): string | null {
  const head = text.slice(lineStart(text, off), off);
  return isBlank(head) ? head : null;
}

function onOneLine(text: string, a: number, b: number): boolean {
  return !text.slice(a, b).includes('\n');
}

/** One indentation step as the file writes it (first indented inner statement), else 2 spaces. */
export function indentUnit(tree: SyntaxTree): string {
  for (const s of tree.statements) {
    const inner = s.block?.statements[0];
    if (!inner) continue;
    const ind = indentBefore(tree.text, inner.start);
    const outer = indentBefore(tree.text, s.start) ?? '';
    if (ind && ind.length > outer.length) return ind.slice(outer.length);
  }
  return '  ';
}

/** Statement end including its block; spans already include the block when there is one. */
function endOf(s: Statement): number {
  return s.end;
}

export function findTop(tree: SyntaxTree, keyword: string, name?: string): Statement[] {
  return tree.statements.filter((s) => s.keyword.value === keyword && (name === undefined || s.args[0]?.value === name));
}

export function findInner(stmt: Statement, keyword: string): Statement[] {
  return stmt.block?.statements.filter((s) => s.keyword.value === keyword) ?? [];
}

// ---------------------------------------------------------------- formatting new blocks

export interface BlockStyle {
  oneLine: boolean;
  /** Indentation of the statement itself. */
  indent: string;
  /** Indentation of inner statements (multi-line style). */
  inner: string;
}

/** The style of an existing block statement, used to write its new sibling the same way. */
export function styleOf(tree: SyntaxTree, s: Statement): BlockStyle {
  const text = tree.text;
  const indent = indentBefore(text, s.start) ?? '';
  const b = s.block;
  if (b && b.close >= 0 && onOneLine(text, b.open, b.close)) return { oneLine: true, indent, inner: indent + indentUnit(tree) };
  const first = b?.statements[0];
  const inner = (first && indentBefore(text, first.start)) || indent + indentUnit(tree);
  return { oneLine: false, indent, inner };
}

/** `kw name { a b; c d }` or the multi-line form, per style. */
export function formatBlock(head: string, fields: string[], style: BlockStyle, eol: string): string {
  if (style.oneLine) return `${style.indent}${head} { ${fields.join('; ')} }`;
  return `${style.indent}${head} {${eol}${fields.map((f) => style.inner + f + eol).join('')}${style.indent}}`;
}

/**
 * Insert a new top-level statement after `anchor` (the last one of the same kind, or of the
 * kind that comes before it). `blankLine` separates it the way the anchor's siblings are.
 */
export function insertAfter(tree: SyntaxTree, anchor: Statement | undefined, body: string, blankLine: boolean): TextEdit {
  const text = tree.text;
  const eol = eolOf(text);
  if (!anchor) {
    // Empty file or nothing to anchor on: append, separated by one blank line from what is there.
    const trimmedEnd = text.replace(/[\s]*$/, '').length;
    const sep = trimmedEnd === 0 ? '' : eol + eol;
    return replace(trimmedEnd, text.length, sep + body + eol);
  }
  const at = lineEnd(text, endOf(anchor));
  return replace(at, at, (blankLine ? eol + eol : eol) + body);
}

/** Do siblings of this kind sit apart with a blank line between them? */
export function siblingsUseBlankLines(tree: SyntaxTree, siblings: Statement[]): boolean {
  const text = tree.text;
  if (siblings.length >= 2) {
    const a = siblings[siblings.length - 2];
    const b = siblings[siblings.length - 1];
    return /\n[ \t\r]*\n/.test(text.slice(endOf(a), b.start));
  }
  const only = siblings[0];
  return !!only && !styleOf(tree, only).oneLine;
}

// ---------------------------------------------------------------- statements inside blocks

/** Replace all arguments of a statement with `value` (keeps keyword, spacing before, comment after). */
export function replaceArgs(s: Statement, value: string): TextEdit {
  if (s.args.length === 0) return replace(s.keyword.end, s.keyword.end, ' ' + value);
  return replace(s.args[0].start, s.args[s.args.length - 1].end, value);
}

/** Add `line` (e.g. `port 8080`) as the last statement of a block, in the block's style. */
export function insertInBlock(tree: SyntaxTree, owner: Statement, line: string): TextEdit {
  const text = tree.text;
  const b = owner.block;
  if (!b) throw new EditError(`\`${owner.keyword.value}\` has no block`);
  if (b.close < 0) throw new EditError(`the \`${owner.keyword.value}\` block is not closed; fix the syntax error first`);
  const last = b.statements[b.statements.length - 1];
  const eol = eolOf(text);
  if (!last) {
    if (onOneLine(text, b.open, b.close)) return replace(b.open + 1, b.close, ` ${line} `);
    const ind = (indentBefore(text, owner.start) ?? '') + indentUnit(tree);
    const at = lineEnd(text, b.open);
    return replace(at, at, eol + ind + line);
  }
  // `}` on the same line as the last statement (one-line block, or `port 80 }`): stay inline.
  if (onOneLine(text, last.end, b.close)) return replace(last.end, last.end, `; ${line}`);
  const ind = indentBefore(text, last.start) ?? (indentBefore(text, owner.start) ?? '') + indentUnit(tree);
  const at = lineEnd(text, last.end);
  return replace(at, at, eol + ind + line);
}

/**
 * Remove a statement (top-level or inside a block). When it has its line(s) to itself the whole
 * lines go (with a same-line trailing comment, which is about it); when it shares a line with
 * `;`-separated neighbours only it and one separator go.
 */
export function removeStatement(tree: SyntaxTree, s: Statement, container: Statement[]): TextEdit {
  const text = tree.text;
  const end = endOf(s);
  const ownsStart = indentBefore(text, s.start) !== null;
  const ownsEnd = restOfLineIsTrivia(text, end);
  if (ownsStart && ownsEnd) {
    const from = lineStart(text, s.start);
    let to = nextLineStart(text, end);
    // Do not leave two blank lines (or a leading blank line) where the statement was.
    const prevBlank = from === 0 || isBlank(text.slice(lineStart(text, from - 1), from - 1));
    if (prevBlank && to < text.length && isBlank(text.slice(to, lineEnd(text, to)))) to = nextLineStart(text, to);
    return replace(from, to, '');
  }
  const i = container.indexOf(s);
  const next = container[i + 1];
  const prev = container[i - 1];
  if (next && onOneLine(text, end, next.start)) return replace(s.start, next.start, '');
  if (prev && onOneLine(text, endOf(prev), s.start)) return replace(endOf(prev), end, '');
  // Alone between `{` and `}` on one line: leave `{ }`.
  let a = s.start;
  while (a > 0 && (text[a - 1] === ' ' || text[a - 1] === '\t')) a--;
  let z = end;
  while (z < text.length && (text[z] === ';' || text[z] === ' ' || text[z] === '\t')) z++;
  return replace(a, z, ' ');
}

/** Remove one argument of a statement (the statement goes when it was the last). */
export function removeArg(tree: SyntaxTree, s: Statement, index: number, container: Statement[]): TextEdit {
  if (s.args.length === 1) return removeStatement(tree, s, container);
  const a = s.args[index];
  if (index > 0) return replace(s.args[index - 1].end, a.end, '');
  return replace(a.start, s.args[1].start, '');
}

export function blockStatements(owner: Statement): Statement[] {
  return (owner.block as Block | undefined)?.statements ?? [];
}

/**
 * Formatting: canonical indentation (two spaces per block level) and spacing, comments kept,
 * blank-line runs collapsed to one. Line-based and token-preserving (string escapes and comment
 * text are copied verbatim), so it is idempotent and cannot change meaning. Computed per line,
 * handed out as the engine's TextEdits.
 */
import { lex } from '../syntax/lexer.js';
import type { Token } from '../syntax/ast.js';
import { replace, type TextEdit } from '../edit/text-edits.js';

interface LineEdit {
  /** 0-based line of the original text. */
  line: number;
  /** The line's new content (without newline), or null to delete the line. */
  text: string | null;
}

function formatLines(text: string, indentUnit = '  '): LineEdit[] {
  const tokens = lex(text);
  const lines = text.split('\n');
  const byLine: Token[][] = lines.map(() => []);
  let line = 0;
  for (const t of tokens) {
    if (t.kind === 'newline') {
      line++;
      continue;
    }
    if (t.kind === 'eof') break;
    byLine[line]!.push(t);
  }
  const out: LineEdit[] = [];
  let depth = 0;
  let blankRun = 0;
  let seenContent = false;
  const lastContent = (() => {
    for (let i = lines.length - 1; i >= 0; i--) if (byLine[i]!.length) return i;
    return -1;
  })();
  for (let i = 0; i < lines.length; i++) {
    const toks = byLine[i]!;
    const original = lines[i]!;
    const hasCR = original.endsWith('\r');
    if (toks.length === 0) {
      blankRun++;
      // Drop leading blank lines, runs of more than one, and trailing blank lines (the final newline stays).
      const drop = !seenContent || blankRun > 1 || i > lastContent;
      if (i === lines.length - 1 && !drop) continue;
      if (i === lines.length - 1) {
        // The text after the last newline: keep it empty so the file ends with one newline.
        if (original !== '') out.push({ line: i, text: '' });
        continue;
      }
      if (drop) out.push({ line: i, text: null });
      else if (original.trim() !== '' || original !== '') out.push({ line: i, text: hasCR ? '\r' : '' });
      continue;
    }
    blankRun = 0;
    seenContent = true;
    // Closing braces at the start of a line dedent that line.
    let lead = 0;
    while (lead < toks.length && toks[lead]!.kind === 'rbrace') lead++;
    const lineDepth = Math.max(0, depth - lead);
    let s = '';
    let prev: Token | undefined;
    for (const t of toks) {
      const raw = text.slice(t.start, t.end);
      if (prev) {
        if (t.kind === 'semi') s += '';
        else if (t.kind === 'comment') s += '  ';
        else s += ' ';
      }
      s += t.kind === 'comment' ? '#' + t.value.replace(/\s+$/, '') : raw;
      if (t.kind === 'lbrace') depth++;
      else if (t.kind === 'rbrace') depth = Math.max(0, depth - 1);
      prev = t;
    }
    const formatted = indentUnit.repeat(lineDepth) + s + (hasCR ? '\r' : '');
    if (formatted !== original) out.push({ line: i, text: formatted });
  }
  if (lines.length && byLine[lines.length - 1]!.length) {
    // No final newline: add one by appending to the last line.
    const last = out.find((e) => e.line === lines.length - 1);
    const base = last ? last.text! : lines[lines.length - 1]!;
    if (last) last.text = base + '\n';
    else out.push({ line: lines.length - 1, text: base + '\n' });
  }
  return out;
}

/** The formatting as edits: a changed line is replaced up to its `\n`, a deleted one with it. */
export function formatEdits(text: string, indentUnit = '  '): TextEdit[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const lineEnd = (line: number) => (line + 1 < starts.length ? starts[line + 1]! - 1 : text.length);
  return formatLines(text, indentUnit).map((e) =>
    e.text === null ? replace(starts[e.line]!, starts[e.line + 1]!, '') : replace(starts[e.line]!, lineEnd(e.line), e.text));
}

/** Applies the line edits: the formatted document as a string (for the CLI and tests). */
export function format(text: string, indentUnit = '  '): string {
  const lines = text.split('\n');
  const edits = new Map(formatLines(text, indentUnit).map((e) => [e.line, e.text]));
  const out: string[] = [];
  lines.forEach((l, i) => {
    if (!edits.has(i)) out.push(l);
    else if (edits.get(i) !== null) out.push(edits.get(i)!);
  });
  return out.join('\n');
}

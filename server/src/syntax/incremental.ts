/**
 * Incremental re-parse: after an edit, re-parse only the top-level statements around the changed
 * text and reuse the rest of the previous tree (shifting the spans after the edit in place). An
 * edit usually touches one statement of a file of thousands; re-parsing all of it made most of
 * the garbage that V8 then had to collect on every keystroke.
 *
 * It is conservative: it returns undefined — and the caller parses the whole text — whenever the
 * previous tree had errors, the re-parsed region has errors, or the region's first and last
 * statements do not land where the unchanged ones were. test/unit/syntax/incremental.test.ts checks,
 * over thousands of random edits, that the result always equals a full parse.
 */
import { shiftSpan, type Comment, type Statement, type SyntaxTree } from './ast.js';
import { parse, type ParseOptions } from './parser.js';

function shiftStatement(s: Statement, d: number): void {
  shiftSpan(s, d);
  shiftSpan(s.keyword, d);
  for (const a of s.args) shiftSpan(a, d);
  if (s.block) {
    s.block.start += d;
    s.block.end += d;
    s.block.open += d;
    if (s.block.close >= 0) s.block.close += d;
    for (const inner of s.block.statements) shiftStatement(inner, d);
  }
}

/** Length of the common prefix and (non-overlapping) common suffix of two strings. */
function commonEnds(a: string, b: string): { prefix: number; suffix: number } {
  const max = Math.min(a.length, b.length);
  // Whole chunks first: comparing two substrings is a memcmp in V8, ~50x faster than a loop of
  // charCodeAt over a 300 KB file; then the last chunk character by character.
  const CHUNK = 2048;
  let prefix = 0;
  while (prefix + CHUNK <= max && a.substring(prefix, prefix + CHUNK) === b.substring(prefix, prefix + CHUNK)) prefix += CHUNK;
  while (prefix < max && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  const room = max - prefix;
  const chunkBefore = (s: string, end: number) => s.substring(s.length - end - CHUNK, s.length - end);
  while (suffix + CHUNK <= room && chunkBefore(a, suffix) === chunkBefore(b, suffix)) suffix += CHUNK;
  while (suffix < room && a.charCodeAt(a.length - 1 - suffix) === b.charCodeAt(b.length - 1 - suffix)) suffix++;
  return { prefix, suffix };
}

/** Binary search: the first statement whose end is ≥ offset. */
function firstEndingAtOrAfter(stmts: readonly Statement[], offset: number): number {
  let lo = 0;
  let hi = stmts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (stmts[mid]!.end >= offset) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Re-parses `text` reusing `old` (the tree of the previous text). The old tree is consumed: the
 * statements after the edit are shifted in place, so it must not be used afterwards.
 */
export function reparse(old: SyntaxTree, text: string, opts: ParseOptions = {}): SyntaxTree | undefined {
  const oldText = old.text;
  if (old.errors.length > 0 || oldText === text) return undefined;
  const stmts = old.statements;
  const n = stmts.length;
  if (n < 4) return undefined; // small files: a full parse is as cheap
  const { prefix, suffix } = commonEnds(oldText, text);
  const oldEnd = oldText.length - suffix;
  const delta = text.length - oldText.length;
  // Statements touching the changed range [prefix, oldEnd], widened by one on each side so the
  // region starts and ends at statements the edit did not touch.
  const t0 = firstEndingAtOrAfter(stmts, prefix);
  let t1 = t0 - 1;
  while (t1 + 1 < n && stmts[t1 + 1]!.start <= oldEnd) t1++;
  const a = Math.max(0, t0 - 1);
  const b = Math.min(n - 1, Math.max(t1, t0 - 1) + 1);
  const rs = a === 0 ? 0 : stmts[a - 1]!.end;
  const reOld = b === n - 1 ? oldText.length : stmts[b + 1]!.start;
  if (rs > prefix || reOld < oldEnd) return undefined;
  const reNew = reOld + delta;
  const region = parse(text.slice(rs, reNew), opts);
  if (region.errors.length > 0 || region.statements.length === 0) return undefined;
  for (const s of region.statements) shiftStatement(s, rs);
  for (const c of region.comments) shiftSpan(c, rs);
  // The untouched boundary statements must come out where they were (shifted after the edit):
  // then the text around the region parses as before.
  const first = region.statements[0]!;
  const last = region.statements[region.statements.length - 1]!;
  if (a < t0 && (first.start !== stmts[a]!.start || first.end !== stmts[a]!.end)) return undefined;
  if (b > t1 && b >= t0 && (last.start !== stmts[b]!.start + delta || last.end !== stmts[b]!.end + delta)) return undefined;
  const after = stmts.slice(b + 1);
  for (const s of after) shiftStatement(s, delta);
  const comments: Comment[] = [];
  for (const c of old.comments) {
    if (c.end <= rs) comments.push(c);
    else if (c.start >= reOld) {
      shiftSpan(c, delta);
      comments.push(c);
    }
  }
  // Comments are kept in text order: before the region, inside it, after it.
  const cut = comments.findIndex((c) => c.start >= reNew);
  const merged = cut < 0 ? [...comments, ...region.comments] : [...comments.slice(0, cut), ...region.comments, ...comments.slice(cut)];
  return { text, statements: [...stmts.slice(0, a), ...region.statements, ...after], comments: merged, errors: [] };
}

/**
 * The engine's front door: text → syntax tree → resolved model → diagnostics. Shared by the
 * language server, the CLI, the diagram and the tests. No `vscode` import anywhere below here.
 */
import { parse } from './syntax/parser.js';
import { reparse } from './syntax/incremental.js';
import type { SyntaxTree } from './syntax/ast.js';
import { TOP_LEVEL_BLOCKS } from './schema/schema.js';
import { resolve, type Resolved } from './model/resolve.js';
import type { Topology } from '../../shared/model/types.js';
import { CHECKS } from './checks/index.js';
import { walkStatement, type StatementContext } from './schema/walk.js';
import { shiftSpan, type Statement } from './syntax/ast.js';
import type { Check, CheckContext, Diagnostic } from './checks/types.js';

export type { Diagnostic } from './checks/types.js';

export interface Analysis {
  tree: SyntaxTree;
  model: Topology;
  resolved: Resolved;
  diagnostics: Diagnostic[];
  /** Checks that threw (a bug): reported here instead of killing the language server. */
  internalErrors: { code: string; error: Error }[];
}

/** How the engine parses: the schema's top-level blocks drive missing-`}` recovery. */
export const PARSE_OPTIONS = { isTopLevelBlock: (k: string) => TOP_LEVEL_BLOCKS.has(k) };

export function parseHalab(text: string): SyntaxTree {
  return parse(text, PARSE_OPTIONS);
}

/**
 * What the statement-local checks found for one top-level statement, kept per Statement object.
 * The incremental re-parse keeps the objects of unchanged statements (shifting their spans in
 * place), so a known object means known text: its walk and its local diagnostics are reused,
 * shifted in place when the statement moved (the previous analysis is consumed). Only the
 * statements an edit touched are checked again.
 */
interface LocalEntry {
  start: number;
  contexts: StatementContext[];
  diagnostics: Diagnostic[];
}
const localMemo = new WeakMap<Statement, LocalEntry>();
const LOCAL_CHECKS = CHECKS.filter((c) => c.local);
const GLOBAL_CHECKS = CHECKS.filter((c) => c.run);
/** Diagnostics at one span come in registry order, whichever part of a check found them. */
const CHECK_ORDER = new Map(CHECKS.map((c, i) => [c.code, i]));

/** The `report` a check is given: diagnostics of its code, with spans copied (a shift moves them). */
function reporter(check: Check, into: Diagnostic[]): CheckContext['report'] {
  return (span, message, fixes) => into.push({
    code: check.code, severity: check.severity, message, span: { start: span.start, end: span.end }, ...(fixes ? { fixes } : {}),
  });
}

/** Moves a diagnostic (and its fixes) by `d`, in place: the previous analysis is consumed. */
function shiftDiagnostic(g: Diagnostic, d: number): void {
  shiftSpan(g.span, d);
  for (const f of g.fixes ?? []) {
    for (const e of f.edits) {
      e.span = { start: e.span.start + d, end: e.span.end + d };
    }
  }
}

function localEntry(stmt: Statement, internalErrors: Analysis['internalErrors']): LocalEntry {
  const known = localMemo.get(stmt);
  if (known) {
    if (known.start !== stmt.start) {
      for (const g of known.diagnostics) shiftDiagnostic(g, stmt.start - known.start);
      known.start = stmt.start;
    }
    return known;
  }
  const contexts = walkStatement(stmt);
  const diagnostics: Diagnostic[] = [];
  let failed = false;
  for (const check of LOCAL_CHECKS) {
    try {
      check.local!({ statements: contexts, report: reporter(check, diagnostics) });
    } catch (error) {
      failed = true;
      internalErrors.push({ code: check.code, error: error as Error });
    }
  }
  const entry = { start: stmt.start, contexts, diagnostics };
  if (!failed) localMemo.set(stmt, entry); // a check that threw is tried again next time
  return entry;
}

/**
 * `previous`: the analysis of the document's previous text, when the caller (the language server)
 * has it; its syntax tree is reused around the edit and consumed — do not use `previous` after.
 */
export function analyze(text: string, source?: string, previous?: Analysis): Analysis {
  const tree = (previous && reparse(previous.tree, text, PARSE_OPTIONS)) || parseHalab(text);
  const resolved = resolve(tree, source);
  const diagnostics: Diagnostic[] = [];
  const internalErrors: Analysis['internalErrors'] = [];
  const statements: StatementContext[] = [];
  for (const stmt of tree.statements) {
    const e = localEntry(stmt, internalErrors);
    for (const c of e.contexts) statements.push(c);
    for (const g of e.diagnostics) diagnostics.push(g);
  }
  for (const check of GLOBAL_CHECKS) {
    try {
      check.run!({ tree, resolved, statements, report: reporter(check, diagnostics) });
    } catch (error) {
      internalErrors.push({ code: check.code, error: error as Error });
    }
  }
  diagnostics.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end || CHECK_ORDER.get(a.code)! - CHECK_ORDER.get(b.code)!);
  return { tree, model: resolved.model, resolved, diagnostics, internalErrors };
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

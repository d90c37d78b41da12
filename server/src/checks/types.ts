/** The diagnostic shape shared by the CLI, the language server and the tests. */
import type { Span, SyntaxTree } from '../syntax/ast.js';
import type { Resolved } from '../model/resolve.js';
import type { StatementContext } from '../schema/walk.js';
import type { TextEdit } from '../edit/text-edits.js';

export type { TextEdit };

export type Severity = 'error' | 'warning' | 'hint';

export interface Fix {
  title: string;
  edits: TextEdit[];
}

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  span: Span;
  fixes?: Fix[];
}

export interface CheckContext {
  tree: SyntaxTree;
  resolved: Resolved;
  /** Every statement with its block and schema entry, computed once per analysis. */
  statements: readonly StatementContext[];
  report(span: Span, message: string, fixes?: Fix[]): void;
}

/** What a statement-local check sees: one top-level statement and the statements of its block. */
export interface LocalContext {
  /** The top-level statement first, then its block's statements (as `walk` lists them). */
  statements: readonly StatementContext[];
  report(span: Span, message: string, fixes?: Fix[]): void;
}

/**
 * One module per diagnostic code: the doc comment at the top of each module explains it.
 * A check has a global part (`run`, over the whole file), a statement-local part (`local`: what
 * it reports about a top-level statement depends on that statement's text alone, fixes
 * included), or both. The engine runs the local part only on statements that changed since the
 * last analysis, so anything that can be local should be.
 */
export interface Check {
  code: string;
  severity: Severity;
  /** What its quick fix does, for the diagnostics table of docs/language.md (scripts/gen-docs.ts). */
  fix?: string;
  /** What the code means when its name does not say it all, for the same table. */
  note?: string;
  run?(ctx: CheckContext): void;
  local?(ctx: LocalContext): void;
}

export function defineCheck(c: Check): Check {
  return c;
}

/** The diagnostic shape shared by the CLI, the language server and the tests. */
import type { Span, SyntaxTree } from '../syntax/ast.js';
import type { Resolved } from '../model/resolve.js';
import type { StatementContext } from '../schema/walk.js';

export type Severity = 'error' | 'warning' | 'hint';

export interface TextEdit {
  span: Span;
  newText: string;
}

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

/** One module per diagnostic code: the doc comment at the top of each module explains it. */
export interface Check {
  code: string;
  severity: Severity;
  run(ctx: CheckContext): void;
}

export function defineCheck(c: Check): Check {
  return c;
}

/**
 * The engine's front door: text → syntax tree → resolved model → diagnostics. Shared by the
 * language server, the CLI, the diagram and the tests. No `vscode` import anywhere below here.
 */
import { parse } from './syntax/parser.js';
import { reparse } from './syntax/incremental.js';
import type { SyntaxTree } from './syntax/ast.js';
import { TOP_LEVEL_BLOCKS } from './schema/schema.js';
import { resolve, type Resolved } from './model/resolve.js';
import type { Topology } from './model/types.js';
import { CHECKS } from './checks/index.js';
import { walk } from './schema/walk.js';
import type { Diagnostic } from './checks/types.js';

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
 * `previous`: the analysis of the document's previous text, when the caller (the language server)
 * has it; its syntax tree is reused around the edit and consumed — do not use `previous` after.
 */
export function analyze(text: string, source?: string, previous?: Analysis): Analysis {
  const tree = (previous && reparse(previous.tree, text, PARSE_OPTIONS)) || parseHalab(text);
  const resolved = resolve(tree, source);
  const diagnostics: Diagnostic[] = [];
  const internalErrors: Analysis['internalErrors'] = [];
  const statements = walk(tree);
  for (const check of CHECKS) {
    try {
      check.run({
        tree,
        resolved,
        statements,
        report: (span, message, fixes) => diagnostics.push({ code: check.code, severity: check.severity, message, span: { start: span.start, end: span.end }, ...(fixes ? { fixes } : {}) }),
      });
    } catch (error) {
      internalErrors.push({ code: check.code, error: error as Error });
    }
  }
  diagnostics.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  return { tree, model: resolved.model, resolved, diagnostics, internalErrors };
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

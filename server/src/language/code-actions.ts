/**
 * Code actions: which quick fixes a request for a range gets. The fixes themselves are the checks'
 * (plain text edits on each diagnostic); this only picks the diagnostics the request is about, so
 * the choice is testable without a connection.
 */
import type { Diagnostic } from '../checks/types.js';
import type { Span } from '../syntax/ast.js';
import type { TextEdit } from '../edit/text-edits.js';

export interface QuickFix<Sent> {
  diagnostic: Diagnostic;
  /** The client's copy of the diagnostic when the request carried it (what `sentAs` found). */
  sent: Sent | undefined;
  title: string;
  edits: TextEdit[];
  /** The diagnostic's first fix is the one an editor applies on "fix this". */
  preferred: boolean;
}

/**
 * The fixes of every diagnostic that the request carried (`sentAs` finds the client's copy) or
 * whose span touches `range`, in diagnostic order, each diagnostic's fixes in their order. A client
 * asks with the diagnostics under the cursor, but may send none (or stale ones): the range decides
 * then.
 */
export function quickFixes<Sent>(
  diagnostics: readonly Diagnostic[], range: Span, sentAs: (d: Diagnostic) => Sent | undefined,
): QuickFix<Sent>[] {
  const out: QuickFix<Sent>[] = [];
  for (const d of diagnostics) {
    if (!d.fixes?.length) continue;
    const sent = sentAs(d);
    const overlaps = range.start <= d.span.end && range.end >= d.span.start;
    if (sent === undefined && !overlaps) continue;
    d.fixes.forEach((f, i) => out.push({ diagnostic: d, sent, title: f.title, edits: f.edits, preferred: i === 0 }));
  }
  return out;
}

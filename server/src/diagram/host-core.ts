/**
 * The host's decisions for the topology panel, shared by the VS Code panel and the test
 * harness's fake host: build a snapshot, and turn a (validated) intent into edits or an answer.
 */
import { analyze, type Diagnostic } from '../engine.js';
import { planIntent, type TextEdit } from '../edit/intents.js';
import type { HostMessage, LayoutSidecar, PanelDiagnostic, Snapshot, WebviewMessage } from '../../../shared/protocol/webview.js';

/**
 * The diagnostics the panel gets: the engine's, or the language server's (which add an LSP
 * range), cut to what the panel reads, so either source draws the same.
 */
export function panelDiagnostics(diags: readonly Pick<Diagnostic, 'code' | 'severity' | 'message' | 'span'>[]): PanelDiagnostic[] {
  return diags.map((d) => ({ code: d.code, severity: d.severity, message: d.message, span: { start: d.span.start, end: d.span.end } }));
}

/** A snapshot computed locally (harness, or when the language server is not answering). */
export function localSnapshot(text: string, version: number, layout?: LayoutSidecar | null, source?: string): Snapshot {
  const a = analyze(text, source);
  return { revision: version, model: a.model, diagnostics: panelDiagnostics(a.diagnostics), ...(layout ? { layout } : {}) };
}

export type IntentDecision =
  | { kind: 'reply'; message: HostMessage }
  /** Apply these edits; then ack with the new version (or error if applying failed). */
  | { kind: 'edit'; edits: TextEdit[] };

/**
 * Stale revision -> reject with a fresh snapshot (the webview redraws and the user retries);
 * a refused intent (unknown or taken name, ...) -> reject with the reason, also with a snapshot;
 * no-op -> ack; otherwise the edits.
 */
export function decideIntent(
  msg: Extract<WebviewMessage, { type: 'intent' }>,
  text: string,
  version: number,
  snapshot: () => Snapshot,
): IntentDecision {
  const plan = planIntent(analyze(text).tree, version, msg.revision, msg.intent);
  if (!plan.ok) return { kind: 'reply', message: { type: 'reject', requestId: msg.requestId, reason: plan.reason, snapshot: snapshot() } };
  if (plan.edits.length === 0) return { kind: 'reply', message: { type: 'ack', requestId: msg.requestId, revision: version } };
  return { kind: 'edit', edits: plan.edits };
}

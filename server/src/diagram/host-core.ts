/**
 * The host's decisions for the topology panel, shared by the VS Code panel and the test
 * harness's fake host: build a snapshot, turn a (validated) intent into edits or an answer, and
 * answer every webview message (`dispatchPanelMessage`). Only the actions that depend on where
 * the host runs (applying edits, showing a statement, writing files) are the host's own.
 */
import { analyze, type Diagnostic } from '../engine.js';
import { planIntent, type TextEdit } from '../edit/intents.js';
import { nodeSpan } from '../../../shared/diagram/graph.js';
import type { Topology } from '../../../shared/model/types.js';
import type { Span } from '../../../shared/span.js';
import {
  parseWebviewMessage,
  type HostMessage,
  type LayoutSidecar,
  type PanelDiagnostic,
  type Position,
  type Snapshot,
  type WebviewMessage,
} from '../../../shared/protocol/webview.js';

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

/** What answering the panel needs from the host it runs in (VS Code, or the test harness). */
export interface PanelHost {
  /** The document as it is now. */
  document(): { text: string; version: number };
  post(m: HostMessage): void | Promise<void>;
  /** Send the webview a fresh snapshot. */
  pushSnapshot(): Promise<void>;
  /** A snapshot computed at once, sent with a reject. */
  snapshot(): Snapshot;
  /** The model a node id is looked up in. */
  model(): Topology;
  /** Apply the edits as one change (one undo step); throws when the change is refused. */
  applyEdits(edits: TextEdit[]): Promise<void>;
  /** Show a node's statement in the editor. */
  reveal(nodeId: string, statement: { span: Span; nameSpan: Span }): Promise<void>;
  savePositions(positions: Record<string, Position>): Promise<void>;
  /** Save an exported picture; false when the user cancelled. */
  exportPicture(format: 'svg' | 'png', data: string): Promise<boolean>;
  refreshOverlay(): Promise<void>;
}

/**
 * Answer one message from the webview: validate it, act through `host`, and reply with exactly
 * one `ack` or `error` for its request id (or a `reject` for a stale or refused intent). A failing
 * action becomes an `error` reply, never an exception: the page is waiting for an answer.
 */
export async function dispatchPanelMessage(raw: unknown, host: PanelHost): Promise<void> {
  const v = parseWebviewMessage(raw);
  if (!v.ok) return host.post({ type: 'error', requestId: v.requestId ?? '', message: `invalid message: ${v.error}` });
  try {
    await handle(v.value, host);
  } catch (e) {
    await host.post({ type: 'error', requestId: v.value.requestId, message: e instanceof Error ? e.message : String(e) });
  }
}

async function handle(m: WebviewMessage, host: PanelHost): Promise<void> {
  // The version after the action: an applied intent acks the version it produced.
  const ack = () => host.post({ type: 'ack', requestId: m.requestId, revision: host.document().version });
  switch (m.type) {
    case 'ready':
      await ack();
      return host.pushSnapshot();
    case 'intent': {
      const { text, version } = host.document();
      const d = decideIntent(m, text, version, () => host.snapshot());
      if (d.kind === 'reply') return host.post(d.message);
      // No snapshot here: the host's change event sends it, as for a change typed in the editor.
      await host.applyEdits(d.edits);
      return ack();
    }
    case 'reveal': {
      const statement = nodeSpan(host.model(), m.nodeId);
      if (!statement) throw new Error(`no statement for ${m.nodeId}`);
      await host.reveal(m.nodeId, statement);
      return ack();
    }
    case 'savePositions':
      await host.savePositions(m.positions);
      return ack();
    case 'export':
      if (!(await host.exportPicture(m.format, m.data))) {
        return host.post({ type: 'error', requestId: m.requestId, message: 'export cancelled' });
      }
      return ack();
    case 'refreshOverlay':
      await host.refreshOverlay();
      return ack();
  }
}

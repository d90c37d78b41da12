/**
 * The webview's side of the protocol: posts requests with a fresh requestId and resolves each
 * one when the host answers `ack`, `reject` or `error` for that id. In VS Code the transport is
 * `acquireVsCodeApi()`; the Playwright harness installs a fake with the same shape.
 */
import type { HostMessage, Intent, Position, WebviewMessage } from '../../shared/protocol/webview.js';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export type Answer =
  | Extract<HostMessage, { type: 'ack' }>
  | Extract<HostMessage, { type: 'reject' }>
  | Extract<HostMessage, { type: 'error' }>;

type Outgoing = WebviewMessage extends infer M ? (M extends { requestId: string } ? Omit<M, 'requestId'> : never) : never;

export class HostBridge {
  private readonly api: VsCodeApi = acquireVsCodeApi();
  private seq = 0;
  private readonly pending = new Map<string, (a: Answer) => void>();
  private listener: ((m: HostMessage) => void) | null = null;

  constructor() {
    window.addEventListener('message', (ev: MessageEvent) => {
      const m = ev.data as HostMessage;
      if (!m || typeof m !== 'object' || typeof (m as { type?: unknown }).type !== 'string') return;
      if ((m.type === 'ack' || m.type === 'reject' || m.type === 'error') && this.pending.has(m.requestId)) {
        const done = this.pending.get(m.requestId)!;
        this.pending.delete(m.requestId);
        done(m);
      }
      this.listener?.(m);
    });
  }

  onMessage(f: (m: HostMessage) => void): void {
    this.listener = f;
  }

  request(msg: Outgoing): Promise<Answer> {
    const requestId = `w${Date.now().toString(36)}-${++this.seq}`;
    return new Promise((resolve) => {
      this.pending.set(requestId, resolve);
      this.api.postMessage({ ...msg, requestId });
    });
  }

  /** Fire-and-forget (the answer, if any, is ignored). */
  send(msg: Outgoing): void {
    void this.request(msg);
  }

  intent(revision: number, intent: Intent): Promise<Answer> {
    return this.request({ type: 'intent', revision, intent });
  }

  savePositions(positions: Record<string, Position>): void {
    this.send({ type: 'savePositions', positions });
  }
}

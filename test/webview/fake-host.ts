/**
 * A stand-in for the VS Code side of the panel: it keeps a document (text + version), speaks the
 * webview protocol through the same validator and host-core decisions as client/src/topology-panel.ts,
 * and records what the webview asked for so tests can assert on it.
 */
import { applyEdits } from '../../server/src/edit/intents.js';
import { decideIntent, localSnapshot } from '../../server/src/diagram/host-core.js';
import { nodeSpan } from '../../shared/diagram/graph.js';
import { parseWebviewMessage, type HostMessage, type LayoutSidecar, type Position } from '../../shared/protocol/webview.js';
import { analyze } from '../../server/src/engine.js';

export class FakeHost {
  version = 1;
  layout: LayoutSidecar | null = null;
  readonly received: unknown[] = [];
  readonly sent: HostMessage[] = [];
  readonly savedLayouts: Record<string, Position>[] = [];
  readonly reveals: { nodeId: string; text: string }[] = [];
  readonly exports: { format: string; data: string }[] = [];
  /** Texts after each applied intent (the history an undo stack would hold). */
  readonly history: string[] = [];

  constructor(
    public text: string,
    private readonly post: (m: HostMessage) => Promise<void>,
  ) {}

  private async reply(m: HostMessage): Promise<void> {
    this.sent.push(m);
    await this.post(m);
  }

  snapshot() {
    return localSnapshot(this.text, this.version, this.layout);
  }

  async pushSnapshot(): Promise<void> {
    await this.reply({ type: 'snapshot', ...this.snapshot() });
  }

  /** The user typed in the editor. */
  async setText(text: string): Promise<void> {
    this.text = text;
    this.version++;
    await this.pushSnapshot();
  }

  async receive(raw: unknown): Promise<void> {
    this.received.push(raw);
    const v = parseWebviewMessage(raw);
    if (!v.ok) {
      await this.reply({ type: 'error', requestId: v.requestId ?? '', message: `invalid message: ${v.error}` });
      return;
    }
    const m = v.value;
    switch (m.type) {
      case 'ready':
        await this.reply({ type: 'ack', requestId: m.requestId, revision: this.version });
        await this.pushSnapshot();
        return;
      case 'intent': {
        const d = decideIntent(m, this.text, this.version, () => this.snapshot());
        if (d.kind === 'reply') {
          await this.reply(d.message);
          return;
        }
        this.text = applyEdits(this.text, d.edits);
        this.version++;
        this.history.push(this.text);
        await this.reply({ type: 'ack', requestId: m.requestId, revision: this.version });
        await this.pushSnapshot();
        return;
      }
      case 'reveal': {
        const s = nodeSpan(analyze(this.text).model, m.nodeId);
        if (s) this.reveals.push({ nodeId: m.nodeId, text: this.text.slice(s.span.start, s.span.end) });
        await this.reply(s ? { type: 'ack', requestId: m.requestId, revision: this.version } : { type: 'error', requestId: m.requestId, message: `no node ${m.nodeId}` });
        return;
      }
      case 'savePositions':
        this.layout = { version: 1, positions: m.positions };
        this.savedLayouts.push(m.positions);
        await this.reply({ type: 'ack', requestId: m.requestId, revision: this.version });
        return;
      case 'export':
        this.exports.push({ format: m.format, data: m.data });
        await this.reply({ type: 'ack', requestId: m.requestId, revision: this.version });
        return;
      case 'refreshOverlay':
        await this.reply({ type: 'ack', requestId: m.requestId, revision: this.version });
        return;
    }
  }
}

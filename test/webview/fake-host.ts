/**
 * A stand-in for the VS Code side of the panel: it keeps a document (text + version), answers the
 * webview through the same dispatcher as client/src/topology-panel.ts (dispatchPanelMessage), and
 * records what the webview asked for so tests can assert on it.
 */
import { applyEdits } from '../../server/src/edit/intents.js';
import { dispatchPanelMessage, localSnapshot, type PanelHost } from '../../server/src/diagram/host-core.js';
import type { HostMessage, LayoutSidecar, Position } from '../../shared/protocol/webview.js';
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
  /** An intent changed the text: like VS Code's change event, a snapshot follows the answer. */
  private changed = false;

  private readonly host: PanelHost = {
    document: () => ({ text: this.text, version: this.version }),
    post: (m) => this.reply(m),
    pushSnapshot: () => this.pushSnapshot(),
    snapshot: () => this.snapshot(),
    model: () => analyze(this.text).model,
    applyEdits: async (edits) => {
      this.text = applyEdits(this.text, edits);
      this.version++;
      this.history.push(this.text);
      this.changed = true;
    },
    reveal: async (nodeId, s) => {
      this.reveals.push({ nodeId, text: this.text.slice(s.span.start, s.span.end) });
    },
    savePositions: async (positions) => {
      this.layout = { version: 1, positions };
      this.savedLayouts.push(positions);
    },
    exportPicture: async (format, data) => {
      this.exports.push({ format, data });
      return true;
    },
    refreshOverlay: async () => {},
  };

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
    await dispatchPanelMessage(raw, this.host);
    if (this.changed) {
      this.changed = false;
      await this.pushSnapshot();
    }
  }
}

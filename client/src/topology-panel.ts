/**
 * The VS Code side of the topology designer: one webview panel per .halab document, beside the
 * text. The text stays the source of truth: the panel draws snapshots of the model, and every
 * edit it asks for is validated, turned into a minimal text edit by the engine and applied as a
 * WorkspaceEdit (so undo/redo work and the file is not saved behind the user's back). Opening
 * the panel never writes anything; the layout sidecar is written only when the user moves a node.
 */
import * as vscode from 'vscode';
import type { BaseLanguageClient } from 'vscode-languageclient';
import { TopologyRequest } from '../../server/src/protocol/lsp.js';
import { parseLayoutSidecar, type HostMessage, type LayoutSidecar, type Overlay, type Snapshot } from '../../shared/protocol/webview.js';
import { dispatchPanelMessage, localSnapshot, panelDiagnostics, type PanelHost } from '../../server/src/diagram/host-core.js';
import type { TextEdit } from '../../server/src/edit/text-edits.js';
import type { Span } from '../../shared/span.js';
import { nodeAtOffset } from '../../shared/diagram/graph.js';
import { sidecarFrom } from '../../shared/diagram/layout.js';
import { makeNonce, panelHtml } from '../../server/src/diagram/panel-html.js';
import { analyze } from '../../server/src/engine.js';
import type { Topology } from '../../shared/model/types.js';

type Client = Pick<BaseLanguageClient, 'sendRequest'>;

export interface TopologyPanels {
  /** Draw the hosts' live state (read by `halab.refreshOverlay`, extension.ts) on the panel of this document, if open. */
  showOverlay(uri: vscode.Uri, overlay: Overlay | null): void;
}

const VIEW_TYPE = 'halab.topology';
/** Text changes arrive per keystroke; redraw at most this often. */
const DEBOUNCE_MS = 150;

export function sidecarUri(doc: vscode.Uri): vscode.Uri {
  return doc.with({ path: `${doc.path}.layout.json` });
}

class TopologyPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private model: Topology | null = null;
  private highlighted: string | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly doc: vscode.TextDocument,
    readonly panel: vscode.WebviewPanel,
    private readonly client: Client | undefined,
    dist: vscode.Uri,
    private readonly onDispose: () => void,
  ) {
    const webview = panel.webview;
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => void dispatchPanelMessage(m, this.host)),
      panel.onDidDispose(() => this.dispose()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === this.doc) this.scheduleSnapshot();
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor.document === this.doc) this.highlightAt(this.doc.offsetAt(e.selections[0].active));
      }),
    );
  }

  private post(m: HostMessage): void {
    void this.panel.webview.postMessage(m);
  }

  private scheduleSnapshot(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pushSnapshot(), DEBOUNCE_MS);
  }

  private async readSidecar(): Promise<LayoutSidecar | null> {
    try {
      const bytes = await vscode.workspace.fs.readFile(sidecarUri(this.doc.uri));
      return parseLayoutSidecar(JSON.parse(new TextDecoder().decode(bytes)));
    } catch {
      return null; // no sidecar yet, or an unreadable one: automatic layout
    }
  }

  /** The model from the language server (`halab/topology`); the local engine if it is not answering or lags. */
  private async snapshot(): Promise<Snapshot> {
    const layout = await this.readSidecar();
    const version = this.doc.version;
    try {
      const r = this.client ? await this.client.sendRequest(TopologyRequest, { uri: this.doc.uri.toString() }) : null;
      if (r && r.version === version && r.text === this.doc.getText()) {
        this.model = r.model;
        return { revision: version, model: r.model, diagnostics: panelDiagnostics(r.diagnostics), ...(layout ? { layout } : {}) };
      }
    } catch {
      // fall through to the local engine
    }
    const s = localSnapshot(this.doc.getText(), version, layout, this.doc.uri.fsPath);
    this.model = s.model;
    return s;
  }

  async pushSnapshot(): Promise<void> {
    this.post({ type: 'snapshot', ...(await this.snapshot()) });
  }

  private highlightAt(offset: number): void {
    if (!this.model) return;
    const id = nodeAtOffset(this.model, offset);
    if (id !== this.highlighted) {
      this.highlighted = id;
      this.post({ type: 'highlight', nodeId: id });
    }
  }

  showOverlay(overlay: Overlay | null): void {
    this.post({ type: 'overlay', overlay });
  }

  /** The VS Code side of each webview request; dispatchPanelMessage decides the rest. */
  private readonly host: PanelHost = {
    document: () => ({ text: this.doc.getText(), version: this.doc.version }),
    post: (m) => this.post(m),
    pushSnapshot: () => this.pushSnapshot(),
    snapshot: () => localSnapshot(this.doc.getText(), this.doc.version),
    model: () => this.model ?? analyze(this.doc.getText()).model,
    applyEdits: (edits) => this.applyEdits(edits),
    reveal: (_nodeId, statement) => this.showStatement(statement),
    savePositions: async (positions) => {
      const json = JSON.stringify(sidecarFrom(positions), null, 2) + '\n';
      await vscode.workspace.fs.writeFile(sidecarUri(this.doc.uri), new TextEncoder().encode(json));
    },
    exportPicture: (format, data) => this.exportPicture(format, data),
    refreshOverlay: () => this.refreshOverlay(),
  };

  private range(s: Span): vscode.Range {
    return new vscode.Range(this.doc.positionAt(s.start), this.doc.positionAt(s.end));
  }

  /** One WorkspaceEdit: one undo step, and the file is not saved. The change event sends the new snapshot. */
  private async applyEdits(edits: TextEdit[]): Promise<void> {
    const edit = new vscode.WorkspaceEdit();
    for (const e of edits) edit.replace(this.doc.uri, this.range(e.span), e.newText);
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code refused the edit (is the file read-only?)');
  }

  private async showStatement(s: { span: Span; nameSpan: Span }): Promise<void> {
    const visible = vscode.window.visibleTextEditors.find((e) => e.document === this.doc);
    const editor = await vscode.window.showTextDocument(this.doc, {
      viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One, selection: this.range(s.nameSpan), preserveFocus: true,
    });
    editor.revealRange(this.range(s.span), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async exportPicture(format: 'svg' | 'png', data: string): Promise<boolean> {
    const base = this.doc.uri.path.replace(/\.halab$/, '');
    const target = await vscode.window.showSaveDialog({
      defaultUri: this.doc.uri.with({ path: `${base}.${format}` }),
      filters: format === 'svg' ? { SVG: ['svg'] } : { PNG: ['png'] },
    });
    if (!target) return false;
    const bytes = format === 'svg' ? new TextEncoder().encode(data) : Buffer.from(data.slice('data:image/png;base64,'.length), 'base64');
    await vscode.workspace.fs.writeFile(target, bytes);
    return true;
  }

  private async refreshOverlay(): Promise<void> {
    // extension.ts registers it: it reads the live state over SSH and calls showOverlay. A host
    // that did not register it has no live state to show.
    const commands = await vscode.commands.getCommands(true);
    if (!commands.includes('halab.refreshOverlay')) throw new Error('no live state yet: deploy first');
    await vscode.commands.executeCommand('halab.refreshOverlay', this.doc.uri);
  }

  reveal(): void {
    this.panel.reveal(vscode.ViewColumn.Beside, true);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.onDispose();
  }
}

export function registerTopologyPanel(context: vscode.ExtensionContext, client?: Client): TopologyPanels {
  const panels = new Map<string, TopologyPanel>();
  const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');

  const open = async (arg?: vscode.Uri): Promise<void> => {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      void vscode.window.showInformationMessage('Open a .halab file first.');
      return;
    }
    const key = uri.toString();
    const existing = panels.get(key);
    if (existing) {
      existing.reveal();
      return;
    }
    // openTextDocument only reads; nothing here writes the file.
    const doc = await vscode.workspace.openTextDocument(uri);
    const name = uri.path.split('/').pop() ?? 'topology';
    const beside = { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true };
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, `Topology: ${name}`, beside, {
      enableScripts: true,
      // Only the bundle directory: the page cannot load anything else, local or remote.
      localResourceRoots: [dist],
      retainContextWhenHidden: true,
    });
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'halab-file.svg');
    panels.set(key, new TopologyPanel(doc, panel, client, dist, () => panels.delete(key)));
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('halab.openTopology', open),
    { dispose: () => [...panels.values()].forEach((p) => p.panel.dispose()) },
  );
  return {
    showOverlay(uri, overlay) {
      panels.get(uri.toString())?.showOverlay(overlay);
    },
  };
}

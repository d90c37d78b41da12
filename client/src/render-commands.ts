/** "HA Lab: Render Configs" and "HA Lab: Preview Rendered Config". */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { placeholderSecrets, render, writeRenderedTree } from '../../server/src/index.js';
import { analyzeOrComplain, pickHalabDocument } from './document.js';
import { gatherSecrets } from './secrets.js';

const SCHEME = 'halab-render';

/** Read-only documents holding rendered files, keyed by uri. */
class RenderedContent implements vscode.TextDocumentContentProvider {
  readonly files = new Map<string, string>();
  readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.files.get(uri.toString()) ?? '';
  }
}

export function registerRenderCommands(context: vscode.ExtensionContext, output: vscode.OutputChannel): void {
  const content = new RenderedContent();
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, content),
    vscode.commands.registerCommand('halab.renderConfigs', async (uri?: vscode.Uri, target?: string) => {
      const doc = await pickHalabDocument(uri);
      if (!doc) return;
      const a = await analyzeOrComplain(doc, 'render');
      if (!a) return;
      let dir = target;
      if (!dir) {
        const picked = await vscode.window.showOpenDialog({
          canSelectFolders: true,
          canSelectFiles: false,
          canSelectMany: false,
          openLabel: 'Render here',
          title: 'HA Lab: folder for the rendered configs',
          defaultUri: vscode.Uri.file(path.join(path.dirname(doc.uri.fsPath), 'rendered')),
        });
        if (!picked?.[0]) return;
        dir = picked[0].fsPath;
      }
      const secrets = await gatherSecrets(context, a.model);
      if (!secrets) return;
      try {
        const { files } = render(a.model, { source: doc.uri.fsPath, secrets });
        // the CLI's writer: all or nothing, no symlinks followed, secret files 0600
        writeRenderedTree(dir, files);
        output.appendLine(`Rendered ${files.length} files for ${new Set(files.map((f) => f.host)).size} hosts into ${dir}`);
        const where = vscode.workspace.asRelativePath(dir);
        void vscode.window.showInformationMessage(`HA Lab: rendered ${files.length} files into ${where}.`, 'Reveal')
          .then((c) => c && vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(dir!)));
        return files.length;
      } catch (e) {
        void vscode.window.showErrorMessage(`HA Lab: render failed: ${(e as Error).message}`);
        return undefined;
      }
    }),
    vscode.commands.registerCommand('halab.previewRenderedConfig', async (uri?: vscode.Uri, pick?: { host: string; path: string }) => {
      const doc = await pickHalabDocument(uri);
      if (!doc) return;
      const a = await analyzeOrComplain(doc, 'preview');
      if (!a) return;
      // Previews never carry a real secret: placeholders show where each value will come from
      // (`preview` keeps them whole instead of cutting them to keepalived's 8 characters).
      let files: ReturnType<typeof render>['files'];
      try {
        files = render(a.model, { source: doc.uri.fsPath, secrets: placeholderSecrets, preview: true }).files;
      } catch (e) {
        void vscode.window.showErrorMessage(`HA Lab: cannot render this topology: ${(e as Error).message}`);
        return;
      }
      const choice = pick ? files.find((f) => f.host === pick.host && f.path === pick.path) : (await vscode.window.showQuickPick(
        files.map((f) => ({
          label: `${f.host}: ${f.path}`, description: f.reload.length ? `reloads ${f.reload.join(', ')}` : '', file: f,
        })),
        { title: 'HA Lab: preview which rendered file?', matchOnDescription: true },
      ))?.file;
      if (!choice) return;
      const u = vscode.Uri.from({ scheme: SCHEME, path: `/${choice.host}${choice.path}`, query: doc.uri.toString() });
      content.files.set(u.toString(), choice.content);
      content.emitter.fire(u);
      const shown = await vscode.workspace.openTextDocument(u);
      await vscode.window.showTextDocument(shown, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
    }),
  );
}

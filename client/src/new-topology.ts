/**
 * "HA Lab: New Topology": writes a starter file — the seed tutorial's lab (examples/lab.halab,
 * which ships in the .vsix) — into the workspace and opens it. The walkthrough starts here, so a
 * new user has a file in their own folder instead of searching for one that is not there.
 */
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';

export function registerNewTopology(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('halab.newTopology', async (target?: vscode.Uri) => {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      // the save dialog asks before it replaces an existing file; a given target must be new
      const uri =
        target ??
        (await vscode.window.showSaveDialog({
          title: 'HA Lab: new topology',
          defaultUri: folder ? vscode.Uri.joinPath(folder, 'lab.halab') : undefined,
          filters: { 'HA Lab topology': ['halab'] },
        }));
      if (!uri) return undefined;
      if (target && (await exists(uri))) {
        void vscode.window.showErrorMessage(`HA Lab: ${vscode.workspace.asRelativePath(uri)} exists already; nothing was written.`);
        return undefined;
      }
      const starter = await readFile(context.asAbsolutePath('examples/lab.halab'));
      await vscode.workspace.fs.writeFile(uri, starter);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      return uri;
    }),
  );
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

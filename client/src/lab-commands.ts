/** "HA Lab: Start Local Lab" / "Stop Local Lab": the CLI's `lab up|down`, which needs root. */
import * as vscode from 'vscode';
import { analyzeOrComplain, pickHalabDocument } from './document.js';
import { runLabCli } from './run-cli.js';
import { requireTrust } from './settings.js';

export function registerLabCommands(context: vscode.ExtensionContext, output: vscode.OutputChannel): void {
  const run = (verb: 'up' | 'down', title: string) => async (uri?: vscode.Uri) => {
    if (!(await requireTrust(verb === 'up' ? 'start the local lab' : 'stop the local lab'))) return undefined;
    const doc = await pickHalabDocument(uri);
    if (!doc) return undefined;
    if (verb === 'up' && !(await analyzeOrComplain(doc, 'start the lab'))) return undefined;
    if (doc.isDirty) await doc.save();
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_p, token) => {
      const { code } = await runLabCli(context, output, verb, doc.uri.fsPath, token);
      if (code === 0) {
        const done = verb === 'up' ? 'HA Lab: the local lab is up. Next: HA Lab: Deploy.' : 'HA Lab: the local lab is down.';
        void vscode.window.showInformationMessage(done);
      } else {
        output.show(true);
        void vscode.window.showErrorMessage(
          `HA Lab: lab ${verb} failed (exit ${code}); see the HA Lab output. The lab needs Linux and root (or passwordless sudo).`);
      }
      return code;
    });
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('halab.startLab', run('up', 'HA Lab: starting the local lab')),
    vscode.commands.registerCommand('halab.stopLab', run('down', 'HA Lab: stopping the local lab')),
  );
}

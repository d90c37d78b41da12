/** Finding the .halab document a command is about, and analyzing it with the shared engine. */
import * as vscode from 'vscode';
import { analyze, hasErrors, type Analysis, type SecretResolver } from '../../server/src/index.js';
import { gatherSecrets } from './secrets.js';
import { requireTrust } from './settings.js';

export async function pickHalabDocument(uri?: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
  const active = vscode.window.activeTextEditor?.document;
  if (active?.languageId === 'halab') return active;
  const visible = vscode.window.visibleTextEditors.find((e) => e.document.languageId === 'halab');
  if (visible) return visible.document;
  const files = await vscode.workspace.findFiles('**/*.halab', '**/node_modules/**', 50);
  if (files.length === 1) return vscode.workspace.openTextDocument(files[0]!);
  const items = files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f }));
  const pick = await vscode.window.showQuickPick(items, { title: 'HA Lab: which topology?' });
  return pick ? vscode.workspace.openTextDocument(pick.uri) : undefined;
}

/** Analyzes the document; shows the Problems panel and returns undefined when it has errors. */
export async function analyzeOrComplain(doc: vscode.TextDocument, action: string): Promise<Analysis | undefined> {
  const a = analyze(doc.getText(), doc.uri.fsPath);
  if (hasErrors(a.diagnostics)) {
    const n = a.diagnostics.filter((d) => d.severity === 'error').length;
    const file = vscode.workspace.asRelativePath(doc.uri);
    const choice = await vscode.window.showErrorMessage(
      `HA Lab: ${file} has ${n} error${n > 1 ? 's' : ''}; fix ${n > 1 ? 'them' : 'it'} before you ${action}.`, 'Show Problems');
    if (choice) await vscode.commands.executeCommand('workbench.actions.view.problems');
    return undefined;
  }
  return a;
}

/**
 * The common start of every command that acts on hosts: workspace trust, the document, an
 * analysis without errors, and its secrets (asked for when missing). Undefined when any step
 * was refused or cancelled; the step said why.
 */
export async function prepareHostAction(
  context: vscode.ExtensionContext,
  uri: vscode.Uri | undefined,
  action: string,
): Promise<{ doc: vscode.TextDocument; a: Analysis; secrets: SecretResolver } | undefined> {
  if (!(await requireTrust(action))) return undefined;
  const doc = await pickHalabDocument(uri);
  if (!doc) return undefined;
  const a = await analyzeOrComplain(doc, action);
  if (!a) return undefined;
  const secrets = await gatherSecrets(context, a.model);
  return secrets ? { doc, a, secrets } : undefined;
}


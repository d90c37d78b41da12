/**
 * "HA Lab: Run Failover Test": runs the engine's failover test through the CLI (`--json`, so the
 * editor and the terminal share one code path and root handling), then shows the report panel
 * with a timeline chart and updates the VIP status.
 */
import * as vscode from 'vscode';
import { analyzeOrComplain, pickHalabDocument } from './document.js';
import { runCli } from './run-cli.js';
import { reportHtml } from './failover-report.js';
import type { FailoverReport } from '../../server/src/failover/types.js';

export interface FailoverHooks {
  /** After the test: refresh the live state (status bar, diagram overlay). */
  onFinished(uri: vscode.Uri): void;
  /** While the test runs: refresh the overlay now and then; returns a stop function. */
  onStarted(uri: vscode.Uri): () => void;
}

export function registerFailoverCommands(context: vscode.ExtensionContext, output: vscode.OutputChannel, hooks: FailoverHooks): void {
  context.subscriptions.push(vscode.commands.registerCommand('halab.runFailoverTest', async (uri?: vscode.Uri) => {
    const doc = await pickHalabDocument(uri);
    if (!doc) return undefined;
    const a = await analyzeOrComplain(doc, 'run the failover test');
    if (!a) return undefined;
    if (doc.isDirty) await doc.save();
    const ft = a.model.failoverTest;
    const stopWatching = hooks.onStarted(doc.uri);
    const res = await Promise.resolve(vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification,
      title: `HA Lab: failover test (${ft.fault}, up to ${Math.round(ft.durationMs / 1000)} s of probing)`,
      cancellable: true,
    }, (_p, token) => runCli(context, output, ['failover-test', doc.uri.fsPath, '--json'], token))).finally(stopWatching);
    let report: FailoverReport | undefined;
    try {
      report = JSON.parse(res.stdout) as FailoverReport;
    } catch {
      output.show(true);
      void vscode.window.showErrorMessage(`HA Lab: the failover test did not complete (exit ${res.code}); see the HA Lab output.`);
      return undefined;
    }
    const panel = vscode.window.createWebviewPanel('halab.failoverReport', `Failover: ${a.model.name}`, vscode.ViewColumn.Beside, { enableScripts: false });
    panel.webview.html = reportHtml(report, panel.webview.cspSource);
    hooks.onFinished(doc.uri);
    const verdict = report.verdict === 'pass' ? 'passed' : 'FAILED';
    void (report.verdict === 'pass' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage)(
      `HA Lab: failover test ${verdict}: outage ${report.outageMs} ms (max ${ft.maxOutageMs} ms), ${report.failedRequests}/${report.totalRequests} requests failed.`);
    return report;
  }));
}

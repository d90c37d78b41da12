/**
 * "HA Lab: Run Failover Test": the engine's failover test, run in the extension host like deploy
 * (same SSH settings, keys and known_hosts as the CLI; secrets from the environment or VS Code's
 * secret storage, passed in memory). Progress and the readable report go to the "HA Lab" output;
 * the report panel draws the timeline.
 */
import * as vscode from 'vscode';
import { formatFailoverEvent, formatReport, hostTargets, runFailoverTest, type FailoverReport } from '../../server/src/index.js';
import { prepareHostAction } from './document.js';
import { reportHtml } from './failover-report.js';
import { accessSettings } from './settings.js';

export interface FailoverHooks {
  /** After the test: refresh the live state (status bar, diagram overlay). */
  onFinished(uri: vscode.Uri): void;
  /** While the test runs: refresh the overlay now and then; returns a stop function. */
  onStarted(uri: vscode.Uri): () => void;
}

export function registerFailoverCommands(context: vscode.ExtensionContext, output: vscode.OutputChannel, hooks: FailoverHooks): void {
  context.subscriptions.push(vscode.commands.registerCommand('halab.runFailoverTest', async (uri?: vscode.Uri) => {
    const ready = await prepareHostAction(context, uri, 'run the failover test');
    if (!ready) return undefined;
    const { doc, a, secrets } = ready;
    const ft = a.model.failoverTest;
    output.appendLine(`\n== Failover test ${vscode.workspace.asRelativePath(doc.uri)} (${new Date().toLocaleString()})`);
    const stopWatching = hooks.onStarted(doc.uri);
    let report: FailoverReport;
    try {
      report = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `HA Lab: failover test (${ft.fault}, up to ${Math.round(ft.durationMs / 1000)} s of probing)`,
        },
        () =>
          runFailoverTest(a.model, { secrets, targets: hostTargets(a.model, accessSettings()) }, (e) => {
            const line = formatFailoverEvent(e);
            if (line) output.appendLine(line);
          }),
      );
    } catch (e) {
      output.appendLine(`failover test: ${(e as Error).message}`);
      output.show(true);
      void vscode.window.showErrorMessage(`HA Lab: the failover test did not run: ${(e as Error).message}`);
      return undefined;
    } finally {
      stopWatching();
    }
    output.appendLine(formatReport(report));
    const panel = vscode.window.createWebviewPanel(
      'halab.failoverReport', `Failover: ${a.model.name}`, vscode.ViewColumn.Beside, { enableScripts: false });
    panel.webview.html = reportHtml(report, panel.webview.cspSource);
    hooks.onFinished(doc.uri);
    const verdict = report.verdict === 'pass' ? 'passed' : 'FAILED';
    void (report.verdict === 'pass' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage)(
      `HA Lab: failover test ${verdict}: outage ${report.outageMs} ms (max ${ft.maxOutageMs} ms), ` +
        `${report.failedRequests}/${report.totalRequests} requests failed.`);
    return report;
  }));
}

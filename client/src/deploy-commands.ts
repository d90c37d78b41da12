/**
 * "HA Lab: Deploy": plan (a diff per file, secrets masked) → confirm → rolling apply with a
 * progress notification → summary in the output channel and the VIP holder in the status bar.
 */
import * as vscode from 'vscode';
import { deployTopology, formatDeployEvent, formatPlan, formatSummary, hostTargets, type DeployResult, type Topology } from '../../server/src/index.js';
import { prepareHostAction } from './document.js';
import { accessSettings } from './settings.js';

export interface DeployHooks {
  onDeployed(model: Topology, result: DeployResult, uri: vscode.Uri): void;
}

const PLAN_SCHEME = 'halab-plan';

export function registerDeployCommands(context: vscode.ExtensionContext, output: vscode.OutputChannel, hooks: DeployHooks): void {
  const plans = new Map<string, string>();
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, { provideTextDocumentContent: (u) => plans.get(u.toString()) ?? '' }));
  const acceptNew = async (info: { host: string; port: number; fingerprint: string; keyType: string }) => {
    const yes = 'Trust and continue';
    const c = await vscode.window.showWarningMessage(
      `HA Lab: ${info.host}:${info.port} is not in known_hosts.\n${info.keyType} key fingerprint ${info.fingerprint}\nCompare it with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) before you trust it.`,
      { modal: true }, yes);
    return c === yes;
  };

  /** A passphrase-protected key: asked for here, used for this run only, never stored. */
  const passphrase = async (file: string): Promise<string | undefined> =>
    vscode.window.showInputBox({ title: `HA Lab: passphrase for ${file}`, prompt: 'Used for this deploy only (ssh-add it to the agent to be asked less often)', password: true, ignoreFocusOut: true });

  /** Opens the plan beside as a read-only diff; closing it never asks to save. */
  const showPlanDoc = async (model: Topology, plan: DeployResult) => {
    const planUri = vscode.Uri.from({ scheme: PLAN_SCHEME, path: `/${model.name}.plan.diff`, query: String(Date.now()) });
    plans.set(planUri.toString(), formatPlan(plan, true));
    const planDoc = await vscode.workspace.openTextDocument(planUri);
    await vscode.languages.setTextDocumentLanguage(planDoc, 'diff');
    await vscode.window.showTextDocument(planDoc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  };
  const changedFiles = (plan: DeployResult) => plan.hosts.flatMap((h) => (h.plan?.files ?? []).filter((f) => f.status !== 'same').map((f) => `${h.host}:${f.path}`));

  // "HA Lab: Show Plan": drift between the file and the hosts, changing nothing
  context.subscriptions.push(vscode.commands.registerCommand('halab.showPlan', async (uri?: vscode.Uri) => {
    const ready = await prepareHostAction(context, uri, 'read the hosts');
    if (!ready) return undefined;
    const { doc, a, secrets } = ready;
    const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'HA Lab: reading the hosts' }, () =>
      deployTopology(a.model, { source: doc.uri.fsPath, secrets, plan: true, targets: hostTargets(a.model, accessSettings()), passphrase }));
    output.appendLine(formatSummary(plan));
    if (!plan.ok) void vscode.window.showErrorMessage(`HA Lab: plan failed${plan.failure?.host ? ` on ${plan.failure.host}` : ''}: ${plan.failure?.message}`);
    else if (changedFiles(plan).length === 0) void vscode.window.showInformationMessage(`HA Lab: ${a.model.name} is in sync: every host has exactly these files.`);
    else await showPlanDoc(a.model, plan);
    return plan;
  }));

  context.subscriptions.push(vscode.commands.registerCommand('halab.deploy', async (uri?: vscode.Uri, opts?: { yes?: boolean }) => {
    const ready = await prepareHostAction(context, uri, 'deploy');
    if (!ready) return undefined;
    const { doc, a, secrets } = ready;
    output.appendLine(`\n== Deploy ${vscode.workspace.asRelativePath(doc.uri)} (${new Date().toLocaleString()})`);
    // the CLI's way to the hosts, with this editor's halab.ssh.* settings
    const reach = { targets: hostTargets(a.model, accessSettings()), acceptNew, passphrase };
    const log = (e: Parameters<NonNullable<Parameters<typeof deployTopology>[2]>>[0]) => {
      const line = formatDeployEvent(e);
      if (line) output.appendLine(line);
    };
    const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'HA Lab: planning the deploy' }, () =>
      deployTopology(a.model, { source: doc.uri.fsPath, secrets, plan: true, ...reach }, log));
    if (!plan.ok) {
      output.appendLine(formatSummary(plan));
      output.show(true);
      void vscode.window.showErrorMessage(`HA Lab: plan failed${plan.failure?.host ? ` on ${plan.failure.host}` : ''}: ${plan.failure?.message ?? 'see the HA Lab output'}`);
      return plan;
    }
    const changed = changedFiles(plan);
    if (changed.length === 0 && !plan.hosts.some((h) => h.bootstrap.length)) {
      void vscode.window.showInformationMessage('HA Lab: every host is up to date; nothing to deploy.');
      output.appendLine('Nothing to deploy: every file is the same.');
      return plan;
    }
    await showPlanDoc(a.model, plan);
    if (!opts?.yes) {
      const go = `Deploy ${changed.length} file${changed.length > 1 ? 's' : ''}`;
      const c = await vscode.window.showWarningMessage(`HA Lab: deploy ${changed.length} changed file(s) to ${new Set(changed.map((x) => x.split(':')[0])).size} host(s)? The plan is open beside. Hosts go one at a time: upstreams, backups, then the primary; a failure rolls back.`, { modal: true }, go);
      if (c !== go) return undefined;
    }
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'HA Lab: deploying', cancellable: false }, (progress) =>
      deployTopology(a.model, { source: doc.uri.fsPath, secrets, ...reach }, (e) => {
        log(e);
        if (e.status === 'start' && e.host) progress.report({ message: `${e.host}: ${e.step}` });
      }));
    output.appendLine(formatSummary(result));
    hooks.onDeployed(a.model, result, doc.uri);
    if (result.ok) void vscode.window.showInformationMessage(`HA Lab: deployed in ${(result.ms / 1000).toFixed(1)} s. ${result.cluster?.ok ? 'The VIP is on the primary and every site answers.' : ''}`, 'Show Output').then((c) => c && output.show(true));
    else {
      output.show(true);
      void vscode.window.showErrorMessage(`HA Lab: deploy failed${result.failure?.host ? ` on ${result.failure.host}` : ''} at ${result.failure?.step}: ${result.failure?.message}. Changes on that host were rolled back.`);
    }
    return result;
  }));
}

/**
 * "HA Lab: Deploy": plan (a diff per file, secrets masked) → confirm → rolling apply with a
 * progress notification → summary in the output channel and the VIP holder in the status bar.
 */
import * as vscode from 'vscode';
import {
  deployTopology, formatDeployEvent, formatPlan, formatSummary, hostTargets, type DeployResult, type Topology,
} from '../../server/src/index.js';
import { prepareHostAction } from './document.js';
import { accessSettings } from './settings.js';

export interface DeployHooks {
  onDeployed(model: Topology, result: DeployResult, uri: vscode.Uri): void;
}

const PLAN_SCHEME = 'halab-plan';

/** A host key not in known_hosts: the user compares the fingerprint and decides, in a modal. */
async function acceptNew(info: { host: string; port: number; fingerprint: string; keyType: string }): Promise<boolean> {
  const yes = 'Trust and continue';
  const c = await vscode.window.showWarningMessage(
    `HA Lab: ${info.host}:${info.port} is not in known_hosts.\n${info.keyType} key fingerprint ${info.fingerprint}\n` +
      "Compare it with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) before you trust it.",
    { modal: true }, yes);
  return c === yes;
}

/** A passphrase-protected key: asked for here, used for this run only, never stored. */
async function passphrase(file: string): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: `HA Lab: passphrase for ${file}`,
    prompt: 'Used for this deploy only (ssh-add it to the agent to be asked less often)',
    password: true,
    ignoreFocusOut: true,
  });
}

const changedFiles = (plan: DeployResult) =>
  plan.hosts.flatMap((h) => (h.plan?.files ?? []).filter((f) => f.status !== 'same').map((f) => `${h.host}:${f.path}`));

const failedOn = (r: DeployResult) => (r.failure?.host ? ` on ${r.failure.host}` : '');

type ShowPlan = (model: Topology, plan: DeployResult) => Promise<void>;

export function registerDeployCommands(context: vscode.ExtensionContext, output: vscode.OutputChannel, hooks: DeployHooks): void {
  const plans = new Map<string, string>();
  const provider = { provideTextDocumentContent: (u: vscode.Uri) => plans.get(u.toString()) ?? '' };
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, provider));

  /** Opens the plan beside as a read-only diff; closing it never asks to save. */
  const showPlanDoc: ShowPlan = async (model, plan) => {
    const planUri = vscode.Uri.from({ scheme: PLAN_SCHEME, path: `/${model.name}.plan.diff`, query: String(Date.now()) });
    plans.set(planUri.toString(), formatPlan(plan, true));
    const planDoc = await vscode.workspace.openTextDocument(planUri);
    await vscode.languages.setTextDocumentLanguage(planDoc, 'diff');
    await vscode.window.showTextDocument(planDoc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  };

  context.subscriptions.push(vscode.commands.registerCommand('halab.showPlan', showPlanCommand(context, output, showPlanDoc)));
  context.subscriptions.push(vscode.commands.registerCommand('halab.deploy', deployCommand(context, output, hooks, showPlanDoc)));
}

/** "HA Lab: Show Plan": drift between the file and the hosts, changing nothing. */
function showPlanCommand(context: vscode.ExtensionContext, output: vscode.OutputChannel, showPlanDoc: ShowPlan) {
  return async (uri?: vscode.Uri) => {
    const ready = await prepareHostAction(context, uri, 'read the hosts');
    if (!ready) return undefined;
    const { doc, a, secrets } = ready;
    const reading = { location: vscode.ProgressLocation.Notification, title: 'HA Lab: reading the hosts' };
    const plan = await vscode.window.withProgress(reading, () =>
      deployTopology(a.model, {
        source: doc.uri.fsPath, secrets, plan: true, targets: hostTargets(a.model, accessSettings()), passphrase,
      }));
    output.appendLine(formatSummary(plan));
    if (!plan.ok) void vscode.window.showErrorMessage(`HA Lab: plan failed${failedOn(plan)}: ${plan.failure?.message}`);
    else if (changedFiles(plan).length === 0) {
      void vscode.window.showInformationMessage(`HA Lab: ${a.model.name} is in sync: every host has exactly these files.`);
    }
    else await showPlanDoc(a.model, plan);
    return plan;
  };
}

/** "HA Lab: Deploy": plan, show it, confirm (unless `yes`), then the rolling apply. */
function deployCommand(context: vscode.ExtensionContext, output: vscode.OutputChannel, hooks: DeployHooks, showPlanDoc: ShowPlan) {
  return async (uri?: vscode.Uri, opts?: { yes?: boolean }) => {
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
    const planning = { location: vscode.ProgressLocation.Notification, title: 'HA Lab: planning the deploy' };
    const plan = await vscode.window.withProgress(planning, () =>
      deployTopology(a.model, { source: doc.uri.fsPath, secrets, plan: true, ...reach }, log));
    if (!plan.ok) {
      output.appendLine(formatSummary(plan));
      output.show(true);
      void vscode.window.showErrorMessage(`HA Lab: plan failed${failedOn(plan)}: ${plan.failure?.message ?? 'see the HA Lab output'}`);
      return plan;
    }
    const changed = changedFiles(plan);
    if (changed.length === 0 && !plan.hosts.some((h) => h.bootstrap.length)) {
      void vscode.window.showInformationMessage('HA Lab: every host is up to date; nothing to deploy.');
      output.appendLine('Nothing to deploy: every file is the same.');
      return plan;
    }
    await showPlanDoc(a.model, plan);
    if (!opts?.yes && !(await confirmDeploy(changed))) return undefined;
    const progressOptions = { location: vscode.ProgressLocation.Notification, title: 'HA Lab: deploying', cancellable: false };
    const result = await vscode.window.withProgress(progressOptions, (progress) =>
      deployTopology(a.model, { source: doc.uri.fsPath, secrets, ...reach }, (e) => {
        log(e);
        if (e.status === 'start' && e.host) progress.report({ message: `${e.host}: ${e.step}` });
      }));
    output.appendLine(formatSummary(result));
    hooks.onDeployed(a.model, result, doc.uri);
    reportDeploy(result, output);
    return result;
  };
}

/** The last word before hosts change: how many files on how many hosts, in a modal. */
async function confirmDeploy(changed: string[]): Promise<boolean> {
  const go = `Deploy ${changed.length} file${changed.length > 1 ? 's' : ''}`;
  const hosts = new Set(changed.map((x) => x.split(':')[0])).size;
  const c = await vscode.window.showWarningMessage(
    `HA Lab: deploy ${changed.length} changed file(s) to ${hosts} host(s)? The plan is open beside. ` +
      'Hosts go one at a time: upstreams, backups, then the primary; a failure rolls back.',
    { modal: true }, go);
  return c === go;
}

function reportDeploy(result: DeployResult, output: vscode.OutputChannel): void {
  if (result.ok) {
    const cluster = result.cluster?.ok ? 'The VIP is on the primary and every site answers.' : '';
    void vscode.window.showInformationMessage(`HA Lab: deployed in ${(result.ms / 1000).toFixed(1)} s. ${cluster}`, 'Show Output')
      .then((c) => c && output.show(true));
  } else {
    output.show(true);
    const f = result.failure;
    void vscode.window.showErrorMessage(
      `HA Lab: deploy failed${failedOn(result)} at ${f?.step}: ${f?.message}. Changes on that host were rolled back.`);
  }
}

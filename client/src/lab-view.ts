/**
 * The "HA Lab" view in the activity bar: the workspace's topologies, and under each its hosts
 * with role, address and — once live status was read (on demand, after a deploy, during a
 * failover test) — which lb holds the VIP, each lb's keepalived state and HAProxy's view of each
 * upstream. Per host: open an SSH terminal (the deploy's keys, known_hosts and jumps), show the
 * last log lines; per topology: the plan (drift), live status, and the lab's start and stop.
 */
import * as vscode from 'vscode';
import {
  analyze, hasErrors, hostTargets, logServices, readHostLogs, readLabState, sshArgv, type Topology,
} from '../../server/src/index.js';
import type { Overlay } from '../../shared/protocol/webview.js';
import { accessSettings, requireTrust } from './settings.js';

class TopologyItem extends vscode.TreeItem {
  constructor(
    readonly uri: vscode.Uri,
    readonly model: Topology | undefined,
  ) {
    super(model?.name || vscode.workspace.asRelativePath(uri), vscode.TreeItemCollapsibleState.Expanded);
    const lab = model?.name ? readLabState(model.name) : undefined;
    this.description = `${vscode.workspace.asRelativePath(uri)}${lab ? ' · lab up' : ''}${model ? '' : ' · has errors'}`;
    this.contextValue = `halab.topology.${lab ? 'labUp' : 'labDown'}`;
    this.iconPath = new vscode.ThemeIcon('type-hierarchy');
    this.resourceUri = uri;
    this.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
  }
}

class HostItem extends vscode.TreeItem {
  constructor(
    readonly topology: TopologyItem,
    readonly host: string,
    readonly role: 'lb' | 'upstream',
    description: string,
    tooltip: string,
  ) {
    super(host, vscode.TreeItemCollapsibleState.None);
    this.description = description;
    this.tooltip = tooltip;
    this.contextValue = `halab.host.${role}`;
    this.iconPath = new vscode.ThemeIcon(role === 'lb' ? 'server-process' : 'server');
  }
}

type Item = TopologyItem | HostItem;

/** One line per host: what it is, and what live status last said about it. */
function hostLines(t: TopologyItem, live: Overlay | undefined): HostItem[] {
  const m = t.model!;
  const lbs = m.lbs.map((lb) => {
    const s = live?.lbs[lb.name];
    const vip = s?.holdsVips.length ? `holds VIP ${s.holdsVips.join(', ')}` : live ? 'no VIP' : '';
    const parts = [lb.role, lb.address, s?.state, vip].filter(Boolean);
    const tooltip = `${lb.name}: ${parts.join(', ')}${live ? ` (live status of ${live.at})` : ''}`;
    return new HostItem(t, lb.name, 'lb', parts.join(' · '), tooltip);
  });
  const ups = m.upstreams.map((u) => {
    const states = live ? Object.entries(live.servers).flatMap(([site, per]) => (per[u.name] ? [`${site} ${per[u.name]}`] : [])) : [];
    const parts = ['upstream', u.address, ...(u.managed ? [] : ['not managed']), ...states];
    return new HostItem(t, u.name, 'upstream', parts.join(' · '), parts.join(', '));
  });
  return [...lbs, ...ups];
}

export class LabView implements vscode.TreeDataProvider<Item> {
  private readonly changed = new vscode.EventEmitter<Item | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly live = new Map<string, Overlay>();

  /** Live status read elsewhere (deploy, the failover test, the refresh command) lands here too. */
  setLive(uri: vscode.Uri, live: Overlay): void {
    this.live.set(uri.toString(), live);
    this.changed.fire(undefined);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(item: Item): vscode.TreeItem {
    return item;
  }

  async getChildren(item?: Item): Promise<Item[]> {
    if (item instanceof HostItem) return [];
    if (item instanceof TopologyItem) return item.model ? hostLines(item, this.live.get(item.uri.toString())) : [];
    const files = await vscode.workspace.findFiles('**/*.halab', '**/node_modules/**', 200);
    const items = await Promise.all(
      files.sort((a, b) => a.path.localeCompare(b.path)).map(async (uri) => {
        const a = analyze(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), uri.fsPath);
        return new TopologyItem(uri, hasErrors(a.diagnostics) ? undefined : a.model);
      }),
    );
    return items;
  }
}

/** The host's SSH target, exactly as deploy would build it. */
function targetOf(item: HostItem) {
  const t = hostTargets(item.topology.model!, accessSettings()).find((x) => x.name === item.host);
  if (!t) throw new Error(`${item.host} is not managed by halab (no SSH target)`);
  return t;
}

export function registerLabView(context: vscode.ExtensionContext, output: vscode.OutputChannel): LabView {
  const view = new LabView();
  const uriOf = (arg: unknown) => (arg instanceof TopologyItem ? arg.uri : arg instanceof vscode.Uri ? arg : undefined);
  /** The view's button runs the command of that name on the topology the row belongs to. */
  const forward = (command: string) => (arg: unknown) => vscode.commands.executeCommand(command, uriOf(arg));
  const forwardThenRefresh = (command: string) => (arg: unknown) =>
    vscode.commands.executeCommand(command, uriOf(arg)).then(() => view.refresh());
  context.subscriptions.push(
    vscode.window.registerTreeDataProvider('halab.hosts', view),
    vscode.workspace.onDidSaveTextDocument((d) => d.languageId === 'halab' && view.refresh()),
    vscode.commands.registerCommand('halab.view.refresh', () => view.refresh()),
    vscode.commands.registerCommand('halab.view.liveStatus', forward('halab.refreshOverlay')),
    vscode.commands.registerCommand('halab.view.showPlan', forward('halab.showPlan')),
    vscode.commands.registerCommand('halab.view.startLab', forwardThenRefresh('halab.startLab')),
    vscode.commands.registerCommand('halab.view.stopLab', forwardThenRefresh('halab.stopLab')),
    vscode.commands.registerCommand('halab.openSshTerminal', async (item: HostItem) => {
      if (!(item instanceof HostItem) || !(await requireTrust('open an SSH terminal'))) return undefined;
      const argv = sshArgv(targetOf(item), accessSettings());
      const term = vscode.window.createTerminal({ name: `HA Lab: ${item.host}`, shellPath: argv[0], shellArgs: argv.slice(1) });
      term.show();
      return term;
    }),
    vscode.commands.registerCommand('halab.showLogs', async (item: HostItem) => {
      if (!(item instanceof HostItem) || !(await requireTrust('read logs from a host'))) return undefined;
      try {
        const progress = { location: vscode.ProgressLocation.Window, title: `HA Lab: reading logs on ${item.host}` };
        const text = await vscode.window.withProgress(progress, () => readHostLogs(targetOf(item), logServices(item.role)));
        const doc = await vscode.workspace.openTextDocument({ content: text, language: 'log' });
        await vscode.window.showTextDocument(doc, { preview: true });
        return text;
      } catch (e) {
        output.appendLine(`logs of ${item.host}: ${(e as Error).message}`);
        void vscode.window.showErrorMessage(`HA Lab: cannot read the logs of ${item.host}: ${(e as Error).message}`);
        return undefined;
      }
    }),
  );
  return view;
}

/**
 * The VS Code extension: thin glue. It starts the language server (dist/server.js) and registers
 * commands, code lenses, the status bar item and panels. Every piece of logic lives in the engine
 * under server/src (no `vscode` import there), shared with the CLI and the tests.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { TopologyLenses } from './code-lens.js';
import { registerDeployCommands } from './deploy-commands.js';
import { registerFailoverCommands } from './failover-commands.js';
import { registerLabCommands } from './lab-commands.js';
import { registerRenderCommands } from './render-commands.js';
import { VipStatus } from './status-bar.js';
import { registerTopologyPanel } from './topology-panel.js';
import { pickHalabDocument } from './document.js';
import { analyze, hasErrors, hostTargets, readLiveStatus } from '../../server/src/index.js';
import { accessSettings, followLabStateDir } from './settings.js';
import { registerNewTopology } from './new-topology.js';
import { registerImportCommands } from './import-commands.js';
import { registerLabView } from './lab-view.js';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<{ client: LanguageClient }> {
  const output = vscode.window.createOutputChannel('HA Lab', { log: true });
  const serverModule = context.asAbsolutePath('dist/server.js');
  // The same V8 flag the server would re-exec itself with (server/src/lsp/main.ts).
  const options = { execArgv: ['--max-semi-space-size=64'] };
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.stdio, options },
    debug: { module: serverModule, transport: TransportKind.stdio, options },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'halab' }],
    outputChannel: output,
  };
  client = new LanguageClient('halab', 'HA Lab', serverOptions, clientOptions);
  const status = new VipStatus();
  context.subscriptions.push(output, status, vscode.languages.registerCodeLensProvider({ language: 'halab' }, new TopologyLenses()));

  followLabStateDir(context);
  registerNewTopology(context);
  registerImportCommands(context);
  const panels = registerTopologyPanel(context, client);
  const labView = registerLabView(context, output);
  /** Reads the live state over SSH and shows it on the status bar and the topology panel. */
  const refresh = async (uri?: vscode.Uri) => {
    const doc = await pickHalabDocument(uri);
    if (!doc) return undefined;
    const a = analyze(doc.getText(), doc.uri.fsPath);
    if (hasErrors(a.diagnostics)) return undefined;
    const live = await readLiveStatus(a.model, { targets: hostTargets(a.model, accessSettings()) });
    for (const e of live.errors) output.appendLine(`live status: ${e}`);
    const holders: Record<string, string[]> = {};
    for (const v of a.model.vips) {
      holders[v.address] = Object.entries(live.lbs).filter(([, s]) => s.holdsVips.includes(v.address)).map(([n]) => n);
    }
    status.show(holders, a.model.lbs.find((l) => l.role === 'primary')?.name, live.splitBrain);
    for (const s of live.splitBrain) output.appendLine(`live status: ${s.message}`);
    panels.showOverlay(doc.uri, live);
    labView.setLive(doc.uri, live);
    return live;
  };
  context.subscriptions.push(vscode.commands.registerCommand('halab.refreshOverlay', (uri?: vscode.Uri) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'HA Lab: reading live state' }, () => refresh(uri))));
  const afterChange = (uri?: vscode.Uri) => void refresh(uri).catch((e: Error) => output.appendLine(`live status: ${e.message}`));

  registerRenderCommands(context, output);
  registerLabCommands(context, output);
  registerDeployCommands(context, output, {
    onDeployed: (model, result, uri) => {
      if (result.cluster) status.show(result.cluster.vipHolders, model.lbs.find((l) => l.role === 'primary')?.name);
      if (result.ok) afterChange(uri);
    },
  });
  registerFailoverCommands(context, output, {
    onFinished: afterChange,
    onStarted: (uri) => {
      // Every 2 s, one short SSH read per lb: enough to watch the VIP move, light enough not to skew the probe.
      const timer = setInterval(() => afterChange(uri), 2000);
      return () => clearInterval(timer);
    },
  });

  await client.start();
  return { client };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}

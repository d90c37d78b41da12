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

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<{ client: LanguageClient }> {
  const output = vscode.window.createOutputChannel('HA Lab', { log: true });
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.stdio },
    debug: { module: serverModule, transport: TransportKind.stdio },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'halab' }],
    outputChannel: output,
  };
  client = new LanguageClient('halab', 'HA Lab', serverOptions, clientOptions);
  const status = new VipStatus();
  context.subscriptions.push(output, status, vscode.languages.registerCodeLensProvider({ language: 'halab' }, new TopologyLenses()));

  const onVipHolders = (holders: Record<string, string[]>, primary?: string) => {
    status.show(holders, primary);
    overlay?.(holders);
  };
  let overlay: ((holders: Record<string, string[]>) => void) | undefined;

  registerRenderCommands(context, output);
  registerLabCommands(context, output);
  registerDeployCommands(context, output, {
    onDeployed: (model, result) => {
      if (result.cluster) onVipHolders(result.cluster.vipHolders, model.lbs.find((l) => l.role === 'primary')?.name);
    },
  });
  registerFailoverCommands(context, output, { onVipHolders });
  const panels = registerTopologyPanel(context, client);
  overlay = (holders) => {
    const doc = vscode.window.activeTextEditor?.document;
    if (doc?.languageId !== 'halab') return;
    const lbs: Record<string, { state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'UNKNOWN'; holdsVips: string[] }> = {};
    for (const [vip, names] of Object.entries(holders)) for (const n of names) (lbs[n] ??= { state: 'MASTER', holdsVips: [] }).holdsVips.push(vip);
    panels.showOverlay(doc.uri, { at: new Date().toISOString(), lbs, servers: {} });
  };

  await client.start();
  return { client };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}

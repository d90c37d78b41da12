/**
 * The VS Code extension: thin glue. It starts the language server (dist/server.js) and registers
 * the commands; every piece of logic lives in the engine under server/src.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.stdio },
    debug: { module: serverModule, transport: TransportKind.stdio },
  };
  const output = vscode.window.createOutputChannel('HA Lab');
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'halab' }],
    outputChannel: output,
  };
  client = new LanguageClient('halab', 'HA Lab', serverOptions, clientOptions);
  context.subscriptions.push(output);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}

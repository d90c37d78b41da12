/**
 * Drives the bundled dist/server.js over stdio JSON-RPC, the way an editor does. Used by the
 * LSP feature tests and `npm run bench:lsp`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter,
  type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import {
  DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, ExitNotification, InitializedNotification,
  InitializeRequest, PublishDiagnosticsNotification, ShutdownRequest, type ClientCapabilities, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol';

export interface LspClient {
  conn: ProtocolConnection;
  proc: ChildProcess;
  open(uri: string, text: string, languageId?: string): Promise<PublishDiagnosticsParams>;
  change(uri: string, version: number, text: string): Promise<PublishDiagnosticsParams>;
  /** Resolves with the next publishDiagnostics for uri (optionally a given version). */
  nextDiagnostics(uri: string, version?: number): Promise<PublishDiagnosticsParams>;
  close(): Promise<void>;
  /** Every publishDiagnostics received, in order. */
  published: PublishDiagnosticsParams[];
}

/** What an editor like VS Code declares; a test can pass another client's capabilities. */
export const DEFAULT_CAPABILITIES: ClientCapabilities = {
  textDocument: { publishDiagnostics: { versionSupport: true }, completion: { completionItem: { snippetSupport: true } } },
};

export async function startLsp(
  command = process.execPath, args = [path.resolve('dist/server.js'), '--stdio'], capabilities: ClientCapabilities = DEFAULT_CAPABILITIES,
): Promise<LspClient> {
  const proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const waiters: { uri: string; version?: number; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  const published: PublishDiagnosticsParams[] = [];
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    published.push(p);
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]!;
      if (w.uri === p.uri && (w.version === undefined || p.version === undefined || p.version === w.version)) {
        waiters.splice(i, 1);
        w.resolve(p);
        return;
      }
    }
  });
  conn.onRequest('workspace/configuration', () => []);
  conn.onRequest('client/registerCapability', () => null);
  conn.onNotification('window/logMessage', () => undefined);
  conn.listen();
  await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid, rootUri: null, workspaceFolders: null,
    capabilities,
  });
  await conn.sendNotification(InitializedNotification.type, {});
  const nextDiagnostics = (uri: string, version?: number) =>
    new Promise<PublishDiagnosticsParams>((resolve) => waiters.push({ uri, version, resolve }));
  return {
    conn, proc, nextDiagnostics, published,
    async open(uri, text, languageId = 'halab') {
      const p = nextDiagnostics(uri, 1);
      await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
      return p;
    },
    async change(uri, version, text) {
      const p = nextDiagnostics(uri, version);
      await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
      return p;
    },
    async close() {
      try {
        await Promise.race([conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
        await conn.sendNotification(ExitNotification.type);
      } catch {
        // The server may already be gone.
      }
      conn.dispose();
      proc.kill();
    },
  };
}

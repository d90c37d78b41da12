/**
 * The local lab's root work — `halab lab up|down` — through the bundled CLI (dist/cli.js), via
 * `sudo -n` when VS Code does not run as root. Nothing else goes this way: deploy, the failover
 * test and live status run in the extension host with the user's own SSH agent, keys,
 * known_hosts and secrets (test/unit/client/boundaries.test.ts keeps it so).
 */
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { labSettings } from './settings.js';

export type LabVerb = 'up' | 'down';

export function runLabCli(
  context: vscode.ExtensionContext, output: vscode.OutputChannel, verb: LabVerb, file: string, token?: vscode.CancellationToken,
): Promise<{ code: number }> {
  const cli = context.asAbsolutePath('dist/cli.js');
  const args = ['lab', verb, file];
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const { sudo, stateDir } = labSettings();
  const useSudo = !root && sudo;
  // In VS Code, process.execPath is Electron: ELECTRON_RUN_AS_NODE makes it a plain Node.
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...(stateDir ? { HALAB_LAB_DIR: stateDir } : {}) };
  const [cmd, argv] = useSudo
    ? ['sudo', ['-n', '--preserve-env=ELECTRON_RUN_AS_NODE,HALAB_LAB_DIR', process.execPath, cli, ...args]]
    : [process.execPath, [cli, ...args]];
  output.appendLine(`$ halab ${args.join(' ')}${useSudo ? '   (via sudo -n)' : ''}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => output.append(d.toString()));
    child.stderr.on('data', (d: Buffer) => output.append(d.toString()));
    token?.onCancellationRequested(() => child.kill('SIGINT'));
    child.on('error', (e) => {
      output.appendLine(`halab: ${e.message}`);
      resolve({ code: 2 });
    });
    child.on('close', (code) => resolve({ code: code ?? 1 }));
  });
}

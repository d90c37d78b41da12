/**
 * Runs the bundled CLI (dist/cli.js) for commands that need root (the local lab): through
 * `sudo -n` when VS Code does not run as root. Output goes to the "HA Lab" channel.
 */
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';

export function runCli(context: vscode.ExtensionContext, output: vscode.OutputChannel, args: string[], token?: vscode.CancellationToken): Promise<{ code: number; stdout: string }> {
  const cli = context.asAbsolutePath('dist/cli.js');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const useSudo = !root && vscode.workspace.getConfiguration('halab').get<boolean>('lab.sudo', true);
  const stateDir = vscode.workspace.getConfiguration('halab').get<string>('lab.stateDir', '');
  // In VS Code, process.execPath is Electron: ELECTRON_RUN_AS_NODE makes it a plain Node.
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...(stateDir ? { HALAB_LAB_DIR: stateDir } : {}) };
  const [cmd, argv] = useSudo
    ? ['sudo', ['-n', '--preserve-env=ELECTRON_RUN_AS_NODE,HALAB_LAB_DIR', process.execPath, cli, ...args]]
    : [process.execPath, [cli, ...args]];
  output.appendLine(`$ halab ${args.join(' ')}${useSudo ? '   (via sudo -n)' : ''}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      output.append(d.toString());
    });
    child.stderr.on('data', (d: Buffer) => output.append(d.toString()));
    token?.onCancellationRequested(() => child.kill('SIGINT'));
    child.on('error', (e) => {
      output.appendLine(`halab: ${e.message}`);
      resolve({ code: 2, stdout });
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

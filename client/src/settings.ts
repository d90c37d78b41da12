/**
 * The extension's settings, read in one place and handed to the engine in the engine's own terms.
 * Every setting package.json declares is read here; test/unit/client/boundaries.test.ts fails on one that is not.
 */
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { expandHome, type AccessSettings } from '../../server/src/index.js';

const home = (p: string): string => expandHome(p, homedir());

/** `halab.ssh.*` as the engine's AccessSettings: the same SSH config, keys and known_hosts as the CLI. */
export function accessSettings(): AccessSettings {
  const c = vscode.workspace.getConfiguration('halab.ssh');
  return {
    configFile: home(c.get<string>('configFile', '')) || undefined,
    knownHostsFile: home(c.get<string>('knownHostsFile', '')) || undefined,
    useAgent: c.get<boolean>('useAgent', true),
    connectTimeoutSec: c.get<number>('connectTimeout', 10),
  };
}

/** `halab.lab.*`: whether lab commands go through sudo, and where lab state lives. */
export function labSettings(): { sudo: boolean; stateDir?: string } {
  const c = vscode.workspace.getConfiguration('halab.lab');
  return { sudo: c.get<boolean>('sudo', true), stateDir: home(c.get<string>('stateDir', '')) || undefined };
}

/**
 * The engine finds lab state through $HALAB_LAB_DIR (lab/state.ts), in this process as in the
 * CLI's: keep it in step with `halab.lab.stateDir`, so deploy and the failover test in the
 * extension host see the lab that `lab up` (through the CLI) made.
 */
export function followLabStateDir(context: vscode.ExtensionContext): void {
  const inherited = process.env.HALAB_LAB_DIR; // the environment's own, when the setting is empty
  const apply = () => {
    const dir = labSettings().stateDir ?? inherited;
    if (dir) process.env.HALAB_LAB_DIR = dir;
    else delete process.env.HALAB_LAB_DIR;
  };
  apply();
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('halab.lab.stateDir') && apply()));
}

/**
 * Deploy, the lab and the failover test act on hosts from what this folder's files say: in
 * Restricted Mode they ask for trust first. (Language features work regardless.)
 */
export async function requireTrust(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  const c = await vscode.window.showWarningMessage(
    `HA Lab: to ${action}, trust this folder first. ` +
      'In Restricted Mode halab only checks files; it does not connect to hosts or run commands.',
    { modal: true },
    manage,
  );
  if (c === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

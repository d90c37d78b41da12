/**
 * Secrets in the editor: `env:NAME` from VS Code's environment (asked for when unset, never
 * stored), `secret:NAME` from VS Code's SecretStorage (asked for once, then kept). The engine's
 * resolver is synchronous, so every secret the model needs is gathered here first.
 */
import * as vscode from 'vscode';
import type { Topology } from '../../shared/model/types.js';
import { envSecrets, topologySecrets, type SecretResolver } from '../../server/src/secrets.js';

/** Returns a resolver for the model's secrets, or undefined when the user cancelled a prompt. */
export async function gatherSecrets(context: vscode.ExtensionContext, model: Topology): Promise<SecretResolver | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  const store = new Map<string, string>();
  for (const { ref, what } of topologySecrets(model)) {
    if (ref.kind === 'env' && !env[ref.name]) {
      const v = await vscode.window.showInputBox({
        title: `HA Lab: ${ref.name} is not set`,
        prompt: `Value for env:${ref.name} (the ${what}); used for this run only`,
        password: true,
        ignoreFocusOut: true,
      });
      if (!v) return undefined;
      env[ref.name] = v;
    } else if (ref.kind === 'secret' && !store.has(ref.name)) {
      let v = await context.secrets.get(`halab.secret.${ref.name}`);
      if (!v) {
        v = await vscode.window.showInputBox({
          title: `HA Lab: secret:${ref.name}`,
          prompt: `Value for secret:${ref.name} (the ${what}); kept in VS Code's secret storage`,
          password: true,
          ignoreFocusOut: true,
        });
        if (!v) return undefined;
        await context.secrets.store(`halab.secret.${ref.name}`, v);
      }
      store.set(ref.name, v);
    }
  }
  return envSecrets(env, store);
}

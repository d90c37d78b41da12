/**
 * Deploy: public API (engine code, no `vscode`). `deployTopology` renders with resolved secrets
 * and deploys; `deploy` takes already-rendered files. See docs/deploy.md.
 */
import type { Topology } from '../model/types.js';
import { render } from '../render/render.js';
import type { SecretResolver } from '../secrets.js';
import { deploy, type DeployListener, type DeployOptions, type DeployResult } from './deploy.js';

export * from './deploy.js';
export { formatSummary, formatEvent, formatPlan } from './summary.js';
export { resolveTargets, type HostTarget } from './targets.js';
export { loadSshConfig } from './ssh-config.js';
export { SshSession, HostKeyError, type SshConnectOptions, type ExecResult, type AcceptHostKey } from './ssh.js';
export { shellQuote, shellJoin, renderCommand, type Command } from './shell-quote.js';
export { MASK } from './secrets.js';

/** A resolver that remembers every value it hands out, so deploy can mask them. */
export function recordingResolver(inner: SecretResolver, sink: Set<string>): SecretResolver {
  return (ref, what) => {
    const v = inner(ref, what);
    sink.add(v); // literals too: a plaintext secret is still a secret
    return v;
  };
}

export async function deployTopology(
  model: Topology,
  opts: Omit<DeployOptions, 'files' | 'secretValues'> & { secrets: SecretResolver; source?: string },
  events?: DeployListener,
): Promise<DeployResult> {
  const values = new Set<string>();
  const { files } = render(model, { source: opts.source ?? model.source, secrets: recordingResolver(opts.secrets, values) });
  return deploy(model, { ...opts, files, secretValues: [...values] }, events);
}

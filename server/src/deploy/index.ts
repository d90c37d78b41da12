/**
 * Deploy: public API (engine code, no `vscode`). `deployTopology` renders with resolved secrets
 * and deploys; `deploy` takes already-rendered files. See docs/deploy.md.
 */
import type { Topology } from '../../../shared/model/types.js';
import { render } from '../render/render.js';
import { placeholderSecrets, type SecretResolver } from '../secrets.js';
import { deploy, type DeployListener, type DeployOptions, type DeployResult } from './deploy.js';

export * from './deploy.js';
export { formatSummary, formatEvent, formatPlan } from './summary.js';
export { resolveTargets, type HostTarget } from './targets.js';
export { loadSshConfig } from './ssh-config.js';
export { hostTargets, type AccessSettings } from './access.js';
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
  opts: Omit<DeployOptions, 'files' | 'secretValues' | 'shownFiles'> & { secrets: SecretResolver; source?: string },
  events?: DeployListener,
): Promise<DeployResult> {
  const values = new Set<string>();
  const source = opts.source ?? model.source;
  const { files } = render(model, { source, secrets: recordingResolver(opts.secrets, values) });
  // what the plan shows: the same files with `<env:NAME>` where a secret goes (preview: an auth
  // placeholder is not cut to 8 bytes, so it stays readable)
  const shownFiles = render(model, { source, secrets: placeholderSecrets, preview: true }).files;
  return deploy(model, { ...opts, files, shownFiles, secretValues: [...values] }, events);
}

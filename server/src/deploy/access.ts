/**
 * How halab reaches hosts, the same from every front end. The CLI calls `hostTargets(model)` with
 * the defaults; the editor passes its `halab.ssh.*` settings. Both end in `resolveTargets` with
 * the OpenSSH config (Include, HostName, User, Port, IdentityFile, ProxyJump, HostKeyAlias),
 * known_hosts and ssh-agent, so a host behind a bastion is reachable from the editor exactly when
 * it is from the terminal.
 */
import type { Topology } from '../model/types.js';
import { loadSshConfig } from './ssh-config.js';
import { resolveTargets, type HostTarget } from './targets.js';

export interface AccessSettings {
  /** The OpenSSH client config to read; default ~/.ssh/config. */
  configFile?: string;
  /** The known_hosts file to check host keys against (and record accepted ones in); default: the config's UserKnownHostsFile, else ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts. */
  knownHostsFile?: string;
  /** Offer ssh-agent's keys (SSH_AUTH_SOCK); default true. */
  useAgent?: boolean;
  /** Seconds to wait for a connection and its handshake; default 10. */
  connectTimeoutSec?: number;
  env?: Record<string, string | undefined>;
  home?: string;
}

export function hostTargets(model: Topology, s: AccessSettings = {}): HostTarget[] {
  const targets = resolveTargets(model, { sshConfig: loadSshConfig(s.configFile || undefined, s.home), env: s.env, home: s.home });
  const readyTimeoutMs = s.connectTimeoutSec ? Math.round(s.connectTimeoutSec * 1000) : undefined;
  return targets.map((t) => {
    // a lab host keeps the lab's own key and known_hosts: the settings are about real hosts
    if (t.via === 'lab') return { ...t, readyTimeoutMs };
    return {
      ...t,
      readyTimeoutMs,
      agent: s.useAgent === false ? undefined : t.agent,
      knownHostsFiles: s.knownHostsFile ? [s.knownHostsFile] : t.knownHostsFiles,
    };
  });
}

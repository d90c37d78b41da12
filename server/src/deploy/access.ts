/**
 * How halab reaches hosts, the same from every front end. The CLI calls `hostTargets(model)` with
 * the defaults; the editor passes its `halab.ssh.*` settings. Both end in `resolveTargets` with
 * the OpenSSH config (Include, HostName, User, Port, IdentityFile, ProxyJump, HostKeyAlias),
 * known_hosts and ssh-agent, so a host behind a bastion is reachable from the editor exactly when
 * it is from the terminal.
 */
import type { Topology } from '../../../shared/model/types.js';
import { shellJoin } from './shell-quote.js';
import { loadSshConfig } from './ssh-config.js';
import { resolveTargets, type Hop, type HostTarget } from './targets.js';

export interface AccessSettings {
  /** The OpenSSH client config to read; default ~/.ssh/config. */
  configFile?: string;
  /**
   * The known_hosts file to check host keys against (and record accepted ones in); default: the
   * config's UserKnownHostsFile, else ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts.
   */
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

/**
 * The ssh(1) command line that reaches `t` the way halab does: its keys, its known_hosts (strict:
 * an unknown or changed key is refused, as in a deploy), its jump hosts (each with its own key and
 * known_hosts), and no agent when halab would not use one. The editor's "Open SSH Terminal" runs
 * it, so the terminal trusts exactly what the deploy trusts.
 */
export function sshArgv(t: HostTarget, s: Pick<AccessSettings, 'configFile'> = {}): string[] {
  return [
    'ssh', ...(s.configFile ? ['-F', s.configFile] : []), ...hopOptions(t, t.knownHostsFiles, !!t.agent), ...proxyOption(t, s),
    `${t.user}@${t.host}`,
  ];
}

function hopOptions(h: Hop, knownHostsFiles: string[], agent: boolean): string[] {
  return [
    ...h.identityFiles.flatMap((f) => ['-i', f]),
    '-o', `UserKnownHostsFile=${knownHostsFiles.map(quoteSshOption).join(' ')}`,
    '-o', 'StrictHostKeyChecking=yes',
    ...(h.hostKeyAlias ? ['-o', `HostKeyAlias=${h.hostKeyAlias}`] : []),
    ...(agent ? [] : ['-o', 'IdentityAgent=none']),
    '-p', String(h.port),
  ];
}

/** Jump hosts as nested ProxyCommands: `-J` would not pass each hop its own key and known_hosts. */
function proxyOption(t: HostTarget, s: Pick<AccessSettings, 'configFile'>): string[] {
  let proxy: string | undefined;
  for (const j of t.jumps) {
    const argv = [
      'ssh', ...(s.configFile ? ['-F', s.configFile] : []), ...hopOptions(j, t.knownHostsFiles, !!t.agent),
      ...(proxy ? ['-o', `ProxyCommand=${proxy}`] : []), '-W', '%h:%p', `${j.user}@${j.host}`,
    ];
    proxy = shellJoin(argv); // ssh runs ProxyCommand through /bin/sh; %h:%p stays a plain word
  }
  return proxy ? ['-o', `ProxyCommand=${proxy}`] : [];
}

/** ssh_config values with spaces are double-quoted. */
const quoteSshOption = (v: string) => (/[\s"]/.test(v) ? `"${v.replace(/"/g, '\\"')}"` : v);

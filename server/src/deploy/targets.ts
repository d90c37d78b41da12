/**
 * Where and how to reach each host: the model's `ssh` and `key`, then ~/.ssh/config, then the
 * default identities and ssh-agent. When a local lab of this topology is up and the host's
 * address is a lab host's, the lab's key and known_hosts are used instead (no flags needed).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readLabState, type LabState } from '../lab/state.js';
import type { Lb, Os, Role, Topology, Upstream } from '../../../shared/model/types.js';
import type { HostRole } from './bootstrap.js';
import { lookupSshConfig, parseProxyJump, type SshConfig } from './ssh-config.js';

export interface Hop {
  host: string;
  port: number;
  user: string;
  /**
   * ssh_config's HostKeyAlias for this host, when set. Without it, like ssh(1), known_hosts knows
   * the host by `host` (the HostName, not the alias written in the topology), as [host]:port off
   * port 22 (known-hosts.ts hostKeyNames).
   */
  hostKeyAlias?: string;
  identityFiles: string[];
}

export interface HostTarget extends Hop {
  name: string;
  role: HostRole;
  /** For lbs: primary or backup. */
  lbRole?: Role;
  address: string;
  os: Os;
  managed: boolean;
  agent?: string;
  knownHostsFiles: string[];
  /** ProxyJump hops, first hop first. */
  jumps: Hop[];
  /** 'lab' when the lab's key and known_hosts are used. */
  via: 'ssh' | 'lab';
  /** Bound on connecting and the SSH handshake (ms); default 10 s (ssh.ts). */
  readyTimeoutMs?: number;
}

export interface TargetOptions {
  sshConfig?: SshConfig;
  env?: Record<string, string | undefined>;
  home?: string;
  /** The lab state to use; default: readLabState(model.name). null: never use the lab. */
  lab?: LabState | null;
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export function expandHome(p: string, home: string): string {
  return p.replace(/^~(?=\/|$)/, home);
}

export function resolveTargets(model: Topology, opts: TargetOptions = {}): HostTarget[] {
  const env = opts.env ?? process.env;
  const home = opts.home ?? homedir();
  const blocks = opts.sshConfig ?? [];
  const lab = opts.lab === undefined ? readLabState(model.name) : opts.lab ?? undefined;
  const hosts: Array<{ h: Lb | Upstream; role: HostRole }> = [
    ...model.upstreams.filter((u) => u.managed).map((h) => ({ h, role: 'upstream' as const })),
    ...model.lbs.map((h) => ({ h, role: 'lb' as const })),
  ];
  const defaultKnown = [join(home, '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];

  const hop = (alias: string, user?: string, port?: number, explicitKey?: string): Hop => {
    const c = lookupSshConfig(blocks, alias, home);
    const files = [
      ...(explicitKey ? [expandHome(explicitKey, home)] : []),
      ...c.identityFiles,
      ...(c.identityFiles.length ? [] : DEFAULT_IDENTITIES.map((f) => join(home, '.ssh', f))),
    ];
    return {
      host: c.hostName ?? alias,
      port: port ?? c.port ?? 22,
      user: user ?? c.user ?? 'root',
      hostKeyAlias: c.hostKeyAlias,
      identityFiles: [...new Set(files)],
    };
  };

  return hosts.map(({ h, role }) => {
    const labHost = lab?.hosts.find((x) => x.name === h.name && x.address === h.ssh.host);
    const base = {
      name: h.name,
      role,
      lbRole: role === 'lb' ? (h as Lb).role : undefined,
      address: h.address,
      os: h.os,
      managed: role === 'lb' ? true : (h as Upstream).managed,
    };
    if (lab && labHost) {
      return {
        ...base,
        host: labHost.address,
        port: h.ssh.port,
        user: h.ssh.user,
        identityFiles: [lab.keyPath],
        knownHostsFiles: [lab.knownHostsPath],
        jumps: [],
        via: 'lab' as const,
      };
    }
    // The model's user/port win when the ssh statement was written; else ~/.ssh/config's.
    const c = lookupSshConfig(blocks, h.ssh.host, home);
    const { explicit } = h.ssh;
    const main = hop(h.ssh.host, explicit ? h.ssh.user : c.user ?? h.ssh.user, explicit ? h.ssh.port : c.port ?? h.ssh.port, h.key);
    const jumps = c.proxyJump ? parseProxyJump(c.proxyJump).map((j) => hop(j.host, j.user, j.port)) : [];
    return {
      ...base,
      ...main,
      agent: env.SSH_AUTH_SOCK || undefined,
      knownHostsFiles: c.userKnownHostsFile ? [c.userKnownHostsFile, '/etc/ssh/ssh_known_hosts'] : defaultKnown,
      jumps,
      via: 'ssh' as const,
    };
  });
}

/**
 * The order a deploy changes hosts in (the export's playbook keeps it too): managed upstreams,
 * then backups by rising priority, then the primary — so the VIP's holder is changed last, and
 * only after every other lb took the same files.
 */
export function rollingOrder(targets: HostTarget[], model?: Pick<Topology, 'lbs'>): HostTarget[] {
  const rank = (t: HostTarget) => (t.role === 'upstream' ? 0 : t.lbRole === 'backup' ? 1 : 2);
  const prio = new Map(model?.lbs.map((l) => [l.name, l.priority]) ?? []);
  return [...targets].sort((a, b) => rank(a) - rank(b) || (prio.get(a.name) ?? 0) - (prio.get(b.name) ?? 0));
}

/**
 * Bootstrap: the packages a host's role needs, which of them it lacks, and the commands that
 * install them with the host's package manager and enable the services. Pure: the deploy runs
 * the commands; unit tests check them per OS.
 */
import { osFamily, type Os } from '../../../shared/model/types.js';
import type { Command } from './shell-quote.js';

export type HostRole = 'lb' | 'upstream';

/** A package, the binary that proves it is installed, and the service it brings (if any). */
export interface Requirement {
  pkg: string;
  binary: string;
  service?: string;
  /** The service must run for the binary to work (firewall-cmd talks to firewalld): start it too. */
  start?: boolean;
}

/**
 * The package that brings each binary a deploy may run, per OS family. Only packaging facts:
 * which binaries a host needs is derived from the files (see preflight.ts).
 */
export const TOOL_PACKAGES: Record<string, { debian?: string; rhel?: string; service?: string; start?: boolean }> = {
  haproxy: { debian: 'haproxy', rhel: 'haproxy', service: 'haproxy' },
  keepalived: { debian: 'keepalived', rhel: 'keepalived', service: 'keepalived' },
  nginx: { debian: 'nginx', rhel: 'nginx', service: 'nginx' },
  killall: { debian: 'psmisc', rhel: 'psmisc' },
  // halab-watch: Debian's perl-base is essential (always there); RHEL's minimal installs lack perl
  perl: { debian: 'perl-base', rhel: 'perl-interpreter' },
  sysctl: { debian: 'procps', rhel: 'procps-ng' },
  nft: { debian: 'nftables', rhel: 'nftables' },
  'firewall-cmd': { debian: 'firewalld', rhel: 'firewalld', service: 'firewalld', start: true },
  // the service managers come with the init system: nothing to install
  systemctl: {},
  service: { debian: 'init-system-helpers', rhel: 'initscripts' },
};

/** Every binary the facts look for. */
export const KNOWN_TOOLS = Object.keys(TOOL_PACKAGES);

/** The requirement for a binary on an OS, or undefined when no package brings it. */
export function toolRequirement(os: Os, binary: string): Requirement | undefined {
  const t = TOOL_PACKAGES[binary];
  const pkg = t?.[osFamily(os) === 'debian' ? 'debian' : 'rhel'];
  if (!t || !pkg) return undefined;
  return { pkg, binary, ...(t.service ? { service: t.service } : {}), ...(t.start ? { start: true } : {}) };
}

/**
 * The binaries a role needs (killall is what `track script` runs: killall -0 haproxy; perl runs
 * halab-watch, which every lb gets).
 */
const ROLE_BINARIES: Record<HostRole, string[]> = { lb: ['haproxy', 'keepalived', 'killall', 'perl'], upstream: ['nginx'] };

export function requirements(role: HostRole, os: Os = 'debian'): Requirement[] {
  return ROLE_BINARIES[role].map((b) => toolRequirement(os, b)!);
}

/** Requirements whose binary is not among those found on the host. */
export function missing(role: HostRole, foundBinaries: ReadonlySet<string>, os: Os = 'debian'): Requirement[] {
  return requirements(role, os).filter((r) => !foundBinaries.has(r.binary));
}

/**
 * Commands that install what is missing and enable its services; [] when nothing is missing
 * (a host that has everything is not changed at all).
 */
export function bootstrapCommands(os: Os, lacking: Requirement[], systemd: boolean): Command[] {
  if (lacking.length === 0) return [];
  const pkgs = lacking.map((r) => r.pkg);
  const cmds: Command[] = [];
  if (osFamily(os) === 'debian') {
    // noninteractive: a dpkg prompt over a non-tty session would hang the deploy
    cmds.push(['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-q']);
    cmds.push(['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '--no-install-recommends', ...pkgs]);
  } else {
    cmds.push(['dnf', '-y', '-q', 'install', ...pkgs]);
  }
  const services = lacking.flatMap((r) => (r.service ? [r.service] : []));
  if (services.length) {
    // enable only: the first deploy starts them once their config is in place
    if (systemd) cmds.push(['systemctl', 'enable', ...services]);
    else if (osFamily(os) === 'debian') for (const s of services) cmds.push(['update-rc.d', s, 'enable']);
    else for (const s of services) cmds.push(['chkconfig', s, 'on']);
  }
  // …except a service its own tool needs running (firewall-cmd talks to firewalld)
  for (const r of lacking) {
    if (r.start && r.service) cmds.push(systemd ? ['systemctl', 'start', r.service] : ['service', r.service, 'start']);
  }
  return cmds;
}

/**
 * Bootstrap: the packages a host's role needs, which of them it lacks, and the commands that
 * install them with the host's package manager and enable the services. Pure: the deploy runs
 * the commands; unit tests check them per OS.
 */
import { osFamily, type Os } from '../model/types.js';
import type { Command } from './shell-quote.js';

export type HostRole = 'lb' | 'upstream';

/** A package, the binary that proves it is installed, and the service it brings (if any). */
export interface Requirement {
  pkg: string;
  binary: string;
  service?: string;
}

export function requirements(role: HostRole): Requirement[] {
  return role === 'lb'
    ? [
        { pkg: 'haproxy', binary: 'haproxy', service: 'haproxy' },
        { pkg: 'keepalived', binary: 'keepalived', service: 'keepalived' },
        // killall is what `track script` runs (killall -0 haproxy)
        { pkg: 'psmisc', binary: 'killall' },
      ]
    : [{ pkg: 'nginx', binary: 'nginx', service: 'nginx' }];
}

/** Requirements whose binary is not among those found on the host. */
export function missing(role: HostRole, foundBinaries: ReadonlySet<string>): Requirement[] {
  return requirements(role).filter((r) => !foundBinaries.has(r.binary));
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
  return cmds;
}

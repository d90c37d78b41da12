/**
 * Names and paths the rendered configs use, shared with deploy, the failover test and the
 * diagram (which read HAProxy's admin socket and keepalived's instances by these names).
 */
import type { Os, Site, Topology, Vip } from '../../../shared/model/types.js';
import { osFamily } from '../../../shared/model/types.js';

/** HAProxy backend of a site: the site's name, as in the seed (readable on the stats page). */
export function backendName(site: Site): string {
  return site.name;
}

/** keepalived vrrp_instance of a vip: its `instance` name (default VI_<router id>, model/resolve.ts). */
export function instanceName(vip: Vip): string {
  return vip.instance;
}

/**
 * HAProxy admin socket. Debian's package creates /run/haproxy (and uses this path in its own
 * default config); the RHEL family's does not, but /var/lib/haproxy exists there (its default
 * is /var/lib/haproxy/stats).
 */
export function haproxyAdminSocket(os: Os): string {
  return osFamily(os) === 'debian' ? '/run/haproxy/admin.sock' : '/var/lib/haproxy/admin.sock';
}

/**
 * The firewall a host gets. `auto` (the default) follows the host's OS family: firewalld is what
 * the RHEL family installs and runs, nftables (the `nft` tool) what Debian and Ubuntu have; a
 * Debian host with the old topology-wide firewalld default failed at apply with
 * "firewall-cmd: not found", after its files were swapped.
 */
export function hostFirewall(model: Pick<Topology, 'firewall'>, host: { os: Os }): 'firewalld' | 'nftables' | 'none' {
  if (model.firewall !== 'auto') return model.firewall;
  return osFamily(host.os) === 'debian' ? 'nftables' : 'firewalld';
}

export const PATHS = {
  haproxy: '/etc/haproxy/haproxy.cfg',
  keepalived: '/etc/keepalived/keepalived.conf',
  sysctl: '/etc/sysctl.d/90-halab-nonlocal-bind.conf',
  firewalld: '/etc/halab/firewall.sh',
  nftables: '/etc/halab/firewall.nft',
  /** Loads the nftables file at boot (systemd hosts; the deploy enables it). */
  firewallUnit: '/etc/systemd/system/halab-firewall.service',
  handoff: '/etc/halab/handoff.nft',
  nginxSite: (site: string) => `/etc/nginx/conf.d/${site}.conf`,
  watcher: '/usr/local/sbin/halab-watch',
  watcherInit: '/etc/init.d/halab-watch',
} as const;

/**
 * halab-watch (templates/halab-watch.pl.njk) and the keepalived `track_file`s that read what it
 * writes: the directory, the two files, and how often it asks HAProxy for its servers' states.
 * Fixed values (no user input), so the init script can hold them unquoted.
 */
export const WATCHER = {
  dir: '/run/halab',
  haproxyDown: '/run/halab/haproxy-down',
  upstreamsDown: '/run/halab/upstreams-down',
  pollMs: 100,
} as const;

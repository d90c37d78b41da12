/**
 * Enumerated values and the name rule of the language, declared once. The schema's ENUM
 * arguments (server/src/schema/schema.ts re-exports them), the model's types, the failover table
 * and the webview's validator and side panel all derive from these; they live in shared/ because
 * the webview needs them at run time and must not load the schema table.
 */
export const OS_VALUES = ['almalinux', 'rhel', 'rocky', 'debian', 'ubuntu'] as const;
export const FIREWALLS = ['auto', 'firewalld', 'nftables', 'none'] as const;
export const VRRP_VERSIONS = ['2', '3'] as const;
export const TRACKS = ['process', 'script', 'watcher'] as const;
export const ROLES = ['primary', 'backup'] as const;
export const BALANCES = ['roundrobin', 'leastconn', 'source', 'first', 'uri'] as const;
/** A TCP service has no URI to hash. */
export const TCP_BALANCES = ['roundrobin', 'leastconn', 'source', 'first'] as const;
export const CHECK_KINDS = ['http', 'tcp'] as const;
export const TIMEOUT_KINDS = ['connect', 'client', 'server', 'http-request', 'queue', 'http-keep-alive', 'check'] as const;
/**
 * Sections halab has no block of its own for, written whole with `haproxy-section KIND NAME { … }`
 * and `keepalived-section KIND NAME { … }` (a frontend, backend or listen that is not a site or a
 * service: path routing, TCP frontends; and the daemons' other named sections).
 */
export const HAPROXY_SECTION_KINDS = ['frontend', 'backend', 'listen', 'userlist', 'peers', 'resolvers', 'mailers', 'http-errors', 'cache', 'ring'] as const;
export const KEEPALIVED_SECTION_KINDS = ['vrrp_sync_group', 'vrrp_script', 'vrrp_track_file', 'track_file', 'vrrp_track_process', 'track_process'] as const;
/**
 * What a lab host is: a network namespace sharing this machine's packages (fast, the default), or
 * a booted systemd-nspawn machine with its own root, packages and systemd (lab/machine-*.ts).
 */
export const LAB_HOST_KINDS = ['namespaces', 'machines'] as const;
export const FAULT_KINDS = ['kill-haproxy', 'stop-haproxy', 'stop-keepalived', 'link-down', 'reboot', 'block-vrrp', 'kill-upstream'] as const;

/** Names of the topology, lbs, upstreams and sites (language contract, section 1). */
export const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

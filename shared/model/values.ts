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
export const FAULT_KINDS = ['kill-haproxy', 'stop-haproxy', 'stop-keepalived', 'link-down', 'kill-upstream'] as const;

/** Names of the topology, lbs, upstreams and sites (language contract, section 1). */
export const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

/** What the renderer produces: files per host, each with where it goes and what reloads it. */

/**
 * The services a deploy can reload, in the order it reloads them on a host: the backends first,
 * then haproxy, then the watcher (so the state files keepalived tracks exist and are true before
 * keepalived reads its new config), then keepalived.
 */
export const SERVICES = ['nginx', 'haproxy', 'halab-watch', 'keepalived'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface RenderedFile {
  /** lb or upstream name. */
  host: string;
  /** Absolute path on that host, e.g. /etc/haproxy/haproxy.cfg. */
  path: string;
  content: string;
  /** Octal mode, e.g. 0o644 or 0o600 for files holding secrets. */
  mode: number;
  owner: string;
  group: string;
  /** Services to reload when this file changes (empty for pages). */
  reload: ServiceName[];
  /** Command that validates a candidate copy at `{}` before it replaces the live file. */
  validate?: string;
  /** Post-install action: 'sysctl' (apply sysctl.d), 'firewall' (run the firewall script). */
  apply?: 'sysctl' | 'firewall';
  /** True when the content includes a resolved secret (never logged). */
  secret: boolean;
}

export interface RenderResult {
  files: RenderedFile[];
}

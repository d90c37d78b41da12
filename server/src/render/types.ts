/** What the renderer produces: files per host, each with where it goes and what reloads it. */

/**
 * The services a deploy can reload, in the order it reloads them on a host: the backends first,
 * then haproxy, then the watcher (so the state files keepalived tracks exist and are true before
 * keepalived reads its new config), then keepalived.
 */
export const SERVICES = ['nginx', 'haproxy', 'halab-watch', 'keepalived'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** What applying a file changes besides the file: kernel state (sysctl, nft, firewalld) or what systemd starts at boot (unit). */
export type ApplyKind = 'sysctl' | 'nft' | 'firewalld' | 'unit';

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
  /**
   * Post-install action, with a snapshot of the kernel state it changes (restored on rollback):
   * 'sysctl' (sysctl -p), 'nft' (nft -f: the file's own tables), 'firewalld' (run the firewall-cmd script).
   */
  apply?: ApplyKind;
  /** How to do without this file, in the file's words: said when a host lacks a tool the file needs. */
  optOut?: string;
  /** True when the content includes a resolved secret (never logged). */
  secret: boolean;
}

export interface RenderResult {
  files: RenderedFile[];
}

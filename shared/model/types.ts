/**
 * The resolved topology model: what a .halab file means, with every default filled in.
 * Produced by `resolve()` from a syntax tree; consumed by render, plan, deploy, lab, failover
 * and the diagram. Each object keeps the span of the statement it came from (for diagnostics,
 * hover and reveal-in-editor).
 */
import type { Span } from '../span.js';
import type { BALANCES, CHECK_KINDS, FAULT_KINDS, FIREWALLS, LAB_HOST_KINDS, OS_VALUES, ROLES, TCP_BALANCES, TIMEOUT_KINDS, TRACKS } from './values.js';

// The enumerated types are the schema's value lists (schema.ts declares each once).
export type Os = (typeof OS_VALUES)[number];
export type Role = (typeof ROLES)[number];
export type Balance = (typeof BALANCES)[number];
export type TcpBalance = (typeof TCP_BALANCES)[number];
export type CheckKind = (typeof CHECK_KINDS)[number];
export type Track = (typeof TRACKS)[number];
export type TimeoutKind = (typeof TIMEOUT_KINDS)[number];
export type Firewall = (typeof FIREWALLS)[number];
export type FaultKind = (typeof FAULT_KINDS)[number];
export type LabHostKind = (typeof LAB_HOST_KINDS)[number];
export type OsFamily = 'rhel' | 'debian';

export type SecretRef =
  | { kind: 'env'; name: string }
  | { kind: 'secret'; name: string }
  | { kind: 'literal'; value: string };

export interface SshTarget {
  user: string;
  host: string;
  port: number;
  /** True when the ssh statement was written; false when derived from the address. */
  explicit: boolean;
}

export interface Node {
  /** The whole statement (keyword to closing brace). */
  span: Span;
  /** The name argument (or the address for vips). */
  nameSpan: Span;
}

export interface Vip extends Node {
  /** "198.18.0.100/24" as written. */
  cidr: string;
  /** "198.18.0.100" */
  address: string;
  prefix: number;
  family: 4 | 6;
  interface: string;
  routerId: number;
  advertMs: number;
  vrrpVersion: 2 | 3;
  auth?: SecretRef;
  unicast: boolean;
  preempt: boolean;
  preemptDelayMs?: number;
  /** Flow handoff: connections in flight follow a moved VIP to the lb serving them. */
  handoff: boolean;
  /** The vrrp_instance's name (default VI_<router id>). */
  instance: string;
  /** Pass-through lines for this vip's `vrrp_instance`. */
  keepalived: string[];
  track: Track;
  trackIntervalMs: number;
  trackWeight: number;
  trackCommand: string;
}

export interface Lb extends Node {
  name: string;
  address: string;
  role: Role;
  priority: number;
  /** Overrides the vips' interface on this host. */
  interface?: string;
  ssh: SshTarget;
  key?: string;
  os: Os;
}

export interface Upstream extends Node {
  name: string;
  address: string;
  port: number;
  weight: number;
  backup: boolean;
  ssh: SshTarget;
  key?: string;
  os: Os;
  managed: boolean;
  /** Parameters appended to each of its server lines (pass-through). */
  haproxy: string[];
}

export interface Site extends Node {
  name: string;
  hosts: string[];
  /** Upstream names, in order. */
  servers: string[];
  balance: Balance;
  listen: number;
  /** Address (no prefix) of the vip the site binds on. */
  vip: string;
  tls?: string;
  check: CheckKind;
  checkPath: string;
  checkExpect: number;
  checkIntervalMs: number;
  checkFall: number;
  checkRise: number;
  root: string;
  page: string;
  isDefault: boolean;
  /** Pass-through lines (schema/pass-through.ts) for the frontend the site listens on, and for its backend. */
  frontend: string[];
  backend: string[];
}

/** A TCP service: HAProxy `listen` in TCP mode on a vip port, balanced over upstreams. */
export interface Service extends Node {
  name: string;
  listen: number;
  /** Address (no prefix) of the vip it binds on. */
  vip: string;
  /** Upstream names, in order. */
  servers: string[];
  /** The servers' port (default: `listen`). */
  port: number;
  balance: TcpBalance;
  /** Sent after connecting, each line ended by CRLF (health check and failover probe). */
  checkSend?: string;
  /** Expected in the answer (a banner when nothing is sent). */
  checkExpect?: string;
  checkIntervalMs: number;
  checkFall: number;
  checkRise: number;
  /** Pass-through lines for its `listen` section. */
  haproxy: string[];
}

export interface Stats {
  span: Span;
  listen: number;
  uri: string;
  user: string;
  password?: SecretRef;
  realm: string;
  /** Pass-through lines for its `listen` section. */
  haproxy: string[];
}

export interface Defaults {
  maxconn: number;
  retries: number;
  redispatch: boolean;
  timeouts: Record<TimeoutKind, number>;
  /** Pass-through lines for HAProxy's `defaults`. */
  haproxy: string[];
}

export interface FailoverTestSpec {
  fault: FaultKind;
  probeIntervalMs: number;
  durationMs: number;
  maxOutageMs: number;
}

export interface RawSection {
  kind: string;
  name: string;
  lines: string[];
  span: Span;
  nameSpan: Span;
}

export interface Topology {
  name: string;
  /** Absolute path or URI of the source file, when known (used in generated-file headers). */
  source?: string;
  vips: Vip[];
  lbs: Lb[];
  upstreams: Upstream[];
  sites: Site[];
  services: Service[];
  stats?: Stats;
  defaults: Defaults;
  /** `auto`: firewalld on the RHEL family, nftables on Debian/Ubuntu, per host (render/names.ts hostFirewall). */
  firewall: Firewall;
  failoverTest: FailoverTestSpec;
  lab: { bridge: string; hosts: LabHostKind };
  /** Pass-through lines for HAProxy's `global` and keepalived's `global_defs`. */
  haproxy: string[];
  keepalived: string[];
  /** Whole sections halab has no block for (`haproxy-section` / `keepalived-section`). */
  haproxySections: RawSection[];
  keepalivedSections: RawSection[];
}

/** What a service's check and the failover probe send: each line of `check-send` ended by CRLF. */
export function tcpPayload(send: string): string {
  return send.split('\n').map((l) => `${l}\r\n`).join('');
}

export function osFamily(os: Os): OsFamily {
  return os === 'debian' || os === 'ubuntu' ? 'debian' : 'rhel';
}

/** The interface an lb uses for a vip: the lb's override, else the vip's. */
export function lbInterface(lb: Lb, vip: Vip): string {
  return lb.interface ?? vip.interface;
}

/**
 * Inference: from the parsed files of every host to a draft of the .halab file. Each phase reads
 * one part of the input, marks in the ledger the lines it turned into statements, and notes what
 * it guessed. Lines it does not understand stay unmarked: accounting (account.ts) settles them.
 */
import { PATHS } from '../render/names.js';
import { parseHaproxyCfg, type HaproxyCfg } from './haproxy-cfg.js';
import { child, childWords, parseKeepalivedConf, subtree, type KaNode, type KeepalivedConf } from './keepalived-conf.js';
import type { Ledger } from './ledger.js';
import type { ImportHost } from './types.js';
import type { PassSection } from '../schema/pass-through.js';
import { parseSectionName } from '../schema/value-types.js';
import { sshPortOf } from './infer-hosts.js';

export interface LbIn {
  host: ImportHost;
  cfg?: HaproxyCfg;
  ka?: KeepalivedConf;
}

/** Where the unexplained lines of an input section go, and which rendered section to compare with. */
export interface SectionTarget {
  /** The rendered section (`frontend fe_http_…`, `vrrp_instance VI_1`) to compare lines with. */
  rendered: string;
  /** The draft block that takes its pass-through lines, and the keyword (undefined: the top level). */
  block?: { kind: string; name: string };
  keyword: 'haproxy' | 'frontend' | 'backend' | 'keepalived';
  pass: PassSection;
}

export interface VipIn {
  address: string;
  prefix: number;
  iface: string;
  routerId: number;
  version: 2 | 3;
  advertMs: number;
  auth?: string;
  unicast: boolean;
  preempt: 'on' | 'off' | { delayMs: number };
  handoff: boolean;
  track: { kind: 'process' | 'watcher' | 'none' } | { kind: 'script'; command: string; intervalS: number; weight: number };
  /** The instance's name on the input (kept in the report). */
  instance: string;
}

export interface LbOut {
  name: string;
  address?: string;
  role: 'primary' | 'backup';
  priority: number;
  iface?: string;
  family?: 'debian' | 'rhel';
  /** A port besides 22 its firewall opens for SSH. */
  sshPort?: number;
}

export interface UpstreamOut {
  name: string;
  address: string;
  port?: number;
  weight: number;
  backup: boolean;
  managed: boolean;
  family?: 'debian' | 'rhel';
  sshPort?: number;
  /** Its own server-line parameters (`cookie s1`); '' for none. */
  params?: string;
}

export interface SiteOut {
  name: string;
  hosts: string[];
  servers: string[];
  balance?: string;
  listen: number;
  vip: string;
  tls?: string;
  check: 'http' | 'tcp';
  checkPath?: string;
  checkExpect?: number;
  checkIntervalMs?: number;
  checkFall?: number;
  checkRise?: number;
  root?: string;
  page?: string;
  isDefault: boolean;
  /** Lines for the backend that no input line says alone (a `default-server` for shared server parameters). */
  extra: string[];
  /** Lines for its frontend that no input line says alone (what its defaults section says differently). */
  frontendExtra: string[];
}

export interface ServiceOut {
  name: string;
  listen: number;
  vip: string;
  servers: string[];
  port: number;
  balance?: string;
  send?: string;
  expect?: string;
  checkIntervalMs?: number;
  checkFall?: number;
  checkRise?: number;
  extra: string[];
}

export interface Inferred {
  name: string;
  vips: VipIn[];
  lbs: LbOut[];
  upstreams: UpstreamOut[];
  sites: SiteOut[];
  services: ServiceOut[];
  stats?: { listen: number; uri: string; realm: string; user: string; password: string; extra: string[] };
  defaults: { maxconn?: number; retries?: number; redispatch?: boolean; timeouts: Record<string, number> };
  firewall?: 'firewalld' | 'nftables' | 'none';
  /** Section targets by `kind name` of the input sections (haproxy.cfg and keepalived.conf). */
  targets: Map<string, SectionTarget>;
  /**
   * Lines a proxy kept whole takes first, by `host\0kind name`: what a later defaults section
   * says differently from the first, for the proxies after it (halab writes one defaults section).
   */
  preludes: Map<string, string[]>;
  lbIns: LbIn[];
  guesses: string[];
  errors: { host: string; file: string; line: number; text: string; message: string }[];
}

const HAPROXY_FILE = PATHS.haproxy;
const KEEPALIVED_FILE = PATHS.keepalived;

/** `2s`, `1m`, `500ms`, `100` (HAProxy: ms by default) → milliseconds. */
export function durationMs(v: string, unitless = 1): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h|d)?$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  const mult = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? ''] ?? unitless;
  return Math.round(n * mult);
}

/** `[v6]:port`, `v4:port`, `:port`, `*:port` → address and port. */
export function splitAddr(s: string): { address: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { address: v6[1]!, port: v6[2] ? Number(v6[2]) : undefined };
  const i = s.lastIndexOf(':');
  if (i >= 0 && s.indexOf(':') === i) return { address: s.slice(0, i), port: s.slice(i + 1) ? Number(s.slice(i + 1)) : undefined };
  return { address: s };
}

/**
 * The lbs: the hosts with a keepalived.conf (an upstream may have haproxy installed, with its
 * package's stock haproxy.cfg); only when no host has one, the hosts with a haproxy.cfg.
 */
export function readLbs(hosts: ImportHost[], ledger: Ledger, errors: Inferred['errors'], guesses: string[]): { lbs: LbIn[]; others: ImportHost[] } {
  const lbs: LbIn[] = [];
  const others: ImportHost[] = [];
  const anyKeepalived = hosts.some((h) => h.files.has(KEEPALIVED_FILE));
  for (const host of hosts) {
    const cfgText = host.files.get(HAPROXY_FILE);
    const kaText = host.files.get(KEEPALIVED_FILE);
    if ((cfgText === undefined && kaText === undefined) || (anyKeepalived && kaText === undefined)) {
      if (cfgText !== undefined) guesses.push(`${host.name} has a haproxy.cfg but no keepalived.conf: not an lb (its haproxy.cfg is not read)`);
      others.push(host);
      continue;
    }
    const ka = kaText === undefined ? undefined : parseKeepalivedConf(kaText);
    for (const p of ka?.problems ?? []) {
      errors.push({ host: host.name, file: KEEPALIVED_FILE, line: p.line, text: '', message: p.message });
      ledger.mark(host.name, KEEPALIVED_FILE, p.line, '', 'error', p.message);
    }
    lbs.push({ host, cfg: cfgText === undefined ? undefined : parseHaproxyCfg(cfgText), ka });
  }
  return { lbs, others };
}

/** The vrrp_instance blocks of an lb, in file order. */
export function instancesOf(lb: LbIn): KaNode[] {
  return (lb.ka?.nodes ?? []).filter((n) => n.words[0] === 'vrrp_instance' && n.children);
}

function routerIdOf(inst: KaNode): number | undefined {
  const w = child(inst, 'virtual_router_id')?.words[1];
  return w === undefined ? undefined : Number(w);
}

/** The instance of this lb for a vip: same router id, and same address family (v4 and v6 may share one). */
export function instanceFor(lb: LbIn, vip: { routerId: number; address: string }): KaNode | undefined {
  const v6 = vip.address.includes(':');
  return instancesOf(lb).find(
    (i) => routerIdOf(i) === vip.routerId && (childWords(child(i, 'virtual_ipaddress'))[0]?.[0] ?? '').includes(':') === v6,
  );
}

function priorityOf(lb: LbIn): number {
  const first = instancesOf(lb)[0];
  return Number(child(first, 'priority')?.words[1] ?? 100);
}

/** Primary first (highest priority), then the backups by priority, ties by name. */
export function orderLbs(lbs: LbIn[]): LbIn[] {
  return [...lbs].sort((a, b) => priorityOf(b) - priorityOf(a) || a.host.name.localeCompare(b.host.name));
}

/** A literal line of a keepalived block was understood: the ledger says which statement it became. */
function used(ledger: Ledger, lb: LbIn, node: KaNode, detail: string): void {
  ledger.markAll(lb.host.name, KEEPALIVED_FILE, subtree(node), 'statement', detail);
}

/** The VIP addresses an lb's halab-watch puts on lo (the flow handoff), or undefined without it. */
function loVips(lb: LbIn): string[] | undefined {
  const init = lb.host.files.get(PATHS.watcherInit);
  const m = init && /^LO_VIPS="([^"]*)"/m.exec(init);
  return m ? m[1]!.split(/\s+/).filter(Boolean) : undefined;
}

/** Phase: the vips, from the primary's instances (every lb's lines that say the same are marked). */
export function inferVips(lbs: LbIn[], ledger: Ledger, guesses: string[], targets: Map<string, SectionTarget>): VipIn[] {
  const primary = lbs[0]!;
  const vips: VipIn[] = [];
  for (const inst of instancesOf(primary)) {
    const routerId = routerIdOf(inst);
    const addrWords = childWords(child(inst, 'virtual_ipaddress'))[0];
    if (routerId === undefined || !addrWords) continue;
    const [address, prefixText] = addrWords[0]!.split('/');
    const scriptName = childWords(child(inst, 'track_script'))[0]?.[0];
    const vip: VipIn = {
      address: address!,
      prefix: prefixText === undefined ? -1 : Number(prefixText),
      iface: child(inst, 'interface')?.words[1] ?? 'eth0',
      routerId,
      version: child(inst, 'version')?.words[1] === '3' ? 3 : 2,
      advertMs: Math.round(Number(child(inst, 'advert_int')?.words[1] ?? 1) * 1000),
      auth: child(child(inst, 'authentication'), 'auth_pass')?.words[1],
      unicast: child(inst, 'unicast_peer') !== undefined,
      preempt: child(inst, 'nopreempt')
        ? 'off'
        : child(inst, 'preempt_delay')
          ? { delayMs: Math.round(Number(child(inst, 'preempt_delay')!.words[1]) * 1000) }
          : 'on',
      handoff: true,
      track: trackOf(primary, inst, scriptName, guesses),
      // a name halab can write keeps, else the default one
      instance: parseSectionName(inst.words[1] ?? '').ok ? inst.words[1]! : `VI_${routerId}`,
    };
    const lo = loVips(primary);
    if (lo) vip.handoff = lo.includes(`${vip.address}/${vip.address.includes(':') ? 128 : 32}`);
    vips.push(vip);
    for (const lb of lbs) markInstance(lb, instanceFor(lb, vip), vip, ledger, targets);
  }
  return vips;
}

function trackOf(lb: LbIn, inst: KaNode, scriptName: string | undefined, guesses: string[]): VipIn['track'] {
  const files = childWords(child(inst, 'track_file')).map((w) => w[0]);
  if (files.includes('halab_haproxy_down')) return { kind: 'watcher' };
  if (child(inst, 'track_process')) return { kind: 'process' };
  if (scriptName) {
    const def = (lb.ka?.nodes ?? []).find((n) => n.words[0] === 'vrrp_script' && n.words[1] === scriptName);
    if (def) {
      return {
        kind: 'script',
        command: absoluteCommand(child(def, 'script')?.words.slice(1).join(' ') ?? '/usr/bin/killall -0 haproxy', guesses),
        intervalS: Number(child(def, 'interval')?.words[1] ?? 1),
        weight: Number(child(def, 'weight')?.words[1] ?? 0),
      };
    }
  }
  return { kind: 'none' };
}

/** Marks an lb's instance lines that the vip's statements say, and where its other lines go. */
function markInstance(lb: LbIn, inst: KaNode | undefined, vip: VipIn, ledger: Ledger, targets: Map<string, SectionTarget>): void {
  if (!inst) return;
  const where = `vip ${vip.address}`;
  ledger.mark(lb.host.name, KEEPALIVED_FILE, inst.line, inst.text, 'statement', `${where} (vrrp_instance ${inst.words[1]})`);
  // only these lines are said by statements; the rest are left for accounting
  for (const c of inst.children ?? []) if (INSTANCE_KEYS.has(c.words[0]!)) used(ledger, lb, c, where);
  // halab tracks one script per vip: a second one is listed, and its vrrp_script kept whole (untracked)
  for (const extra of child(inst, 'track_script')?.children?.slice(1) ?? []) {
    ledger.mark(lb.host.name, KEEPALIVED_FILE, extra.line, extra.text, 'replaced',
      `halab tracks one script per vip (the first); ${extra.words[0]} is no longer tracked by ${inst.words[1]}`);
  }
  targets.set(`${lb.host.name}\u0000vrrp_instance ${inst.words[1]}`, {
    rendered: `vrrp_instance ${vip.instance}`, block: { kind: 'vip', name: vip.address }, keyword: 'keepalived',
    pass: 'keepalived-instance',
  });
  for (const n of lb.ka?.nodes ?? []) {
    const named = (key: string, list: string) =>
      n.words[0] === key && childWords(child(inst, list)).some((w) => w[0] === n.words[1]);
    const first = childWords(child(inst, 'track_script'))[0]?.[0];
    if ((n.words[0] === 'vrrp_script' && n.words[1] === first) || named('vrrp_track_process', 'track_process')) {
      used(ledger, lb, n, `track of vip ${vip.address}`);
    }
  }
}

/** The vrrp_instance lines the vip and lb statements say (the pass-through table's owned list, and the track blocks). */
const INSTANCE_KEYS = new Set([
  'state', 'interface', 'virtual_router_id', 'priority', 'advert_int', 'version', 'nopreempt', 'preempt_delay',
  'unicast_src_ip', 'unicast_peer', 'authentication', 'virtual_ipaddress', 'track_script', 'track_process',
]);

/** Phase: the lbs: role and priority from each one's instances, interface overrides, address, OS family. */
export function inferLbs(lbs: LbIn[], vips: VipIn[], guesses: string[]): LbOut[] {
  const out = lbs.map((lb): LbOut => {
    const inst = instancesOf(lb);
    const isMaster = inst.some((i) => child(i, 'state')?.words[1] === 'MASTER' || i.children!.some((c) => c.comments.some((t) => /BACKUP although primary/.test(t))));
    return {
      name: lb.host.name,
      address: lb.host.address ?? addressOf(lb, lbs),
      role: isMaster ? 'primary' : 'backup',
      priority: priorityOf(lb),
      family: familyOf(lb),
      sshPort: sshPortOf(lb.host.files),
    };
  });
  if (!out.some((l) => l.role === 'primary') && out[0]) {
    out[0].role = 'primary';
    guesses.push(`no lb starts as MASTER: ${out[0].name}, with the highest priority, is the primary`);
  }
  // An lb's `interface` overrides every vip's, so an lb whose interfaces differ between vips says
  // the vips' own; otherwise each vip takes the most common one and an lb that differs says its own.
  const own = lbs.map((lb) => vips.map((v) => child(instanceFor(lb, v), 'interface')?.words[1] ?? v.iface));
  const mixed = own.find((o) => new Set(o).size > 1);
  vips.forEach((vip, k) => (vip.iface = mixed ? mixed[k]! : mostCommon(own.map((o) => o[k]!))));
  own.forEach((o, i) => {
    if (!o.some((x, k) => x !== vips[k]!.iface)) return;
    out[i]!.iface = o[0];
    if (new Set(o).size > 1) guesses.push(`lb ${out[i]!.name} uses other interfaces than its peers for several vips: halab says one per lb (${o[0]})`);
  });
  return out;
}

function mostCommon(xs: string[]): string {
  const n = new Map<string, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  let best = xs[xs.length - 1]!;
  for (const [x, c] of n) if (c > (n.get(best) ?? 0)) best = x;
  return best;
}

/** An lb's address as its own files say it: unicast_src_ip, a stats bind, or a peer's handoff ruleset. */
function addressOf(lb: LbIn, all: LbIn[]): string | undefined {
  for (const inst of instancesOf(lb)) {
    const src = child(inst, 'unicast_src_ip')?.words[1];
    if (src) return src;
  }
  const stats = lb.cfg?.sections.find((s) => s.kind === 'listen' && s.name === 'halab.stats');
  const binds = stats?.directives.filter((d) => d.words[0] === 'bind').map((d) => splitAddr(d.words[1]!).address) ?? [];
  if (binds.length > 1) return binds[binds.length - 1];
  // a peer's handoff ruleset copies to the other lbs: the address it has that this lb's has not
  const own = peersOf(lb);
  for (const other of all) {
    if (other === lb) continue;
    const theirs = peersOf(other);
    const extra = theirs.filter((a) => !own.includes(a));
    if (extra.length === 1) return extra[0];
  }
  return undefined;
}

function peersOf(lb: LbIn): string[] {
  const nft = lb.host.files.get(PATHS.handoff) ?? '';
  return [...new Set([...nft.matchAll(/dup to ([0-9a-fA-F.:]+) device/g)].map((m) => m[1]!))];
}

/** debian or rhel, from what halab writes differently for them (the log target and the admin socket). */
function familyOf(lb: LbIn): 'debian' | 'rhel' | undefined {
  const global = lb.cfg?.sections.find((s) => s.kind === 'global');
  const log = global?.directives.find((d) => d.words[0] === 'log');
  if (log?.words[1] === '/dev/log') return 'debian';
  if (log?.words[1] === '127.0.0.1') return 'rhel';
  return undefined;
}


/**
 * keepalived finds a bare `killall` on its PATH; halab's track-command is an absolute path (a
 * script run as root must not depend on PATH), so a bare name gets /usr/bin/ and the report says so.
 */
function absoluteCommand(cmd: string, guesses: string[]): string {
  if (cmd.startsWith('/')) return cmd;
  const abs = `/usr/bin/${cmd}`;
  guesses.push(`track script \`${cmd}\` runs from keepalived's PATH: the draft says \`${abs}\``);
  return abs;
}

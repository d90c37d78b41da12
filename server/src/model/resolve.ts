/**
 * Resolver: syntax tree → typed `Topology` with every default of §3 filled in. It never fails:
 * invalid or missing values fall back to defaults (the checks report them), so the model is
 * always usable by completion, the diagram and hover, even while the user types.
 */
import { shiftSpan, type Arg, type Span, type Statement, type SyntaxTree } from '../syntax/ast.js';
import { parseArg } from '../schema/args.js';
import { defaultStatements, defaultValue } from '../schema/defaults.js';
import { keywordSpec } from '../schema/schema.js';
import * as V from '../schema/value-types.js';
import type {
  RawSection,
  Balance, CheckKind, Defaults, FailoverTestSpec, FaultKind, Firewall, LabHostKind, Lb, Os, Role, SecretRef, Service, Site, Stats, TcpBalance,
  TimeoutKind, Topology, Track, Upstream, Vip,
} from '../../../shared/model/types.js';

/** The statements behind one model object, for checks that need an argument's span. */
export interface NodeInfo {
  stmt: Statement;
  /** Inner statements by keyword, in order (repeats kept). */
  props: Map<string, Statement[]>;
}

export interface Resolved {
  model: Topology;
  topologyStmt?: Statement;
  vips: NodeInfo[];
  lbs: NodeInfo[];
  upstreams: NodeInfo[];
  sites: NodeInfo[];
  services: NodeInfo[];
  stats?: NodeInfo;
  /** Every top-level statement by keyword. */
  top: Map<string, Statement[]>;
}


function info(stmt: Statement): NodeInfo {
  const props = new Map<string, Statement[]>();
  for (const s of stmt.block?.statements ?? []) {
    const list = props.get(s.keyword.value);
    if (list) list.push(s);
    else props.set(s.keyword.value, [s]);
  }
  return { stmt, props };
}

/**
 * The value of the last well-formed statement `kw` in a block (the last one wins), else the
 * schema's default (schema/defaults.ts; undefined when the keyword has none or it is derived).
 */
function value<T>(node: NodeInfo, blockId: string, kw: string, argIndex = 0): T | undefined {
  const spec = keywordSpec(blockId, kw);
  const list = node.props.get(kw);
  const argSpec = spec?.args[argIndex];
  for (let i = (list?.length ?? 0) - 1; i >= 0; i--) {
    const arg = list![i]!.args[argIndex];
    if (arg && argSpec) {
      const p = parseArg(arg, argSpec);
      if (p.ok) return p.value as T;
    }
  }
  return defaultValue<T>(blockId, kw, argIndex);
}

/** Every well-formed `kw` statement's value, in file order (repeatable pass-through lines). */
function lines(node: NodeInfo, blockId: string, kw: string): string[] {
  const spec = keywordSpec(blockId, kw)?.args[0];
  const out: string[] = [];
  for (const st of node.props.get(kw) ?? []) {
    const p = st.args[0] && spec ? parseArg(st.args[0], spec) : undefined;
    if (p?.ok) out.push(p.value as string);
  }
  return out;
}

/** `haproxy-section KIND NAME { haproxy "…" }` blocks whose head is valid, with their valid lines. */
function rawSections(stmts: Statement[], blockId: 'haproxy-section' | 'keepalived-section', kw: string): RawSection[] {
  const head = keywordSpec('file', blockId)!.args;
  return stmts.flatMap((stmt) => {
    const kind = stmt.args[0] && parseArg(stmt.args[0], head[0]!);
    const name = stmt.args[1] && parseArg(stmt.args[1], head[1]!);
    if (!kind?.ok || !name?.ok) return [];
    const a = stmt.args[1]!;
    return [{
      kind: kind.value as string, name: name.value as string, lines: lines(info(stmt), blockId, kw),
      span: span(stmt), nameSpan: { start: a.start, end: a.end },
    }];
  });
}

/** A value with a schema default: never undefined (the table's defaults are checked at load). */
function valueOr<T>(node: NodeInfo, blockId: string, kw: string): T {
  return value<T>(node, blockId, kw) as T;
}

/** A block that is not written: every value is its default. */
const ABSENT: NodeInfo = { stmt: undefined as unknown as Statement, props: new Map() };

function has(node: NodeInfo, kw: string): boolean {
  return node.props.has(kw);
}

function nameOf(stmt: Statement): { name: string; nameSpan: Span } {
  const a: Arg | undefined = stmt.args[0];
  if (a) return { name: a.value, nameSpan: { start: a.start, end: a.end } };
  return { name: '', nameSpan: { start: stmt.keyword.start, end: stmt.keyword.end } };
}

function span(stmt: Statement): Span {
  return { start: stmt.start, end: stmt.end };
}

function secret(v: V.SecretValue | undefined): SecretRef | undefined {
  return v as SecretRef | undefined;
}

/**
 * Per-statement memo for the numerous blocks (upstreams, sites). The incremental re-parse keeps
 * the Statement objects of unchanged statements (shifting their spans in place), so an object
 * seen before stands for the same text: its model object is reused. A file of thousands of sites
 * re-resolves one of them per keystroke. Like the tree, the model of the previous analysis is
 * consumed: when a statement moved, the spans of its model object are shifted in place (copying
 * thousands of objects per keystroke was most of the cost).
 */
interface Memo<T> {
  start: number;
  info: NodeInfo;
  value: T;
  /** Sites: the `vip` as written (undefined: the model's first vip, which is not local). */
  vipRef?: string;
}

function memoized<T extends { span: Span; nameSpan: Span }>(
  memo: WeakMap<Statement, Memo<T>>,
  stmt: Statement,
  build: (n: NodeInfo) => { value: T; vipRef?: string },
): Memo<T> {
  let m = memo.get(stmt);
  if (!m) {
    const info_ = info(stmt);
    m = { start: stmt.start, info: info_, ...build(info_) };
    memo.set(stmt, m);
  } else if (m.start !== stmt.start) {
    // span and nameSpan are objects of this model object alone (span() and nameOf() make them;
    // a site re-made for another default vip shares them): shifting them moves it.
    const d = stmt.start - m.start;
    m.start = stmt.start;
    shiftSpan(m.value.span, d);
    shiftSpan(m.value.nameSpan, d);
  }
  return m;
}

const upstreamMemo = new WeakMap<Statement, Memo<Upstream>>();
const siteMemo = new WeakMap<Statement, Memo<Site>>();

function resolveUpstream(stmt: Statement, n: NodeInfo): Upstream {
  const address = value<string>(n, 'upstream', 'address') ?? '';
  const ssh = value<{ user: string; host: string; port: number }>(n, 'upstream', 'ssh');
  return {
    span: span(stmt), ...nameOf(stmt), address,
    port: valueOr<number>(n, 'upstream', 'port'),
    weight: valueOr<number>(n, 'upstream', 'weight'),
    backup: has(n, 'backup'),
    ssh: ssh ? { ...ssh, explicit: true } : { user: 'root', host: address, port: 22, explicit: false },
    key: value<string>(n, 'upstream', 'key'),
    os: valueOr<Os>(n, 'upstream', 'os'),
    managed: valueOr<string>(n, 'upstream', 'managed') === 'yes',
    haproxy: lines(n, 'upstream', 'haproxy'),
  };
}

function resolveSite(stmt: Statement, n: NodeInfo, defaultVip: string): { value: Site; vipRef?: string } {
  const { name } = nameOf(stmt);
  // Sets, not `Array.includes` per item: that was n²/2 comparisons, 9 s per keystroke at 24,000
  // hosts (test/unit/model/resolve-scale.test.ts). A Set iterates in insertion order: first seen first.
  const hosts = new Set<string>();
  for (const h of n.props.get('host') ?? []) {
    for (const a of h.args) {
      const p = V.parseDnsName(a.value, true);
      if (p.ok) hosts.add(p.value);
    }
  }
  const servers = serverNames(n);
  const vipRef = value<{ address: string }>(n, 'site', 'vip')?.address;
  const site: Site = {
    span: span(stmt), ...nameOf(stmt), hosts: [...hosts], servers: [...servers],
    balance: valueOr<Balance>(n, 'site', 'balance'),
    listen: valueOr<number>(n, 'site', 'listen'),
    vip: vipRef ?? defaultVip,
    tls: value<string>(n, 'site', 'tls'),
    check: valueOr<CheckKind>(n, 'site', 'check'),
    checkPath: valueOr<string>(n, 'site', 'check-path'),
    checkExpect: valueOr<number>(n, 'site', 'check-expect'),
    ...checkTiming(n, 'site'),
    root: value<string>(n, 'site', 'root') ?? defaultSiteRoot(name),
    page: value<string>(n, 'site', 'page') ?? defaultSitePage(name),
    isDefault: has(n, 'default'),
    frontend: lines(n, 'site', 'frontend'),
    backend: lines(n, 'site', 'backend'),
  };
  return { value: site, vipRef };
}

/** A site's derived defaults (the schema describes them): its web root and its test page. */
export function defaultSiteRoot(site: string): string {
  return `/usr/share/nginx/${site}`;
}

export function defaultSitePage(site: string): string {
  return `${site} test page`;
}

/** The `timeout` defaults, from the schema's `connect 10s, client 1m, …`. */
export const DEFAULT_TIMEOUTS = Object.fromEntries(
  defaultStatements('defaults', 'timeout')!.map(([k, ms]) => [k, ms]),
) as Defaults['timeouts'];

/** Health check timing, the same keywords in a site and a service (the schema's CHECK_TIMING). */
function checkTiming(n: NodeInfo, block: 'site' | 'service'): Pick<Site, 'checkIntervalMs' | 'checkFall' | 'checkRise'> {
  return {
    checkIntervalMs: valueOr<number>(n, block, 'check-interval'),
    checkFall: valueOr<number>(n, block, 'check-fall'),
    checkRise: valueOr<number>(n, block, 'check-rise'),
  };
}

/** The upstream names of the last `servers` statement of a site or service, each once, in order. */
function serverNames(n: NodeInfo): Set<string> {
  const stmts = n.props.get('servers') ?? [];
  return new Set((stmts[stmts.length - 1]?.args ?? []).map((a) => a.value));
}

function resolveService(stmt: Statement, n: NodeInfo, defaultVip: string): Service {
  const listen = value<number>(n, 'service', 'listen') ?? 0;
  return {
    span: span(stmt), ...nameOf(stmt),
    listen,
    vip: value<{ address: string }>(n, 'service', 'vip')?.address ?? defaultVip,
    servers: [...serverNames(n)],
    port: value<number>(n, 'service', 'port') ?? listen,
    balance: valueOr<TcpBalance>(n, 'service', 'balance'),
    checkSend: value<string>(n, 'service', 'check-send'),
    checkExpect: value<string>(n, 'service', 'check-expect'),
    ...checkTiming(n, 'service'),
    haproxy: lines(n, 'service', 'haproxy'),
  };
}

function resolveDefaults(n: NodeInfo): Defaults {
  const timeouts = { ...DEFAULT_TIMEOUTS };
  const spec = keywordSpec('defaults', 'timeout')!;
  for (const t of n.props.get('timeout') ?? []) {
    const [k, d] = t.args;
    if (!k || !d) continue;
    const kind = parseArg(k, spec.args[0]!);
    const dur = parseArg(d, spec.args[1]!);
    if (kind.ok && dur.ok) timeouts[kind.value as TimeoutKind] = dur.value as number;
  }
  return {
    maxconn: valueOr<number>(n, 'defaults', 'maxconn'),
    retries: valueOr<number>(n, 'defaults', 'retries'),
    redispatch: valueOr<string>(n, 'defaults', 'redispatch') === 'on',
    timeouts,
    haproxy: lines(n, 'defaults', 'haproxy'),
  };
}

export function resolve(tree: SyntaxTree, source?: string): Resolved {
  const top = new Map<string, Statement[]>();
  for (const s of tree.statements) {
    const list = top.get(s.keyword.value);
    if (list) list.push(s);
    else top.set(s.keyword.value, [s]);
  }
  const topologyStmt = top.get('topology')?.[0];
  const r: Resolved = {
    model: undefined as unknown as Topology, topologyStmt, vips: [], lbs: [], upstreams: [], sites: [], services: [], top,
  };

  // Vips.
  const vips: Vip[] = [];
  for (const stmt of top.get('vip') ?? []) {
    const n = info(stmt);
    r.vips.push(n);
    const cidrArg = stmt.args[0];
    const c = cidrArg ? V.parseCidr(cidrArg.value, true) : undefined;
    const cv = c?.ok ? c.value : { address: '', prefix: 32, family: 4 as const };
    vips.push({
      span: span(stmt), nameSpan: nameOf(stmt).nameSpan,
      cidr: cidrArg?.value ?? '', address: cv.address, prefix: cv.prefix, family: cv.family,
      interface: valueOr<string>(n, 'vip', 'interface'),
      routerId: value<number>(n, 'vip', 'router-id') ?? 0,
      advertMs: valueOr<number>(n, 'vip', 'advert'),
      vrrpVersion: valueOr<string>(n, 'vip', 'vrrp-version') === '3' ? 3 : 2,
      auth: secret(value<V.SecretValue>(n, 'vip', 'auth')),
      unicast: has(n, 'unicast'),
      preempt: valueOr<string>(n, 'vip', 'preempt') === 'on',
      preemptDelayMs: value<number>(n, 'vip', 'preempt-delay'),
      handoff: valueOr<string>(n, 'vip', 'handoff') === 'on',
      instance: value<string>(n, 'vip', 'instance') ?? `VI_${value<number>(n, 'vip', 'router-id') ?? 0}`,
      keepalived: lines(n, 'vip', 'keepalived'),
      // A topology with a lab block runs in PID namespaces, where track_process cannot work.
      track: value<Track>(n, 'vip', 'track') ?? (top.has('lab') ? 'watcher' : 'process'),
      trackIntervalMs: valueOr<number>(n, 'vip', 'track-interval'),
      trackWeight: valueOr<number>(n, 'vip', 'track-weight'),
      trackCommand: valueOr<string>(n, 'vip', 'track-command'),
    });
  }

  // Lbs: default priorities are 250 for the primary and 249, 248, … for backups in file order.
  const lbs: Lb[] = [];
  let nextBackup = 249;
  for (const stmt of top.get('lb') ?? []) {
    const n = info(stmt);
    r.lbs.push(n);
    const address = value<{ address: string }>(n, 'lb', 'address')?.address ?? '';
    const role = value<Role>(n, 'lb', 'role') ?? 'backup';
    const explicitPriority = value<number>(n, 'lb', 'priority');
    const priority = explicitPriority ?? (role === 'primary' ? 250 : Math.max(1, nextBackup--));
    const ssh = value<{ user: string; host: string; port: number }>(n, 'lb', 'ssh');
    lbs.push({
      span: span(stmt), ...nameOf(stmt), address, role, priority,
      interface: value<string>(n, 'lb', 'interface'),
      ssh: ssh ? { ...ssh, explicit: true } : { user: 'root', host: address, port: 22, explicit: false },
      key: value<string>(n, 'lb', 'key'),
      os: valueOr<Os>(n, 'lb', 'os'),
    });
  }

  const upstreams: Upstream[] = [];
  for (const stmt of top.get('upstream') ?? []) {
    const m = memoized(upstreamMemo, stmt, (n) => ({ value: resolveUpstream(stmt, n) }));
    r.upstreams.push(m.info);
    upstreams.push(m.value);
  }

  const sites: Site[] = [];
  const defaultVip = vips[0]?.address ?? '';
  for (const stmt of top.get('site') ?? []) {
    const m = memoized(siteMemo, stmt, (n) => resolveSite(stmt, n, defaultVip));
    // A site without its own `vip` follows the first vip: re-made when that changed.
    if (m.vipRef === undefined && m.value.vip !== defaultVip) m.value = { ...m.value, vip: defaultVip };
    r.sites.push(m.info);
    sites.push(m.value);
  }

  const services: Service[] = [];
  for (const stmt of top.get('service') ?? []) {
    const n = info(stmt);
    r.services.push(n);
    services.push(resolveService(stmt, n, defaultVip));
  }

  let stats: Stats | undefined;
  const statsStmt = top.get('stats')?.[0];
  if (statsStmt) {
    const n = info(statsStmt);
    r.stats = n;
    stats = {
      span: span(statsStmt),
      listen: valueOr<number>(n, 'stats', 'listen'),
      uri: valueOr<string>(n, 'stats', 'uri'),
      user: valueOr<string>(n, 'stats', 'user'),
      password: secret(value<V.SecretValue>(n, 'stats', 'password')),
      realm: valueOr<string>(n, 'stats', 'realm'),
      haproxy: lines(n, 'stats', 'haproxy'),
    };
  }

  const blockOf = (kw: string) => {
    const stmt = top.get(kw)?.[0];
    return stmt ? info(stmt) : ABSENT;
  };
  const defaults = resolveDefaults(blockOf('defaults'));
  const ft = blockOf('failover-test');
  const failoverTest: FailoverTestSpec = {
    fault: valueOr<FaultKind>(ft, 'failover-test', 'fault'),
    probeIntervalMs: valueOr<number>(ft, 'failover-test', 'probe-interval'),
    durationMs: valueOr<number>(ft, 'failover-test', 'duration'),
    maxOutageMs: valueOr<number>(ft, 'failover-test', 'max-outage'),
  };
  // the last `firewall` statement counts; if its value is invalid, the default
  const file: NodeInfo = { stmt: undefined as unknown as Statement, props: new Map([['firewall', (top.get('firewall') ?? []).slice(-1)]]) };
  const topLevel: NodeInfo = { stmt: undefined as unknown as Statement, props: top };

  r.model = {
    name: topologyStmt?.args[0]?.value ?? '',
    source,
    vips, lbs, upstreams, sites, services, stats, defaults,
    // `auto`: per host by its OS family (render/names.ts hostFirewall).
    firewall: valueOr<Firewall>(file, 'file', 'firewall'),
    failoverTest,
    lab: { bridge: valueOr<string>(blockOf('lab'), 'lab', 'bridge'), hosts: valueOr<LabHostKind>(blockOf('lab'), 'lab', 'hosts') },
    haproxy: lines(topLevel, 'file', 'haproxy'),
    keepalived: lines(topLevel, 'file', 'keepalived'),
    haproxySections: rawSections(top.get('haproxy-section') ?? [], 'haproxy-section', 'haproxy'),
    keepalivedSections: rawSections(top.get('keepalived-section') ?? [], 'keepalived-section', 'keepalived'),
  };
  return r;
}

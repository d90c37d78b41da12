/**
 * Inference from haproxy.cfg: defaults, sites (backends chosen by Host in frontends bound to a
 * vip), TCP services (`listen` sections in mode tcp), the stats page and the upstreams (server
 * lines). Reads the primary's file; accounting compares every lb's file with the render.
 */
import { PATHS } from '../render/names.js';
import { haproxyWord } from '../render/escape.js';
import { directiveOf, parsePassLine, type PassSection } from '../schema/pass-through.js';
import { HAPROXY_DIRECTIVES } from '../schema/directives.gen.js';
import { haproxyWords, normalizeLine, type CfgLine, type CfgSection, type HaproxyCfg } from './haproxy-cfg.js';
import { durationMs, splitAddr, type Inferred, type LbIn, type SectionTarget, type ServiceOut, type SiteOut, type UpstreamOut, type VipIn } from './infer.js';
import type { Ledger } from './ledger.js';
import { TIMEOUT_KINDS } from '../../../shared/model/values.js';
import { NAME_RE } from '../../../shared/model/values.js';

const FILE = PATHS.haproxy;

interface Ctx {
  lb: LbIn;
  ledger: Ledger;
  guesses: string[];
  errors: Inferred['errors'];
  targets: Map<string, SectionTarget>;
  vips: VipIn[];
  upstreams: Map<string, UpstreamOut>;
  preludes: Map<string, string[]>;
}

function use(c: Ctx, d: { line: number; text: string }, detail: string): void {
  c.ledger.mark(c.lb.host.name, FILE, d.line, d.text, 'statement', detail);
}

function fail(c: Ctx, d: { line: number; text: string }, message: string): void {
  c.errors.push({ host: c.lb.host.name, file: FILE, line: d.line, text: d.text, message });
  c.ledger.mark(c.lb.host.name, FILE, d.line, d.text, 'error', message);
}

/** Phase: global and defaults. */
function inferDefaults(c: Ctx, cfg: HaproxyCfg): Inferred['defaults'] {
  const out: Inferred['defaults'] = { timeouts: {} };
  const global = cfg.sections.find((s) => s.kind === 'global');
  if (global) c.targets.set(`${c.lb.host.name}\u0000global `, { rendered: 'global ', keyword: 'haproxy', pass: 'haproxy-global' });
  const defaults = cfg.sections.filter((s) => s.kind === 'defaults');
  // halab writes one defaults section: the first one's; what each other one says differently goes
  // into the proxies that use it (scopeDefaults)
  defaults.forEach((sec, i) => {
    c.targets.set(`${c.lb.host.name}\u0000defaults ${sec.name}`, {
      rendered: 'defaults ', block: { kind: 'defaults', name: '' }, keyword: 'haproxy', pass: 'haproxy-defaults',
    });
    if (i > 0) return;
    for (const d of sec.directives) {
      const [k, a, b] = d.words;
      if (k === 'retries' && a !== undefined) (out.retries = Number(a)), use(c, d, `retries ${a} (defaults block)`);
      else if (k === 'maxconn' && a !== undefined) (out.maxconn = Number(a)), use(c, d, `maxconn ${a} (defaults block)`);
      else if (k === 'option' && a === 'redispatch') (out.redispatch = true), use(c, d, 'redispatch on (defaults block)');
      else if (k === 'no' && a === 'option' && b === 'redispatch') (out.redispatch = false), use(c, d, 'redispatch off (defaults block)');
      else if (k === 'timeout' && (TIMEOUT_KINDS as readonly string[]).includes(a ?? '') && b !== undefined && durationMs(b) !== undefined) {
        out.timeouts[a!] = durationMs(b)!;
        use(c, d, `timeout ${a} (defaults block)`);
      }
    }
  });
  return out;
}

interface Bind {
  address: string;
  port: number;
  crts: string[];
}

function bindsOf(sec: CfgSection): { d: CfgLine; bind: Bind }[] {
  return sec.directives
    .filter((d) => d.words[0] === 'bind')
    .map((d) => {
      const { address, port } = splitAddr(d.words[1] ?? '');
      // halab writes a certificate directory without its trailing `/` (HAProxy loads it the same)
      const crts = d.words.flatMap((w, i) => (w === 'crt' && d.words[i + 1] ? [d.words[i + 1]!.replace(/(.)\/+$/, '$1')] : []));
      return { d, bind: { address, port: port ?? 80, crts } };
    });
}

/** A Host ACL: which names it matches (`*.x` for a suffix match), or undefined when it is not one. */
function hostAcl(words: string[]): { name: string; hosts: string[] } | undefined {
  const [, name, fetch, ...rest] = words;
  if (!name || !fetch) return undefined;
  const f = fetch.toLowerCase();
  let suffix = /^hdr_end\(host\)/.test(f);
  let dom = /^hdr_dom\(host\)/.test(f);
  if (!suffix && !dom && !/^(req\.)?hdr\(host\)(,field\(1,:\))?$/.test(f) && f !== 'hdr_dom(host)' && f !== 'hdr_end(host)') return undefined;
  const patterns: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w === '-i') continue;
    if (w === '-m') {
      const m = rest[++i];
      if (m === 'end') suffix = true;
      else if (m === 'dom') dom = true;
      else if (m !== 'str') return undefined;
      continue;
    }
    if (w.startsWith('-')) return undefined;
    patterns.push(w);
  }
  if (patterns.length === 0) return undefined;
  const hosts = patterns.flatMap((p) => {
    if (suffix) return p.startsWith('.') ? [`*${p}`] : [`*.${p}`, p];
    if (dom) return [p, `*.${p}`];
    return [p];
  });
  return { name, hosts };
}

function aclNames(cond: string[]): string[] | undefined {
  // `if A`, `if A || B`, `if A or B`
  if (cond[0] !== 'if') return undefined;
  const names = cond.slice(1).filter((w) => w !== '||' && w !== 'or');
  return names.every((n) => /^[A-Za-z0-9_.:-]+$/.test(n) && !n.startsWith('!')) && names.length > 0 ? names : undefined;
}

interface FrontendRead {
  sec: CfgSection;
  vip?: string;
  port: number;
  tls: boolean;
  crts: string[];
  routes: { backend: string; hosts: string[]; lines: CfgLine[] }[];
  defaultBackend?: string;
  /** Backends with a TLS redirect in this (plain) frontend: their listen port. */
  redirected: string[];
}

/** Phase: the frontends bound to a vip: which backend each Host goes to. */
function readFrontends(c: Ctx, cfg: HaproxyCfg): FrontendRead[] {
  const out: FrontendRead[] = [];
  for (const sec of cfg.sections.filter((s) => s.kind === 'frontend')) {
    const binds = bindsOf(sec);
    const onVip = binds.filter((b) => c.vips.some((v) => v.address === b.bind.address));
    const first = onVip[0]?.bind ?? binds[0]?.bind;
    if (!first) continue;
    let vip = onVip[0] ? first.address : undefined;
    if (!vip && c.vips[0] && (first.address === '' || first.address === '*' || first.address === '0.0.0.0')) {
      vip = c.vips[0].address;
      c.guesses.push(`haproxy.cfg line ${binds[0]!.d.line}: frontend ${sec.name} binds every address; halab binds it to the vip ${vip}`);
    }
    for (const b of onVip.length ? onVip : binds) use(c, b.d, `listen/vip/tls of the sites of frontend ${sec.name}`);
    const fe: FrontendRead = {
      sec, vip, port: first.port, tls: first.crts.length > 0, crts: first.crts, routes: [], redirected: [],
    };
    const acls = new Map<string, { hosts: string[]; lines: CfgLine[] }>();
    for (const d of sec.directives) {
      if (d.words[0] !== 'acl') continue;
      const h = hostAcl(d.words);
      if (!h) continue;
      const a = acls.get(h.name) ?? { hosts: [], lines: [] };
      a.hosts.push(...h.hosts);
      a.lines.push(d);
      acls.set(h.name, a);
    }
    for (const d of sec.directives) {
      const [k, target] = d.words;
      if (k === 'use_backend' && target) {
        const names = aclNames(d.words.slice(2));
        const hosts = names?.every((n) => acls.has(n)) ? names.flatMap((n) => acls.get(n)!.hosts) : undefined;
        if (!hosts) continue;
        fe.routes.push({ backend: target, hosts, lines: [d, ...names!.flatMap((n) => acls.get(n)!.lines)] });
        use(c, d, `servers of site ${target} (its hosts)`);
        for (const n of names!) for (const l of acls.get(n)!.lines) use(c, l, `host of site ${target}`);
      } else if (k === 'default_backend' && target) {
        if (target !== 'halab.no-site') fe.defaultBackend = target;
        use(c, d, target === 'halab.no-site' ? 'no default site' : `default (site ${target})`);
      } else if (k === 'http-request' && d.words[1] === 'redirect' && d.words.includes('scheme') && d.words.includes('https')) {
        const names = aclNames(d.words.slice(d.words.indexOf('if')));
        for (const n of names ?? []) for (const l of acls.get(n)?.lines ?? []) use(c, l, 'host of a TLS site (redirect)');
        if (names) fe.redirected.push(...names);
        if (names || d.words.includes('unless')) use(c, d, 'the http → https redirect of TLS sites');
        if (d.words.includes('unless')) for (const l of acls.get('plain_hosts')?.lines ?? []) use(c, l, 'the default TLS site');
      }
    }
    keepReferencedAcls(c, sec, acls);
    out.push(fe);
  }
  return out;
}

/**
 * A Host ACL other rules of the frontend use too (`http-request deny if h_admin !from_office`)
 * stays as written, as a pass-through line: halab's own ACL for the site has another name.
 */
function keepReferencedAcls(c: Ctx, sec: CfgSection, acls: Map<string, { lines: CfgLine[] }>): void {
  // the words of the rules the import did not take apart (a Host route's ACL names are halab's now)
  const used = new Set<string>();
  for (const d of sec.directives) {
    if (d.words[0] === 'acl' || c.ledger.has(c.lb.host.name, FILE, d.line)) continue;
    for (const w of d.words) used.add(w.startsWith('!') ? w.slice(1) : w);
  }
  for (const [name, a] of acls) if (used.has(name)) for (const l of a.lines) c.ledger.unmark(c.lb.host.name, FILE, l.line);
}

/** A server line's parameters halab says with statements, and how many values each takes. */
const SERVER_PARAMS: Record<string, number> = { check: 0, inter: 1, fastinter: 1, downinter: 1, fall: 1, rise: 1, weight: 1, backup: 0 };

interface ServerRead {
  name: string;
  address: string;
  port?: number;
  weight: number;
  backup: boolean;
  interMs?: number;
  fall?: number;
  rise?: number;
  /** Its other parameters, in order, as written (HAProxy words). */
  other: string[];
  line: CfgLine;
  /** The upstream it became. */
  upstream?: string;
}

function readServer(d: CfgLine): ServerRead | undefined {
  const [, name, addr, ...params] = d.words;
  if (!name || !addr) return undefined;
  const s: ServerRead = { name, ...splitAddr(addr), weight: 100, backup: false, other: [], line: d };
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const n = SERVER_PARAMS[p];
    if (n === undefined) {
      s.other.push(haproxyWord(p));
      continue;
    }
    const v = params[i + 1];
    if (p === 'inter') s.interMs = durationMs(v ?? '');
    else if (p === 'fall') s.fall = Number(v);
    else if (p === 'rise') s.rise = Number(v);
    else if (p === 'weight') s.weight = Number(v);
    else if (p === 'backup') s.backup = true;
    i += n;
  }
  return s;
}

/**
 * A server line of a site's backend or a service's listen: its upstream (an HTTP port only for a
 * site), and the owner's check timing from the first server that says it.
 */
function takeServer(c: Ctx, d: CfgLine, owner: SiteOut | ServiceOut, what: string, httpPort: boolean): ServerRead | undefined {
  const s = readServer(d);
  if (!s) return undefined;
  s.upstream = upstreamFor(c, s, httpPort);
  owner.servers.push(s.upstream);
  owner.checkIntervalMs ??= s.interMs;
  owner.checkFall ??= s.fall;
  owner.checkRise ??= s.rise;
  use(c, d, `servers of ${what}, upstream ${s.name}`);
  return s;
}

/**
 * The parameters halab does not write on server lines: the same on every server of a section,
 * they become one `default-server` line before the servers (HAProxy applies it to each); when
 * they differ (`cookie s1`, `cookie s2`), each upstream carries its own (its `haproxy "…"`
 * statement, appended to its server lines), unless another section gave that upstream others.
 */
function sharedServerParams(c: Ctx, servers: ServerRead[], owner: string): string[] {
  const others = servers.map((s) => s.other.join(' '));
  if (others.every((o) => o === '')) return [];
  if (servers.length > 1 && others.every((o) => o === others[0])) return [`default-server ${others[0]}`];
  for (const s of servers) {
    const u = s.upstream === undefined ? undefined : c.upstreams.get(s.upstream);
    if (!u) continue;
    const params = s.other.join(' ');
    if (u.params === undefined || u.params === params) u.params = params;
    else {
      fail(c, s.line, `server parameters \`${params}\` of ${owner} differ from \`${u.params}\` that another section gives ` +
        `server ${s.name} (halab appends one set to an upstream's server lines): make them the same`);
    }
  }
  return [];
}

/** An upstream per server name (the first address seen wins; another address gets a new name). */
function upstreamFor(c: Ctx, s: ServerRead, httpPort: boolean): string {
  let name = NAME_RE.test(s.name) ? s.name : s.name.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z]/, 'u');
  for (let k = 2; c.upstreams.has(name) && c.upstreams.get(name)!.address !== s.address; k++) name = `${s.name}-${k}`;
  if (name !== s.name) c.guesses.push(`server ${s.name} is upstream ${name} (a name halab accepts, or its address differs)`);
  const u = c.upstreams.get(name);
  if (!u) c.upstreams.set(name, { name, address: s.address, port: httpPort ? s.port : undefined, weight: s.weight, backup: s.backup, managed: false });
  else if (httpPort && u.port === undefined) u.port = s.port;
  return name;
}

function siteName(c: Ctx, backend: string): string {
  if (NAME_RE.test(backend)) return backend;
  const name = backend.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z]+/, '') || 'site';
  c.guesses.push(`backend ${backend} is site ${name} (a name halab accepts)`);
  return name;
}

/** Phase: a site per backend some frontend routes Hosts to (in the order of the backends). */
function inferSites(c: Ctx, cfg: HaproxyCfg, fes: FrontendRead[]): SiteOut[] {
  const sites: SiteOut[] = [];
  for (const sec of cfg.sections.filter((s) => s.kind === 'backend' && s.name !== 'halab.no-site')) {
    const plain = fes.filter((f) => !f.tls && f.routes.some((r) => r.backend === sec.name));
    const tlsFe = fes.find((f) => f.tls && f.routes.some((r) => r.backend === sec.name));
    const fe = plain[0] ?? tlsFe;
    if (!fe) continue;
    const name = siteName(c, sec.name);
    const hosts = [...new Set((plain[0] ?? tlsFe)!.routes.filter((r) => r.backend === sec.name).flatMap((r) => r.hosts))];
    const redirectFe = tlsFe ? fes.find((f) => !f.tls && f.vip === tlsFe.vip && f.redirected.some((n) => n === `host_${sec.name}` || n === `hostw_${sec.name}`)) : undefined;
    const site: SiteOut = {
      name,
      hosts: tlsFe ? [...new Set(tlsFe.routes.filter((r) => r.backend === sec.name).flatMap((r) => r.hosts))] : hosts,
      servers: [],
      listen: plain[0]?.port ?? redirectFe?.port ?? 80,
      vip: fe.vip ?? c.vips[0]?.address ?? '',
      tls: tlsFe ? tlsFe.crts[Math.min(fes.filter((f) => f === tlsFe).length - 1, tlsFe.crts.length - 1)] : undefined,
      check: 'tcp',
      isDefault: fes.some((f) => f.defaultBackend === sec.name),
      extra: [],
      frontendExtra: [],
    };
    readBackend(c, sec, site);
    if (site.servers.length === 0) {
      // no server line (a `server-template`, say): the backend is kept whole, its routes as written
      for (const d of [sec, ...sec.directives]) c.ledger.unmark(c.lb.host.name, FILE, d.line);
      for (const f of fes) for (const r of f.routes.filter((x) => x.backend === sec.name)) for (const l of r.lines) c.ledger.unmark(c.lb.host.name, FILE, l.line);
      for (const f of fes) f.routes = f.routes.filter((x) => x.backend !== sec.name);
      continue;
    }
    c.targets.set(`${c.lb.host.name}\u0000backend ${sec.name}`, {
      rendered: `backend ${name}`, block: { kind: 'site', name }, keyword: 'backend', pass: 'haproxy-backend',
    });
    sites.push(site);
  }
  assignCrts(fes, sites);
  for (const fe of fes) {
    const first = sites.find((s) => fe.routes.some((r) => siteName(c, r.backend) === s.name));
    const rendered = fe.tls ? `frontend fe_https_${fe.vip}_443` : `frontend fe_http_${fe.vip}_${fe.port}`;
    c.targets.set(`${c.lb.host.name}\u0000frontend ${fe.sec.name}`, {
      rendered, block: first ? { kind: 'site', name: first.name } : undefined, keyword: 'frontend', pass: 'haproxy-frontend',
    });
  }
  return sites;
}

/** A TLS frontend's certificates, in order, each to the first site that needs one not yet given. */
function assignCrts(fes: FrontendRead[], sites: SiteOut[]): void {
  for (const fe of fes.filter((f) => f.tls)) {
    const mine = sites.filter((s) => s.tls !== undefined && fe.routes.some((r) => r.backend === s.name));
    mine.forEach((s, i) => (s.tls = fe.crts[Math.min(i, fe.crts.length - 1)]));
  }
}

/**
 * Whether a section's check rules are the ones halab writes from statements: at most one `send`
 * (GET, a URI, a version, a Host header) and one `expect status N` for HTTP; at most one `send` and
 * one `expect string` for TCP. Any other sequence (a `connect` step, several sends, other headers)
 * stays whole as pass-through lines, with `check tcp` / no check-send, so its order is its own.
 */
function simpleChecks(sec: CfgSection, kind: 'http-check' | 'tcp-check'): boolean {
  const rules = sec.directives.filter((d) => d.words[0] === kind).map((d) => d.words.slice(1));
  const sends = rules.filter((r) => r[0] === 'send');
  const expects = rules.filter((r) => r[0] === 'expect');
  if (sends.length > 1 || expects.length > 1 || sends.length + expects.length !== rules.length) return false;
  if (kind === 'tcp-check') return sends.every((r) => r.length === 2) && expects.every((r) => r[1] === 'string' && r.length === 3);
  const sendOk = sends.every((r) => {
    const opts = new Map<string, string[]>();
    // `hdr NAME VALUE` takes two words, the others one
    for (let i = 1; i < r.length; i += r[i] === 'hdr' ? 3 : 2) opts.set(r[i]!, [...(opts.get(r[i]!) ?? []), r[i + 1] ?? '']);
    return [...opts.keys()].every((k) => k === 'meth' || k === 'uri' || k === 'ver' || k === 'hdr') &&
      (opts.get('meth') ?? ['GET'])[0] === 'GET' && (opts.get('hdr') ?? []).every((h) => /^host$/i.test(h));
  });
  return sendOk && expects.every((r) => r[1] === 'status' && /^\d+$/.test(r[2] ?? '') && r.length === 3);
}

function readBackend(c: Ctx, sec: CfgSection, site: SiteOut): void {
  const servers: ServerRead[] = [];
  const simple = simpleChecks(sec, 'http-check');
  for (const d of sec.directives) {
    const [k, a, ...rest] = d.words;
    if (k === 'balance' && a) (site.balance = a), use(c, d, `balance of site ${site.name}`);
    else if (k === 'option' && a === 'httpchk' && simple) {
      site.check = 'http';
      // old form: `option httpchk [METH] URI [VER]`
      const uri = rest.length === 1 ? rest[0] : rest[1];
      if (uri) site.checkPath = uri;
      use(c, d, `check http of site ${site.name}`);
    } else if (k === 'http-check' && a === 'send' && simple) {
      const i = rest.indexOf('uri');
      if (i >= 0) site.checkPath = rest[i + 1];
      use(c, d, `check-path of site ${site.name}`);
    } else if (k === 'http-check' && a === 'expect' && simple && rest[0] === 'status' && /^\d+$/.test(rest[1] ?? '')) {
      site.checkExpect = Number(rest[1]);
      use(c, d, `check-expect of site ${site.name}`);
    } else if (k === 'acl' && a === 'own_host') use(c, d, `default site ${site.name} (the Host rewrite)`);
    else if (k === 'http-request' && a === 'set-header' && rest[0] === 'Host' && rest.at(-1) === 'own_host') use(c, d, `default site ${site.name}`);
    else if (k === 'server') {
      const s = takeServer(c, d, site, `site ${site.name}`, true);
      if (s) servers.push(s);
    }
  }
  site.extra.push(...sharedServerParams(c, servers, `backend ${sec.name}`));
}

/** Phase: the stats page and the TCP services (listen sections). */
function inferListens(c: Ctx, cfg: HaproxyCfg): { stats?: Inferred['stats']; services: ServiceOut[] } {
  let stats: Inferred['stats'];
  const services: ServiceOut[] = [];
  for (const sec of cfg.sections.filter((s) => s.kind === 'listen')) {
    const isStats = sec.directives.some((d) => d.words[0] === 'stats' && d.words[1] === 'enable');
    const mode = sec.directives.find((d) => d.words[0] === 'mode')?.words[1] ?? defaultsMode(cfg, sec);
    if (isStats && !stats) {
      stats = readStats(c, sec);
      c.targets.set(`${c.lb.host.name}\u0000listen ${sec.name}`, {
        rendered: 'listen halab.stats', block: { kind: 'stats', name: '' }, keyword: 'haproxy', pass: 'haproxy-listen',
      });
    } else if (mode === 'tcp') {
      const sv = readService(c, sec);
      if (sv) {
        services.push(sv);
        c.targets.set(`${c.lb.host.name}\u0000listen ${sec.name}`, {
          rendered: `listen ${sv.name}`, block: { kind: 'service', name: sv.name }, keyword: 'haproxy', pass: 'haproxy-listen',
        });
      }
    }
  }
  return { stats, services };
}

/** The mode a proxy that does not say its own takes from its defaults section (and what that inherits). */
function defaultsMode(cfg: HaproxyCfg, sec: CfgSection): string | undefined {
  const d = defaultsOf(cfg, sec);
  return (d ? effectiveLines(cfg, d) : []).filter((x) => x.words[0] === 'mode').at(-1)?.words[1];
}

function readStats(c: Ctx, sec: CfgSection): Inferred['stats'] {
  const st = { listen: 8080, uri: '/', realm: 'HAProxy Statistics', user: 'admin', password: '', extra: [] as string[] };
  for (const d of sec.directives) {
    const [k, a, ...rest] = d.words;
    if (k === 'bind') (st.listen = splitAddr(a ?? '').port ?? 8080), use(c, d, 'listen of the stats block');
    else if (k === 'stats' && a === 'uri') (st.uri = rest[0] ?? '/'), use(c, d, 'uri of the stats block');
    else if (k === 'stats' && a === 'realm') (st.realm = rest.join(' ').replace(/\\(["\\])/g, '$1')), use(c, d, 'realm of the stats block');
    else if (k === 'stats' && a === 'auth' && rest[0]) {
      const i = rest[0].indexOf(':');
      st.user = rest[0].slice(0, i);
      st.password = rest[0].slice(i + 1);
      use(c, d, 'user and password of the stats block');
    } else if (k === 'stats' && a === 'enable') use(c, d, 'the stats block');
  }
  return st;
}

function readService(c: Ctx, sec: CfgSection): ServiceOut | undefined {
  const bind = bindsOf(sec)[0];
  if (!bind) return undefined;
  const name = siteName(c, sec.name);
  const sv: ServiceOut = {
    name, listen: bind.bind.port, vip: c.vips.find((v) => v.address === bind.bind.address)?.address ?? c.vips[0]?.address ?? '',
    servers: [], port: bind.bind.port, extra: [],
  };
  const servers: ServerRead[] = [];
  const simple = simpleChecks(sec, 'tcp-check');
  use(c, bind.d, `listen and vip of service ${name}`);
  for (const d of sec.directives) {
    const [k, a, ...rest] = d.words;
    if (k === 'balance' && a) (sv.balance = a), use(c, d, `balance of service ${name}`);
    else if (k === 'option' && a === 'tcp-check' && simple) use(c, d, `check of service ${name}`);
    else if (k === 'tcp-check' && a === 'send' && simple && rest.length === 1) {
      sv.send = rest[0]!.replace(/\r\n$/, '').split('\r\n').join('\n');
      use(c, d, `check-send of service ${name}`);
    } else if (k === 'tcp-check' && a === 'expect' && simple && rest[0] === 'string' && rest.length === 2) {
      sv.expect = rest[1];
      use(c, d, `check-expect of service ${name}`);
    } else if (k === 'server') {
      const s = takeServer(c, d, sv, `service ${name}`, false);
      if (s) servers.push(s);
      if (s?.port !== undefined) sv.port = s.port;
    }
  }
  sv.extra.push(...sharedServerParams(c, servers, `listen ${sec.name}`));
  return sv;
}

const norm = normalizeLine;

/** Each section's preceding defaults section, found in one pass (a file has thousands of sections). */
const precedingDefaults = new WeakMap<HaproxyCfg, Map<CfgSection, CfgSection | undefined>>();

/** The defaults section a proxy takes: its `from NAME`, else the last one before it (HAProxy 2.6). */
function defaultsOf(cfg: HaproxyCfg, sec: CfgSection): CfgSection | undefined {
  const words = haproxyWords(sec.text).words;
  const from = words.indexOf('from');
  if (from > 0 && words[from + 1]) return cfg.sections.find((d) => d.kind === 'defaults' && d.name === words[from + 1]);
  let before = precedingDefaults.get(cfg);
  if (!before) {
    before = new Map();
    let last: CfgSection | undefined;
    for (const s of cfg.sections) {
      before.set(s, last);
      if (s.kind === 'defaults') last = s;
    }
    precedingDefaults.set(cfg, before);
  }
  return before.get(sec);
}

/** A defaults section's lines with those it inherits (`defaults B from A`: A's, then B's). */
function effectiveLines(cfg: HaproxyCfg, d: CfgSection, seen = new Set<CfgSection>()): CfgLine[] {
  if (seen.has(d)) return d.directives;
  seen.add(d);
  const parent = d.kind === 'defaults' ? defaultsOf(cfg, d) : undefined;
  const own = haproxyWords(d.text).words.includes('from') && parent ? effectiveLines(cfg, parent, seen) : [];
  return [...own, ...d.directives];
}

/**
 * halab writes one defaults section, the input's first. Each proxy that takes another one gets
 * what that one (with what it inherits) says differently, in the proxy itself: a TCP service as
 * its `haproxy "…"` lines, a site's backend as `backend "…"`, a site's frontend as `frontend
 * "…"`, the stats page as its `haproxy "…"`, a section kept whole first in it. Only what that
 * kind of proxy takes (HAProxy's keywords matrix: `timeout server` is no frontend's, and meant
 * nothing there) and what halab does not write there itself.
 */
function scopeDefaults(c: Ctx, cfg: HaproxyCfg, out: { sites: SiteOut[]; services: ServiceOut[]; stats?: Inferred['stats'] }): void {
  const defaults = cfg.sections.filter((s) => s.kind === 'defaults');
  const base = defaults[0];
  if (!base) return;
  const baseLines = new Set(base.directives.map((d) => norm(d.text)));
  const users = new Map<CfgLine, string[]>();
  for (const p of cfg.sections.filter((s) => s.kind === 'frontend' || s.kind === 'backend' || s.kind === 'listen')) {
    const d = defaultsOf(cfg, p);
    keepMode(c, cfg, p);
    if (!d || d === base) continue;
    const kind = p.kind as 'frontend' | 'backend' | 'listen';
    const takes: readonly string[] = HAPROXY_DIRECTIVES[kind];
    // the proxy's own setting of a directive wins over its defaults' (HAProxy warns when both are there)
    const name = (x: CfgLine) => directiveOf(x.text, `haproxy-${kind}`)?.name ?? x.words[0]!;
    const own = new Set(p.directives.map(name));
    const lines = effectiveLines(cfg, d).filter((x) => !baseLines.has(norm(x.text)) && !own.has(name(x)) && takes.includes(name(x)));
    if (!route(c, p, lines.map((x) => x.text), out)) return;
    for (const x of lines) users.set(x, [...(users.get(x) ?? []), `${p.kind} ${p.name}`]);
  }
  for (const d of defaults.slice(1)) {
    for (const x of d.directives) {
      const into = users.get(x);
      if (baseLines.has(norm(x.text))) c.ledger.mark(c.lb.host.name, FILE, x.line, x.text, 'default', 'the same as in the first defaults section');
      else if (into) c.ledger.mark(c.lb.host.name, FILE, x.line, x.text, 'pass-through', `into each proxy that takes it: ${into.join(', ')}`);
      else c.ledger.mark(c.lb.host.name, FILE, x.line, x.text, 'inert', 'no proxy that takes this defaults section takes this line (or each says its own)');
    }
  }
}

/**
 * halab's defaults say `mode http`. A section kept whole that does not say its mode takes the one
 * its own defaults gave it (HAProxy's default without any: tcp), first.
 */
function keepMode(c: Ctx, cfg: HaproxyCfg, p: CfgSection): void {
  const key = `${c.lb.host.name}\u0000${p.kind} ${p.name}`;
  if (c.targets.get(key)?.block || p.directives.some((x) => x.words[0] === 'mode')) return;
  const mode = defaultsMode(cfg, p) ?? 'tcp';
  if (mode !== 'http') c.preludes.set(key, [`mode ${mode}`, ...(c.preludes.get(key) ?? [])]);
}

/** One proxy's defaults lines into the block that writes it; false (and an error) where none can. */
function route(c: Ctx, p: CfgSection, lines: string[], out: { sites: SiteOut[]; services: ServiceOut[]; stats?: Inferred['stats'] }): boolean {
  if (lines.length === 0) return true;
  const key = `${c.lb.host.name}\u0000${p.kind} ${p.name}`;
  const target = c.targets.get(key);
  const block = target?.block;
  // what halab writes there itself (the pass-through table's owned lines), and log format lines
  // halab's own would clash with, stay out
  const fits = (section: PassSection) => lines.filter((l) => parsePassLine(l, section).ok && !/^(option\s+(tcplog|httplog)|log-format)\b/.test(l));
  if (!block) c.preludes.set(key, [...(c.preludes.get(key) ?? []), ...lines.filter((l) => !/^mode\s/.test(l))]);
  else if (block.kind === 'service') out.services.find((s) => s.name === block.name)?.extra.push(...fits('haproxy-listen'));
  else if (block.kind === 'stats' && out.stats) out.stats.extra.push(...fits('haproxy-listen'));
  else if (block.kind === 'site' && target!.keyword === 'backend') out.sites.find((s) => s.name === block.name)?.extra.push(...fits('haproxy-backend'));
  else if (block.kind === 'site' && target!.keyword === 'frontend') {
    out.sites.find((s) => s.name === block.name)?.frontendExtra.push(...fits('haproxy-frontend'));
  } else {
    fail(c, p, `${p.kind} ${p.name} takes a defaults section that says other things than the first, and halab has no place for them`);
    return false;
  }
  return true;
}

export function inferHaproxy(
  lb: LbIn,
  vips: VipIn[],
  ledger: Ledger,
  guesses: string[],
  errors: Inferred['errors'],
  targets: Map<string, SectionTarget>,
  preludes: Map<string, string[]>,
): Pick<Inferred, 'sites' | 'services' | 'stats' | 'defaults' | 'upstreams' | 'name'> {
  const c: Ctx = { lb, ledger, guesses, errors, targets, vips, upstreams: new Map(), preludes };
  const cfg = lb.cfg!;
  const header = cfg.preamble.map((l) => /topology (.*)\)\.$/.exec(l)?.[1]).find(Boolean);
  const defaults = inferDefaults(c, cfg);
  const fes = readFrontends(c, cfg);
  const sites = inferSites(c, cfg, fes);
  const { stats, services } = inferListens(c, cfg);
  scopeDefaults(c, cfg, { sites, services, stats });
  return { name: header ?? '', sites, services, stats, defaults, upstreams: [...c.upstreams.values()] };
}

/**
 * The renderer: turns a resolved Topology into the files every host needs (haproxy.cfg,
 * keepalived.conf, sysctl, firewall on the lbs; nginx vhosts, test pages and firewall on managed
 * upstreams). The decisions live here; the templates (templates/*.njk, embedded by
 * templates/compile.mjs) only lay lines out, and every free-form value goes through an escaping
 * filter from escape.ts. See docs/rendering.md.
 */
import nunjucks from 'nunjucks';
import type { Lb, Site, Topology, Upstream, Vip } from '../../../shared/model/types.js';
import { lbInterface, osFamily, tcpPayload } from '../../../shared/model/types.js';
import { topologySecrets, type SecretResolver } from '../secrets.js';
import {
  RenderError,
  absolutePath,
  commentText,
  haproxyWord,
  htmlText,
  httpRealm,
  keepalivedString,
  nginxString,
  truncateAuthPass,
} from './escape.js';
import { isInterfaceName } from '../schema/value-types.js';
import { HAPROXY_MAX_WORDS, assertLinesBounded } from './limits.js';
import { PATHS, WATCHER, backendName, haproxyAdminSocket, hostFirewall, instanceName } from './names.js';
import { TEMPLATES } from './templates.gen.js';
import type { RenderedFile, RenderResult } from './types.js';

export { RenderError } from './escape.js';
export type { SecretResolver } from '../secrets.js';

export interface RenderOptions {
  /** The .halab file's path or URI; its base name goes into file headers when it is plain and short. */
  source?: string;
  secrets: SecretResolver;
  /** Editor previews: show placeholder secrets whole (no 8-byte auth_pass cut). */
  preview?: boolean;
}

let env: nunjucks.Environment | undefined;

function environment(): nunjucks.Environment {
  if (env) return env;
  // A loader over the embedded sources: no file system access, so it works in every bundle.
  const loader = {
    getSource(name: string) {
      const src = TEMPLATES[name];
      if (src === undefined) throw new Error(`halab: no template ${name}`);
      return { src, path: name, noCache: false };
    },
  };
  env = new nunjucks.Environment(loader as unknown as nunjucks.ILoader, {
    autoescape: false,
    trimBlocks: true,
    lstripBlocks: true,
    throwOnUndefined: true,
  });
  env.addFilter('hw', (v: unknown) => haproxyWord(String(v)));
  env.addFilter('kq', (v: unknown) => keepalivedString(String(v)));
  env.addFilter('nq', (v: unknown) => nginxString(String(v)));
  env.addFilter('html', (v: unknown) => htmlText(String(v)));
  return env;
}

function run(template: string, ctx: object): string {
  try {
    return environment().render(template, ctx);
  } catch (e) {
    // nunjucks wraps filter errors in a "Template render error"; surface ours unchanged.
    const cause = e as Error & { cause?: unknown };
    const m = /RenderError: ([\s\S]*)$/.exec(cause.message ?? '');
    if (m) throw new RenderError(m[1]!.trim());
    throw e;
  }
}

/**
 * "/a/b/lab.halab" or "file:///a/b/lab.halab" → "lab.halab", for the header comment; undefined
 * unless the name is short and plain. A file name is chosen by whoever hands over the file, not
 * checked by `halab check`: a long one full of control characters (each shown as 6 bytes) once
 * pushed a directive past keepalived's line bound. So only a name that cannot mean anything to any
 * format is written, and nothing otherwise.
 */
export function sourceName(source: string | undefined): string | undefined {
  if (!source) return undefined;
  const clean = source.replace(/[?#].*$/, '');
  const base = decodeURIComponentSafe(clean.split(/[\\/]/).filter(Boolean).pop() ?? clean);
  return /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(base) ? base : undefined;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** HAProxy/keepalived duration: the largest unit that is exact. */
export function haproxyDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(3)));
}

function addrPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function exactHosts(site: Site): string[] {
  return site.hosts.filter((h) => !h.startsWith('*.'));
}

/** `*.example.com` → `.example.com` (HAProxy `-m end`, matching nginx's wildcard semantics). */
function suffixHosts(site: Site): string[] {
  return site.hosts.filter((h) => h.startsWith('*.')).map((h) => h.slice(1));
}

/** A concrete name the site answers to: for health checks and the default-site rewrite. */
export function canonicalHost(site: Site): string {
  const exact = exactHosts(site)[0];
  if (exact) return exact;
  const wild = site.hosts[0];
  return wild ? `www${wild.slice(1)}` : site.name;
}

interface Acl {
  name: string;
  suffix: boolean;
  patterns: string[];
}

/**
 * `acl NAME req.hdr(host),field(1,:) -i [-m end] PATTERN…`: six words before the patterns, and
 * HAProxy reads at most 64 words per line. Lines declaring the same ACL name are ORed, so a long
 * list is written as several lines of one ACL.
 */
const ACL_PATTERNS_PER_LINE = HAPROXY_MAX_WORDS - 6;

function aclLines(acls: Acl[]): Acl[] {
  const out: Acl[] = [];
  for (const a of acls) {
    for (let i = 0; i < a.patterns.length; i += ACL_PATTERNS_PER_LINE) {
      out.push({ ...a, patterns: a.patterns.slice(i, i + ACL_PATTERNS_PER_LINE) });
    }
  }
  return out;
}

/** nginx `server_name` names per line: 8 × (253 + 1) bytes stay far below its 4095-byte token buffer. */
const SERVER_NAMES_PER_LINE = 8;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Appends without spreading into arguments: `push(...big)` overflows the stack on big lists. */
function pushAll<T>(target: T[], items: Iterable<T>): void {
  for (const x of items) target.push(x);
}

function longest(strings: readonly string[]): number {
  let n = 0;
  for (const s of strings) n = Math.max(n, s.length);
  return n;
}

function siteAcls(site: Site): Acl[] {
  const acls: Acl[] = [];
  const ex = exactHosts(site);
  const sx = suffixHosts(site);
  if (ex.length) acls.push({ name: `host_${site.name}`, suffix: false, patterns: ex });
  if (sx.length) acls.push({ name: `hostw_${site.name}`, suffix: true, patterns: sx });
  return acls;
}

/** Not `host_…`/`hostw_…`, so no site's ACL can be named like it. */
const PLAIN_HOSTS_ACL = 'plain_hosts';

function cond(acls: Acl[]): string {
  return acls.map((a) => a.name).join(' || ');
}

/**
 * use_backend rules: exact names first, then wildcards with the longest suffix first, so a
 * request for api.example.com reaches the `api.example.com` site even when another site
 * has `*.example.com` — the order nginx uses for server_name.
 */
function routes(sites: Site[]): { backend: string; acl: string }[] {
  const exact = sites.flatMap((s) => siteAcls(s).filter((a) => !a.suffix).map((a) => ({ s, a, len: 0 })));
  const wild = sites.flatMap((s) =>
    siteAcls(s)
      .filter((a) => a.suffix)
      .map((a) => ({ s, a, len: longest(a.patterns) })),
  );
  wild.sort((x, y) => y.len - x.len);
  return [...exact, ...wild].map(({ s, a }) => ({ backend: backendName(s), acl: a.name }));
}

/** "halab from lab.halab (topology t)": the words after "Generated by" in every header. */
function origin(model: Topology, source: string | undefined): string {
  const name = sourceName(source ?? model.source);
  return `halab${name ? ` from ${name}` : ''} (topology ${commentText(model.name)})`;
}

function hashHeader(model: Topology, source: string | undefined): string {
  return `# Generated by ${origin(model, source)}.\n# Do not edit: \`halab render\` / \`halab deploy\` overwrite this file.`;
}

function htmlHeader(model: Topology, source: string | undefined): string {
  return `<!-- Generated by ${origin(model, source).replace(/--/g, '- -').replace(/>/g, '&gt;')}. Do not edit. -->`;
}

function haproxyCfg(model: Topology, lb: Lb, header: string, statsPassword: string | undefined): string {
  const { defaults: d } = model;
  const timeouts = (Object.keys(d.timeouts) as (keyof typeof d.timeouts)[]).map((name) => ({
    label: name.padEnd(16),
    value: haproxyDuration(d.timeouts[name]),
  }));
  const frontends = [...httpFrontends(model), ...httpsFrontends(model)];
  const backends = haproxyBackends(model);
  const services = tcpListens(model);
  const stats = statsListen(model, lb, statsPassword);

  return run('haproxy.cfg.njk', {
    header,
    g: {
      log: osFamily(lb.os) === 'debian' ? '/dev/log local0' : '127.0.0.1 local2',
      maxconn: Math.max(4000, d.maxconn),
      socket: haproxyAdminSocket(lb.os),
      pass: model.haproxy,
    },
    // a `log-format` or `option tcplog` pass-through line replaces httplog (HAProxy warns when both are there)
    d: { ...d, timeouts, logFormat: d.haproxy.some((l) => /^(log-format|option\s+tcplog)(\s|$)/.test(l)) },
    frontends,
    backends,
    noSite: frontends.some((f) => f.defaultBackend === 'halab.no-site'),
    services,
    sections: model.haproxySections,
    stats,
  });
}

interface Frontend {
  name: string;
  binds: string[];
  acls: Acl[];
  redirects: string[];
  routes: { backend: string; acl: string }[];
  defaultBackend: string;
  /** The pass-through `frontend` lines of the sites it serves, per site. */
  pass: SitePass[];
}

interface SitePass {
  site: string;
  lines: string[];
}

function sitePass(sites: Site[]): SitePass[] {
  return sites.filter((s) => s.frontend.length > 0).map((s) => ({ site: s.name, lines: s.frontend }));
}

/** One frontend per vip:port the plain sites listen on (TLS sites there only redirect to 443). */
function httpFrontends(model: Topology): Frontend[] {
  const defaultSite = model.sites.find((s) => s.isDefault);
  const frontends: Frontend[] = [];
  const groups = new Map<string, Site[]>();
  for (const s of model.sites) {
    const key = `${s.vip}\u0000${s.listen}`;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  for (const sites of groups.values()) {
    const { vip, listen } = sites[0]!;
    const plain = sites.filter((s) => !s.tls);
    const tls = sites.filter((s) => s.tls);
    const acls = sites.flatMap(siteAcls);
    const redirects = tls.map((s) => `if ${cond(siteAcls(s))}`);
    const hasDefault = defaultSite !== undefined && defaultSite.vip === vip && defaultSite.listen === listen;
    if (hasDefault && defaultSite.tls) {
      // Unknown hosts belong to the default site, which lives on https. One ACL holds every plain
      // site's names: `unless host_a || host_b || …` would outgrow HAProxy's 64 words per line.
      const known = plain.flatMap(siteAcls).map((a) => ({ ...a, name: PLAIN_HOSTS_ACL }));
      pushAll(acls, known);
      redirects.push(known.length ? `unless ${PLAIN_HOSTS_ACL}` : '');
    }
    frontends.push({
      name: `fe_http_${vip}_${listen}`,
      binds: [addrPort(vip, listen)],
      acls: aclLines(acls),
      redirects: redirects.map((r) => r.trim()),
      routes: routes(plain),
      defaultBackend: hasDefault && !defaultSite.tls ? backendName(defaultSite) : 'halab.no-site',
      // a TLS site's rules belong to the https frontend; here it only redirects
      pass: sitePass(plain),
    });
  }
  return frontends;
}

/** One https frontend per vip with TLS sites; HAProxy picks the certificate by SNI. */
function httpsFrontends(model: Topology): Frontend[] {
  const defaultSite = model.sites.find((s) => s.isDefault);
  const tlsVips = [...new Set(model.sites.filter((s) => s.tls).map((s) => s.vip))];
  return tlsVips.map((vip) => {
    const sites = model.sites.filter((s) => s.tls && s.vip === vip);
    const crts = [...new Set(sites.map((s) => absolutePath(s.tls!, `tls path of site ${s.name}`)))];
    const hasDefault = defaultSite?.tls !== undefined && defaultSite.vip === vip;
    return {
      name: `fe_https_${vip}_443`,
      binds: [`${addrPort(vip, 443)} ssl ${crts.map((c) => `crt ${haproxyWord(c)}`).join(' ')}`],
      acls: aclLines(sites.flatMap(siteAcls)),
      redirects: [],
      routes: routes(sites),
      defaultBackend: hasDefault ? backendName(defaultSite!) : 'halab.no-site',
      pass: sitePass(sites),
    };
  });
}

/** A backend per site, with a server line per upstream it lists. */
function haproxyBackends(model: Topology) {
  const upstreams = new Map(model.upstreams.map((u) => [u.name, u]));
  return model.sites.map((s) => ({
    name: backendName(s),
    balance: s.balance,
    rewriteHost: s.isDefault ? canonicalHost(s) : undefined,
    ownHost: aclLines([
      { name: 'own_host', suffix: false, patterns: exactHosts(s) },
      { name: 'own_host', suffix: true, patterns: suffixHosts(s) },
    ]),
    check: s.check,
    checkPath: s.checkPath,
    checkHost: canonicalHost(s),
    checkExpect: s.checkExpect,
    pass: s.backend,
    servers: serverLines(`site ${s.name}`, s, upstreams, (u) => u.port),
  }));
}

/**
 * The `server` lines of a site's backend or a service's listen: each upstream with the owner's
 * check timing, on the port `portOf` gives (the upstream's for a site, the service's for a service).
 */
function serverLines(
  owner: string,
  s: Pick<Site, 'servers' | 'checkIntervalMs' | 'checkFall' | 'checkRise'>,
  upstreams: Map<string, Upstream>,
  portOf: (u: Upstream) => number,
) {
  return s.servers.map((name) => {
    const u = upstreams.get(name);
    if (!u) throw new RenderError(`${owner} refers to unknown upstream ${name}`);
    return {
      name: u.name,
      addr: addrPort(u.address, portOf(u)),
      inter: haproxyDuration(s.checkIntervalMs),
      // Checks in transition and on DOWN servers run faster (at most every 500 ms): a server
      // that comes back is UP in about rise × 0.5 s, so a primary that takes the VIP back after
      // a link-down does not serve 503s while its servers are still marked DOWN.
      fastinter: haproxyDuration(Math.min(s.checkIntervalMs, 500)),
      fall: s.checkFall,
      rise: s.checkRise,
      weight: u.weight,
      backup: u.backup,
      pass: u.haproxy,
    };
  });
}

/**
 * A `listen` section per TCP service. The check sends each line of `check-send` ended by CRLF and
 * looks for `check-expect` in the answer; every byte HAProxy could read specially is escaped
 * (`haproxyWord`: `\xHH`), so the payload stays one word of its line.
 */
function tcpListens(model: Topology) {
  const upstreams = new Map(model.upstreams.map((u) => [u.name, u]));
  return model.services.map((s) => ({
    name: s.name,
    bind: addrPort(s.vip, s.listen),
    balance: s.balance,
    send: s.checkSend === undefined ? undefined : haproxyWord(tcpPayload(s.checkSend)),
    expect: s.checkExpect === undefined ? undefined : haproxyWord(s.checkExpect),
    pass: s.haproxy,
    servers: serverLines(`service ${s.name}`, s, upstreams, () => s.port),
  }));
}

/** The stats page's `listen` section, on the first vip and the lb's own address. */
function statsListen(model: Topology, lb: Lb, statsPassword: string | undefined): object | undefined {
  if (!model.stats) return undefined;
  const st = model.stats;
  if (st.user.includes(':')) {
    throw new RenderError(`stats user ${JSON.stringify(st.user)} must not contain ":" (HAProxy splits user:password there)`);
  }
  if (statsPassword === undefined) throw new RenderError('stats needs a password (`password env:NAME`)');
  const vip = model.vips[0];
  return {
    binds: [...new Set([...(vip ? [addrPort(vip.address, st.listen)] : []), addrPort(lb.address, st.listen)])],
    uri: st.uri,
    realm: httpRealm(st.realm),
    user: st.user,
    password: statsPassword,
    pass: st.haproxy,
  };
}

/**
 * keepalived splits a `script` into argv itself (spaces separate, quotes group, `\` escapes);
 * with an unbalanced quote it drops the vrrp_script and the instance runs *untracked*
 * ("No script set … removing"), so refuse that here rather than render a silent non-failover.
 */
export function checkTrackCommand(cmd: string): void {
  let quote: string | undefined;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (c === '\\' && quote !== "'") i++;
    else if (quote === undefined && (c === '"' || c === "'")) quote = c;
    else if (c === quote) quote = undefined;
  }
  if (quote !== undefined) {
    throw new RenderError(
      `track-command ${JSON.stringify(cmd)} has an unbalanced ${quote}: keepalived would drop the check and never fail over`);
  }
}

function keepalivedConf(model: Topology, lb: Lb, header: string, authFor: (v: Vip) => string | undefined, preview: boolean): string {
  const instances = model.vips.map((vip) => {
    const holdsBack = !vip.preempt || vip.preemptDelayMs !== undefined;
    // keepalived's vrrp_strict (a pass-through line) refuses `state MASTER` below priority 255
    const strict = model.keepalived.some((l) => /^vrrp_strict(\s|$)/.test(l)) && lb.priority !== 255;
    const state = lb.role === 'primary' && !holdsBack && !strict ? 'MASTER' : 'BACKUP';
    const auth = vip.vrrpVersion === 2 ? authFor(vip) : undefined;
    return {
      name: instanceName(vip),
      state,
      stateNote:
        lb.role === 'primary' && holdsBack
          ? 'BACKUP although primary: nopreempt/preempt_delay only work when no node starts as MASTER.'
          : lb.role === 'primary' && strict
            ? 'BACKUP although primary: vrrp_strict allows MASTER only at priority 255; the highest priority wins the election.'
            : undefined,
      interface: lbInterface(lb, vip),
      routerId: vip.routerId,
      priority: lb.priority,
      version: vip.vrrpVersion,
      // VRRPv2 adverts are whole seconds; v3 has centisecond resolution.
      advert: vip.vrrpVersion === 3 ? seconds(vip.advertMs) : String(Math.max(1, Math.round(vip.advertMs / 1000))),
      nopreempt: !vip.preempt,
      preemptDelay: vip.preempt && vip.preemptDelayMs !== undefined ? seconds(vip.preemptDelayMs) : undefined,
      unicast: vip.unicast
        ? { src: lb.address, peers: model.lbs.filter((o) => o !== lb).map((o) => o.address) }
        : undefined,
      authPass: auth === undefined ? undefined : preview ? auth : truncateAuthPass(auth),
      vip: `${vip.address}/${vip.prefix}`,
      script:
        vip.track === 'script'
          ? {
              name: `check_haproxy_${vip.routerId}`,
              command: (checkTrackCommand(vip.trackCommand), vip.trackCommand),
              // keepalived takes whole seconds here.
              interval: Math.max(1, Math.ceil(vip.trackIntervalMs / 1000)),
              weight: vip.trackWeight,
              fall: 1,
              rise: 2,
            }
          : undefined,
      process: vip.track === 'process' ? { name: `track_haproxy_${vip.routerId}` } : undefined,
      watcher: vip.track === 'watcher',
      upstreamsWeight: upstreamsWeight(model),
      pass: vip.keepalived,
    };
  });
  return run('keepalived.conf.njk', {
    header,
    routerId: lb.name,
    scriptUser: model.vips.some((v) => v.track === 'script'),
    realtime: model.vips.some((v) => v.advertMs < 1000),
    pass: model.keepalived,
    syncGroupTracking: SYNC_GROUP_TRACKING,
    watcher: { haproxy: model.vips.some((v) => v.track === 'watcher'), ...WATCHER },
    instances,
    // every instance tracks halab_upstreams_down with a weight: a sync group must count it
    sections: model.keepalivedSections.map((x) => ({
      ...x,
      trackingWeight: x.kind === 'vrrp_sync_group' && !x.lines.some((l) => l.split(/\s+/)[0] === SYNC_GROUP_TRACKING),
    })),
  });
}

/** The sync-group option halab adds to every `keepalived-section vrrp_sync_group` (the import reads it back as its own). */
export const SYNC_GROUP_TRACKING = 'sync_group_tracking_weight';

/**
 * How far an lb whose HAProxy sees a backend with no server UP lowers its priority: one below
 * the lowest lb's, so any peer that can serve wins the VIP, and among lbs that all cannot, the
 * order stays (the primary keeps it rather than nobody).
 */
export function upstreamsWeight(model: Topology): number {
  const prios = model.lbs.map((l) => l.priority);
  if (prios.length === 0) return -1;
  return -Math.min(253, Math.max(...prios) - Math.min(...prios) + 1);
}

/**
 * The VIP interfaces halab-watch reads the link state of. The init script holds them unquoted, so
 * only what Linux allows in an interface name (IFNAMSIZ 16, no space or slash) and nothing a
 * shell reads specially passes.
 */
function watchedInterfaces(model: Topology, lb: Lb): string {
  const names = [...new Set(model.vips.map((v) => lbInterface(lb, v)))];
  for (const n of names) {
    if (!isInterfaceName(n)) {
      throw new RenderError(
        `interface ${JSON.stringify(n)} of lb ${lb.name} is not a Linux interface name ` +
          '(1–15 of A–Z a–z 0–9 _ . -)',
      );
    }
  }
  return names.join(',');
}

/** Two check intervals of the slowest site: every server is checked afresh after a link returns. */
function settleSeconds(model: Topology): number {
  return Math.ceil((2 * Math.max(2000, ...model.sites.map((s) => s.checkIntervalMs))) / 1000);
}

/** halab-watch and its init script, on every lb (see templates/halab-watch.pl.njk). */
function watcherFiles(model: Topology, lb: Lb, header: string): RenderedFile[] {
  const base = { host: lb.name, mode: 0o755, owner: 'root', group: 'root', reload: ['halab-watch' as const], secret: false };
  return [
    { ...base, path: PATHS.watcher, content: run('halab-watch.pl.njk', { header }), validate: 'perl -c {}' },
    {
      ...base,
      path: PATHS.watcherInit,
      content: run('halab-watch.init.njk', {
        header,
        socket: haproxyAdminSocket(lb.os),
        dir: WATCHER.dir,
        pollMs: WATCHER.pollMs,
        ifaces: watchedInterfaces(model, lb),
        settleS: settleSeconds(model),
        handoff: PATHS.handoff,
        loVips: model.vips.filter((v) => v.handoff).map((v) => `${v.address}/${v.family === 4 ? 32 : 128}`).join(' '),
      }),
      validate: 'sh -n {}',
    },
  ];
}

/**
 * The flow handoff's ruleset (templates/handoff.nft.njk): per vip, the packets of connections this
 * lb does not know are copied to the peers that could (the other lbs, by the vip's address
 * family, on this lb's interface for the vip). Applied by the deploy like a firewall ruleset (with
 * its runtime snapshot and rollback), and again by halab-watch's init script at boot.
 */
function handoffFiles(model: Topology, lb: Lb, header: string): RenderedFile[] {
  const tables = ([4, 6] as const).flatMap((family) => {
    const rules = model.vips
      .filter((v) => v.handoff && v.family === family)
      .map((v) => ({
        vip: v.address,
        device: lbInterface(lb, v),
        peers: model.lbs.filter((o) => o !== lb && o.address.includes(':') === (family === 6)).map((o) => o.address),
      }))
      .filter((r) => r.peers.length > 0)
      // With one peer, a copy it does not know gets its reset (as before the handoff); with
      // several, the ones that do not know it must stay quiet for the one that does.
      .map((r) => ({ ...r, dropUnknown: model.lbs.length > 2 }));
    if (rules.length === 0) return [];
    return [{ family: family === 4 ? 'ip' : 'ip6', ttl: family === 4 ? 'ip ttl' : 'ip6 hoplimit', rules }];
  });
  if (tables.length === 0) return [];
  return [
    {
      host: lb.name,
      path: PATHS.handoff,
      content: run('handoff.nft.njk', { header, tables }),
      mode: 0o644,
      owner: 'root',
      group: 'root',
      reload: [],
      apply: 'nft',
      validate: 'nft -c -f {}',
      optOut: 'turn the flow handoff off in the file (`handoff off` in each vip block)',
      secret: false,
    },
  ];
}

function firewallFiles(
  model: Topology,
  host: Lb | Upstream,
  header: string,
  tcpPorts: number[],
  vrrp: boolean,
): RenderedFile[] {
  const kind = hostFirewall(model, host);
  if (kind === 'none') return [];
  const ports = [...new Set(tcpPorts)].sort((a, b) => a - b);
  const base = { host: host.name, owner: 'root', group: 'root', reload: [], secret: false };
  if (kind === 'firewalld') {
    return [
      {
        ...base,
        path: PATHS.firewalld,
        apply: 'firewalld' as const,
        content: run('firewalld.sh.njk', { header, tcpPorts: ports, vrrp }),
        mode: 0o700,
        validate: 'sh -n {}',
        optOut: 'choose the firewall kind the host has in the file (`firewall nftables` or `firewall none`)',
      },
    ];
  }
  const sshPorts = [...new Set([22, host.ssh.port])].sort((a, b) => a - b);
  return [
    {
      ...base,
      path: PATHS.nftables,
      apply: 'nft' as const,
      content: run('nftables.nft.njk', { header, tcpPorts: ports, sshPorts, vrrp }),
      mode: 0o700,
      validate: 'nft -c -f {}',
      optOut: 'choose the firewall kind the host has in the file (`firewall firewalld` or `firewall none`)',
    },
    {
      ...base,
      path: PATHS.firewallUnit,
      apply: 'unit' as const,
      content: run('halab-firewall.service.njk', { header, rules: PATHS.nftables }),
      mode: 0o644,
      optOut: 'choose the firewall kind the host has in the file (`firewall firewalld` or `firewall none`)',
    },
  ];
}

/**
 * Renders every file of the topology. Secrets are resolved through `opts.secrets` (which may
 * throw, e.g. an unset env variable); values no target format can hold throw a RenderError.
 * Expects a model without errors (analyze() → hasErrors() false).
 */
export function render(model: Topology, opts: RenderOptions): RenderResult {
  const header = hashHeader(model, opts.source);
  const files: RenderedFile[] = [];
  const secrets = resolveSecrets(model, opts);
  for (const lb of model.lbs) pushAll(files, lbFiles(model, lb, header, secrets, opts.preview === true));
  const html = htmlHeader(model, opts.source);
  const sitesOf = sitesByUpstream(model);
  for (const u of model.upstreams) pushAll(files, upstreamFiles(model, u, header, html, sitesOf.get(u.name) ?? []));
  for (const f of files) assertLinesBounded(f);
  return { files };
}

interface Secrets {
  statsPassword: string | undefined;
  /** The VRRP password of each vip that has one. */
  auths: Map<Vip, string>;
}

/** Every secret the files need, resolved once (a resolver may prompt or throw). */
function resolveSecrets(model: Topology, opts: RenderOptions): Secrets {
  let statsPassword: string | undefined;
  const auths = new Map<Vip, string>();
  for (const secret of topologySecrets(model)) {
    const value = opts.secrets(secret.ref, secret.what);
    // A VRRP password belongs to its vip; the one secret without a vip is the stats password.
    if (secret.vip) auths.set(secret.vip, value);
    else statsPassword = value;
  }
  return { statsPassword, auths };
}

/** An lb's files: haproxy.cfg, the watcher, keepalived.conf, sysctl and its firewall rules. */
function lbFiles(model: Topology, lb: Lb, header: string, { statsPassword, auths }: Secrets, preview: boolean): RenderedFile[] {
  const files: RenderedFile[] = [];
  const statsSecret = statsPassword !== undefined;
  files.push({
    host: lb.name,
    path: PATHS.haproxy,
    content: haproxyCfg(model, lb, header, statsPassword),
    // haproxy reads its config as root before dropping to the haproxy user.
    mode: statsSecret ? 0o640 : 0o644,
    owner: 'root',
    group: statsSecret ? 'haproxy' : 'root',
    reload: ['haproxy'],
    validate: 'haproxy -c -q -f {}',
    secret: statsSecret,
  });
  pushAll(files, watcherFiles(model, lb, header));
  const kaSecret = auths.size > 0;
  files.push({
    host: lb.name,
    path: PATHS.keepalived,
    content: keepalivedConf(model, lb, header, (v) => auths.get(v), preview),
    mode: kaSecret ? 0o600 : 0o644,
    owner: 'root',
    group: 'root',
    reload: ['keepalived'],
    validate: 'keepalived -t -f {}',
    secret: kaSecret,
  });
  files.push({
    host: lb.name,
    path: PATHS.sysctl,
    content: run('sysctl.conf.njk', {
      header,
      ipv6: model.vips.some((v) => v.family === 6),
      arpInterfaces: [...new Set(model.vips.filter((v) => v.handoff && v.family === 4).map((v) => lbInterface(lb, v)))],
    }),
    mode: 0o644,
    owner: 'root',
    group: 'root',
    reload: [],
    apply: 'sysctl',
    secret: false,
  });
  const lbPorts = [...model.sites.flatMap((s) => (s.tls ? [s.listen, 443] : [s.listen])), ...model.services.map((s) => s.listen)];
  if (model.stats) lbPorts.push(model.stats.listen);
  pushAll(files, firewallFiles(model, lb, header, lbPorts, true));
  pushAll(files, handoffFiles(model, lb, header));
  return files;
}

/** A managed upstream's vhost and test page per site it serves, and its firewall rules (none when unmanaged). */
function upstreamFiles(model: Topology, u: Upstream, header: string, html: string, sites: Site[]): RenderedFile[] {
  if (!u.managed) return [];
  const files: RenderedFile[] = [];
  for (const s of sites) {
    const root = absolutePath(s.root, `root of site ${s.name}`);
    files.push({
      host: u.name,
      path: PATHS.nginxSite(s.name),
      content: run('nginx-site.conf.njk', { header, port: u.port, hostLines: chunks(s.hosts, SERVER_NAMES_PER_LINE), root }),
      mode: 0o644,
      owner: 'root',
      group: 'root',
      reload: ['nginx'],
      // No `{}`: a vhost is only valid inside nginx.conf, so deploy runs this after the swap.
      validate: 'nginx -t -q',
      secret: false,
    });
    files.push({
      host: u.name,
      path: `${root === '/' ? '' : root}/index.html`,
      content: run('index.html.njk', { header: html, page: s.page }),
      mode: 0o644,
      owner: 'root',
      group: 'root',
      reload: [],
      secret: false,
    });
  }
  // a service's port on its servers is open too (the upstream's own `port` is its HTTP port)
  const servicePorts = model.services.filter((s) => s.servers.includes(u.name)).map((s) => s.port);
  pushAll(files, firewallFiles(model, u, header, [u.port, ...servicePorts], false));
  return files;
}

/** The sites each upstream serves, in file order (one pass; a filter per upstream was quadratic). */
function sitesByUpstream(model: Topology): Map<string, Site[]> {
  const out = new Map<string, Site[]>();
  for (const s of model.sites) {
    for (const name of new Set(s.servers)) {
      const list = out.get(name);
      if (list) list.push(s);
      else out.set(name, [s]);
    }
  }
  return out;
}

/**
 * The topology generator of the render property test (test/unit/render/property.test.ts), shared
 * with the import round trip (test/unit/import/round-trip.test.ts): fast-check specs with 1–4
 * vips, 2–4 lbs, 1–20 upstreams, 1–20 sites, TLS, unicast, VRRPv3, script and process tracking,
 * backup servers, every firewall kind and hostile-looking free text, and their .halab text.
 */
import fc from 'fast-check';
import { quoteString as q } from '../../server/src/syntax/quote.js';

const OSES = ['almalinux', 'rhel', 'rocky', 'debian', 'ubuntu'] as const;
const IFACES = ['eth0', 'eth1', 'ens3', 'enp0s8', 'bond0.100', 'br-lan'] as const;

/** Printable text with the characters that end lines/directives in some config format. */
const hostileText = fc
  .array(
    fc.oneof(
      fc.constantFrom(' ', ';', '{', '}', '"', "'", '#', '!', '\\', '$', '${X}', '%', '\t', '<b>', '&', 'é', '—'),
      fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme-ascii' }),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((parts) => parts.join('').replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ''))
  .filter((s) => s.trim().length > 0);

const vipArb = fc
  .record({
    iface: fc.constantFrom(...IFACES),
    version: fc.constantFrom(2, 3),
    advertV3: fc.constantFrom('250ms', '500ms', '1s', '3s'),
    advertV2: fc.constantFrom('1s', '2s'),
    auth: fc.option(fc.constantFrom('env', 'literal'), { nil: undefined }),
    unicast: fc.boolean(),
    preempt: fc.constantFrom('on', 'off', 'delay'),
    track: fc.constantFrom('process', 'script'),
    interval: fc.constantFrom('1s', '2s', '1500ms'),
    // With priorities 150/140/…: ±20 and 0 can always move the VIP (no failover-impossible).
    weight: fc.constantFrom(0, 20, -20, -50),
    command: fc.option(fc.constantFrom('/usr/bin/killall -0 haproxy', '/usr/bin/pgrep -x haproxy'), { nil: undefined }),
  });

const lbArb = fc.record({
  os: fc.constantFrom(...OSES),
  iface: fc.option(fc.constantFrom(...IFACES), { nil: undefined, freq: 4 }),
  sshPort: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
});

const upstreamArb = fc.record({
  port: fc.option(fc.constantFrom(80, 8080, 8000), { nil: undefined }),
  weight: fc.option(fc.integer({ min: 0, max: 256 }), { nil: undefined }),
  backup: fc.boolean(),
  managed: fc.constantFrom('yes', 'yes', 'yes', 'no'),
  os: fc.constantFrom(...OSES),
});

const siteArb = fc.record({
  hosts: fc.array(fc.record({ wild: fc.boolean(), upper: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  servers: fc.uniqueArray(fc.nat(19), { minLength: 1, maxLength: 4 }),
  balance: fc.option(fc.constantFrom('roundrobin', 'leastconn', 'source', 'first', 'uri'), { nil: undefined }),
  listen: fc.constantFrom(undefined, 80, 8081, 8443),
  vip: fc.nat(3),
  tls: fc.boolean(),
  check: fc.option(fc.constantFrom('http', 'tcp'), { nil: undefined }),
  checkPath: fc.option(fc.constantFrom('/', '/healthz', '/status/$x&y=(1)*'), { nil: undefined }),
  expect: fc.option(fc.constantFrom(200, 204, 301), { nil: undefined }),
  interval: fc.option(fc.constantFrom('500ms', '2s', '1m'), { nil: undefined }),
  fall: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
  rise: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
  root: fc.boolean(),
  page: fc.option(hostileText, { nil: undefined }),
});

export const topoArb = fc.record({
  vips: fc.array(vipArb, { minLength: 1, maxLength: 4 }),
  lbs: fc.array(lbArb, { minLength: 2, maxLength: 4 }),
  upstreams: fc.array(upstreamArb, { minLength: 1, maxLength: 20 }),
  sites: fc.array(siteArb, { minLength: 1, maxLength: 20 }),
  defaultSite: fc.option(fc.nat(19), { nil: undefined }),
  stats: fc.option(
    fc.record({
      listen: fc.constantFrom(8080, 9000),
      uri: fc.constantFrom('/', '/haproxy-stats', '/stats'),
      user: fc.constantFrom('admin', 'ops', 'halab.ops'),
      literal: fc.option(hostileText, { nil: undefined }),
      realm: fc.option(hostileText, { nil: undefined }),
    }),
    { nil: undefined },
  ),
  // Environment values are not seen by analyze(): they may even hold a newline.
  envPassword: fc.tuple(hostileText, fc.constantFrom('', '\n', '\nstats auth x:y')).map(([a, b]) => a + b),
  envAuth: fc.tuple(hostileText, fc.constantFrom('', '\n}')).map(([a, b]) => b + a),
  defaults: fc.option(
    fc.record({
      maxconn: fc.integer({ min: 1, max: 100000 }),
      retries: fc.integer({ min: 0, max: 10 }),
      redispatch: fc.constantFrom('on', 'off'),
      connect: fc.constantFrom('5s', '500ms', '1m'),
    }),
    { nil: undefined },
  ),
  // No line (and `auto`): per host by its os, so one topology can mix both kinds.
  firewall: fc.option(fc.constantFrom('auto', 'firewalld', 'nftables', 'none'), { nil: undefined }),
});

export type Spec = typeof topoArb extends fc.Arbitrary<infer T> ? T : never;

/** Serialises a spec as .halab text that should have no errors. */
export function toHalab(t: Spec, pem: string): string {
  const L: string[] = ['# generated by test/unit/render/property.test.ts', `topology prop-${t.vips.length}-${t.lbs.length}`];
  t.vips.forEach((v, i) => {
    L.push(`vip 198.18.0.${100 + i}/24 {`, `  interface ${v.iface}`, `  router-id ${10 + i}`);
    L.push(`  vrrp-version ${v.version}`, `  advert ${v.version === 3 ? v.advertV3 : v.advertV2}`);
    if (v.auth && v.version === 2) L.push(v.auth === 'env' ? '  auth env:HALAB_VRRP_AUTH' : `  auth ${q('s3cr#t "x"')}`);
    if (v.unicast) L.push('  unicast');
    if (v.preempt === 'off') L.push('  preempt off');
    if (v.preempt === 'delay') L.push('  preempt-delay 5s');
    L.push(`  track ${v.track}`);
    if (v.track === 'script') {
      L.push(`  track-interval ${v.interval}`, `  track-weight ${v.weight}`);
      if (v.command) L.push(`  track-command ${q(v.command)}`);
    }
    L.push('}');
  });
  t.lbs.forEach((lb, i) => {
    L.push(`lb lb${i + 1} {`, `  address 198.18.0.${11 + i}`, `  role ${i === 0 ? 'primary' : 'backup'}`, `  priority ${150 - 10 * i}`);
    L.push(`  os ${lb.os}`);
    if (lb.iface) L.push(`  interface ${lb.iface}`);
    if (lb.sshPort) L.push(`  ssh admin@198.18.0.${11 + i}:${lb.sshPort}`);
    L.push('}');
  });
  t.upstreams.forEach((u, i) => {
    L.push(`upstream web${i + 1} { address 198.19.${Math.floor(i / 200)}.${(i % 200) + 1}`);
    if (u.port) L.push(`  port ${u.port}`);
    if (u.weight !== undefined) L.push(`  weight ${u.weight}`);
    if (u.backup) L.push('  backup');
    L.push(`  managed ${u.managed}`, `  os ${u.os}`, '}');
  });
  const defaultIdx = t.defaultSite === undefined ? -1 : t.defaultSite % t.sites.length;
  t.sites.forEach((s, i) => {
    L.push(`site site${i + 1} {`);
    s.hosts.forEach((h, j) => {
      const name = h.wild ? `*.w${j}.s${i}.example.test` : `h${j}.s${i}.example.test`;
      L.push(`  host ${h.upper ? name.toUpperCase() : name}`);
    });
    const servers = [...new Set(s.servers.map((k) => k % t.upstreams.length))].map((k) => `web${k + 1}`);
    L.push(`  servers ${servers.join(' ')}`);
    if (s.balance) L.push(`  balance ${s.balance}`);
    if (s.listen) L.push(`  listen ${s.listen}`);
    L.push(`  vip 198.18.0.${100 + (s.vip % t.vips.length)}`);
    if (s.tls) L.push(`  tls ${pem}`);
    if (s.check) L.push(`  check ${s.check}`);
    if (s.checkPath) L.push(`  check-path ${s.checkPath}`);
    if (s.expect) L.push(`  check-expect ${s.expect}`);
    if (s.interval) L.push(`  check-interval ${s.interval}`);
    if (s.fall) L.push(`  check-fall ${s.fall}`);
    if (s.rise) L.push(`  check-rise ${s.rise}`);
    if (s.root) L.push(`  root /srv/www/site-${i + 1}`);
    if (s.page !== undefined) L.push(`  page ${q(s.page)}`);
    if (i === defaultIdx) L.push('  default');
    L.push('}');
  });
  if (t.stats) {
    L.push('stats {', `  listen ${t.stats.listen}`, `  uri ${t.stats.uri}`, `  user ${t.stats.user}`);
    L.push(`  password ${t.stats.literal !== undefined ? q('Xy' + t.stats.literal.replace(/\t/g, ' ')) : 'env:HALAB_STATS_PASSWORD'}`);
    if (t.stats.realm !== undefined) L.push(`  realm ${q(t.stats.realm)}`);
    L.push('}');
  }
  if (t.defaults) {
    const d = t.defaults;
    L.push('defaults {', `  maxconn ${d.maxconn}`, `  retries ${d.retries}`, `  redispatch ${d.redispatch}`,
      `  timeout connect ${d.connect}`, '}');
  }
  if (t.firewall) L.push(`firewall ${t.firewall}`);
  return L.join('\n') + '\n';
}

export function htmlUnescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}


/**
 * Property: every valid topology renders to files the real validators accept.
 * fast-check generates .halab TEXT (so the parser and checks run too: analyze() must find no
 * errors), with 1–4 vips, 2–4 lbs, 1–20 upstreams, 1–20 sites, TLS, unicast, VRRPv3, script
 * and process tracking, backup servers, all three firewalls and hostile-looking free text
 * (pages, realms, passwords from the environment). Each render goes through haproxy -c,
 * keepalived -t (in a throwaway netns), nginx -t, nft -c and sh -n.
 * HALAB_PROPERTY_RUNS overrides the number of topologies (default 200); HALAB_PROPERTY_SEED and
 * HALAB_PROPERTY_PATH replay a failure (both are printed with it).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { envSecrets } from '../../../server/src/secrets.js';
import { lbInterface } from '../../../shared/model/types.js';
import { Validators, canValidate, selfSignedPem, SKIP_REASON } from '../../helpers/validators.js';

const RUNS = Number(process.env.HALAB_PROPERTY_RUNS ?? 200);

const OSES = ['almalinux', 'rhel', 'rocky', 'debian', 'ubuntu'] as const;
const IFACES = ['eth0', 'eth1', 'ens3', 'enp0s8', 'bond0.100', 'br-lan'] as const;

/** .halab string literal (§1: escapes \" \\ \n \t). */
function q(s: string): string {
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c).replace(/\t/g, '\\t') + '"';
}

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

const topoArb = fc.record({
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

type Spec = typeof topoArb extends fc.Arbitrary<infer T> ? T : never;

/** Serialises a spec as .halab text that should have no errors. */
function toHalab(t: Spec, pem: string): string {
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

function htmlUnescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

describe('property: valid topologies render to configs the real validators accept', { skip: !canValidate() && SKIP_REASON }, () => {
  const validators = new Validators();
  let certDir = '';
  let pem = '';
  before(() => {
    certDir = mkdtempSync(join(tmpdir(), 'halabcert'));
    pem = selfSignedPem(certDir);
  });
  after(() => {
    validators.cleanup();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  it(`${RUNS} generated topologies`, { timeout: 10 * 60_000 }, async () => {
    let files = 0;
    const seen = { tls: 0, unicast: 0, v3: 0, script: 0, process: 0, backup: 0, nft: 0, firewalld: 0 };
    const result = await fc.check(
      fc.asyncProperty(topoArb, async (spec) => {
        const text = toHalab(spec, pem);
        const a = analyze(text, 'prop.halab');
        const errors = a.diagnostics.filter((d) => d.severity === 'error');
        assert.equal(hasErrors(a.diagnostics), false, `analyze() errors:\n${errors
          .map((d) => `${d.code}: ${d.message} @${JSON.stringify(text.slice(d.span.start, d.span.end))}`)
          .join('\n')}\n---\n${text}`);
        const m = a.model;
        const out = render(m, {
          source: 'prop.halab',
          secrets: envSecrets({ HALAB_STATS_PASSWORD: spec.envPassword, HALAB_VRRP_AUTH: spec.envAuth }),
        }).files;
        files += out.length;

        const ifaces = (host: string) => {
          const lb = m.lbs.find((l) => l.name === host);
          return lb ? m.vips.map((v) => lbInterface(lb, v)) : [];
        };
        const results = await validators.all(out, ifaces);
        const env = `HALAB_VRRP_AUTH=${JSON.stringify(spec.envAuth)} HALAB_STATS_PASSWORD=${JSON.stringify(spec.envPassword)}`;
        for (const r of results) assert.ok(r.verdict.ok, `${r.file}: ${r.verdict.tool}:\n${r.verdict.output}\n--- ${env}\n${text}`);

        // Every lb gets haproxy.cfg and keepalived.conf; the page text survives HTML escaping.
        for (const lb of m.lbs) {
          assert.ok(out.some((f) => f.host === lb.name && f.path === '/etc/haproxy/haproxy.cfg'));
          assert.ok(out.some((f) => f.host === lb.name && f.path === '/etc/keepalived/keepalived.conf'));
        }
        for (const f of out.filter((x) => x.path.endsWith('/index.html'))) {
          const site = m.sites.find((s) => f.path === `${s.root}/index.html`)!;
          assert.equal(htmlUnescape(f.content.split('\n')[1]!), site.page);
        }

        seen.tls += m.sites.some((s) => s.tls) ? 1 : 0;
        seen.unicast += m.vips.some((v) => v.unicast) ? 1 : 0;
        seen.v3 += m.vips.some((v) => v.vrrpVersion === 3) ? 1 : 0;
        seen.script += m.vips.some((v) => v.track === 'script') ? 1 : 0;
        seen.process += m.vips.some((v) => v.track === 'process') ? 1 : 0;
        seen.backup += m.upstreams.some((u) => u.backup) ? 1 : 0;
        seen.nft += out.some((f) => f.path.endsWith('/firewall.nft')) ? 1 : 0;
        seen.firewalld += out.some((f) => f.path.endsWith('/firewall.sh')) ? 1 : 0;
      }),
      {
        numRuns: RUNS,
        endOnFailure: true,
        ...(process.env.HALAB_PROPERTY_SEED ? { seed: Number(process.env.HALAB_PROPERTY_SEED), path: process.env.HALAB_PROPERTY_PATH }
          : {}),
      },
    );
    if (result.failed) {
      // Show the assertion (with the .halab text) rather than fast-check's dump of the spec.
      const err = result.errorInstance as Error | undefined;
      assert.fail(`failed after ${result.numRuns} run(s) (seed ${result.seed}, path ${result.counterexamplePath}):\n` +
        `${err?.message ?? String(result.errorInstance)}`);
    }
    console.log(`validated ${files} files from ${RUNS} topologies; runs with each feature: ${JSON.stringify(seen)}`);
    // The generator must actually reach every feature the issue lists.
    if (RUNS >= 100) for (const [k, n] of Object.entries(seen)) assert.ok(n > 0, `no generated topology had ${k}`);
  });
});

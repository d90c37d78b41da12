/**
 * The lab is sealed (issue 13, item 15), staging follows no link (item 5) and a rollback undoes
 * the firewall (item 7), against the real lab: sshd, haproxy, keepalived, nginx, nft in network
 * namespaces. One topology with every feature on — nftables, TLS, two vips, stats — is deployed;
 * then:
 * - nothing changed on this machine outside the lab's state (every file under /etc, the data dirs
 *   the lab hosts use, the deploy's backup root, the root namespace's nft ruleset and sysctl);
 * - each host holds its own firewall file (an lb's and an upstream's differ);
 * - a failover test straight after passes its preflight (the deployed config is the file's);
 * - firewalld rules on hosts without firewall-cmd stop at the preflight (item 14);
 * - a symlink planted in a web root is replaced, never written through;
 * - a reload failing after the firewall was applied leaves no nft table behind.
 * Needs root. Uses its own bridge (halabs0) on 198.18.0.0/24 and namespaces halab-sealed-*.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, hasErrors } from '../../server/src/engine.js';
import type { Topology } from '../../shared/model/types.js';
import { render } from '../../server/src/render/render.js';
import { labDown, labExec, labUp, readLabState, type LabState } from '../../server/src/lab/index.js';
import { deployTopology, SshSession, type DeployResult } from '../../server/src/deploy/index.js';
import { BACKUP_ROOT } from '../../server/src/deploy/remote-ops.js';
import { runFailoverTest, type FailoverReport } from '../../server/src/failover/index.js';
import { envSecrets } from '../../server/src/secrets.js';

const isRoot = process.getuid?.() === 0;
const VRRP = 'sealVrrp';
const STATS = 'seal-stats-Pw!9';
const secrets = envSecrets({ HALAB_VRRP_AUTH: VRRP, HALAB_STATS_PASSWORD: STATS });
const PEM = '/etc/haproxy/certs/shop.pem';
const TRACK = `"/bin/sh -c 'for i in 1 2 3 4 5 6; do /usr/bin/killall -0 haproxy || exit 1; sleep 0.1; done'"`;

const TEXT = `topology sealed

vip 198.18.0.100/24 {
  interface eth0
  router-id 61
  auth env:HALAB_VRRP_AUTH
  track script
  track-interval 1s
  track-weight 0
  track-command ${TRACK}
}

vip 198.18.0.101/24 {
  interface eth0
  router-id 62
  vrrp-version 3
  track script
  track-interval 1s
  track-weight 0
  track-command ${TRACK}
}

lb lb1 { address 198.18.0.11; role primary; os debian }
lb lb2 { address 198.18.0.12; role backup; os debian }
upstream web1 { address 198.18.0.21; os debian }
upstream web2 { address 198.18.0.22; os debian }

site shop {
  host shop.sealed.test
  servers web1 web2
  page "SHOP - SEALED"
  tls ${PEM}
  default
}

site blog {
  host blog.sealed.test
  servers web1 web2
  page "BLOG - SEALED"
  vip 198.18.0.101
}

stats {
  listen 8080
  password env:HALAB_STATS_PASSWORD
}

firewall nftables

failover-test {
  fault kill-haproxy
  probe-interval 20ms
  duration 10s
  max-outage 1s
}

lab {
  bridge halabs0
}
`;

function model(text = TEXT): Topology {
  const a = analyze(text, 'sealed.halab');
  assert.equal(hasErrors(a.diagnostics), false, JSON.stringify(a.diagnostics));
  return a.model;
}

const deploy = (m: Topology, extra: Partial<Parameters<typeof deployTopology>[1]> = {}): Promise<DeployResult> =>
  deployTopology(m, { secrets, source: 'sealed.halab', ...extra });

/** Everything a lab host could reach on this machine, by path: type, mode, owner and content hash. */
const WATCHED = ['/etc', '/usr/share/nginx', '/var/www', '/var/lib/haproxy', '/var/lib/nginx', '/srv', BACKUP_ROOT];
/** The lab's own state on the machine: /etc/netns/<ns> (ip-netns(8)) and the state dir. */
const LAB_STATE = [/^\/etc\/netns(\/|$)/];

function snapshot(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (p: string) => {
    if (LAB_STATE.some((r) => r.test(p))) return;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    const meta = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) out.set(p, `link ${meta} -> ${readlinkSync(p)}`);
    else if (st.isFile()) out.set(p, `file ${meta} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    else if (st.isDirectory()) {
      out.set(p, `dir ${meta}`);
      for (const e of readdirSync(p)) walk(join(p, e));
    } else out.set(p, `other ${meta}`);
  };
  for (const root of WATCHED) walk(root);
  // the kernel state a deploy applies, in this machine's own network namespace
  out.set('nft ruleset', execFileSync('nft', ['list', 'ruleset'], { encoding: 'utf8' }));
  out.set('sysctl net.ipv4.ip_nonlocal_bind', execFileSync('sysctl', ['-n', 'net.ipv4.ip_nonlocal_bind'], { encoding: 'utf8' }));
  return out;
}

function diff(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${k}: ${v} → ${b.get(k) ?? '(gone)'}`);
  for (const [k, v] of b) if (!a.has(k)) out.push(`${k}: (new) ${v}`);
  return out;
}

function get(opts: { host: string; port: number; name: string; tls?: boolean }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (opts.tls ? request : httpRequest)(
      { host: opts.host, port: opts.port, path: '/', headers: { Host: opts.name }, servername: opts.name, rejectUnauthorized: false,
        timeout: 3000, agent: false },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('a sealed lab: every feature on, nothing changes outside the lab', {
  skip: !isRoot && 'needs root (network namespaces)', timeout: 600_000,
}, () => {
  const base = model();
  let state: LabState;
  let before0: Map<string, string>;
  let certDir: string;

  before(async () => {
    await labDown(base).catch(() => undefined); // a previous crashed run
    before0 = snapshot();
    state = await labUp(base);
    // a self-signed certificate for the TLS site, put on the lbs (their /etc is private)
    certDir = mkdtempSync(join(tmpdir(), 'halab-sealed-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=shop.sealed.test',
      '-keyout', join(certDir, 'k.pem'), '-out', join(certDir, 'c.pem')], { stdio: 'ignore' });
    const pem = readFileSync(join(certDir, 'c.pem'), 'utf8') + readFileSync(join(certDir, 'k.pem'), 'utf8');
    for (const lb of ['lb1', 'lb2']) {
      const r = await labExec(state, lb, `mkdir -p /etc/haproxy/certs && umask 077 && cat > ${PEM}`, { input: pem });
      assert.equal(r.code, 0, r.stderr);
    }
  });

  after(async () => {
    if (certDir) rmSync(certDir, { recursive: true, force: true });
    await labDown(base);
    assert.doesNotMatch(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }), /halab-sealed-/);
    assert.doesNotMatch(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }), /halabs0/);
    assert.equal(readLabState('sealed'), undefined);
    // and after the lab is gone, the machine is as it was before it came up
    assert.deepEqual(diff(before0, snapshot()), [], 'the machine changed');
  });

  it('firewalld rules on these Debian hosts (no firewall-cmd) stop at the preflight, before anything changes', async () => {
    const r = await deploy(model(TEXT.replace('firewall nftables', 'firewall firewalld')));
    assert.equal(r.ok, false);
    assert.equal(r.failure?.step, 'preflight', JSON.stringify(r.failure));
    assert.match(r.failure!.message, /lacks firewall-cmd .*--bootstrap to install firewalld.*`firewall nftables`/);
    for (const h of ['lb1', 'lb2', 'web1', 'web2']) {
      const st = await labExec(state, h,
        'ls -A /etc/halab /var/lib/halab/backup 2>/dev/null; ' +
          'grep -c halab /etc/haproxy/haproxy.cfg /etc/nginx/conf.d/*.conf 2>/dev/null | grep -v ":0$" || true');
      assert.equal(st.stdout.trim(), '', `${h} changed: ${st.stdout}`);
    }
  });

  it('deploys nftables, TLS, two vips and stats; every site answers; each host keeps its own firewall file', async () => {
    const r = await deploy(base, { acceptNew: false });
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    assert.equal((await get({ host: '198.18.0.100', port: 443, name: 'shop.sealed.test', tls: true })).body.includes('SHOP - SEALED'),
      true);
    assert.equal((await get({ host: '198.18.0.101', port: 80, name: 'blog.sealed.test' })).body.includes('BLOG - SEALED'), true);
    // the firewall file of each host is the one rendered for it (an lb's opens VRRP, an upstream's does not)
    const files = render(base, { source: 'sealed.halab', secrets }).files;
    for (const h of ['lb1', 'web1']) {
      const want = files.find((f) => f.host === h && f.path === '/etc/halab/firewall.nft')!.content;
      assert.equal((await labExec(state, h, ['cat', '/etc/halab/firewall.nft'])).stdout, want, h);
      assert.match((await labExec(state, h, ['nft', 'list', 'table', 'inet', 'halab'])).stdout, /policy drop/,
        `${h}: its table is loaded in its own namespace`);
    }
  });

  it('nothing changed on this machine outside the lab state: /etc, data dirs, backup root, nft ruleset, sysctl', () => {
    assert.equal(existsSync('/etc/halab'), false, '/etc/halab written on the machine');
    assert.deepEqual(diff(before0, snapshot()), []);
  });

  it('a failover test straight after passes its preflight (deployed config = the file)', async () => {
    const stop = new AbortController();
    const report: FailoverReport = await runFailoverTest(base, { secrets, signal: stop.signal, durationMs: 4000 }, (e) => {
      if (e.type === 'phase' && e.phase === 'preflight' && e.status !== 'start' && e.status !== 'info') stop.abort();
    });
    assert.equal(report.preflight.config, 'same', JSON.stringify(report.preflight));
    assert.deepEqual(report.preflight.differing, []);
    assert.equal(report.preflight.ok, true, report.preflight.messages.join('; '));
  });

  it('a symlink planted in a web root is replaced, and its target never written (staging follows no link)', async () => {
    // web1's web root is made writable by others, who plant links: at the live page, and at the
    // staging names the deploy used to use
    const root = '/usr/share/nginx/shop';
    const plant = await labExec(state, 'web1', [
      `chmod 0777 ${root}`,
      'printf VICTIM > /etc/victim && printf VICTIM2 > /etc/victim2',
      `ln -sfn /etc/victim ${root}/index.html`,
      `ln -sfn /etc/victim2 ${root}/.index.html.halab-new`,
    ].join(' && '));
    assert.equal(plant.code, 0, plant.stderr);
    const r = await deploy(model(TEXT.replace('SHOP - SEALED', 'SHOP - SECOND')));
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    const check = await labExec(state, 'web1',
      `cat /etc/victim; echo; cat /etc/victim2; echo; stat -c %F ${root}/index.html; cat ${root}/index.html`);
    const [v1, v2, kind, ...page] = check.stdout.split('\n');
    assert.equal(v1, 'VICTIM', 'the link target is unchanged');
    assert.equal(v2, 'VICTIM2');
    assert.equal(kind, 'regular file', 'the link itself was replaced');
    assert.match(page.join('\n'), /SHOP - SECOND/);
    assert.equal((await labExec(state, 'web1', `ls -A ${root} | grep -c '^\\.halab-' || true`)).stdout.trim(), '0', 'no staging dir left');

    // and over SFTP directly: an exclusive create fails on a link instead of writing through it
    const h = state.hosts.find((x) => x.name === 'web1')!;
    const s = await SshSession.connect({
      host: h.address, port: 22, user: 'root', identityFiles: [state.keyPath], knownHostsFiles: [state.knownHostsPath],
    });
    try {
      await assert.rejects(s.writeFile(`${root}/.index.html.halab-new`, 'PWNED', { mode: 0o644 }));
      assert.equal((await labExec(state, 'web1', ['cat', '/etc/victim2'])).stdout, 'VICTIM2');
    } finally {
      s.close();
    }
  });

  it('a reload failing after the firewall was applied leaves no new nft table loaded (rollback restores the kernel state)', async () => {
    // lb2 without the halab table and firewall file (as before a first deploy with a firewall);
    // its haproxy init script refuses to reload — in lb2's private /etc only
    const prep = await labExec(state, 'lb2', [
      'nft delete table inet halab',
      'rm -f /etc/halab/firewall.nft',
      'sysctl -q -w net.ipv4.ip_nonlocal_bind=0 && rm -f /etc/sysctl.d/90-halab-nonlocal-bind.conf',
      'cp -p /etc/init.d/haproxy /etc/init.d/haproxy.halab-test',
      `printf '#!/bin/sh\\necho "haproxy: refused by the test" >&2\\nexit 1\\n' > /etc/init.d/haproxy`,
    ].join(' && '));
    assert.equal(prep.code, 0, prep.stderr);
    try {
      const r = await deploy(model(TEXT.replace('listen 8080', 'listen 8081')));
      assert.equal(r.ok, false);
      assert.deepEqual(r.failure && [r.failure.host, r.failure.step], ['lb2', 'reload'], JSON.stringify(r.failure));
      const lb2 = r.hosts.find((x) => x.host === 'lb2')!;
      assert.equal(lb2.restored, true);
      assert.equal((await labExec(state, 'lb2', ['nft', 'list', 'table', 'inet', 'halab'])).code !== 0, true,
        'the halab table is gone again');
      assert.equal((await labExec(state, 'lb2', ['sysctl', '-n', 'net.ipv4.ip_nonlocal_bind'])).stdout.trim(), '0', 'sysctl as before');
      assert.equal((await labExec(state, 'lb2', ['test', '-e', '/etc/halab/firewall.nft'])).code, 1, 'the new file removed');
      assert.doesNotMatch((await labExec(state, 'lb2', ['cat', '/etc/haproxy/haproxy.cfg'])).stdout, /8081/);
      assert.equal(r.hosts.find((x) => x.host === 'lb1')!.status, 'skipped');
      assert.match((await labExec(state, 'lb1', ['nft', 'list', 'table', 'inet', 'halab'])).stdout, /8080/, 'lb1 untouched');
    } finally {
      await labExec(state, 'lb2', 'mv -f /etc/init.d/haproxy.halab-test /etc/init.d/haproxy');
    }
    // the machine is still untouched
    assert.deepEqual(diff(before0, snapshot()), []);
  });
});

/**
 * Lab hosts that are real machines (issue 18): examples/lab.halab as `lab { hosts machines }`
 * with `firewall nftables`, on its own subnet 198.18.14.0/24 and bridge halabml0. Each host is a
 * booted systemd-nspawn machine from the cached Debian base (built from zero when the cache is
 * empty, as in CI), with sshd and the lab key and nothing else. The tests deploy from zero with
 * --bootstrap (apt from the lab's own mirror), deploy again (nothing to do), prove the firewall is
 * on, quote the journal of a unit that fails to start, and reboot the primary. Needs root,
 * debootstrap and systemd-container.
 *
 * Network: only the lab's hosts and VIP (198.18.14.0/24), which the lab creates; the machines'
 * apt reads a bind-mounted directory, never a network.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../server/src/engine.js';
import { deployTopology, formatPlan } from '../../server/src/deploy/index.js';
import { labDown, labExec, labRestoreHost, labUp, readLabState, type LabState } from '../../server/src/lab/index.js';
import { which } from '../../server/src/lab/sys.js';
import { envSecrets } from '../../server/src/secrets.js';
import { runFailoverTest } from '../../server/src/failover/index.js';
import { fixtureModel, vipHolders } from '../helpers/lab-fixture.js';
import { labVariant } from '../helpers/lab-variant.js';

const isRoot = process.getuid?.() === 0;
const tools = ['systemd-nspawn', 'debootstrap', 'apt-ftparchive'].filter((t) => !which(t));
const TOPOLOGY = 'mlab';
const NET = '198.18.14';
const BRIDGE = 'halabml0';
const VIP = `${NET}.100`;
const ENV = { HALAB_VRRP_AUTH: 'mlVrrp12', HALAB_STATS_PASSWORD: 'ml-Stats-pw9' };
const secrets = envSecrets(ENV);
const dir = mkdtempSync(join(tmpdir(), 'halab-mlab-'));
const FILE = join(dir, 'mlab.halab');
writeFileSync(FILE, labVariant({ topology: TOPOLOGY, net: NET, bridge: BRIDGE, machines: true, firewall: 'nftables' }));
const model = fixtureModel(FILE);
const LBS = ['lb1', 'lb2'];
const UPSTREAMS = ['web1', 'web2'];

/** One bounded HTTP GET through the VIP (or any lab address). */
function get(host: string, port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, headers, timeout: 3000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Whether a TCP connection to address:port is accepted within ms (false: refused, or nothing answered). */
function connects(address: string, port: number, ms: number): Promise<'connected' | 'refused' | 'no answer'> {
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port });
    const done = (r: 'connected' | 'refused' | 'no answer') => {
      s.destroy();
      resolve(r);
    };
    s.setTimeout(ms, () => done('no answer'));
    s.on('connect', () => done('connected'));
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'no answer'));
  });
}

async function sh(state: LabState, host: string, cmd: string): Promise<string> {
  const r = await labExec(state, host, cmd, { timeoutMs: 60_000 });
  return r.stdout.trim();
}

const holders = (state: LabState) => vipHolders(state, VIP, LBS);

/** Polls (bounded) until `ok` holds. */
async function until(what: string, ms: number, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what}: not within ${ms} ms`);
}

const skip = !isRoot ? 'needs root (machines, a bridge)' : tools.length ? `needs ${tools.join(', ')} (scripts/setup.sh installs them)` : false;

describe('a lab of machines (systemd-nspawn)', { skip, timeout: 1_200_000 }, () => {
  let state: LabState;

  before(async () => {
    await labDown(model).catch(() => undefined); // a previous crashed run
    const t0 = Date.now();
    state = await labUp(model, { log: (l) => console.log(`  lab: ${l}`) });
    console.log(`  lab up (base build included when the cache was empty): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    const st = readLabState(model.name);
    if (st) for (const h of [...LBS, ...UPSTREAMS]) await labRestoreHost(st, h).catch(() => undefined);
    await labDown(model);
    rmSync(dir, { recursive: true, force: true });
    assert.doesNotMatch(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }), /halab-mlab-/);
    assert.doesNotMatch(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }), /halabml0/);
    // no machine, and no supervisor that could boot one again
    assert.doesNotMatch(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }), /network-namespace-path=\/run\/netns\/halab-mlab-/);
    // nor the machines' cgroups
    for (const root of ['/sys/fs/cgroup', '/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified']) {
      assert.equal(existsSync(join(root, 'halab', 'halab-mlab-lb1')), false, root);
    }
  });

  it('each machine boots systemd with sshd, and has none of haproxy, keepalived, nginx', async () => {
    for (const h of [...LBS, ...UPSTREAMS]) {
      assert.equal(await sh(state, h, 'timeout 30 systemctl is-system-running --wait'), 'running', `${h}: systemd state`);
      assert.equal(await sh(state, h, 'systemctl is-active ssh'), 'active', h);
      assert.equal(await sh(state, h, 'for c in haproxy keepalived nginx; do command -v $c; done; true'), '', `${h} has a daemon installed`);
    }
  });

  it('deploy --bootstrap: the plan lists packages and units first; then installs, enables and starts everything', async () => {
    const plan = await deployTopology(model, { secrets, source: FILE, plan: true, bootstrap: true });
    assert.equal(plan.ok, true, JSON.stringify(plan.failure));
    const text = formatPlan(plan, false);
    const block = (host: string) => text.slice(text.indexOf(`${host} (`)).split('\n').slice(1, 3);
    assert.deepEqual(block('lb1'), ['  install  haproxy keepalived psmisc nftables', '  enable   haproxy keepalived (started at boot)']);
    assert.deepEqual(block('web1'), ['  install  nginx nftables', '  enable   nginx (started at boot)']);

    const d = await deployTopology(model, { secrets, source: FILE, bootstrap: true });
    assert.equal(d.ok, true, JSON.stringify(d.failure));
    for (const lb of LBS) {
      assert.equal(await sh(state, lb, 'systemctl is-enabled haproxy keepalived halab-firewall'), 'enabled\nenabled\nenabled', lb);
      assert.equal(await sh(state, lb, 'systemctl is-active haproxy keepalived halab-watch'), 'active\nactive\nactive', lb);
      assert.equal(await sh(state, lb, 'sysctl -n net.ipv4.ip_nonlocal_bind'), '1', lb);
    }
    for (const up of UPSTREAMS) {
      assert.equal(await sh(state, up, 'systemctl is-enabled nginx halab-firewall'), 'enabled\nenabled', up);
      assert.equal(await sh(state, up, 'systemctl is-active nginx'), 'active', up);
    }
    assert.deepEqual(await holders(state), ['lb1']);
    const r = await get(VIP, 80, '/', { Host: 'web02.lab.test' });
    assert.equal(r.status, 200);
    assert.match(r.body, /WEB 02 - TEST PAGE/);
  });

  it('a second deploy has nothing to do: no file, no package, no reload', async () => {
    const d = await deployTopology(model, { secrets, source: FILE, bootstrap: true });
    assert.equal(d.ok, true, JSON.stringify(d.failure));
    for (const h of d.hosts) {
      assert.equal(h.status, 'unchanged', h.host);
      assert.deepEqual([h.reloaded, h.bootstrap, h.uploaded], [[], [], []], h.host);
    }
  });

  it('the firewall is on: sites and stats answer, VRRP passes, a port the file does not open gets no answer', async () => {
    for (const h of [...LBS, ...UPSTREAMS]) assert.match(await sh(state, h, 'nft list tables'), /table inet halab/, h);
    assert.equal((await get(VIP, 80, '/', { Host: 'web01.lab.test' })).status, 200);
    const auth = `Basic ${Buffer.from(`admin:${ENV.HALAB_STATS_PASSWORD}`).toString('base64')}`;
    assert.equal((await get(VIP, 8080, '/', { Authorization: auth })).status, 200);
    // VRRP passes both ways: the backup hears the primary, so it alone does not take the VIP
    assert.deepEqual(await holders(state), ['lb1']);
    // a listener on 9999, which the file does not open: it answers from inside, not from the lab
    await sh(state, 'lb1', 'systemd-run --unit=halab-test-9999 /usr/bin/systemd-socket-activate -l 9999 --accept --inetd /bin/cat');
    await until('the test listener', 10_000, async () => (await sh(state, 'lb1', 'ss -Hltn "sport = :9999"')).includes('9999'));
    assert.equal(await sh(state, 'lb1', 'timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/9999" && echo open'), 'open');
    assert.equal(await connects(`${NET}.11`, 9999, 2000), 'no answer', 'the firewall drops a port the file does not open');
    // …and it is the firewall: without halab's table the same port answers, and its unit puts it back
    await sh(state, 'lb1', 'nft delete table inet halab');
    assert.equal(await connects(`${NET}.11`, 9999, 2000), 'connected');
    await sh(state, 'lb1', 'systemctl restart halab-firewall && systemctl stop halab-test-9999.socket halab-test-9999 2>/dev/null; true');
    assert.equal(await connects(`${NET}.11`, 9999, 2000), 'no answer');
  });

  it('a unit that fails to start: the deploy quotes its journal, rolls the backup back, and never touches the primary', async () => {
    // haproxy -c accepts a stats socket in a directory that does not exist; starting haproxy does not
    const broken = analyze(
      `${readFileSync(FILE, 'utf8')}\nhaproxy "stats socket /nonexistent-dir/admin.sock mode 600"\n`,
      FILE,
    ).model;
    await sh(state, 'lb2', 'systemctl stop haproxy');
    const before1 = await sh(state, 'lb1', 'md5sum /etc/haproxy/haproxy.cfg');
    const d = await deployTopology(broken, { secrets, source: FILE });
    assert.equal(d.ok, false);
    assert.equal(d.failure?.host, 'lb2');
    assert.match(d.failure?.message ?? '', /journal of haproxy\.service/);
    assert.match(d.failure?.message ?? '', /cannot bind UNIX socket.*\/nonexistent-dir\/admin\.sock/);
    assert.equal(d.hosts.find((h) => h.host === 'lb2')?.restored, true);
    assert.equal(await sh(state, 'lb1', 'md5sum /etc/haproxy/haproxy.cfg'), before1);
    // the rollback started lb2's haproxy again with the old file
    assert.equal(await sh(state, 'lb2', 'systemctl is-active haproxy'), 'active');
    assert.doesNotMatch(await sh(state, 'lb2', 'cat /etc/haproxy/haproxy.cfg'), /nonexistent-dir/);
  });

  it('the reboot fault: the VIP moves to lb2, lb1 comes back with every service started by systemd, and the VIP returns', async () => {
    const bootedAt = await sh(state, 'lb1', 'cut -d" " -f22 /proc/1/stat');
    const r = await runFailoverTest(model, { secrets, fault: 'reboot', durationMs: 25_000 });
    assert.equal(r.verdict, 'pass', r.reasons.join('; '));
    assert.equal(r.vipMoved, true);
    assert.deepEqual(r.holderAfterFault, ['lb2']);
    assert.ok(r.cameBack && r.cameBack.afterMs !== null, JSON.stringify(r.cameBack));
    assert.deepEqual(r.cameBack.services, { haproxy: 'active', keepalived: 'active', 'halab-watch': 'active' });
    assert.notEqual(r.failback.vipMovedMs, null, 'the VIP came back to lb1');
    assert.ok(r.outageMs <= r.maxOutageMs && r.failback.outageMs <= r.maxOutageMs, `outages ${r.outageMs} / ${r.failback.outageMs} ms`);
    // seen here, not through halab: lb1 really rebooted (a new systemd), holds the VIP alone, and
    // its firewall is back (loaded by its unit into the fresh network namespace)
    assert.notEqual(await sh(state, 'lb1', 'cut -d" " -f22 /proc/1/stat'), bootedAt);
    assert.deepEqual(await holders(state), ['lb1']);
    assert.match(await sh(state, 'lb1', 'nft list tables'), /table inet halab/);
    console.log(`  reboot: VIP moved after ${r.vipMovedMs} ms, lb1 back after ${r.cameBack.afterMs} ms, ` +
      `VIP back ${r.failback.vipMovedMs} ms after that; outage ${r.outageMs} ms, failback outage ${r.failback.outageMs} ms`);
  });

  it('split brain: block-vrrp leaves both lbs holding the VIP; the failover test says so and fails', async () => {
    const r = await runFailoverTest(model, { secrets, fault: 'block-vrrp' });
    assert.equal(r.verdict, 'fail');
    assert.deepEqual(r.splitBrain?.holders, ['lb1', 'lb2'], JSON.stringify(r.splitBrain));
    assert.match(r.reasons[0] ?? '', /split brain: lb1 and lb2 both held the VIP 198\.18\.14\.100/);
    // restored: VRRP passes again and lb1 alone holds the VIP
    await until('lb1 alone with the VIP', 10_000, async () => (await holders(state)).join() === 'lb1');
    assert.doesNotMatch(await sh(state, 'lb2', 'nft list tables'), /halab_fault/);
  });

  it('a rebooted machine comes back by itself: a fresh network, every service and the firewall started by systemd', async () => {
    const bootedAt = await sh(state, 'web2', 'cut -d" " -f22 /proc/1/stat');
    // kernel state of the old boot, which a reboot must not carry over
    await sh(state, 'web2', 'nft add table ip halab_test_marker');
    await sh(state, 'web2', 'systemctl reboot');
    await until('web2 back with nginx', 60_000, async () => (await sh(state, 'web2', 'systemctl is-active nginx halab-firewall')) === 'active\nactive');
    assert.notEqual(await sh(state, 'web2', 'cut -d" " -f22 /proc/1/stat'), bootedAt, 'a new systemd');
    assert.equal(await sh(state, 'web2', 'timeout 30 systemctl is-system-running --wait'), 'running');
    const tables = await sh(state, 'web2', 'nft list tables');
    assert.match(tables, /table inet halab/);
    assert.doesNotMatch(tables, /halab_test_marker/);
    const r = await get(`${NET}.22`, 80, '/', { Host: 'web01.lab.test' });
    assert.equal(r.status, 200);
  });
});

/**
 * The same pair with `firewall firewalld` (198.18.15.0/24, bridge halabmf0): firewalld's Debian
 * package, installed by the bootstrap, runs in the machines, and its zone lets the sites, the
 * stats page and VRRP through and nothing else.
 */
const FW_FILE = join(dir, 'mfw.halab');
writeFileSync(
  FW_FILE,
  labVariant({ topology: 'mfw', net: '198.18.15', bridge: 'halabmf0', machines: true }).replace(/^firewall none$/m, 'firewall firewalld'),
);
const fwModel = fixtureModel(FW_FILE);

describe('a lab of machines with firewalld', { skip, timeout: 900_000 }, () => {
  let state: LabState;
  const vip = '198.18.15.100';

  before(async () => {
    assert.equal(fwModel.firewall, 'firewalld');
    await labDown(fwModel).catch(() => undefined);
    state = await labUp(fwModel);
  });

  after(async () => {
    await labDown(fwModel);
    assert.doesNotMatch(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }), /halab-mfw-/);
    assert.doesNotMatch(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }), /network-namespace-path=\/run\/netns\/halab-mfw-/);
  });

  it('deploy --bootstrap installs and starts firewalld; sites, stats and VRRP pass, another port does not', async () => {
    const d = await deployTopology(fwModel, { secrets, source: FW_FILE, bootstrap: true });
    assert.equal(d.ok, true, JSON.stringify(d.failure));
    for (const h of [...LBS, ...UPSTREAMS]) {
      assert.equal(await sh(state, h, 'firewall-cmd --state'), 'running', h);
      assert.equal(await sh(state, h, 'systemctl is-enabled firewalld'), 'enabled', h);
    }
    assert.equal((await get(vip, 80, '/', { Host: 'web01.lab.test' })).status, 200);
    const auth = `Basic ${Buffer.from(`admin:${ENV.HALAB_STATS_PASSWORD}`).toString('base64')}`;
    assert.equal((await get(vip, 8080, '/', { Authorization: auth })).status, 200);
    assert.deepEqual(await vipHolders(state, vip, LBS), ['lb1'], 'VRRP passes: the backup hears the primary');
    await sh(state, 'lb1', 'systemd-run --unit=halab-test-9999 /usr/bin/systemd-socket-activate -l 9999 --accept --inetd /bin/cat');
    await until('the test listener', 10_000, async () => (await sh(state, 'lb1', 'ss -Hltn "sport = :9999"')).includes('9999'));
    assert.notEqual(await connects('198.18.15.11', 9999, 2000), 'connected', 'firewalld lets through a port the file does not open');
    assert.equal(await sh(state, 'lb1', 'timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/9999" && echo open'), 'open');
  });
});

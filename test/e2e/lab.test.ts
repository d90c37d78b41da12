/**
 * The local lab with real processes (root): `lab up` on examples/lab.halab creates the hosts,
 * each reachable by ssh with the lab key under strict host-key checking, each with its own
 * hostname, /etc and PID namespace; Debian's `service haproxy start` works over ssh; isolation
 * hooks work; `lab down` leaves nothing behind. A refused topology creates nothing.
 *
 * The lab is examples/lab.halab moved to its own topology name, bridge and subnet
 * (198.18.60.0/24): node --test runs test files in parallel, and the deploy e2e tests bring up
 * examples/lab.halab itself on 198.18.0.0/24 at the same time.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, hasErrors } from '../../server/src/engine.js';
import { labVariant } from '../helpers/lab-variant.js';
import {
  LabError,
  labDown,
  labExec,
  labIsolateHost,
  labRestoreHost,
  labStatus,
  labUp,
  readLabState,
  type LabState,
} from '../../server/src/lab/index.js';

const ROOT = join(__dirname, '../..');
const TOPOLOGY = 'labe2e';
const BRIDGE = 'halabe2e0';
const NET = '198.18.60';
const isLinuxRoot = process.platform === 'linux' && process.getuid?.() === 0;

function variant(): string {
  return labVariant({ topology: TOPOLOGY, net: NET, bridge: BRIDGE });
}

function loadModel(text: string) {
  const a = analyze(text, 'lab-e2e.halab');
  assert.ok(!hasErrors(a.diagnostics), JSON.stringify(a.diagnostics));
  return a.model;
}

const ipNetns = (): string[] =>
  execFileSync('ip', ['netns', 'list']).toString().split('\n').map((l) => l.trim().split(/\s+/)[0]!).filter(Boolean);
const linkNames = (): string[] =>
  (JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()) as Array<{ ifname: string }>)
    .map((l) => l.ifname);

function ssh(state: LabState, address: string, command: string, knownHosts = state.knownHostsPath) {
  return spawnSync(
    'ssh',
    ['-i', state.keyPath, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
      '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=5', '-o', 'GlobalKnownHostsFile=/dev/null', '-F', '/dev/null',
      `root@${address}`, command],
    { encoding: 'utf8', timeout: 20_000 },
  );
}

function httpGet(host: string, port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, timeoutMs);
    s.on('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve(true);
    });
    s.on('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('local lab (real namespaces, sshd, haproxy)', { skip: !isLinuxRoot && 'needs Linux and root' }, () => {
  const labDir = mkdtempSync(join(tmpdir(), 'halab-lab-e2e-'));
  const model = loadModel(variant());
  let state: LabState;
  let upMs = 0;
  let pidsBeforeDown: number[] = [];
  const machineHaproxyCfg = '/etc/haproxy/haproxy.cfg';
  const machineCfgHash = existsSync(machineHaproxyCfg) ? sha(machineHaproxyCfg) : '';

  before(async () => {
    process.env.HALAB_LAB_DIR = labDir;
    await labDown(TOPOLOGY).catch(() => undefined); // a previous run's leftovers
    const t0 = Date.now();
    state = await labUp(model);
    upMs = Date.now() - t0;
  });

  after(async () => {
    // Cleanup even when a test failed; the last test asserts that this leaves nothing behind.
    await labDown(model).catch(() => undefined);
    rmSync(labDir, { recursive: true, force: true });
  });

  it('creates one namespace per host, quickly, and records the state', () => {
    assert.ok(upMs < 20_000, `lab up took ${upMs} ms`);
    const names = ipNetns();
    for (const h of ['lb1', 'lb2', 'web1', 'web2']) assert.ok(names.includes(`halab-${TOPOLOGY}-${h}`), `no namespace for ${h}`);
    const recorded = readLabState(TOPOLOGY);
    assert.ok(recorded);
    assert.equal(recorded.status, 'up');
    assert.equal(recorded.bridge, BRIDGE);
    assert.equal(recorded.controlAddress, `${NET}.1`);
    assert.deepEqual(recorded.hosts.map((h) => [h.name, h.role, h.address]), [
      ['lb1', 'lb', `${NET}.11`], ['lb2', 'lb', `${NET}.12`], ['web1', 'upstream', `${NET}.21`], ['web2', 'upstream', `${NET}.22`],
    ]);
    const kh = readFileSync(recorded.knownHostsPath, 'utf8').trim().split('\n');
    assert.equal(kh.length, 4);
    assert.ok(linkNames().includes(BRIDGE));
    // The host side holds the control address on the bridge.
    const addrs = execFileSync('ip', ['-4', '-o', 'addr', 'show', 'dev', BRIDGE]).toString();
    assert.match(addrs, new RegExp(`inet ${NET.replace(/\./g, '\\.')}\\.1/24`));
  });

  it('lets the control machine ssh into every host (lab key, strict host keys) and see its own hostname', () => {
    for (const h of state.hosts) {
      const r = ssh(state, h.address, 'hostname; cat /proc/1/comm; ip -o -4 addr show dev eth0');
      assert.equal(r.status, 0, `ssh ${h.name}: ${r.stderr}`);
      const [hostname, init, addr] = r.stdout.trim().split('\n');
      assert.equal(hostname, h.name);
      assert.equal(init, 'sshd', 'sshd is pid 1 of the host’s own PID namespace');
      assert.match(addr ?? '', new RegExp(`inet ${h.address.replace(/\./g, '\\.')}/24`));
    }
  });

  it('refuses a host whose key is not in known_hosts (strict checking really applies)', () => {
    const empty = join(labDir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const r = ssh(state, state.hosts[0]!.address, 'true', empty);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Host key verification failed|No .* host key is known/i);
  });

  it('keeps each host’s /etc/haproxy its own', () => {
    const name = `halab-e2e-${randomBytes(4).toString('hex')}`;
    const w = ssh(state, `${NET}.11`, `echo written-on-lb1 > /etc/haproxy/${name} && cat /etc/haproxy/${name}`);
    assert.equal(w.status, 0, w.stderr);
    assert.equal(w.stdout.trim(), 'written-on-lb1');
    const other = ssh(state, `${NET}.12`, `test -e /etc/haproxy/${name} && echo visible || echo absent`);
    assert.equal(other.status, 0, other.stderr);
    assert.equal(other.stdout.trim(), 'absent');
    assert.equal(existsSync(`/etc/haproxy/${name}`), false, 'the file leaked to the machine');
  });

  it('runs Debian’s `service haproxy start` over ssh inside one host only', async () => {
    const cfg = [
      'global',
      '  daemon',
      '  stats socket /run/haproxy/admin.sock mode 660 level admin',
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 5s',
      '  timeout server 5s',
      'frontend hello',
      `  bind ${NET}.11:8081`,
      '  http-request return status 200 content-type text/plain string "hello from lb1"',
      '',
    ].join('\n');
    const r = ssh(state, `${NET}.11`,
      `cat > /etc/haproxy/haproxy.cfg <<'EOF'\n${cfg}EOF\n` +
        'haproxy -c -f /etc/haproxy/haproxy.cfg && service haproxy start && service haproxy status');
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /haproxy is running/);
    const res = await httpGet(`${NET}.11`, 8081);
    assert.equal(res.status, 200);
    assert.equal(res.body, 'hello from lb1');
    const lb2 = ssh(state, `${NET}.12`, 'service haproxy status');
    assert.notEqual(lb2.status, 0, 'haproxy must not run on lb2');
    assert.match(lb2.stdout, /not running/);
    if (machineCfgHash) assert.equal(sha(machineHaproxyCfg), machineCfgHash, 'the machine’s haproxy.cfg changed');
    // labExec reaches the same host without ssh; status sees the daemon.
    const pidfile = await labExec(state, 'lb1', 'cat /run/haproxy.pid');
    assert.equal(pidfile.code, 0, pidfile.stderr);
    assert.match(pidfile.stdout.trim(), /^\d+$/);
    const st = await labStatus(TOPOLOGY);
    const lb1 = st.hosts.find((h) => h.name === 'lb1');
    assert.deepEqual(lb1?.services, ['haproxy', 'sshd']);
    assert.equal(lb1?.sshd, 'up');
    assert.deepEqual(st.hosts.find((h) => h.name === 'lb2')?.services, ['sshd']);
  });

  it('gives each host a private /run and /tmp and web root', async () => {
    const a = await labExec(state, 'web1',
      'echo web1 > /usr/share/nginx/html/halab-e2e.txt; touch /tmp/halab-e2e /run/halab-e2e; hostname');
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout.trim(), 'web1');
    const b = await labExec(state, 'web2',
      'ls /usr/share/nginx/html/halab-e2e.txt /tmp/halab-e2e /run/halab-e2e 2>&1 | wc -l; ' +
        'ls /usr/share/nginx/html/halab-e2e.txt 2>/dev/null || echo none');
    assert.equal(b.stdout.trim().split('\n').pop(), 'none');
    assert.equal(existsSync('/usr/share/nginx/html/halab-e2e.txt'), false);
    assert.equal(existsSync('/run/halab-e2e'), false);
  });

  it('isolates a host and restores it', async () => {
    const addr = `${NET}.21`;
    assert.equal(await tcpOpen(addr, 22, 2000), true);
    await labIsolateHost(state, 'web1');
    try {
      assert.equal(await tcpOpen(addr, 22, 1000), false, 'isolated host still answers');
      assert.equal((await labStatus(TOPOLOGY)).hosts.find((h) => h.name === 'web1')?.linkUp, false);
    } finally {
      await labRestoreHost(state, 'web1');
    }
    let back = false;
    for (let i = 0; i < 20 && !back; i++) back = await tcpOpen(addr, 22, 500);
    assert.equal(back, true, 'host did not come back after restore');
    await labIsolateHost(state, 'web2', 'detach');
    try {
      assert.equal(await tcpOpen(`${NET}.22`, 22, 1000), false, 'detached host still answers');
    } finally {
      await labRestoreHost(state, 'web2');
    }
    back = false;
    for (let i = 0; i < 20 && !back; i++) back = await tcpOpen(`${NET}.22`, 22, 500);
    assert.equal(back, true);
  });

  it('`lab up` again replaces the lab (fresh keys, same hosts)', async () => {
    const oldKh = readFileSync(state.knownHostsPath, 'utf8');
    state = await labUp(model);
    assert.notEqual(readFileSync(state.knownHostsPath, 'utf8'), oldKh);
    const r = ssh(state, `${NET}.11`, 'hostname; service haproxy status');
    assert.equal(r.stdout.split('\n')[0], 'lb1', r.stderr);
    assert.match(r.stdout, /not running/, 'the old lab’s haproxy survived');
    // Start something to be killed by down.
    const s = ssh(state, `${NET}.21`, 'service nginx start');
    assert.equal(s.status, 0, s.stderr);
    for (const h of state.hosts) {
      pidsBeforeDown.push(...execFileSync('ip', ['netns', 'pids', h.netns]).toString().split('\n').filter(Boolean).map(Number));
    }
    assert.ok(pidsBeforeDown.length >= 5);
  });

  it('`lab down` leaves no namespace, bridge, veth, process, /etc/netns dir or state', async () => {
    const veths = state.hosts.map((h) => h.veth!);
    await labDown(model);
    assert.deepEqual(ipNetns().filter((n) => n.startsWith(`halab-${TOPOLOGY}-`)), []);
    const links = linkNames();
    assert.ok(!links.includes(BRIDGE), 'bridge left behind');
    for (const v of veths) assert.ok(!links.includes(v), `veth ${v} left behind`);
    const pg = spawnSync('pgrep', ['-x', 'sshd|haproxy|nginx|keepalived|unshare'], { encoding: 'utf8' });
    const alive = pg.stdout.split('\n').filter(Boolean).map(Number);
    assert.deepEqual(alive.filter((p) => pidsBeforeDown.includes(p)), [], 'lab processes survived lab down');
    for (const h of state.hosts) assert.equal(existsSync(`/etc/netns/${h.netns}`), false);
    assert.equal(readLabState(TOPOLOGY), undefined);
    assert.equal(existsSync(join(labDir, TOPOLOGY)), false);
  });
});

describe('local lab refusals', { skip: !isLinuxRoot && 'needs Linux and root' }, () => {
  it('refuses an address outside 198.18.0.0/15 and creates nothing', async () => {
    const labDir = mkdtempSync(join(tmpdir(), 'halab-lab-refuse-'));
    process.env.HALAB_LAB_DIR = labDir;
    const text = variant().replace(/topology labe2e/, 'topology labrefuse').replaceAll(`${NET}.`, '203.0.113.')
      .replace(/bridge \S+/, 'bridge halabrf0');
    const m = loadModel(text);
    try {
      await assert.rejects(labUp(m), (e: unknown) => {
        assert.ok(e instanceof LabError);
        assert.match(e.message, /lb lb2: address 203\.0\.113\.12 is outside 198\.18\.0\.0\/15/);
        assert.match(e.message, /vip 203\.0\.113\.100\/24 is outside 198\.18\.0\.0\/15/);
        return true;
      });
      assert.deepEqual(ipNetns().filter((n) => n.startsWith('halab-labrefuse-')), []);
      assert.ok(!linkNames().includes('halabrf0'));
      assert.equal(existsSync(join(labDir, 'labrefuse')), false);
      // The CLI says the same and exits 2.
      const file = join(labDir, 'refuse.halab');
      writeFileSync(file, text);
      const cli = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'server/src/cli/halab.ts'), 'lab', 'up', file], {
        encoding: 'utf8', cwd: ROOT, env: { ...process.env, HALAB_LAB_DIR: labDir }, timeout: 30_000,
      });
      assert.equal(cli.status, 2, cli.stderr);
      assert.match(cli.stderr, /203\.0\.113\.12 is outside 198\.18\.0\.0\/15/);
      assert.deepEqual(ipNetns().filter((n) => n.startsWith('halab-labrefuse-')), []);
    } finally {
      await labDown('labrefuse').catch(() => undefined);
      rmSync(labDir, { recursive: true, force: true });
    }
  });
});

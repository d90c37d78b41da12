/**
 * Deploy against the local lab (real sshd, haproxy, keepalived, nginx in network namespaces):
 * `lab up` on examples/lab.halab, deploy, then check from this machine through the VIP; no-op
 * redeploy; a one-site change; a config failing `haproxy -c`; a host made unreachable mid-deploy;
 * a zero-downtime deploy under a 20 ms probe; `lab down` leaving nothing behind. Needs root.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { analyze, hasErrors } from '../../server/src/engine.js';
import type { Topology } from '../../shared/model/types.js';
import { labDown, labExec, labIsolateHost, labRestoreHost, labUp, readLabState, type LabState } from '../../server/src/lab/index.js';
import { deployTopology, type DeployEvent, type DeployResult } from '../../server/src/deploy/index.js';
import { envSecrets } from '../../server/src/secrets.js';

const isRoot = process.getuid?.() === 0;
const VRRP = 'e2eVrrp7';
const STATS = 'e2e-stats-Pw!9';
const LAB = readFileSync(new URL('../../examples/lab.halab', import.meta.url), 'utf8');
const VIP = '198.18.0.100';
const SITES = [
  { host: 'web01.lab.test', page: 'WEB 01 - TEST PAGE' },
  { host: 'web02.lab.test', page: 'WEB 02 - TEST PAGE' },
];

function model(text = LAB): Topology {
  const a = analyze(text, 'examples/lab.halab');
  assert.equal(hasErrors(a.diagnostics), false, JSON.stringify(a.diagnostics));
  return a.model;
}

const secrets = envSecrets({ HALAB_VRRP_AUTH: VRRP, HALAB_STATS_PASSWORD: STATS });

async function run(
  m: Topology,
  extra: Parameters<typeof deployTopology>[1] extends infer O ? Partial<O> : never = {},
): Promise<{ r: DeployResult; events: DeployEvent[] }> {
  const events: DeployEvent[] = [];
  const r = await deployTopology(m, { secrets, source: 'examples/lab.halab', ...extra }, (e) => events.push(e));
  return { r, events };
}

function get(path: string, host: string, port = 80, auth?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: VIP, port, path, headers: { Host: host, ...(auth ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {}) },
        timeout: 2000, agent: false },
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

async function vipHolders(state: LabState): Promise<string[]> {
  const out: string[] = [];
  for (const lb of ['lb1', 'lb2']) {
    // on eth0: with the flow handoff every lb also holds the VIP on lo, where it does not count
    const r = await labExec(state, lb, ['ip', '-o', 'addr', 'show', 'dev', 'eth0']);
    if (r.stdout.includes(` ${VIP}/`)) out.push(lb);
  }
  return out;
}

const cat = async (state: LabState, host: string, path: string) => (await labExec(state, host, ['cat', path])).stdout;

describe('deploy to the local lab', { skip: !isRoot && 'needs root (network namespaces)', timeout: 300_000 }, () => {
  let state: LabState;
  const base = model();

  before(async () => {
    await labDown(base).catch(() => undefined); // a previous crashed run
    state = await labUp(base);
  });

  after(async () => {
    const st = readLabState('lab');
    if (st) for (const h of ['lb1', 'lb2', 'web1', 'web2']) await labRestoreHost(st, h).catch(() => undefined);
    await labDown(base);
    // nothing left: no namespace, bridge, veth or host process
    const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    assert.doesNotMatch(netns, /halab-lab-/);
    assert.doesNotMatch(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }), /halab0/);
    for (const h of state?.hosts ?? []) {
      if (h.pid) assert.throws(() => process.kill(h.pid!, 0), `process ${h.pid} of ${h.name} still alive`);
    }
    assert.equal(readLabState('lab'), undefined);
  });

  it('deploys the lab; sites answer through the VIP (Host with and without :80), stats needs credentials, VIP on the primary', async () => {
    const { r } = await run(base, { acceptNew: false });
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    for (const s of SITES) {
      for (const host of [s.host, `${s.host}:80`]) {
        const res = await get('/', host);
        assert.equal(res.status, 200, `${host}`);
        assert.match(res.body, new RegExp(s.page), host);
      }
    }
    assert.equal((await get('/', 'stats', 8080, `admin:${STATS}`)).status, 200);
    assert.equal((await get('/', 'stats', 8080)).status, 401);
    assert.equal((await get('/', 'stats', 8080, 'admin:wrong')).status, 401);
    assert.deepEqual(await vipHolders(state), ['lb1']);
    // the files holding secrets are not world-readable
    const st = await labExec(state, 'lb1', ['stat', '-c', '%a %U %G', '/etc/haproxy/haproxy.cfg', '/etc/keepalived/keepalived.conf']);
    assert.deepEqual(st.stdout.trim().split('\n'), ['640 root haproxy', '600 root root']);
  });

  it('a redeploy with no change uploads nothing and reloads nothing', async () => {
    const { r } = await run(base);
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    for (const h of r.hosts) {
      assert.equal(h.status, 'unchanged', h.host);
      assert.deepEqual(h.uploaded, [], h.host);
      assert.deepEqual(h.reloaded, [], h.host);
    }
  });

  it('a change to one site reloads only haproxy on the lbs', async () => {
    const m = model(LAB.replace('page "WEB 02 - TEST PAGE"', 'page "WEB 02 - TEST PAGE"\n  balance leastconn'));
    const { r } = await run(m);
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    const by = Object.fromEntries(r.hosts.map((h) => [h.host, h]));
    assert.deepEqual(by.lb1!.reloaded, ['haproxy']);
    assert.deepEqual(by.lb2!.reloaded, ['haproxy']);
    assert.deepEqual(by.web1!.reloaded, []);
    assert.deepEqual(by.web2!.reloaded, []);
    assert.match(await cat(state, 'lb1', '/etc/haproxy/haproxy.cfg'), /balance leastconn/);
  });

  it('a config failing haproxy -c on the target replaces nothing and says why', async () => {
    const before1 = await cat(state, 'lb1', '/etc/haproxy/haproxy.cfg');
    const before2 = await cat(state, 'lb2', '/etc/haproxy/haproxy.cfg');
    const m = model(LAB.replace('page "WEB 02 - TEST PAGE"', 'page "WEB 02 - TEST PAGE"\n  balance source'));
    const { r } = await run(m, {
      transformFile: (f) =>
        (f.path.endsWith('/haproxy.cfg') ? { ...f, content: f.content + '\nthis-is-not-a-keyword halab-test-corruption\n' } : f),
    });
    assert.equal(r.ok, false);
    assert.equal(r.failure?.host, 'lb2', 'fails on the first lb (the backup)');
    assert.equal(r.failure?.step, 'validate');
    assert.match(r.failure!.message, /haproxy -c/);
    assert.match(r.failure!.message, /this-is-not-a-keyword/);
    assert.equal(await cat(state, 'lb1', '/etc/haproxy/haproxy.cfg'), before1);
    assert.equal(await cat(state, 'lb2', '/etc/haproxy/haproxy.cfg'), before2);
    const leftovers = await labExec(state, 'lb2', 'ls -A /etc/haproxy');
    assert.doesNotMatch(leftovers.stdout, /\.halab-/, 'no staging directory left');
    assert.equal((await get('/', SITES[0]!.host)).status, 200, 'still serving');
  });

  it('a host made unreachable mid-deploy triggers rollback and a report naming it', async () => {
    const oldPage = await cat(state, 'web1', '/usr/share/nginx/web01/index.html');
    const m = model(LAB.replace('WEB 01 - TEST PAGE', 'WEB 01 - SECOND EDITION'));
    try {
      const { r } = await run(m, {
        stepTimeoutMs: 8000,
        afterHost: async (h) => {
          if (h === 'web1') await labIsolateHost(state, 'web2');
        },
      });
      assert.equal(r.ok, false);
      assert.equal(r.failure?.host, 'web2');
      assert.match(r.failure!.message, /web2|lost connection|timed out/);
      const by = Object.fromEntries(r.hosts.map((h) => [h.host, h]));
      assert.equal(by.web1!.status, 'rolled-back');
      assert.equal(by.web2!.status, 'failed');
      assert.equal(by.web2!.lost, true, 'web2 is reported lost');
      assert.equal(by.lb1!.status, 'skipped');
      assert.equal(await cat(state, 'web1', '/usr/share/nginx/web01/index.html'), oldPage, 'web1 restored');
    } finally {
      await labRestoreHost(state, 'web2');
    }
    assert.equal(await cat(state, 'web2', '/usr/share/nginx/web01/index.html'), oldPage, 'web2 never changed');
  });

  it('zero downtime: a deploy changing haproxy.cfg and keepalived.conf on both lbs fails no request of a 20 ms probe', async () => {
    // keepalived.conf changes on both lbs (lb2's priority, and the upstreams weight derived from
    // the priorities), haproxy.cfg by the balance; each replace must have found its text
    const changed = LAB.replace('role backup; os debian }', 'role backup; os debian; priority 248 }')
      .replace('page "WEB 01 - TEST PAGE"', 'page "WEB 01 - TEST PAGE"\n  balance first');
    assert.equal(changed.length, LAB.length + ' priority 248;'.length + '\n  balance first'.length);
    const m = model(changed);
    let stop = false;
    const failures: string[] = [];
    let requests = 0;
    const vipSamples: string[][] = [];
    const probe = async (s: (typeof SITES)[number]) => {
      const deadline = Date.now() + 60_000; // bound
      while (!stop && Date.now() < deadline) {
        const t = Date.now();
        try {
          const res = await get('/', s.host);
          requests++;
          if (res.status !== 200 || !res.body.includes(s.page)) failures.push(`${s.host}: HTTP ${res.status}`);
        } catch (e) {
          requests++;
          failures.push(`${s.host}: ${(e as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, Math.max(0, 20 - (Date.now() - t))));
      }
    };
    const watchVip = async () => {
      const deadline = Date.now() + 60_000;
      while (!stop && Date.now() < deadline) {
        vipSamples.push(await vipHolders(state));
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const probes = [...SITES.map(probe), watchVip()];
    await new Promise((r) => setTimeout(r, 300)); // probe before the deploy starts
    const { r } = await run(m);
    await new Promise((r) => setTimeout(r, 1500)); // and after it ends
    stop = true;
    await Promise.all(probes);
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    const by = Object.fromEntries(r.hosts.map((h) => [h.host, h]));
    assert.deepEqual(by.lb1!.reloaded, ['haproxy', 'keepalived']);
    assert.deepEqual(by.lb2!.reloaded, ['haproxy', 'keepalived']);
    assert.ok(requests > 50, `probe ran (${requests} requests)`);
    assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed`);
    assert.ok(vipSamples.length > 5);
    assert.deepEqual(vipSamples.filter((v) => v.join() !== 'lb1'), [], 'VIP stayed on lb1');
    console.log(`# zero-downtime: ${requests} requests, 0 failed, ${vipSamples.length} VIP samples all on lb1, deploy ${r.ms} ms`);
  });
});

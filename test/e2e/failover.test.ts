/**
 * The failover test against the local lab (real sshd, haproxy, keepalived, nginx in network
 * namespaces), one lab + deploy for the whole file on its own subnet and bridge
 * (test/fixtures/failover/fo-lab.halab), then one run per fault kind. For each: the VIP moves
 * to the backup (kill-upstream: it must not, and no request fails), the verdict follows the
 * measured numbers, the failback is measured, and the lab is restored — checked from the host
 * side through the namespaces, not through the code under test. Needs root.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FaultKind } from '../../shared/model/types.js';
import { labExec, labSshArgs, type LabState } from '../../server/src/lab/index.js';
import { envSecrets } from '../../server/src/secrets.js';
import { runFailoverTest, type FailoverEvent, type FailoverOptions, type FailoverReport } from '../../server/src/failover/index.js';
import { serviceCommand } from '../../server/src/failover/faults.js';
import { renderCommand } from '../../server/src/deploy/shell-quote.js';
import { inFlightAcrossKill } from '../helpers/fault-window.js';
import { useLabFixture, vipHolders } from '../helpers/lab-fixture.js';

const isRoot = process.getuid?.() === 0;
const FILE = fileURLToPath(new URL('../fixtures/failover/fo-lab.halab', import.meta.url));
const ENV = { HALAB_VRRP_AUTH: 'foVrrp12', HALAB_STATS_PASSWORD: 'fo-Stats-pw9' };
const secrets = envSecrets(ENV);
const VIP = '198.18.5.100';

const holders = (state: LabState) => vipHolders(state, VIP);

const running = async (state: LabState, host: string, proc: string) => (await labExec(state, host, ['pidof', proc])).code === 0;

/** The lab as the test left it, seen from the host side (nsenter), with a bounded wait for the VIP. */
async function assertRestored(state: LabState): Promise<void> {
  for (const lb of ['lb1', 'lb2']) {
    assert.ok(await running(state, lb, 'haproxy'), `haproxy runs on ${lb}`);
    assert.ok(await running(state, lb, 'keepalived'), `keepalived runs on ${lb}`);
    const link = await labExec(state, lb, ['ip', '-o', 'link', 'show', 'dev', 'eth0']);
    assert.match(link.stdout, /[<,]UP[,>]/, `eth0 up on ${lb}`);
  }
  for (const web of ['web1', 'web2']) assert.ok(await running(state, web, 'nginx'), `nginx runs on ${web}`);
  let h: string[] = [];
  for (let i = 0; i < 50; i++) {
    h = await holders(state);
    if (h.join() === 'lb1') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(h, ['lb1'], 'the VIP is back on the primary alone');
}

/** Polls (bounded) until the VIP is on `want` alone; fails saying where it is. */
async function waitHolder(state: LabState, want: string, ms: number): Promise<void> {
  let h: string[] = [];
  for (let i = 0; i < ms / 50; i++) {
    h = await holders(state);
    if (h.join() === want) return;
    await new Promise((x) => setTimeout(x, 50));
  }
  assert.fail(`the VIP should be on ${want} alone, is on ${h.join() || 'nobody'}`);
}

/**
 * A request through the VIP sent in two halves: `open` connects and sends the request line and
 * Host header; `finish` sends the blank line that ends the request and reads the answer (bounded:
 * 3 s). Between the two the VIP can move: the connection then lives on the lb that accepted it.
 */
async function halfRequest(host: string): Promise<{ finish: () => Promise<string> }> {
  const sock: Socket = connect({ host: VIP, port: 80 });
  sock.setNoDelay(true);
  await new Promise<void>((ok, fail) => {
    sock.once('connect', ok);
    sock.once('error', fail);
    setTimeout(() => fail(new Error('connect timed out')), 3000).unref();
  });
  sock.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n`);
  let answer = '';
  const ended = new Promise<string>((ok) => {
    sock.on('data', (d) => (answer += d.toString('latin1')));
    sock.on('end', () => ok(answer));
    sock.on('error', (e) => ok(`${answer}[error: ${e.message}]`));
    sock.on('close', () => ok(answer));
  });
  return {
    finish: async () => {
      sock.write('\r\n');
      const t = setTimeout(() => sock.destroy(new Error('no answer within 3 s')), 3000);
      const a = await ended;
      clearTimeout(t);
      return a;
    },
  };
}

/** Every number of the verdict is recomputable from the raw timeline in the report. */
function assertVerdictFromNumbers(r: FailoverReport): void {
  assert.equal(r.totalRequests, r.timeline.samples.length);
  assert.equal(r.failedRequests, r.timeline.samples.filter((s) => !s.ok).length);
  const siteFailed = Object.values(r.sites).reduce((n, s) => n + s.faultFailed, 0);
  // the fault phase counts what completed from the fault command's send (faultAtMs is half a round trip later)
  const inFault = r.timeline.samples.filter((s) => !s.ok && s.t + s.ms >= r.faultSentMs! && s.t + s.ms < r.failback.restoreAtMs!).length;
  assert.equal(siteFailed, inFault);
  const within = r.outageMs <= r.maxOutageMs && r.failback.outageMs <= r.maxOutageMs;
  if (!within) assert.equal(r.verdict, 'fail');
  if (r.verdict === 'pass') assert.ok(within && r.reasons.length === 0);
  else assert.ok(r.reasons.length > 0, 'a failing verdict says why');
  if (inFault > 0) {
    // the outage lies within the fault phase, and lasts at least one probe interval
    assert.ok(r.outageMs >= r.probeIntervalMs * 0.5, `outage ${r.outageMs}`);
    assert.ok(r.outageMs <= r.failback.restoreAtMs! - r.firstFailedMs! + 1, `outage ${r.outageMs}`);
  }
}

describe('failover test in the local lab', { skip: !isRoot && 'needs root (network namespaces)', timeout: 420_000 }, () => {
  const lab = useLabFixture(FILE, secrets, { netns: /halab-fo-lab-/, link: /halabfo0/ });
  const base = lab.model;

  async function run(fault: FaultKind, extra: Partial<FailoverOptions> = {}): Promise<{ r: FailoverReport; events: FailoverEvent[] }> {
    const events: FailoverEvent[] = [];
    const r = await runFailoverTest(base, { secrets, fault, ...extra }, (e) => events.push(e));
    return { r, events };
  }

  function assertVipFailover(r: FailoverReport, events: FailoverEvent[]): void {
    assert.equal(r.preflight.ok, true, r.preflight.messages.join('; '));
    assert.equal(r.preflight.config, 'same');
    assert.notEqual(r.faultAtMs, null);
    assert.equal(r.vipMoved, true, r.reasons.join('; '));
    assert.ok(r.holderAfterFault.includes('lb2'), `held by ${r.holderAfterFault}`);
    assert.ok(r.vipMovedMs! > 0);
    // the live events saw it too: lb2 gained the VIP after the fault
    assert.ok(events.some((e) => e.type === 'vip' && e.change.lb === 'lb2' && e.change.has === true && e.change.t > r.faultAtMs!));
    assert.ok(r.failedRequests > 0, 'clients saw the fault');
    assert.ok(r.outageMs > 0 && r.outageEnded);
    // failback measured: the VIP came back to the primary
    assert.equal(r.failback.expected, true);
    assert.notEqual(r.failback.vipMovedMs, null, r.reasons.join('; '));
    // the returning lb takes the VIP only with its servers UP (no 503), and the flow handoff
    // finishes the interim holder's connections in flight (no reset): no failed request
    const back = r.timeline.samples.filter((x) => !x.ok && x.t >= r.failback.restoreAtMs!);
    assert.equal(r.failback.failedRequests, 0, JSON.stringify(back.slice(0, 5)));
    assert.equal(r.restored.ok, true, r.restored.problems.join('; '));
    for (const site of ['web01', 'web02']) assert.ok(r.sites[site]!.total > 100, `${site} probed`);
    assertVerdictFromNumbers(r);
  }

  it('kill-haproxy: the backup takes the VIP within max-outage, and gives it back', async () => {
    const { r, events } = await run('kill-haproxy', { durationMs: 10_000 });
    assertVipFailover(r, events);
    // the check runs every 1 s: the outage is where in that second haproxy died, plus the skew
    // halab-watch sees the socket close at once; the rest is the backup's skew (~27 ms): a
    // loaded machine gets 300 ms (the polled check this replaced needed up to a second)
    assert.ok(r.outageMs < 300, `outage ${r.outageMs} ms`);
    if (r.outageMs <= r.maxOutageMs && r.failback.outageMs <= r.maxOutageMs) assert.equal(r.verdict, 'pass', r.reasons.join('; '));
    await assertRestored(lab.state);
  });

  it('stop-haproxy', async () => {
    const { r, events } = await run('stop-haproxy', { durationMs: 10_000 });
    assertVipFailover(r, events);
    await assertRestored(lab.state);
  });

  it('stop-keepalived: the priority-0 advert hands the VIP over at once', async () => {
    const { r, events } = await run('stop-keepalived', { durationMs: 9_000 });
    assert.equal(r.preflight.ok, true, r.preflight.messages.join('; '));
    assert.equal(r.vipMoved, true);
    assert.ok(r.vipMovedMs! < 500, `moved after ${r.vipMovedMs} ms`);
    assert.ok(events.some((e) => e.type === 'vip' && e.change.lb === 'lb2' && e.change.has === true));
    assert.notEqual(r.failback.vipMovedMs, null);
    // lb1's HAProxy never stopped: with the flow handoff, what it had accepted finishes there, and
    // lb2's connections at the failback finish on lb2, so no request fails either way
    const failed = r.timeline.samples.filter((x) => !x.ok);
    assert.equal(r.failedRequests, 0, JSON.stringify(failed.slice(0, 5)));
    assert.equal(r.failback.failedRequests, 0);
    assert.equal(r.restored.ok, true, r.restored.problems.join('; '));
    assertVerdictFromNumbers(r);
    await assertRestored(lab.state);
  });

  it('link-down (1 s adverts: the backup waits for the master-down timer, ~3 s)', async () => {
    const { r, events } = await run('link-down', { durationMs: 13_000, maxOutageMs: 4000 });
    assertVipFailover(r, events);
    // 3 × 1 s adverts + skew: more than two adverts, less than the 4 s allowed
    assert.ok(r.vipMovedMs! > 2000 && r.vipMovedMs! < 4000, `moved after ${r.vipMovedMs} ms`);
    // while cut off, lb1's HAProxy failed its checks: it takes the VIP back only once they pass
    // again, so no client gets a 503 from it (and the flow handoff finishes the requests in flight)
    const back503 = r.timeline.samples.filter((x) => x.t > r.failback.restoreAtMs! && x.status === 503);
    assert.deepEqual(back503, [], 'no 503 after the link returns');
    await assertRestored(lab.state);
  });

  it('health-aware VRRP: an lb whose HAProxy sees no server UP hands the VIP to a peer that does, ' +
    'and takes it back when they are UP', async () => {
    const upstreams = ['198.18.5.21', '198.18.5.22'];
    const route = (op: 'add' | 'del') =>
      Promise.all(upstreams.map((a) => labExec(lab.state, 'lb1', ['ip', 'route', op, 'blackhole', `${a}/32`])));
    try {
      await route('add');
      // checks every 2 s fail at once on a blackhole route; then 3 adverts + skew (~3 s)
      await waitHolder(lab.state, 'lb2', 10_000);
      const state1 = await labExec(lab.state, 'lb1', ['cat', '/run/halab/upstreams-down']);
      assert.equal(state1.stdout.trim(), '1', 'halab-watch on lb1 says its backends have no server UP');
    } finally {
      await route('del');
    }
    // the checks pass again (rise 2 × 500 ms), then lb1 preempts after the master-down timer
    await waitHolder(lab.state, 'lb1', 12_000);
    assert.equal((await labExec(lab.state, 'lb1', ['cat', '/run/halab/upstreams-down'])).stdout.trim(), '0');
    await assertRestored(lab.state);
  });

  it('flow handoff: a connection accepted by the VIP\'s holder is answered after the VIP moves away, and after it comes back', async () => {
    // over SSH, as a user would (a daemon started through nsenter does not outlive the call)
    const keepalived = (action: 'start' | 'stop') =>
      new Promise<{ code: number; stderr: string }>((done) =>
        execFile('ssh', [...labSshArgs(lab.state, 'lb1'), renderCommand(serviceCommand('sysv', action, 'keepalived'))], { timeout: 20_000 },
          (err, _out, stderr) => done({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stderr })));
    await waitHolder(lab.state, 'lb1', 5000);
    // lb1 → lb2: lb1's HAProxy keeps running, only its keepalived stops (the VIP leaves at once)
    const onLb1 = await halfRequest('web01.lab.test');
    try {
      assert.equal((await keepalived('stop')).code, 0);
      await waitHolder(lab.state, 'lb2', 5000);
      // the init script returns before keepalived has exited; a start before then would be a no-op
      for (let i = 0; i < 100 && (await running(lab.state, 'lb1', 'keepalived')); i++) await new Promise((x) => setTimeout(x, 50));
      const a = await onLb1.finish();
      assert.match(a, /^HTTP\/1\.1 200 /, `the connection lb1 accepted, finished after the VIP moved to lb2: ${a.slice(0, 200)}`);
      assert.match(a, /WEB 01 - TEST PAGE/);
      // lb2 → lb1: lb1 preempts once its keepalived runs again (its servers are UP)
      const onLb2 = await halfRequest('web02.lab.test');
      const started = await keepalived('start');
      assert.equal(started.code, 0, started.stderr);
      await waitHolder(lab.state, 'lb1', 8000).catch(async (e: Error) => {
        const d = await labExec(
          lab.state,
          'lb1',
          'pidof keepalived; cat /run/halab/*; ' + 'tail -n 20 /var/log/keepalived.log /var/log/syslog 2>&1',
        );
        throw new Error(`${e.message}\n${d.stdout}${d.stderr}`);
      });
      const b = await onLb2.finish();
      assert.match(b, /^HTTP\/1\.1 200 /, `the connection lb2 accepted, finished after the VIP came back to lb1: ${b.slice(0, 200)}`);
      assert.match(b, /WEB 02 - TEST PAGE/);
    } finally {
      await keepalived('start');
    }
    await assertRestored(lab.state);
  });

  it('kill-upstream: the VIP stays, no request fails, HAProxy marks the server DOWN and UP again', async () => {
    const { r, events } = await run('kill-upstream', { durationMs: 16_000 });
    assert.equal(r.preflight.ok, true, r.preflight.messages.join('; '));
    assert.equal(r.target, 'web1');
    assert.equal(r.vipMoved, false);
    // No request begun after the kill fails: HAProxy's checks and retries carry them to web2. One
    // under way on web1 at the kill may get a 502 (seen once in a CI run: HAProxy cannot replay a
    // request nginx had already taken), so only a failure in flight across the kill is allowed.
    // The report counts those as cut, not failed; the test checks each by its own rule.
    const inFlightAtKill = inFlightAcrossKill(r);
    assert.equal(r.failedRequests, 0, JSON.stringify(r.timeline.samples.filter((s) => !s.ok).slice(0, 5)));
    const cut = r.timeline.samples.filter((s) => s.cut);
    assert.deepEqual(cut.filter((x) => !inFlightAtKill(x)), [], 'cut only what was in flight at the kill');
    assert.ok(cut.length <= 2, `${cut.length} cut: at most the requests in flight at the kill`);
    assert.ok(r.totalRequests > 300, `${r.totalRequests} requests`);
    assert.ok(r.upstream, 'upstream section');
    // check inter 2s, fastinter 500ms, fall 3: the first failed check comes within one interval
    // (0–2 s), then two more at 500 ms: DOWN after about 1–3 s (plus a poll of slack).
    assert.ok(r.upstream!.markedDownMs! > 900 && r.upstream!.markedDownMs! < 4000, `DOWN after ${r.upstream!.markedDownMs} ms`);
    assert.notEqual(r.upstream!.markedUpMs, null);
    // downinter 500ms, rise 2: UP again about 0.5–1.5 s after nginx is back.
    assert.ok(r.upstream!.markedUpMs! < 3000, `UP again after ${r.upstream!.markedUpMs} ms`);
    assert.ok(events.some((e) => e.type === 'server' && e.change.server === 'web1' && e.change.status === 'DOWN'));
    assert.equal(r.verdict, 'pass', r.reasons.join('; '));
    assertVerdictFromNumbers(r);
    await assertRestored(lab.state);
  });

  it('CLI: max-outage below the measured outage gives a failing verdict and exit 1; the JSON has the documented keys', async () => {
    const cli = fileURLToPath(new URL('../../server/src/cli/halab.ts', import.meta.url));
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', cli, 'failover-test', FILE, '--json', '--max-outage', '1ms', '--duration', '9s'],
        { env: { ...process.env, ...ENV }, timeout: 90_000, maxBuffer: 64 << 20 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
      ),
    );
    assert.equal(code, 1, stderr);
    const r = JSON.parse(stdout) as FailoverReport;
    for (const k of ['outageMs', 'vipMovedMs', 'failedRequests', 'totalRequests', 'verdict', 'failback', 'sites', 'timeline']) {
      assert.ok(k in r, k);
    }
    assert.ok('outageMs' in r.failback && 'vipMovedMs' in r.failback);
    assert.equal(r.verdict, 'fail');
    assert.ok(r.outageMs > 1, `outage ${r.outageMs}`);
    assert.ok(r.reasons.some((x) => /max-outage 1 ms/.test(x)), r.reasons.join('; '));
    assert.match(stderr, /fault: kill-haproxy on lb1/);
    await assertRestored(lab.state);
  });
});

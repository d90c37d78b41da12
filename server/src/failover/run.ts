/**
 * `runFailoverTest(model, opts, events)`: preflight (deployed config = the file, the VIP on the
 * primary alone, every site answering), then probe every site through its VIP while watching
 * which lb holds the VIP; apply the fault to the lb holding it (or kill an upstream's web
 * server), wait for the takeover to settle, undo the fault, watch the failback, check that
 * everything is restored, and judge the measured outage against `max-outage`.
 *
 * Time line (ms since the start, `t0`):
 *   baseline  probes and pollers running, nothing broken (≤ 1 s)
 *   fault     from the fault command to the restore; ends when the takeover has settled
 *             (VIP moved / server marked DOWN, then `settleMs` without failures), at the latest
 *             after `holdMs` — link-down always lasts exactly `holdMs` (its restore is timed
 *             on the host, see faults.ts)
 *   failback  from the restore until the VIP is back on the primary (server UP again) and
 *             settled, at the latest `duration` after t0
 */
import { performance } from 'node:perf_hooks';
import type { FaultKind, Lb, Topology } from '../model/types.js';
import { lbInterface } from '../model/types.js';
import type { SecretResolver } from '../secrets.js';
import { deployTopology } from '../deploy/index.js';
import { render } from '../render/render.js';
import type { Remote } from '../deploy/deploy.js';
import { resolveTargets, type HostTarget } from '../deploy/targets.js';
import { verifyCluster } from '../verify/cluster.js';
import { holdersAt, outageWindow, serverStatusAt, siteStats, vipReturned, vipTakenOver } from './analyze.js';
import { diagnoseVrrp } from '../verify/diagnose-vrrp.js';
import { expectedFailoverMs, faultMovesVip, faultPlan, INIT_COMMAND, LINK_DOWN_DELAY_MS, parseInit, type FaultPlan } from './faults.js';
import { probeTargets, startProber } from './probe.js';
import { sshFailoverConnector, type FailoverConnector, type FailoverRemote } from './remote.js';
import type { FailoverEvent, FailoverListener, FailoverPhase, FailoverReport, PreflightResult, TimelineMark } from './types.js';
import { watchServers, watchVips, type Watcher } from './watchers.js';

export class FailoverError extends Error {
  /** 2: usage or I/O (cannot connect, unknown upstream); 1: the test could not run to a verdict. */
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
    this.name = 'FailoverError';
  }
}

export interface FailoverOptions {
  /** Resolves the file's secrets so the rendered config can be compared with the hosts'. Without it the comparison is skipped (noted). */
  secrets?: SecretResolver;
  /** Overrides of the file's `failover-test` block. */
  fault?: FaultKind;
  probeIntervalMs?: number;
  durationMs?: number;
  maxOutageMs?: number;
  /** kill-upstream: which upstream (default: the first managed server of the first site). */
  upstream?: string;
  /** Quiet time after the takeover / failback before a phase ends (default max(1 s, 10 × interval)). */
  settleMs?: number;
  /** Skip parts of the preflight (tests, repeated bench runs). */
  preflight?: { config?: boolean; cluster?: boolean };
  targets?: HostTarget[];
  connect?: FailoverConnector;
  /** Stops the run early (the fault is still undone). */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errMsg = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function runFailoverTest(model: Topology, opts: FailoverOptions = {}, events: FailoverListener = () => {}): Promise<FailoverReport> {
  const spec = model.failoverTest;
  const fault = opts.fault ?? spec.fault;
  const intervalMs = Math.max(5, opts.probeIntervalMs ?? spec.probeIntervalMs);
  const durationMs = Math.max(2000, opts.durationMs ?? spec.durationMs);
  const maxOutageMs = opts.maxOutageMs ?? spec.maxOutageMs;
  const settleMs = opts.settleMs ?? Math.max(1000, 10 * intervalMs);
  const vip = model.vips[0];
  if (!vip) throw new FailoverError('the topology has no vip');
  const primary = model.lbs.find((l) => l.role === 'primary');
  if (!primary) throw new FailoverError('the topology has no primary lb');
  const backups = model.lbs.filter((l) => l !== primary).sort((a, b) => b.priority - a.priority);
  const backup = backups[0];
  if (!backup) throw new FailoverError('a failover test needs at least two lbs');
  if (model.sites.length === 0) throw new FailoverError('the topology has no site to probe');

  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const startedAt = new Date().toISOString();
  const marks: TimelineMark[] = [];
  const emit = (e: FailoverEvent) => {
    try {
      events(e);
    } catch {
      /* a listener's bug must not break the test */
    }
  };
  const phase = (p: FailoverPhase, status: 'start' | 'ok' | 'fail' | 'info', message: string) => emit({ type: 'phase', phase: p, status, message, t: Math.round(now()) });
  const mark = (label: string, t = now()) => {
    const m = { t: Math.round(t * 10) / 10, label };
    marks.push(m);
    emit({ type: 'mark', mark: m });
    return m.t;
  };

  const targets = opts.targets ?? resolveTargets(model);
  const targetOf = (name: string) => {
    const t = targets.find((x) => x.name === name);
    if (!t) throw new FailoverError(`no SSH target for ${name}`);
    return t;
  };
  let upstreamName: string | undefined;
  if (fault === 'kill-upstream') {
    const managed = new Set(model.upstreams.filter((u) => u.managed).map((u) => u.name));
    upstreamName = opts.upstream ?? model.sites.flatMap((s) => s.servers).find((n) => managed.has(n));
    if (!upstreamName) throw new FailoverError('kill-upstream needs a managed upstream (halab reaches it over SSH to kill its web server)');
    if (!managed.has(upstreamName)) throw new FailoverError(`upstream ${upstreamName} is not a managed upstream of this topology`);
  }

  const baselineMs = Math.min(1000, Math.max(300, durationMs / 10));
  const expected = expectedFailoverMs(model, fault, backup.priority);
  const room = durationMs - baselineMs;
  const holdMs = Math.round(Math.min(room - 500, Math.max(room / 2, expected + settleMs + 500)));
  // a request during a VIP outage hangs (SYN retransmits after 1 s): a short timeout shows it;
  // behind a dead upstream HAProxy retries (min(1 s, timeout connect) apart) and then redispatches,
  // so those requests are slow but answered: give them that long
  const retryBudget = model.defaults.retries * Math.min(1000, model.defaults.timeouts.connect) + 1000;
  const requestTimeoutMs = fault === 'kill-upstream' ? Math.max(2 * intervalMs, 100, retryBudget) : Math.max(2 * intervalMs, 100);

  // an unset secret is a usage problem: find it before touching any host
  if (opts.secrets && opts.preflight?.config !== false) render(model, { source: model.source, secrets: opts.secrets });

  // ---- connect: a control and a watch session per lb; the upstream's for kill-upstream;
  // the managed upstreams' too when the config is compared
  const connector = opts.connect ?? sshFailoverConnector;
  const keepaliveCountMax = Math.ceil(durationMs / 1000) + 30;
  const compareConfig = opts.preflight?.config !== false && !!opts.secrets;
  const ctlNames = [...model.lbs.map((l) => l.name), ...(compareConfig ? model.upstreams.filter((u) => u.managed).map((u) => u.name) : upstreamName ? [upstreamName] : [])];
  const ctl = new Map<string, FailoverRemote>();
  const watch = new Map<string, FailoverRemote>();
  const all: FailoverRemote[] = [];
  phase('connect', 'start', `${ctlNames.join(', ')}`);
  try {
    await Promise.all([
      ...ctlNames.map(async (n) => {
        const r = await connector(targetOf(n), { keepaliveCountMax });
        all.push(r);
        ctl.set(n, r);
      }),
      ...model.lbs.map(async (l) => {
        const r = await connector(targetOf(l.name), { keepaliveCountMax });
        all.push(r);
        watch.set(l.name, r);
      }),
    ]);
  } catch (e) {
    for (const r of all) r.close();
    phase('connect', 'fail', errMsg(e));
    throw e instanceof FailoverError ? e : new FailoverError(errMsg(e));
  }
  phase('connect', 'ok', `${all.length} session(s)`);

  const report: FailoverReport = {
    topology: model.name,
    fault,
    target: fault === 'kill-upstream' ? upstreamName! : primary.name,
    primary: primary.name,
    backup: backup.name,
    startedAt,
    probeIntervalMs: intervalMs,
    durationMs,
    maxOutageMs,
    requestTimeoutMs,
    preflight: { ok: false, config: 'skipped', differing: [], vipHolders: {}, sites: [], messages: [] },
    faultAtMs: null,
    faultAckMs: null,
    vipMoved: false,
    expectVipMove: faultMovesVip(fault),
    vipMovedMs: null,
    vipMovedAtMs: null,
    holderAfterFault: [],
    outageMs: 0,
    outageEnded: true,
    firstFailedMs: null,
    lastFailedMs: null,
    failedRequests: 0,
    totalRequests: 0,
    baselineFailed: 0,
    sites: {},
    failback: {
      expected: false,
      restoreAtMs: null,
      vipMovedMs: null,
      vipMovedAtMs: null,
      outageMs: 0,
      outageEnded: true,
      failedRequests: 0,
      totalRequests: 0,
      firstFailedMs: null,
      lastFailedMs: null,
    },
    restored: { ok: true, problems: [] },
    verdict: 'fail',
    reasons: [],
    notes: [],
    elapsedMs: 0,
    timeline: { samples: [], vip: [], servers: [], marks },
  };

  let vipWatch: Watcher<import('./types.js').VipChange> | undefined;
  let srvWatch: Watcher<import('./types.js').ServerChange> | undefined;
  let prober: ReturnType<typeof startProber> | undefined;
  let plan: FaultPlan | undefined;
  let faultHost: FailoverRemote | undefined;
  let faultApplied = false;
  let restoreSent = false;
  try {
    // ---- preflight
    phase('preflight', 'start', 'deployed config, VIP holder, sites');
    report.preflight = await preflight(model, primary, opts, targets, ctl, compareConfig, (p, s, m) => phase(p, s, m));
    if (!report.preflight.ok) {
      report.reasons.push(`preflight failed: ${report.preflight.messages.join('; ')}`);
      phase('preflight', 'fail', report.preflight.messages.join('; '));
      return finish();
    }
    phase('preflight', 'ok', report.preflight.messages.join('; ') || 'ok');

    const lbList = model.lbs.map((l) => ({ name: l.name, remote: watch.get(l.name)! }));
    const maxPolls = Math.ceil((durationMs + 30_000) / 5);
    vipWatch = watchVips(lbList, model.vips.map((v) => v.address), {
      intervalMs: Math.min(50, Math.max(10, intervalMs)),
      timeoutMs: 1000,
      now,
      maxPolls,
      onChange: (change) => emit({ type: 'vip', change }),
    });
    if (fault === 'kill-upstream') {
      // HAProxy's view from every lb (each runs its own checks); the VIP holder's is the one reported
      srvWatch = watchServers(
        model.lbs.map((l) => ({ name: l.name, remote: ctl.get(l.name)! })),
        [upstreamName!],
        { intervalMs: 100, timeoutMs: 2000, now, maxPolls, onChange: (change) => emit({ type: 'server', change }) },
      );
    }
    const faultHostName = fault === 'kill-upstream' ? upstreamName! : primary.name;
    faultHost = ctl.get(faultHostName)!;
    const init = parseInit((await faultHost.exec(INIT_COMMAND, { timeoutMs: 10_000 })).stdout);
    plan = faultPlan(fault, init, { iface: lbInterface(primary, vip), holdMs });
    if (!(await vipWatch.ready(5000))) report.notes.push(`not every lb answered the VIP poll before the fault (${[...vipWatch.errors].map(([h, n]) => `${h}: ${n} failed`).join(', ')})`);
    if (srvWatch && !(await srvWatch.ready(5000))) report.notes.push('HAProxy stats socket did not answer on every lb: the DOWN time may be missing');

    // ---- baseline
    prober = startProber(probeTargets(model), {
      intervalMs,
      timeoutMs: requestTimeoutMs,
      maxSamples: Math.ceil((durationMs + 5000) / intervalMs) * model.sites.length,
      now,
      onSample: (sample) => emit({ type: 'sample', sample }),
    });
    const probeStart = now();
    mark('probe start', probeStart);
    phase('baseline', 'start', `probing ${model.sites.length} site(s) every ${intervalMs} ms`);
    await sleep(baselineMs);
    const holdersBefore = holdersAt(vipWatch.changes, vip.address, now());
    if (fault !== 'kill-upstream' && !(holdersBefore.length === 1 && holdersBefore[0] === primary.name)) {
      report.reasons.push(`before the fault the VIP ${vip.address} was on ${holdersBefore.join(' and ') || 'no lb'}, not on the primary ${primary.name} alone`);
      return finish();
    }
    const deadline = probeStart + durationMs;

    // ---- fault
    phase('fault', 'start', `${fault} on ${faultHostName}`);
    const sent = now();
    faultApplied = true;
    const ack = fault === 'link-down' ? await faultHost.exec(plan.apply, { timeoutMs: 5000 }).catch((e: unknown) => ({ code: -1, stdout: '', stderr: errMsg(e) })) : await faultHost.exec(plan.apply, { timeoutMs: 15_000 });
    const ackMs = now() - sent;
    // the host ran it about half a round trip after it was sent (link-down: after its delay)
    const faultAt = sent + Math.min(ackMs, 200) / 2 + (fault === 'link-down' ? LINK_DOWN_DELAY_MS : 0);
    report.faultAtMs = mark(`fault: ${fault} on ${faultHostName}`, faultAt);
    report.faultAckMs = Math.round(ackMs * 10) / 10;
    if (ack.code !== 0 && fault !== 'link-down') {
      report.reasons.push(`the fault command failed on ${faultHostName} (exit ${ack.code}): ${(ack.stderr || ack.stdout).trim().split('\n').slice(-3).join(' ')}`);
      phase('fault', 'fail', report.reasons[report.reasons.length - 1]!);
    }
    const lastFailureT = () => {
      let t = -Infinity;
      for (const s of prober!.samples) if (!s.ok && s.t > t) t = s.t;
      return t;
    };
    const holdEnd = Math.min(faultAt + holdMs, deadline - 500);
    let settledAt: number | null = null;
    while (now() < holdEnd && !opts.signal?.aborted) {
      await sleep(20);
      if (fault === 'link-down') continue; // its restore is timed on the host
      let event: number | null;
      if (fault === 'kill-upstream') event = serverStatusAt(srvWatch!.changes.filter((c) => c.lb === primary.name), upstreamName!, 'DOWN', faultAt);
      else event = vipTakenOver(vipWatch.changes, vip.address, primary.name, faultAt);
      if (event !== null && now() - Math.max(event, lastFailureT()) >= settleMs) {
        settledAt = now();
        break;
      }
    }
    phase('fault', 'ok', settledAt !== null ? `settled after ${Math.round(settledAt - faultAt)} ms` : `held ${Math.round(now() - faultAt)} ms`);

    // ---- restore
    let restoreAt: number;
    if (fault === 'link-down') {
      // the host brings the link up by itself; wait for that moment, then make sure
      const due = faultAt + holdMs;
      while (now() < due) await sleep(Math.min(20, due - now()));
      restoreAt = due;
      restoreSent = true;
      report.failback.restoreAtMs = mark(`restore: ${plan.fault} undone (timed on ${faultHostName})`, restoreAt);
      void faultHost.exec(plan.restore, { timeoutMs: 15_000 }).catch(() => undefined);
    } else {
      restoreAt = now();
      restoreSent = true;
      report.failback.restoreAtMs = mark(`restore: ${restoreLabel(fault)} on ${faultHostName}`, restoreAt);
      phase('restore', 'start', restoreLabel(fault));
      const r = await faultHost.exec(plan.restore, { timeoutMs: 15_000 }).catch((e: unknown) => ({ code: -1, stdout: '', stderr: errMsg(e) }));
      if (r.code !== 0) report.restored.problems.push(`restore command on ${faultHostName} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
    }
    phase('restore', 'ok', `${restoreLabel(fault)} on ${faultHostName}`);

    // ---- failback
    report.holderAfterFault = holdersAt(vipWatch.changes, vip.address, restoreAt);
    const moved = vipTakenOver(vipWatch.changes, vip.address, primary.name, faultAt, restoreAt);
    report.failback.expected = fault === 'kill-upstream' ? false : vip.preempt && moved !== null;
    phase('failback', 'start', report.failback.expected ? `waiting for the VIP to return to ${primary.name}` : fault === 'kill-upstream' ? `waiting for HAProxy to mark ${upstreamName} UP` : 'no failback expected');
    const interim = report.holderAfterFault.filter((h) => h !== primary.name);
    while (now() < deadline && !opts.signal?.aborted) {
      await sleep(20);
      let event: number | null;
      if (fault === 'kill-upstream') event = serverStatusAt(srvWatch!.changes.filter((c) => c.lb === primary.name), upstreamName!, 'UP', restoreAt);
      else if (report.failback.expected) event = vipReturned(vipWatch.changes, vip.address, primary.name, interim, restoreAt);
      else event = restoreAt;
      if (event !== null && now() - Math.max(event, lastFailureT()) >= settleMs) break;
    }
    phase('failback', 'ok', `after ${Math.round(now() - restoreAt)} ms`);
    return finish();
  } catch (e) {
    if ((e as Error).name === 'SecretError') {
      for (const r of all) r.close();
      throw e;
    }
    report.reasons.push(`the test was interrupted: ${errMsg(e)}`);
    return finish();
  }

  async function finish(): Promise<FailoverReport> {
    const endT = now();
    await prober?.stop();
    // ---- cleanup: the fault undone, whatever happened
    phase('cleanup', 'start', 'checking that the fault is undone');
    if (faultApplied && plan && faultHost) {
      if (!restoreSent) await faultHost.exec(plan.restore, { timeoutMs: 15_000 }).catch(() => undefined);
      await verifyRestored(plan, faultHost, report, fault === 'kill-upstream' ? upstreamName! : primary!.name);
      if (report.failback.expected) {
        // give the VIP its time to come back (bounded), so the next test starts from a clean state
        const until = now() + 5000;
        while (now() < until && !(holdersAt(vipWatch!.changes, vip!.address, now()).join() === primary!.name)) await sleep(50);
      }
    }
    await vipWatch?.stop();
    await srvWatch?.stop();
    if (faultApplied && vipWatch) {
      const h = holdersAt(vipWatch.changes, vip!.address, Infinity);
      if (vip!.preempt && !(h.length === 1 && h[0] === primary!.name)) report.restored.problems.push(`after the test the VIP ${vip!.address} is on ${h.join(' and ') || 'no lb'}, not on the primary ${primary!.name} alone`);
    }
    report.restored.ok = report.restored.problems.length === 0;
    phase('cleanup', report.restored.ok ? 'ok' : 'fail', report.restored.ok ? 'restored' : report.restored.problems.join('; '));
    for (const r of all) {
      try {
        r.close();
      } catch {
        /* closed */
      }
    }
    compute(endT);
    report.elapsedMs = Math.round(now());
    phase('report', report.verdict === 'pass' ? 'ok' : 'fail', `${report.verdict}: outage ${report.outageMs} ms (max ${report.maxOutageMs} ms)`);
    return report;
  }

  function compute(endT: number): void {
    const samples = prober?.samples ?? [];
    const vipChanges = vipWatch?.changes ?? [];
    const srv = srvWatch?.changes ?? [];
    report.timeline = { samples, vip: vipChanges, servers: srv, marks };
    report.totalRequests = samples.length;
    report.failedRequests = samples.filter((s) => !s.ok).length;
    if (report.faultAtMs === null) {
      report.sites = siteStats(samples, model.sites.map((s) => s.name), endT, endT, endT);
      return;
    }
    const faultAt = report.faultAtMs;
    const restoreAt = report.failback.restoreAtMs ?? endT;
    report.baselineFailed = outageWindow(samples, -Infinity, faultAt).failed;
    const f = outageWindow(samples, faultAt, restoreAt);
    report.outageMs = f.outageMs;
    report.outageEnded = f.ended;
    report.firstFailedMs = f.firstFailedAtMs;
    report.lastFailedMs = f.lastFailedAtMs;
    const b = outageWindow(samples, restoreAt, Infinity);
    report.failback.outageMs = b.outageMs;
    report.failback.outageEnded = b.ended;
    report.failback.failedRequests = b.failed;
    report.failback.totalRequests = b.total;
    report.failback.firstFailedMs = b.firstFailedAtMs;
    report.failback.lastFailedMs = b.lastFailedAtMs;
    report.sites = siteStats(samples, model.sites.map((s) => s.name), faultAt, restoreAt, Infinity);

    const movedAt = vipTakenOver(vipChanges, vip!.address, primary!.name, faultAt, restoreAt);
    report.vipMoved = movedAt !== null;
    report.vipMovedAtMs = movedAt;
    report.vipMovedMs = movedAt === null ? null : Math.round(movedAt - faultAt);
    if (report.failback.expected) {
      const back = vipReturned(vipChanges, vip!.address, primary!.name, report.holderAfterFault.filter((h) => h !== primary!.name), restoreAt);
      report.failback.vipMovedAtMs = back;
      report.failback.vipMovedMs = back === null ? null : Math.round(back - restoreAt);
    }
    if (fault === 'kill-upstream') {
      const mine = srv.filter((c) => c.lb === primary!.name);
      const down = serverStatusAt(mine, upstreamName!, 'DOWN', faultAt);
      const up = serverStatusAt(mine, upstreamName!, 'UP', restoreAt);
      report.upstream = {
        name: upstreamName!,
        lb: primary!.name,
        markedDownMs: down === null ? null : Math.round(down - faultAt),
        markedUpMs: up === null ? null : Math.round(up - restoreAt),
      };
      if (down === null) report.notes.push(`HAProxy on ${primary!.name} did not mark ${upstreamName} DOWN within the test (check inter × fall is longer than the fault phase?)`);
      if (up === null) report.notes.push(`HAProxy on ${primary!.name} did not mark ${upstreamName} UP again within the test`);
    }
    judge();
  }

  function judge(): void {
    const r = report;
    if (r.faultAtMs !== null) {
      // reported, not judged: the verdict is about the fault; a stray failure before it is a hint
      if (r.baselineFailed > 0) r.notes.push(`${r.baselineFailed} request(s) failed before the fault (see timeline.samples)`);
      if (r.expectVipMove && !r.vipMoved) r.reasons.push(`the VIP ${vip!.address} did not move to a backup within the fault phase`);
      if (!r.expectVipMove) {
        const moved = (vipWatch?.changes ?? []).some((c) => c.vip === vip!.address && c.t >= r.faultAtMs! && c.lb !== primary!.name && c.has === true);
        if (moved) r.reasons.push(`the VIP moved although only an upstream died`);
      }
      if (!r.outageEnded) r.reasons.push('clients were still failing when the fault was undone');
      if (r.outageMs > maxOutageMs) r.reasons.push(`outage ${r.outageMs} ms > max-outage ${maxOutageMs} ms`);
      if (r.failback.expected && r.failback.vipMovedMs === null) r.reasons.push(`the VIP did not return to ${primary!.name} within the test's duration (${durationMs} ms)`);
      if (r.failback.outageMs > maxOutageMs) r.reasons.push(`failback outage ${r.failback.outageMs} ms > max-outage ${maxOutageMs} ms`);
      if (!r.failback.outageEnded) r.reasons.push('clients were still failing at the end of the test');
    }
    if (!r.restored.ok) r.reasons.push(`not restored: ${r.restored.problems.join('; ')}`);
    r.verdict = r.reasons.length === 0 && r.faultAtMs !== null ? 'pass' : 'fail';
  }
}

function restoreLabel(fault: FaultKind): string {
  switch (fault) {
    case 'kill-haproxy':
    case 'stop-haproxy':
      return 'start haproxy';
    case 'stop-keepalived':
      return 'start keepalived';
    case 'link-down':
      return 'link up';
    case 'kill-upstream':
      return 'start nginx';
  }
}

/** After the restore: the checks of the fault plan, retried for a few seconds (a daemon may take a moment). */
async function verifyRestored(plan: FaultPlan, host: FailoverRemote, report: FailoverReport, hostName: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (const [what, cmd] of plan.checks) {
    let ok = false;
    let retried = false;
    while (!ok && Date.now() < deadline) {
      const r = await host.exec(cmd, { timeoutMs: 3000 }).catch(() => ({ code: -1 }));
      ok = r.code === 0;
      if (!ok) {
        if (!retried && Date.now() > deadline - 8000) {
          retried = true; // once more, a daemon may have refused to start while its port was busy
          await host.exec(plan.restore, { timeoutMs: 5000 }).catch(() => undefined);
        }
        await sleep(200);
      }
    }
    if (!ok) report.restored.problems.push(`${hostName}: ${what} — not the case after the restore`);
  }
}

async function preflight(
  model: Topology,
  primary: Lb,
  opts: FailoverOptions,
  targets: HostTarget[],
  ctl: Map<string, FailoverRemote>,
  compareConfig: boolean,
  phase: (p: FailoverPhase, s: 'start' | 'ok' | 'fail' | 'info', m: string) => void,
): Promise<PreflightResult> {
  const res: PreflightResult = { ok: true, config: 'skipped', differing: [], vipHolders: {}, sites: [], messages: [] };
  if (compareConfig) {
    // the deploy's own plan, over the sessions already open: rendered vs. remote, file by file
    const reuse = (name: string): Remote => {
      const r = ctl.get(name);
      if (!r) throw new Error(`no session to ${name}`);
      return {
        exec: (c, o) => r.exec(c, o),
        writeFile: () => Promise.reject(new Error('the failover preflight writes nothing')),
        rename: () => Promise.reject(new Error('the failover preflight writes nothing')),
        close: () => undefined,
      };
    };
    try {
      const plan = await deployTopology(model, {
        secrets: opts.secrets!,
        plan: true,
        targets: targets.filter((t) => ctl.has(t.name)),
        connect: async (t) => reuse(t.name),
        verify: { vip: false, sites: false },
      });
      if (!plan.ok) {
        res.config = 'error';
        res.ok = false;
        res.messages.push(`cannot compare the deployed config: ${plan.failure?.message ?? 'plan failed'}`);
      } else {
        for (const h of plan.hosts) for (const f of h.plan?.files ?? []) if (f.status !== 'same') res.differing.push(`${h.host}:${f.path} (${f.status}${f.reason ? `: ${f.reason}` : ''})`);
        res.config = res.differing.length ? 'differs' : 'same';
        if (res.differing.length) {
          res.ok = false;
          res.messages.push(`the deployed config differs from the file (${res.differing.join(', ')}): run halab deploy first`);
        } else res.messages.push('deployed config matches the file');
      }
    } catch (e) {
      // an unset secret is the caller's problem to report (usage), not a failing test
      if ((e as Error).name === 'SecretError') throw e;
      res.config = 'error';
      res.ok = false;
      res.messages.push(`cannot compare the deployed config: ${errMsg(e)}`);
    }
  } else if (opts.preflight?.config !== false) {
    res.messages.push('deployed config not compared (no secrets given)');
  }
  if (opts.preflight?.cluster !== false) {
    const lbs = new Map(model.lbs.map((l) => [l.name, ctl.get(l.name)!]));
    const c = await verifyCluster(model, lbs, {
      vip: true,
      sites: true,
      timeoutMs: 10_000,
      emit: (e) => phase('preflight', e.status === 'fail' ? 'fail' : 'info', `${e.step}: ${e.message ?? e.status}`),
    });
    res.vipHolders = c.vipHolders;
    res.sites = c.sites.map((s) => ({ site: s.site, ok: s.ok, ...(s.message ? { message: s.message } : {}) }));
    if (!c.ok) {
      res.ok = false;
      res.messages.push(c.message ?? 'cluster check failed');
      if (c.failedStep === 'vip') {
        for (const lb of model.lbs) {
          const d = await diagnoseVrrp(ctl.get(lb.name)!, lb, model).catch(() => undefined);
          if (d) res.messages.push(...d.explanation);
        }
      }
    } else res.messages.push(`VIP on ${primary.name}, ${c.sites.length} site(s) answer`);
  }
  return res;
}

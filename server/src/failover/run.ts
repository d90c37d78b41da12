/**
 * `runFailoverTest(model, opts, events)`: preflight (deployed config = the file, the VIP on the
 * primary alone, every site answering), then probe every site through its VIP while watching
 * which lb holds the VIP; apply the fault to its target (faults.ts: the lb holding the VIP, or an
 * upstream's web server), wait for the takeover to settle, undo the fault, watch the failback,
 * check that everything is restored, and judge the measured outage against `max-outage`.
 *
 * A `FailoverRun` holds one run's state and has one method per phase; the arithmetic and the
 * verdict are the pure `compute` and `judge` of analyze.ts. The fault kind is read from the
 * `FAULTS` table only: nothing here names a fault.
 *
 * Time line (ms since the start, `t0`):
 *   baseline  probes and pollers running, nothing broken (≤ 1 s)
 *   fault     from the fault command to the restore; ends when the takeover has settled
 *             (VIP moved / server marked DOWN, then `settleMs` without failures), at the latest
 *             after `holdMs` — a fault timed on the host (link-down) always lasts exactly
 *             `holdMs` (its restore is timed there, see faults.ts)
 *   failback  from the restore until the VIP is back on the primary (server UP again) and
 *             settled, at the latest `duration` after t0
 */
import { performance } from 'node:perf_hooks';
import type { FaultKind, Lb, Topology, Vip } from '../../../shared/model/types.js';
import { lbInterface } from '../../../shared/model/types.js';
import type { SecretResolver } from '../secrets.js';
import { render } from '../render/render.js';
import { hostTargets } from '../deploy/access.js';
import type { HostTarget } from '../deploy/targets.js';
import { compute, holdersAt, judge, overlaps, serverStatusAt, vipReturned, vipTakenOver } from './analyze.js';
import { FAULTS, faultPlan, INIT_COMMAND, parseInit, type FaultPlan, type FaultSpec } from './faults.js';
import { preflight } from './preflight.js';
import { probeTargets, startProber } from './probe.js';
import { reconnecting, sshFailoverConnector, type FailoverConnector, type FailoverRemote } from './remote.js';
import type { ExecResult } from '../deploy/ssh.js';
import type {
  FailoverEvent, FailoverListener, FailoverPhase, FailoverReport, HolderCheck, ServerChange, TimelineMark, VipChange,
} from './types.js';
import { watchServers, watchVips, type Watcher } from './watchers.js';
import { arpAnswers } from '../verify/arp.js';
import { KEEPALIVED_DUMP, parseKeepalivedStates } from '../verify/host-state.js';
import { splitBrainMessage, splitBrainMinMs } from '../verify/split-brain.js';
import { instanceName } from '../render/names.js';

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
const lastLines = (r: { stdout: string; stderr: string }) => (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ');

export async function runFailoverTest(
  model: Topology,
  opts: FailoverOptions = {},
  events: FailoverListener = () => {},
): Promise<FailoverReport> {
  const run = new FailoverRun(model, opts, events);
  // an unset secret is a usage problem: find it before touching any host
  if (opts.secrets && opts.preflight?.config !== false) render(model, { source: model.source, secrets: opts.secrets });
  await run.connect();
  return run.execute();
}

/** Who takes part: checked before anything starts (a FailoverError, exit 2, when one is missing). */
interface Cast {
  vip: Vip;
  primary: Lb;
  /** The highest-priority backup: the lb expected to take over. */
  backup: Lb;
  /** An upstream fault's upstream. */
  upstream?: string;
  /** The host the fault is applied to: the primary, the backup, or the upstream. */
  target: string;
}

function castOf(model: Topology, spec: FaultSpec, opts: FailoverOptions): Cast {
  const vip = model.vips[0];
  if (!vip) throw new FailoverError('the topology has no vip');
  const primary = model.lbs.find((l) => l.role === 'primary');
  if (!primary) throw new FailoverError('the topology has no primary lb');
  const backup = model.lbs.filter((l) => l !== primary).sort((a, b) => b.priority - a.priority)[0];
  if (!backup) throw new FailoverError('a failover test needs at least two lbs');
  if (model.sites.length === 0 && model.services.length === 0) {
    throw new FailoverError('the topology has no site or service to probe (sections kept whole with haproxy-section are not probed)');
  }
  if (spec.target !== 'upstream') return { vip, primary, backup, target: (spec.target === 'vip-backup' ? backup : primary).name };
  const managed = new Set(model.upstreams.filter((u) => u.managed).map((u) => u.name));
  const upstream = opts.upstream ?? model.sites.flatMap((s) => s.servers).find((n) => managed.has(n));
  if (!upstream) throw new FailoverError('kill-upstream needs a managed upstream (halab reaches it over SSH to kill its web server)');
  if (!managed.has(upstream)) throw new FailoverError(`upstream ${upstream} is not a managed upstream of this topology`);
  return { vip, primary, backup, upstream, target: upstream };
}

/** The run's timing, from the file's `failover-test` block, the options and the fault's expected time. */
interface Timing {
  intervalMs: number;
  durationMs: number;
  maxOutageMs: number;
  settleMs: number;
  baselineMs: number;
  /** The longest the fault lasts (a fault timed on the host: exactly this long). */
  holdMs: number;
  requestTimeoutMs: number;
}

function timingOf(model: Topology, spec: FaultSpec, cast: Cast, opts: FailoverOptions): Timing {
  const ft = model.failoverTest;
  const intervalMs = Math.max(5, opts.probeIntervalMs ?? ft.probeIntervalMs);
  const durationMs = Math.max(2000, opts.durationMs ?? ft.durationMs);
  const settleMs = opts.settleMs ?? Math.max(1000, 10 * intervalMs);
  const baselineMs = Math.min(1000, Math.max(300, durationMs / 10));
  const expected = spec.expectedMs(model, cast.vip, cast.backup.priority);
  const room = durationMs - baselineMs;
  const holdMs = Math.round(Math.min(room - 500, Math.max(room / 2, expected + settleMs + 500)));
  // a request during a VIP outage hangs (SYN retransmits after 1 s): a short timeout shows it;
  // behind a dead upstream HAProxy retries (min(1 s, timeout connect) apart) and then redispatches,
  // so those requests are slow but answered: give them that long
  const retryBudget = model.defaults.retries * Math.min(1000, model.defaults.timeouts.connect) + 1000;
  const quick = Math.max(2 * intervalMs, 100);
  const requestTimeoutMs = spec.target === 'upstream' ? Math.max(quick, retryBudget) : quick;
  return { intervalMs, durationMs, maxOutageMs: opts.maxOutageMs ?? ft.maxOutageMs, settleMs, baselineMs, holdMs, requestTimeoutMs };
}

/** The report before anything is measured: who, what, the settings, nothing observed yet. */
function emptyReport(model: Topology, fault: FaultKind, cast: Cast, t: Timing, marks: TimelineMark[]): FailoverReport {
  const noFailures = {
    outageMs: 0,
    outageEnded: true,
    resolutionMs: null,
    firstFailedMs: null,
    lastFailedMs: null,
    failedRequests: 0,
    cutRequests: 0,
    totalRequests: 0,
  };
  return {
    topology: model.name, fault, target: cast.target, primary: cast.primary.name, backup: cast.backup.name,
    startedAt: new Date().toISOString(),
    probeIntervalMs: t.intervalMs, durationMs: t.durationMs, maxOutageMs: t.maxOutageMs, requestTimeoutMs: t.requestTimeoutMs,
    preflight: { ok: false, config: 'skipped', differing: [], vipHolders: {}, sites: [], messages: [] },
    faultAtMs: null, faultAckMs: null, faultSentMs: null,
    vipMoved: false, expectVipMove: FAULTS[fault].movesVip, vipMovedMs: null, vipMovedAtMs: null, holderAfterFault: [],
    ...noFailures,
    baselineFailed: 0,
    sites: {},
    failback: { expected: false, restoreAtMs: null, vipMovedMs: null, vipMovedAtMs: null, ...noFailures },
    splitBrain: null,
    restored: { ok: true, problems: [] },
    verdict: 'fail', reasons: [], notes: [], elapsedMs: 0,
    timeline: { samples: [], vip: [], servers: [], marks, holders: [] },
  };
}

/** What the fault phases work with, once the watchers run and the fault's commands are known. */
interface Armed {
  vipWatch: Watcher<VipChange>;
  srvWatch?: Watcher<ServerChange>;
  prober: ReturnType<typeof startProber>;
  plan: FaultPlan;
  host: FailoverRemote;
  /** The probe's end: probe start + duration. */
  deadline: number;
}

/** One failover test run: its state, and one method per phase. */
class FailoverRun {
  readonly fault: FaultKind;
  readonly spec: FaultSpec;
  readonly cast: Cast;
  readonly timing: Timing;
  readonly targets: HostTarget[];
  readonly compareConfig: boolean;
  readonly t0 = performance.now();
  readonly marks: TimelineMark[] = [];
  report: FailoverReport;
  /** Sessions: a control and a watch session per lb, plus the upstreams' control sessions. */
  readonly ctl = new Map<string, FailoverRemote>();
  readonly watch = new Map<string, FailoverRemote>();
  readonly sessions: FailoverRemote[] = [];
  // the live parts, kept as they start so that cleanup stops whatever did
  vipWatch?: Watcher<VipChange>;
  srvWatch?: Watcher<ServerChange>;
  prober?: ReturnType<typeof startProber>;
  plan?: FaultPlan;
  faultHost?: FailoverRemote;
  faultApplied = false;
  restoreSent = false;
  /** A fault whose target comes back: which boot it was in before the fault (FaultSpec.comesBack.boot). */
  bootBefore?: string;
  /** The closer looks taken at two holders of the VIP (HolderCheck). */
  readonly holderChecks: HolderCheck[] = [];

  constructor(
    readonly model: Topology,
    readonly opts: FailoverOptions,
    readonly events: FailoverListener,
  ) {
    this.fault = opts.fault ?? model.failoverTest.fault;
    this.spec = FAULTS[this.fault];
    this.cast = castOf(model, this.spec, opts);
    this.timing = timingOf(model, this.spec, this.cast, opts);
    this.targets = opts.targets ?? hostTargets(model);
    this.compareConfig = opts.preflight?.config !== false && !!opts.secrets;
    this.report = emptyReport(model, this.fault, this.cast, this.timing, this.marks);
  }

  now(): number {
    return performance.now() - this.t0;
  }

  emit(e: FailoverEvent): void {
    try {
      this.events(e);
    } catch {
      /* a listener's bug must not break the test */
    }
  }

  phase(p: FailoverPhase, status: 'start' | 'ok' | 'fail' | 'info', message: string): void {
    this.emit({ type: 'phase', phase: p, status, message, t: Math.round(this.now()) });
  }

  mark(label: string, t = this.now()): number {
    const m = { t: Math.round(t * 10) / 10, label };
    this.marks.push(m);
    this.emit({ type: 'mark', mark: m });
    return m.t;
  }

  targetOf(name: string): HostTarget {
    const t = this.targets.find((x) => x.name === name);
    if (!t) throw new FailoverError(`no SSH target for ${name}`);
    return t;
  }

  /**
   * Connect: a control and a watch session per lb; the upstream's for an upstream fault; the managed
   * upstreams' when the config is compared.
   */
  async connect(): Promise<void> {
    const { model, cast } = this;
    const connector = this.opts.connect ?? sshFailoverConnector;
    const keepaliveCountMax = Math.ceil(this.timing.durationMs / 1000) + 30;
    const upstreams = this.compareConfig
      ? model.upstreams.filter((u) => u.managed).map((u) => u.name)
      : cast.upstream
        ? [cast.upstream]
        : [];
    const ctlNames = [...model.lbs.map((l) => l.name), ...upstreams];
    const open = async (name: string, into: Map<string, FailoverRemote>) => {
      const target = this.targetOf(name);
      // a host that reboots (the reboot fault, or by itself) is reached again once it answers
      const r = reconnecting(await connector(target, { keepaliveCountMax }), () =>
        connector(target, { keepaliveCountMax, readyTimeoutMs: 3000 }),
      );
      this.sessions.push(r);
      into.set(name, r);
    };
    this.phase('connect', 'start', `${ctlNames.join(', ')}`);
    try {
      await Promise.all([...ctlNames.map((n) => open(n, this.ctl)), ...model.lbs.map((l) => open(l.name, this.watch))]);
    } catch (e) {
      for (const r of this.sessions) r.close();
      this.phase('connect', 'fail', errMsg(e));
      throw e instanceof FailoverError ? e : new FailoverError(errMsg(e));
    }
    this.phase('connect', 'ok', `${this.sessions.length} session(s)`);
  }

  /** The phases after connect; whatever happens, cleanup undoes the fault and the report is judged. */
  async execute(): Promise<FailoverReport> {
    try {
      if (!(await this.preflight())) return await this.finish();
      const armed = await this.baseline(await this.arm());
      if (!armed) return await this.finish();
      const faultAt = await this.applyFault(armed);
      const restoreAt = await this.restore(armed, faultAt);
      await this.failback(armed, faultAt, restoreAt);
    } catch (e) {
      if ((e as Error).name === 'SecretError') {
        for (const r of this.sessions) r.close();
        throw e;
      }
      this.report.reasons.push(`the test was interrupted: ${errMsg(e)}`);
    }
    return this.finish();
  }

  async preflight(): Promise<boolean> {
    const r = this.report;
    this.phase('preflight', 'start', 'deployed config, VIP holder, sites');
    r.preflight = await preflight(
      this.model,
      this.cast.primary,
      this.opts,
      this.targets,
      this.ctl,
      this.compareConfig,
      (p, s, m) => this.phase(p, s, m),
    );
    if (!r.preflight.ok) {
      r.reasons.push(`preflight failed: ${r.preflight.messages.join('; ')}`);
      this.phase('preflight', 'fail', r.preflight.messages.join('; '));
      return false;
    }
    this.phase('preflight', 'ok', r.preflight.messages.join('; ') || 'ok');
    return true;
  }

  /** Before the baseline: the VIP pollers (and HAProxy's view for a server-status takeover) run, the fault's commands are known. */
  async arm(): Promise<Omit<Armed, 'prober' | 'deadline'>> {
    const { model, cast, timing } = this;
    const maxPolls = Math.ceil((timing.durationMs + 30_000) / 5);
    const now = () => this.now();
    const lbs = (sessions: Map<string, FailoverRemote>) => model.lbs.map((l) => ({ name: l.name, remote: sessions.get(l.name)! }));
    const vipWatch = (this.vipWatch = watchVips(lbs(this.watch), model.vips.map((v) => v.address), {
      // 20 ms at most often: the outage is measured by the probe (to its own resolution), the
      // VIP poll only says when the holder changed; polling SSH every 5 ms with the probe would
      // load the event loop the probe's clock runs on (ssh2's crypto is JavaScript).
      intervalMs: Math.min(50, Math.max(20, timing.intervalMs)),
      timeoutMs: 1000,
      now,
      maxPolls,
      onChange: (change) => this.emit({ type: 'vip', change }),
    }));
    if (this.spec.takeover === 'server-status') {
      // HAProxy's view from every lb (each runs its own checks); the VIP holder's is the one reported
      this.srvWatch = watchServers(lbs(this.ctl), [cast.target], {
        intervalMs: 100, timeoutMs: 2000, now, maxPolls, onChange: (change) => this.emit({ type: 'server', change }),
      });
    }
    const host = (this.faultHost = this.ctl.get(cast.target)!);
    const init = parseInit((await host.exec(INIT_COMMAND, { timeoutMs: 10_000 })).stdout);
    if (this.spec.comesBack && init !== 'systemd') {
      throw new FailoverError(
        `${this.fault} needs ${cast.target} to run systemd, which starts its services again at boot; it does not ` +
          '(a namespace lab host has no init: use a lab of machines, `lab { hosts machines }`, or a real server)',
      );
    }
    const lb = model.lbs.find((l) => l.name === cast.target) ?? cast.primary;
    const plan = (this.plan = faultPlan(this.fault, init, { iface: lbInterface(lb, cast.vip), holdMs: timing.holdMs }));
    if (!(await vipWatch.ready(5000))) {
      this.report.notes.push(
        'not every lb answered the VIP poll before the fault ' +
          `(${[...vipWatch.errors].map(([h, n]) => `${h}: ${n} failed`).join(', ')})`,
      );
    }
    if (this.srvWatch && !(await this.srvWatch.ready(5000))) {
      this.report.notes.push('HAProxy stats socket did not answer on every lb: the DOWN time may be missing');
    }
    return { vipWatch, srvWatch: this.srvWatch, plan, host };
  }

  /** Baseline: probing with nothing broken; a VIP that must move has to start on the primary alone. */
  async baseline(armed: Omit<Armed, 'prober' | 'deadline'>): Promise<Armed | undefined> {
    const { model, cast, timing } = this;
    const targets = probeTargets(model);
    const prober = (this.prober = startProber(targets, {
      intervalMs: timing.intervalMs,
      timeoutMs: timing.requestTimeoutMs,
      maxSamples: Math.ceil((timing.durationMs + 5000) / timing.intervalMs) * targets.length,
      now: () => this.now(),
      onSample: (sample) => this.emit({ type: 'sample', sample }),
    }));
    await prober.ready;
    if (prober.thread === 'caller') {
      this.report.notes.push(
        'the probe ran on the caller\'s thread (its worker did not start): ' + 'a busy process times it less finely',
      );
    }
    const probeStart = this.now();
    this.mark('probe start', probeStart);
    const services = model.services.length ? ` and ${model.services.length} service(s)` : '';
    this.phase('baseline', 'start', `probing ${model.sites.length} site(s)${services} every ${timing.intervalMs} ms`);
    await sleep(timing.baselineMs);
    const before = holdersAt(armed.vipWatch.changes, cast.vip.address, this.now());
    if (this.spec.movesVip && !(before.length === 1 && before[0] === cast.primary.name)) {
      this.report.reasons.push(
        before.length > 1
          ? `before the fault: ${splitBrainMessage({ vip: cast.vip.address, holders: before })}`
          : `before the fault the VIP ${cast.vip.address} was on ${before[0] ?? 'no lb'}, not on the primary ${cast.primary.name}`,
      );
      return undefined;
    }
    return { ...armed, prober, deadline: probeStart + timing.durationMs };
  }

  /** Fault: applied to its target; the phase ends when the takeover has settled, at the latest after the hold. Returns the fault's time. */
  async applyFault(a: Armed): Promise<number> {
    const { fault, cast, timing, report } = this;
    const timed = this.spec.timedOnHost;
    this.phase('fault', 'start', `${fault} on ${cast.target}`);
    if (this.spec.comesBack) {
      const b = await a.host.exec(this.spec.comesBack.boot, { timeoutMs: 60_000 }).catch(() => undefined);
      this.bootBefore = b?.stdout.trim().split(/\s+/)[0];
    }
    const sent = this.now();
    this.faultApplied = true;
    // a fault timed on the host may cut the answer off: its failure to answer is no failure
    const ack = timed
      ? await a.host.exec(a.plan.apply, { timeoutMs: 5000 }).catch((e: unknown) => ({ code: -1, stdout: '', stderr: errMsg(e) }))
      : await a.host.exec(a.plan.apply, { timeoutMs: 15_000 });
    const ackMs = this.now() - sent;
    // the host ran it about half a round trip after it was sent (timed on the host: after its delay)
    const faultAt = sent + Math.min(ackMs, 200) / 2 + (timed?.delayMs ?? 0);
    report.faultAtMs = this.mark(`fault: ${fault} on ${cast.target}`, faultAt);
    report.faultAckMs = Math.round(ackMs * 10) / 10;
    report.faultSentMs = Math.round(sent * 10) / 10;
    if (ack.code !== 0 && !timed) {
      report.reasons.push(`the fault command failed on ${cast.target} (exit ${ack.code}): ${lastLines(ack)}`);
      this.phase('fault', 'fail', report.reasons[report.reasons.length - 1]!);
    }
    const holdEnd = Math.min(faultAt + timing.holdMs, a.deadline - 500);
    // a fault timed on the host lasts its whole hold: no event ends it early
    const settledAt = await this.settle(a, holdEnd, () => (timed ? null : this.takeoverAt(a, faultAt)));
    await this.lookAtTwoHolders(a, holdEnd);
    const now = this.now();
    this.phase(
      'fault',
      'ok',
      settledAt !== null ? `settled after ${Math.round(settledAt - faultAt)} ms` : `held ${Math.round(now - faultAt)} ms`,
    );
    return faultAt;
  }

  /**
   * When the VIP poll sees two or more lbs holding the VIP at the end of the fault phase: keeps the
   * fault until they have held it together for longer than VRRP lets two masters last (bounded by
   * the hold), then takes a closer look: keepalived's state on each, and who answers ARP for the VIP
   * from this machine (bounded: arping waits 2 s at most). A takeover leaves one holder, so this
   * costs a normal run nothing.
   */
  async lookAtTwoHolders(a: Armed, holdEnd: number): Promise<void> {
    const vip = this.cast.vip;
    // the stretch of two holders still going now, if any (a closed one ended before now)
    const two = (now = this.now()) => overlaps(a.vipWatch.changes, vip.address, now).find((o) => o.to >= now);
    const minMs = splitBrainMinMs(vip.advertMs);
    let open = two();
    while (open && this.now() - open.from < minMs && this.now() < holdEnd && !this.opts.signal?.aborted) {
      await sleep(20);
      open = two();
    }
    if (!open) return;
    const t = this.now();
    const holders = holdersAt(a.vipWatch.changes, vip.address, t);
    const [states, arp] = await Promise.all([this.keepalivedStates(holders), arpAnswers(vip.address)]);
    const check: HolderCheck = {
      t: Math.round(t * 10) / 10, vip: vip.address, holders, states,
      arpMacs: 'macs' in arp ? arp.macs : null,
      ...('skipped' in arp ? { arpNote: arp.skipped } : {}),
    };
    this.holderChecks.push(check);
    if (check.arpNote) this.report.notes.push(`ARP for ${vip.address} not asked: ${check.arpNote}`);
    this.phase('fault', 'info', splitBrainMessage(check));
  }

  /** keepalived's state of the VIP's instance on each lb (its SIGUSR1 dump); null where it could not be read. */
  async keepalivedStates(lbs: string[]): Promise<Record<string, string | null>> {
    const instance = instanceName(this.cast.vip);
    const read = async (lb: string): Promise<[string, string | null]> => {
      const d = await this.ctl.get(lb)?.exec(KEEPALIVED_DUMP, { timeoutMs: 5000 }).catch(() => undefined);
      return [lb, d?.code === 0 ? parseKeepalivedStates(d.stdout).get(instance) ?? null : null];
    };
    return Object.fromEntries(await Promise.all(lbs.map(read)));
  }

  /** Restore: the fault undone (timed on the host: wait for that moment, then make sure). Returns the restore's time. */
  async restore(a: Armed, faultAt: number): Promise<number> {
    const { cast, report } = this;
    const label = this.spec.restoreLabel;
    let restoreAt: number;
    if (this.spec.timedOnHost) {
      const due = faultAt + this.timing.holdMs;
      while (this.now() < due) await sleep(Math.min(20, due - this.now()));
      restoreAt = due;
      this.restoreSent = true;
      report.failback.restoreAtMs = this.mark(`restore: ${a.plan.fault} undone (timed on ${cast.target})`, restoreAt);
      void a.host.exec(a.plan.restore, { timeoutMs: 15_000 }).catch(() => undefined);
    } else if (this.spec.comesBack) {
      restoreAt = this.now();
      this.restoreSent = true;
      report.failback.restoreAtMs = this.mark(`restore: ${label} (${cast.target})`, restoreAt);
      this.phase('restore', 'start', label);
      await this.awaitReturn(a, faultAt, this.spec.comesBack);
    } else {
      restoreAt = this.now();
      this.restoreSent = true;
      report.failback.restoreAtMs = this.mark(`restore: ${label} on ${cast.target}`, restoreAt);
      this.phase('restore', 'start', label);
      const r = await a.host
        .exec(a.plan.restore, { timeoutMs: 15_000 })
        .catch((e: unknown) => ({ code: -1, stdout: '', stderr: errMsg(e) }));
      if (r.code !== 0) report.restored.problems.push(`restore command on ${cast.target} failed (exit ${r.code}): ${lastLines(r)}`);
    }
    this.phase('restore', 'ok', `${label} on ${cast.target}`);
    return restoreAt;
  }

  /**
   * A target that comes back by itself (a reboot): waits (bounded) until it answers again and its
   * boot has finished, then asks systemd which of the services it started run. Records when it was
   * back and what ran in `report.cameBack`; a target that never came back is a problem of the
   * restore, said plainly.
   */
  async awaitReturn(a: Armed, faultAt: number, back: NonNullable<FaultSpec['comesBack']>): Promise<void> {
    const { cast, report } = this;
    const until = this.now() + back.waitMs;
    let booted: ExecResult | undefined;
    // a new boot (not the old one still stopping), finished
    const isBack = (r: ExecResult | undefined) => {
      const [boot, state] = r?.stdout.trim().split(/\s+/) ?? [];
      return boot !== undefined && boot !== this.bootBefore && (state === 'running' || state === 'degraded');
    };
    while (!booted && this.now() < until && !this.opts.signal?.aborted) {
      const r = await a.host.exec(back.boot, { timeoutMs: Math.max(1000, until - this.now()) }).catch(() => undefined);
      if (isBack(r)) booted = r;
      else await sleep(200);
    }
    if (!booted) {
      report.cameBack = { afterMs: null, services: {} };
      report.restored.problems.push(`${cast.target} did not come back within ${Math.round(back.waitMs / 1000)} s`);
      return;
    }
    const afterMs = Math.round(this.now() - faultAt);
    this.mark(`${cast.target} back (systemd ${booted.stdout.trim().split(/\s+/)[1]})`);
    const states = await a.host.exec(['systemctl', 'is-active', ...back.services], { timeoutMs: 10_000 }).catch(() => undefined);
    const lines = states?.stdout.trim().split('\n') ?? [];
    report.cameBack = { afterMs, services: Object.fromEntries(back.services.map((s, i) => [s, lines[i] ?? 'unknown'])) };
    this.phase('restore', 'info', `${cast.target} back after ${afterMs} ms: ${back.services.map((s, i) => `${s} ${lines[i] ?? '?'}`).join(', ')}`);
  }

  /** Failback: until the VIP is back on the primary (the server UP again) and settled, at the latest the probe's end. */
  async failback(a: Armed, faultAt: number, restoreAt: number): Promise<void> {
    const { cast, report } = this;
    const primary = cast.primary.name;
    report.holderAfterFault = holdersAt(a.vipWatch.changes, cast.vip.address, restoreAt);
    const moved = vipTakenOver(a.vipWatch.changes, cast.vip.address, primary, faultAt, restoreAt);
    const byServer = this.spec.takeover === 'server-status';
    report.failback.expected = !byServer && cast.vip.preempt && moved !== null;
    const waitingFor = report.failback.expected
      ? `waiting for the VIP to return to ${primary}`
      : byServer ? `waiting for HAProxy to mark ${cast.target} UP` : 'no failback expected';
    this.phase('failback', 'start', waitingFor);
    const interim = report.holderAfterFault.filter((h) => h !== primary);
    await this.settle(a, a.deadline, () => {
      if (byServer) return serverStatusAt(this.primaryView(a), cast.target, 'UP', restoreAt);
      if (report.failback.expected) return vipReturned(a.vipWatch.changes, cast.vip.address, primary, interim, restoreAt);
      return restoreAt;
    });
    this.phase('failback', 'ok', `after ${Math.round(this.now() - restoreAt)} ms`);
  }

  /** The takeover event since the fault (FaultSpec.takeover): another lb holding the VIP, or the server marked DOWN. */
  takeoverAt(a: Armed, faultAt: number): number | null {
    if (this.spec.takeover === 'server-status') return serverStatusAt(this.primaryView(a), this.cast.target, 'DOWN', faultAt);
    return vipTakenOver(a.vipWatch.changes, this.cast.vip.address, this.cast.primary.name, faultAt);
  }

  /** HAProxy's view on the primary (the VIP holder's is the one reported). */
  primaryView(a: Armed): ServerChange[] {
    return (a.srvWatch?.changes ?? []).filter((c) => c.lb === this.cast.primary.name);
  }

  /**
   * Polls until `event()` has happened and `settleMs` passed since both it and the last failed
   * request, or until `until` (or an abort). Returns when it settled, null when it did not.
   */
  async settle(a: Armed, until: number, event: () => number | null): Promise<number | null> {
    while (this.now() < until && !this.opts.signal?.aborted) {
      await sleep(20);
      const e = event();
      if (e !== null && this.now() - Math.max(e, lastFailure(a.prober.samples)) >= this.timing.settleMs) return this.now();
    }
    return null;
  }

  /** Cleanup (the fault undone and checked, whatever happened), then the report computed and judged. */
  async finish(): Promise<FailoverReport> {
    const endT = this.now();
    await this.prober?.stop();
    await this.cleanup();
    for (const r of this.sessions) {
      try {
        r.close();
      } catch {
        /* closed */
      }
    }
    const observed = {
      samples: this.prober?.samples ?? [],
      vip: this.vipWatch?.changes ?? [],
      servers: this.srvWatch?.changes ?? [],
      marks: this.marks,
      holders: this.holderChecks,
    };
    // the probed targets: sites, then TCP services (reported alike)
    const facts = {
      sites: [...this.model.sites, ...this.model.services].map((s) => s.name),
      vip: this.cast.vip.address,
      endT,
      takeover: this.spec.takeover,
      cuttable: this.spec.cuts?.(this.model, this.report.target) ?? [],
      splitBrainMinMs: splitBrainMinMs(this.cast.vip.advertMs),
    };
    this.report = judge(compute(this.report, observed, facts), this.cast.vip.address);
    this.report.elapsedMs = Math.round(this.now());
    const r = this.report;
    this.phase('report', r.verdict === 'pass' ? 'ok' : 'fail', `${r.verdict}: outage ${r.outageMs} ms (max ${r.maxOutageMs} ms)`);
    return r;
  }

  async cleanup(): Promise<void> {
    const { cast, report } = this;
    const primary = cast.primary.name;
    const onPrimaryAlone = (t: number) => holdersAt(this.vipWatch!.changes, cast.vip.address, t).join() === primary;
    this.phase('cleanup', 'start', 'checking that the fault is undone');
    if (this.faultApplied && this.plan && this.faultHost) {
      if (!this.restoreSent) await this.faultHost.exec(this.plan.restore, { timeoutMs: 15_000 }).catch(() => undefined);
      await verifyRestored(this.plan, this.faultHost, report, cast.target);
      if (report.failback.expected) {
        // give the VIP its time to come back (bounded), so the next test starts from a clean state
        const until = this.now() + 5000;
        while (this.now() < until && !onPrimaryAlone(this.now())) await sleep(50);
      }
    }
    await this.vipWatch?.stop();
    await this.srvWatch?.stop();
    if (this.faultApplied && this.vipWatch) {
      const h = holdersAt(this.vipWatch.changes, cast.vip.address, Infinity);
      if (cast.vip.preempt && !(h.length === 1 && h[0] === primary)) {
        report.restored.problems.push(
          `after the test the VIP ${cast.vip.address} is on ${h.join(' and ') || 'no lb'}, ` +
            `not on the primary ${primary} alone`,
        );
      }
    }
    report.restored.ok = report.restored.problems.length === 0;
    this.phase('cleanup', report.restored.ok ? 'ok' : 'fail', report.restored.ok ? 'restored' : report.restored.problems.join('; '));
  }
}

/** When the last failed request so far was sent (-Infinity: none). */
function lastFailure(samples: readonly { t: number; ok: boolean }[]): number {
  let t = -Infinity;
  for (const s of samples) if (!s.ok && s.t > t) t = s.t;
  return t;
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

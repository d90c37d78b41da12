/**
 * From raw observations (probe samples, VIP holder changes, server state changes) to the
 * numbers of the report. Pure, so the arithmetic is unit-tested without a lab.
 */
import { splitBrainMessage } from '../verify/split-brain.js';
import type {
  FailoverReport, HolderCheck, OutageWindow, ProbeSample, ServerChange, SiteStats, SplitBrainReport, VipChange,
} from './types.js';

/**
 * A sample belongs to the window in which it *completed*: a request sent just before the fault
 * and reset by it counts for the fault, not as a failure of the healthy service before it.
 */
export function inWindow(s: ProbeSample, from: number, to: number): boolean {
  const done = s.t + s.ms;
  return done >= from && done < to;
}

/** A run of failures of one site: its edges, and how far off each edge can be (half its bracket). */
interface Run {
  start: number;
  end: number;
  startErr: number;
  endErr: number;
}

/**
 * Failures in [from, to), timed by when each request was *sent*. A run of failures of a site
 * began after the last success sent before it and by its first failure (see `struckBy`), and
 * ended after its last failure and by the first success sent after it. Each edge is taken at
 * the midpoint of that bracket, so it is off by at most half the bracket (half the probe
 * interval, more when a tick was late): `resolutionMs` adds those halves up, and the outage
 * clients saw lies within ±resolutionMs of `outageMs`. With a steady clock the duration is the
 * same as from the first failure to the first success; the brackets say how far it can be off,
 * and they widen where a tick came late or a failed request had been in flight.
 *
 * The outage is the time covered by the union of all sites' runs: a contiguous outage counts
 * from its start to the recovery, and two stray failures seconds apart count as two short
 * blips, not as everything in between.
 */
export function outageWindow(samples: readonly ProbeSample[], from: number, to: number): OutageWindow {
  const win = samples.filter((s) => inWindow(s, from, to));
  const failed = win.filter((s) => !s.ok);
  if (failed.length === 0) {
    return {
      total: win.length, failed: 0, firstFailedAtMs: null, lastFailedAtMs: null,
      outageMs: 0, ended: true, resolutionMs: largestGap(win),
    };
  }
  const failedSet = new Set(failed);
  const runs: Run[] = [];
  let ended = true;
  for (const site of new Set(failed.map((s) => s.site))) {
    // the recovery may be seen in any sample of the site sent before the window's end
    const mine = samples.filter((s) => s.site === site && s.t < to && (failedSet.has(s) || s.ok)).sort((a, b) => a.t - b.t);
    const r = siteRuns(mine, failedSet, to);
    runs.push(...r.runs);
    ended &&= r.ended;
  }
  const u = union(runs);
  return {
    total: win.length,
    failed: failed.length,
    firstFailedAtMs: Math.min(...failed.map((s) => s.t)),
    lastFailedAtMs: Math.max(...failed.map((s) => s.t)),
    outageMs: Math.max(0, Math.round(u.total)),
    ended,
    resolutionMs: ceilMs(u.err),
  };
}

/**
 * When a failed request shows the fault had struck: at its send when it never connected (the
 * SYN was refused or unanswered), else only by the time it failed — a request in flight, or one
 * a busy event loop was slow to write, is reset by a fault that came after its send.
 */
function struckBy(s: ProbeSample): number {
  return s.connected ? s.t + s.ms : s.t;
}

/**
 * A site's runs of failures (`failed`), from its samples sorted by send time. A run began after
 * the last success sent before it and by the earliest `struckBy` of its failures (never after
 * its end); it ended after its last failure and by the next success sent. A run still going at
 * the end lasts until `to`.
 */
function siteRuns(mine: readonly ProbeSample[], failed: ReadonlySet<ProbeSample>, to: number): { runs: Run[]; ended: boolean } {
  const runs: Run[] = [];
  let lastOk: number | undefined;
  let run: { after: number; by: number; last: number } | undefined;
  const close = (r: NonNullable<typeof run>, next: number, ended: boolean): Run => {
    const by = Math.min(r.by, next);
    const [start, startErr] = [(r.after + by) / 2, (by - r.after) / 2];
    return ended ? { start, startErr, end: (r.last + next) / 2, endErr: (next - r.last) / 2 } : { start, startErr, end: to, endErr: 0 };
  };
  for (const s of mine) {
    if (failed.has(s)) {
      // no success before it (the probe began failing): the run began by its first failure
      run ??= { after: lastOk ?? s.t, by: Infinity, last: s.t };
      run.by = Math.min(run.by, struckBy(s));
      run.last = s.t;
      continue;
    }
    if (run) runs.push(close(run, s.t, true));
    run = undefined;
    lastOk = s.t;
  }
  if (run) runs.push(close(run, to, false));
  return { runs, ended: run === undefined };
}

/** The time covered by the runs, and the error of its edges (an edge inside another run is no edge). */
function union(runs: Run[]): { total: number; err: number } {
  const sorted = [...runs].sort((a, b) => a.start - b.start);
  let total = 0;
  let err = 0;
  let cur: Run | undefined;
  for (const r of sorted) {
    if (cur && r.start <= cur.end) {
      if (r.end > cur.end) Object.assign(cur, { end: r.end, endErr: r.endErr });
      continue;
    }
    if (cur) [total, err] = [total + cur.end - cur.start, err + cur.startErr + cur.endErr];
    cur = { ...r };
  }
  if (cur) [total, err] = [total + cur.end - cur.start, err + cur.startErr + cur.endErr];
  return { total, err };
}

/**
 * Without failures: the longest gap between two requests of a site, since an outage shorter
 * than that could have fallen between them. null when no site had two requests.
 */
function largestGap(win: readonly ProbeSample[]): number | null {
  const bySite = new Map<string, number[]>();
  for (const s of win) {
    const ts = bySite.get(s.site);
    if (ts) ts.push(s.t);
    else bySite.set(s.site, [s.t]);
  }
  let gap: number | null = null;
  for (const ts of bySite.values()) {
    ts.sort((a, b) => a - b);
    for (let i = 1; i < ts.length; i++) gap = Math.max(gap ?? 0, ts[i]! - ts[i - 1]!);
  }
  return gap === null ? null : ceilMs(gap);
}

/** Whole ms, rounded up (after rounding to 0.1 ms, so 5.00000001 stays 5): a bound must not shrink. */
function ceilMs(x: number): number {
  return Math.ceil(Math.round(x * 10) / 10);
}

export function percentileOf(xs: readonly number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Per-site counts over the run, the fault window [faultAt, restoreAt) and the failback window [restoreAt, end). */
export function siteStats(
  samples: readonly ProbeSample[],
  sites: readonly string[],
  faultAt: number,
  restoreAt: number,
  end: number,
): Record<string, SiteStats> {
  const out: Record<string, SiteStats> = {};
  for (const site of sites) {
    const all = samples.filter((s) => s.site === site);
    // a cut exchange is neither a failure nor a success of the site (ProbeSample.cut)
    const mine = all.filter((s) => !s.cut);
    const cut = all.length - mine.length;
    const fault = outageWindow(mine, faultAt, restoreAt);
    const back = outageWindow(mine, restoreAt, end);
    const okMs = mine.filter((s) => s.ok).map((s) => s.ms);
    out[site] = {
      site,
      total: all.length,
      failed: mine.filter((s) => !s.ok).length,
      faultTotal: fault.total + cut,
      faultFailed: fault.failed,
      faultCut: cut,
      outageMs: fault.outageMs,
      failbackTotal: back.total,
      failbackFailed: back.failed,
      failbackOutageMs: back.outageMs,
      p50Ms: round1(percentileOf(okMs, 50)),
      maxMs: round1(okMs.length ? Math.max(...okMs) : null),
    };
  }
  return out;
}

function round1(x: number | null): number | null {
  return x === null ? null : Math.round(x * 10) / 10;
}

/** Who holds `vip` at time t, from the changes seen so far (each lb's last observation ≤ t). */
export function holdersAt(changes: readonly VipChange[], vip: string, t: number): string[] {
  const last = new Map<string, boolean | null>();
  for (const c of changes) if (c.vip === vip && c.t <= t) last.set(c.lb, c.has);
  return [...last].filter(([, has]) => has === true).map(([lb]) => lb).sort();
}

/** A stretch of time in which two or more lbs held the vip at once, and every lb that did. */
export interface Overlap {
  from: number;
  to: number;
  holders: string[];
}

/**
 * The stretches in which the VIP poll saw two or more lbs holding `vip` (an unanswered poll, `has:
 * null`, is not holding). One still open at the end lasts until `end`.
 */
export function overlaps(changes: readonly VipChange[], vip: string, end: number): Overlap[] {
  const held = new Map<string, boolean>();
  const out: Overlap[] = [];
  let cur: { from: number; holders: Set<string> } | undefined;
  // each lb's poll loop dates its own answers: merge them in time order
  const mine = changes.filter((c) => c.vip === vip).sort((a, b) => a.t - b.t);
  for (const c of mine) {
    held.set(c.lb, c.has === true);
    const now = [...held].filter(([, has]) => has).map(([lb]) => lb);
    if (now.length >= 2) {
      cur ??= { from: c.t, holders: new Set() };
      for (const lb of now) cur.holders.add(lb);
    } else if (cur) {
      out.push({ from: cur.from, to: c.t, holders: [...cur.holders].sort() });
      cur = undefined;
    }
  }
  if (cur) out.push({ from: cur.from, to: Math.max(end, cur.from), holders: [...cur.holders].sort() });
  return out;
}

/**
 * A split brain, from the VIP poll and the closer looks: two or more lbs holding the vip for at
 * least `minMs` (verify/split-brain.ts `splitBrainMinMs`: longer than VRRP lets two masters last
 * while adverts get through), or ARP for it answered from two or more MACs. null when neither.
 */
export function splitBrainOf(
  changes: readonly VipChange[],
  checks: readonly HolderCheck[],
  vip: string,
  minMs: number,
  end: number,
): SplitBrainReport | null {
  const all = overlaps(changes, vip, end);
  const long = all.filter((o) => o.to - o.from >= minMs);
  const mine = checks.filter((c) => c.vip === vip);
  const byArp = mine.filter((c) => (c.arpMacs?.length ?? 0) >= 2);
  if (long.length === 0 && byArp.length === 0) return null;
  const holders = [...new Set([...long.flatMap((o) => o.holders), ...byArp.flatMap((c) => c.holders)])].sort();
  // the closer look that showed most: one with ARP answers, else the last one taken
  const look = byArp[byArp.length - 1] ?? mine[mine.length - 1];
  return {
    vip,
    holders,
    atMs: Math.min(...long.map((o) => o.from), ...byArp.map((c) => c.t)),
    lastedMs: Math.round(Math.max(0, ...all.map((o) => o.to - o.from))),
    states: look?.states ?? {},
    arpMacs: look?.arpMacs ?? null,
  };
}

/** First time ≥ from at which an lb other than `from lb` was seen holding the vip. */
export function vipTakenOver(changes: readonly VipChange[], vip: string, lostBy: string, from: number, until = Infinity): number | null {
  for (const c of changes) if (c.vip === vip && c.has === true && c.lb !== lostBy && c.t >= from && c.t < until) return c.t;
  return null;
}

/**
 * First time ≥ from at which the failback was seen: the primary holding the vip again, or (with
 * preempt, the primary's advert being what makes the backup let go) the interim holder
 * dropping it. The faulted primary's own SSH connection may lag behind (after a link-down TCP
 * retransmits with backoff), so whichever is seen first counts.
 */
export function vipReturned(
  changes: readonly VipChange[],
  vip: string,
  primary: string,
  interim: readonly string[],
  from: number,
): number | null {
  for (const c of changes) {
    if (c.vip !== vip || c.t < from) continue;
    if (c.lb === primary && c.has === true) return c.t;
    if (interim.includes(c.lb) && c.lb !== primary && c.has === false) return c.t;
  }
  return null;
}

/** First time ≥ from at which HAProxy reported the server with a status starting with `prefix` (DOWN, UP). */
export function serverStatusAt(changes: readonly ServerChange[], server: string, prefix: 'DOWN' | 'UP', from: number): number | null {
  for (const c of changes) {
    if (c.server !== server || c.t < from) continue;
    // "UP 1/2" is still going down (a failed check counted), "DOWN 1/2" is coming up: only the settled state counts
    if (c.status === prefix || (prefix === 'DOWN' && c.status === 'MAINT')) return c.t;
  }
  return null;
}

/** What a run observed: the raw timeline of the report. */
export type Observed = FailoverReport['timeline'];

/** What `compute` needs to know about the run besides its report and observations. */
export interface RunFacts {
  /** The probed sites, in the model's order. */
  sites: readonly string[];
  /** The VIP the run watched (the topology's first). */
  vip: string;
  /** When the probe stopped (ms since t0). */
  endT: number;
  /** The fault's takeover event (FaultSpec.takeover): `server-status` adds the upstream's DOWN/UP times. */
  takeover: 'vip' | 'server-status';
  /** The sites and services whose exchanges under way at the fault it cuts (FaultSpec.cuts). */
  cuttable: readonly string[];
  /** How long two holders of the vip make a split brain (verify/split-brain.ts `splitBrainMinMs`). */
  splitBrainMinMs: number;
}

/**
 * The exchanges the fault cut (ProbeSample.cut): connected, on a cuttable site, and under way at
 * some moment between the fault command's send and the host's answer, the only interval in which
 * it can have run. Returns the samples with those marked.
 */
export function markCut(samples: readonly ProbeSample[], cuttable: readonly string[], sentMs: number | null, ackMs: number | null): ProbeSample[] {
  if (sentMs === null || ackMs === null || cuttable.length === 0) return [...samples];
  const sites = new Set(cuttable);
  const [from, to] = [sentMs, sentMs + ackMs];
  const cut = (s: ProbeSample) => !s.ok && s.connected === true && sites.has(s.site) && s.t <= to && s.t + s.ms >= from;
  return samples.map((s) => (cut(s) ? { ...s, cut: true } : s));
}

/**
 * The report's numbers from the observations: requests, the outage of the fault and failback
 * windows, per-site stats, when the VIP moved and came back, and (for an upstream fault) when
 * HAProxy marked the server DOWN and UP. Returns a new report; judging is `judge`'s.
 */
export function compute(report: FailoverReport, observed: Observed, f: RunFacts): FailoverReport {
  const o: Observed = { ...observed, samples: markCut(observed.samples, f.cuttable, report.faultSentMs, report.faultAckMs) };
  const r: FailoverReport = { ...report, notes: [...report.notes], failback: { ...report.failback }, timeline: o };
  // from here on a cut exchange is neither a failure nor a success (ProbeSample.cut)
  const live = o.samples.filter((s) => !s.cut);
  r.totalRequests = o.samples.length;
  r.cutRequests = o.samples.length - live.length;
  r.failedRequests = live.filter((s) => !s.ok).length;
  r.splitBrain = splitBrainOf(o.vip, o.holders, f.vip, f.splitBrainMinMs, f.endT);
  if (r.cutRequests > 0) {
    r.notes.push(
      `${r.cutRequests} exchange(s) under way on ${r.target} when it was killed were cut: ` +
        'no proxy can replay a connection its server dropped; they are not counted as failures',
    );
  }
  if (r.faultAtMs === null) {
    r.sites = siteStats(o.samples, f.sites, f.endT, f.endT, f.endT);
    return r;
  }
  const faultAt = r.faultAtMs;
  const restoreAt = r.failback.restoreAtMs ?? f.endT;
  // the fault acts somewhere between its command's send and its answer (faultAtMs is the
  // midpoint): a failure completed in between is the fault's, not the healthy service's
  const faultFrom = Math.min(r.faultSentMs ?? faultAt, faultAt);
  r.baselineFailed = outageWindow(live, -Infinity, faultFrom).failed;
  const w = outageWindow(live, faultFrom, restoreAt);
  Object.assign(r, {
    outageMs: w.outageMs, outageEnded: w.ended,
    firstFailedMs: w.firstFailedAtMs, lastFailedMs: w.lastFailedAtMs, resolutionMs: w.resolutionMs,
  });
  const b = outageWindow(live, restoreAt, Infinity);
  Object.assign(r.failback, {
    outageMs: b.outageMs, outageEnded: b.ended, failedRequests: b.failed, totalRequests: b.total,
    firstFailedMs: b.firstFailedAtMs, lastFailedMs: b.lastFailedAtMs, resolutionMs: b.resolutionMs,
  });
  r.sites = siteStats(o.samples, f.sites, faultFrom, restoreAt, Infinity);

  const movedAt = vipTakenOver(o.vip, f.vip, r.primary, faultAt, restoreAt);
  r.vipMoved = movedAt !== null;
  r.vipMovedAtMs = movedAt;
  r.vipMovedMs = movedAt === null ? null : Math.round(movedAt - faultAt);
  if (r.failback.expected) {
    const back = vipReturned(o.vip, f.vip, r.primary, r.holderAfterFault.filter((h) => h !== r.primary), restoreAt);
    r.failback.vipMovedAtMs = back;
    r.failback.vipMovedMs = back === null ? null : Math.round(back - restoreAt);
  }
  if (f.takeover === 'server-status') computeUpstream(r, o.servers, faultAt, restoreAt);
  return r;
}

/** An upstream fault: when HAProxy on the primary marked the server (the fault's target) DOWN, and UP again. */
function computeUpstream(r: FailoverReport, servers: readonly ServerChange[], faultAt: number, restoreAt: number): void {
  const mine = servers.filter((c) => c.lb === r.primary);
  const down = serverStatusAt(mine, r.target, 'DOWN', faultAt);
  const up = serverStatusAt(mine, r.target, 'UP', restoreAt);
  r.upstream = {
    name: r.target,
    lb: r.primary,
    markedDownMs: down === null ? null : Math.round(down - faultAt),
    markedUpMs: up === null ? null : Math.round(up - restoreAt),
  };
  if (down === null) {
    r.notes.push(
      `HAProxy on ${r.primary} did not mark ${r.target} DOWN within the test ` +
        '(check inter × fall is longer than the fault phase?)',
    );
  }
  if (up === null) r.notes.push(`HAProxy on ${r.primary} did not mark ${r.target} UP again within the test`);
}

/**
 * The verdict: pass when the fault was applied, the VIP moved if (and only if) it should, the
 * outages of both windows ended and stayed within max-outage, the VIP came back when expected,
 * and everything was restored. Returns a new report with the reasons (and hints) added.
 */
export function judge(report: FailoverReport, vip: string): FailoverReport {
  // no fault applied (preflight failed, the VIP was elsewhere, the run was cut short): nothing to
  // judge, the run failed for the reasons it already gives
  if (report.faultAtMs === null) return { ...report, verdict: 'fail' };
  const r: FailoverReport = { ...report, reasons: [...report.reasons], notes: [...report.notes] };
  const [faultAt, max] = [report.faultAtMs, r.maxOutageMs];
  // reported, not judged: the verdict is about the fault; a stray failure before it is a hint
  if (r.baselineFailed > 0) r.notes.push(`${r.baselineFailed} request(s) failed before the fault (see timeline.samples)`);
  // the root cause, when there is one, first: it explains the reasons after it
  if (r.splitBrain) r.reasons.push(splitBrainMessage(r.splitBrain, 'past'));
  if (r.expectVipMove && !r.vipMoved) r.reasons.push(`the VIP ${vip} did not move to a backup within the fault phase`);
  if (!r.expectVipMove && r.timeline.vip.some((c) => c.vip === vip && c.t >= faultAt && c.lb !== r.primary && c.has === true)) {
    r.reasons.push(`the VIP moved although only an upstream died`);
  }
  if (!r.outageEnded) r.reasons.push('clients were still failing when the fault was undone');
  if (r.outageMs > max) r.reasons.push(`outage ${r.outageMs} ms > max-outage ${max} ms`);
  if (r.failback.expected && r.failback.vipMovedMs === null) {
    r.reasons.push(`the VIP did not return to ${r.primary} within the test's duration (${r.durationMs} ms)`);
  }
  if (r.failback.outageMs > max) r.reasons.push(`failback outage ${r.failback.outageMs} ms > max-outage ${max} ms`);
  if (!r.failback.outageEnded) r.reasons.push('clients were still failing at the end of the test');
  if (!r.restored.ok) r.reasons.push(`not restored: ${r.restored.problems.join('; ')}`);
  r.verdict = r.reasons.length === 0 ? 'pass' : 'fail';
  return r;
}

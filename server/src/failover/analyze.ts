/**
 * From raw observations (probe samples, VIP holder changes, server state changes) to the
 * numbers of the report. Pure, so the arithmetic is unit-tested without a lab.
 */
import type { FailoverReport, OutageWindow, ProbeSample, ServerChange, SiteStats, VipChange } from './types.js';

/**
 * A sample belongs to the window in which it *completed*: a request sent just before the fault
 * and reset by it counts for the fault, not as a failure of the healthy service before it.
 */
export function inWindow(s: ProbeSample, from: number, to: number): boolean {
  const done = s.t + s.ms;
  return done >= from && done < to;
}

/**
 * Failures in [from, to). Each run of failures of a site lasts from its first failed request to
 * the first successful request of that site sent after the run (the resolution is the probe
 * interval); the outage is the time covered by the union of all sites' runs. A contiguous
 * outage thus counts from its first failure to the recovery, and two stray failures seconds
 * apart count as two short blips, not as everything in between.
 */
export function outageWindow(samples: readonly ProbeSample[], from: number, to: number): OutageWindow {
  const win = samples.filter((s) => inWindow(s, from, to));
  const failed = win.filter((s) => !s.ok);
  if (failed.length === 0) return { total: win.length, failed: 0, firstFailedAtMs: null, lastFailedAtMs: null, outageMs: 0, ended: true };
  const failedSet = new Set(failed);
  const runs: Array<[number, number]> = [];
  let ended = true;
  for (const site of new Set(failed.map((s) => s.site))) {
    // the recovery may be seen in any sample of the site sent before the window's end
    const mine = samples.filter((s) => s.site === site && s.t < to && (failedSet.has(s) || s.ok)).sort((a, b) => a.t - b.t);
    let start: number | undefined;
    for (const s of mine) {
      if (failedSet.has(s)) start ??= s.t;
      else if (start !== undefined) {
        runs.push([start, s.t]);
        start = undefined;
      }
    }
    if (start !== undefined) {
      ended = false;
      runs.push([start, to]);
    }
  }
  runs.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cur: [number, number] | undefined;
  for (const r of runs) {
    if (cur && r[0] <= cur[1]) cur[1] = Math.max(cur[1], r[1]);
    else {
      if (cur) total += cur[1] - cur[0];
      cur = [r[0], r[1]];
    }
  }
  if (cur) total += cur[1] - cur[0];
  return {
    total: win.length,
    failed: failed.length,
    firstFailedAtMs: Math.min(...failed.map((s) => s.t)),
    lastFailedAtMs: Math.max(...failed.map((s) => s.t)),
    outageMs: Math.max(0, Math.round(total)),
    ended,
  };
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
    const mine = samples.filter((s) => s.site === site);
    const fault = outageWindow(mine, faultAt, restoreAt);
    const back = outageWindow(mine, restoreAt, end);
    const okMs = mine.filter((s) => s.ok).map((s) => s.ms);
    out[site] = {
      site,
      total: mine.length,
      failed: mine.filter((s) => !s.ok).length,
      faultTotal: fault.total,
      faultFailed: fault.failed,
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
export function vipReturned(changes: readonly VipChange[], vip: string, primary: string, interim: readonly string[], from: number): number | null {
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
}

/**
 * The report's numbers from the observations: requests, the outage of the fault and failback
 * windows, per-site stats, when the VIP moved and came back, and (for an upstream fault) when
 * HAProxy marked the server DOWN and UP. Returns a new report; judging is `judge`'s.
 */
export function compute(report: FailoverReport, o: Observed, f: RunFacts): FailoverReport {
  const r: FailoverReport = { ...report, notes: [...report.notes], failback: { ...report.failback }, timeline: o };
  r.totalRequests = o.samples.length;
  r.failedRequests = o.samples.filter((s) => !s.ok).length;
  if (r.faultAtMs === null) {
    r.sites = siteStats(o.samples, f.sites, f.endT, f.endT, f.endT);
    return r;
  }
  const faultAt = r.faultAtMs;
  const restoreAt = r.failback.restoreAtMs ?? f.endT;
  r.baselineFailed = outageWindow(o.samples, -Infinity, faultAt).failed;
  const w = outageWindow(o.samples, faultAt, restoreAt);
  Object.assign(r, { outageMs: w.outageMs, outageEnded: w.ended, firstFailedMs: w.firstFailedAtMs, lastFailedMs: w.lastFailedAtMs });
  const b = outageWindow(o.samples, restoreAt, Infinity);
  Object.assign(r.failback, {
    outageMs: b.outageMs, outageEnded: b.ended, failedRequests: b.failed, totalRequests: b.total,
    firstFailedMs: b.firstFailedAtMs, lastFailedMs: b.lastFailedAtMs,
  });
  r.sites = siteStats(o.samples, f.sites, faultAt, restoreAt, Infinity);

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
  if (down === null) r.notes.push(`HAProxy on ${r.primary} did not mark ${r.target} DOWN within the test (check inter × fall is longer than the fault phase?)`);
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

/**
 * The failover test's data: probe samples, VIP holder changes, HAProxy server state changes,
 * the events a caller sees while it runs, and the report it ends with. Every time is in ms
 * since the start of the run (`t0`), unless the name says it is relative to something else.
 */
import type { FaultKind } from '../../../shared/model/types.js';

/** One request through a VIP. */
export interface ProbeSample {
  /** When the request was sent (ms since t0). */
  t: number;
  site: string;
  ok: boolean;
  /** HTTP status, when an answer came. */
  status?: number;
  /** Why it failed without an answer: ECONNREFUSED, ECONNRESET, timeout, … */
  error?: string;
  /** Time to the end of the answer (or to the failure). */
  ms: number;
  /**
   * A failure after the TCP connection was made (reset, timeout waiting for the answer, an HTTP
   * error): the fault may have struck while it was in flight, so it shows only that the fault
   * had struck by `t + ms`. Absent for successes and for failures that never connected
   * (refused, SYN unanswered), which show it by `t`.
   */
  connected?: boolean;
  /**
   * Cut by the fault, not failed: connected before the fault had run, still under way when it
   * ran, on a site or service whose server the fault killed (FaultSpec.cuts). No proxy can replay
   * such an exchange; it counts in `cutRequests`, not in the failures or the outage.
   */
  cut?: boolean;
}

/** An lb was seen gaining or losing a VIP (by polling `ip -o addr show` over SSH). */
export interface VipChange {
  t: number;
  lb: string;
  vip: string;
  /** null: the lb did not answer the poll (e.g. its link is down); what it holds is unknown. */
  has: boolean | null;
}

/** HAProxy's view of one server changed (read from the stats socket of the lb holding the VIP). */
export interface ServerChange {
  t: number;
  lb: string;
  backend: string;
  server: string;
  /** HAProxy's status column: UP, DOWN, "UP 1/2", "DOWN 1/3", MAINT, no check, … */
  status: string;
}

/**
 * A closer look taken when the VIP poll saw two or more lbs holding the VIP at once (run.ts): what
 * keepalived said on each, and who answered ARP for the VIP from this machine.
 */
export interface HolderCheck {
  t: number;
  vip: string;
  /** The lbs the VIP poll saw holding it. */
  holders: string[];
  /** keepalived's state of the VIP's instance on each of them (MASTER, BACKUP, FAULT…); null: not read. */
  states: Record<string, string | null>;
  /** The MACs that answered ARP for the VIP (verify/arp.ts); null when ARP was not asked (`arpNote` says why). */
  arpMacs: string[] | null;
  arpNote?: string;
}

/** Two or more lbs held the VIP at once, longer than VRRP lets two masters last (analyze.ts `splitBrainOf`). */
export interface SplitBrainReport {
  vip: string;
  /** Every lb seen holding the VIP together with another. */
  holders: string[];
  /** When two holders were first seen (ms since t0), and how long the longest such stretch lasted. */
  atMs: number;
  lastedMs: number;
  /** keepalived's states from the closer look (HolderCheck), when one was taken. */
  states: Record<string, string | null>;
  /** The MACs that answered ARP for the VIP in the closer look; null when ARP was not asked. */
  arpMacs: string[] | null;
}

/** A labelled moment on the timeline (fault sent, restore sent, …). */
export interface TimelineMark {
  t: number;
  label: string;
}

export type FailoverPhase = 'connect' | 'preflight' | 'baseline' | 'fault' | 'restore' | 'failback' | 'cleanup' | 'report';

export type FailoverEvent =
  | { type: 'phase'; phase: FailoverPhase; status: 'start' | 'ok' | 'fail' | 'info'; message: string; t: number }
  | { type: 'sample'; sample: ProbeSample }
  | { type: 'vip'; change: VipChange }
  | { type: 'server'; change: ServerChange }
  | { type: 'mark'; mark: TimelineMark };

export type FailoverListener = (e: FailoverEvent) => void;

export interface SiteStats {
  site: string;
  /** Requests sent in the whole run, and those that failed. */
  total: number;
  failed: number;
  /** In the fault phase. */
  faultTotal: number;
  faultFailed: number;
  /** Cut by the fault (ProbeSample.cut): not in `failed` nor `faultFailed`. */
  faultCut: number;
  outageMs: number;
  /** In the failback phase. */
  failbackTotal: number;
  failbackFailed: number;
  failbackOutageMs: number;
  /** Latency of the successful requests. */
  p50Ms: number | null;
  maxMs: number | null;
}

/** What failures in one window of the run add up to. */
export interface OutageWindow {
  total: number;
  failed: number;
  /** Sent time of the first and last failed request (ms since t0), null without failures. */
  firstFailedAtMs: number | null;
  lastFailedAtMs: number | null;
  /**
   * The time covered by the runs of failures of every site, each from the midpoint between the
   * last success and the first failure to the midpoint between the last failure and the first
   * success (send times, see analyze.ts); 0 without failures. When the failures never ended
   * within the window, up to the window's end, and `ended` is false.
   */
  outageMs: number;
  ended: boolean;
  /**
   * The outage clients saw lies within ±this of `outageMs`: half the gap between the two
   * requests around each edge, added up. Without failures, the longest gap between two requests
   * of a site (a shorter outage could have fallen between them); null when nothing was probed.
   */
  resolutionMs: number | null;
}

export interface PreflightResult {
  ok: boolean;
  /** 'same': every rendered file equals the host's; 'differs': some do (listed); 'skipped': not compared. */
  config: 'same' | 'differs' | 'skipped' | 'error';
  differing: string[];
  /** vip address → lbs holding it at preflight. */
  vipHolders: Record<string, string[]>;
  sites: Array<{ site: string; ok: boolean; message?: string }>;
  messages: string[];
}

export interface FailoverReport {
  topology: string;
  fault: FaultKind;
  /** The host the fault was applied to (the lb holding the VIP, the backup, or an upstream). */
  target: string;
  primary: string;
  /** The lb expected to take the VIP over (the highest-priority backup). */
  backup: string;
  startedAt: string;
  probeIntervalMs: number;
  durationMs: number;
  maxOutageMs: number;
  /** Per-request timeout of the probe. */
  requestTimeoutMs: number;
  preflight: PreflightResult;

  /**
   * When the fault took effect (ms since t0: its command's send plus half the round trip, see
   * run.ts) and how long the host took to confirm it.
   */
  faultAtMs: number | null;
  faultAckMs: number | null;
  /** When the fault command was sent: failures completed from then on count for the fault phase. */
  faultSentMs: number | null;
  /** Whether the VIP left the faulted lb for another one; expected unless the fault is kill-upstream. */
  vipMoved: boolean;
  expectVipMove: boolean;
  /** From the fault to the first poll that saw the backup holding the VIP; null when it did not move. */
  vipMovedMs: number | null;
  vipMovedAtMs: number | null;
  /** Who held the VIP at the end of the fault phase. */
  holderAfterFault: string[];

  /** The fault phase, from the fault to the restore. */
  outageMs: number;
  outageEnded: boolean;
  /** ± on `outageMs` from the probe's sampling (OutageWindow.resolutionMs). */
  resolutionMs: number | null;
  firstFailedMs: number | null;
  lastFailedMs: number | null;
  /** Requests that failed, apart from those the fault cut (`cutRequests`). */
  failedRequests: number;
  totalRequests: number;
  /** Exchanges under way on the killed server when the fault ran (ProbeSample.cut). */
  cutRequests: number;
  /** Failed requests before the fault (the service was not healthy to begin with). */
  baselineFailed: number;
  sites: Record<string, SiteStats>;

  /**
   * A fault whose target comes back by itself (reboot): how long after the fault it answered
   * again with its boot finished (null: it did not, within the wait), and the state systemd
   * reports for each service it must have started (`active`, `failed`, …).
   */
  cameBack?: { afterMs: number | null; services: Record<string, string> };

  /** kill-upstream: when HAProxy marked the killed server DOWN (from the fault) and UP again (from the restore). */
  upstream?: {
    name: string;
    lb: string;
    markedDownMs: number | null;
    markedUpMs: number | null;
  };

  failback: {
    /** Whether a failback is expected (preempt on, VIP moved). */
    expected: boolean;
    restoreAtMs: number | null;
    /** From the restore to the VIP seen back on the primary; null when not seen. */
    vipMovedMs: number | null;
    vipMovedAtMs: number | null;
    outageMs: number;
    outageEnded: boolean;
    resolutionMs: number | null;
    failedRequests: number;
    totalRequests: number;
    firstFailedMs: number | null;
    lastFailedMs: number | null;
  };

  /** Two or more lbs held the VIP at once (null: never seen); the verdict fails with it. */
  splitBrain: SplitBrainReport | null;

  /** After the run: the fault undone, every daemon running, the VIP on the primary. */
  restored: { ok: boolean; problems: string[] };

  verdict: 'pass' | 'fail';
  /** Why the verdict is fail (empty on pass). */
  reasons: string[];
  /** Notes that do not change the verdict. */
  notes: string[];
  elapsedMs: number;

  timeline: {
    samples: ProbeSample[];
    vip: VipChange[];
    servers: ServerChange[];
    marks: TimelineMark[];
    /** The closer looks taken at two holders (HolderCheck). */
    holders: HolderCheck[];
  };
}

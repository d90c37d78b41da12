/** The failover report's arithmetic, on hand-made timelines (values worked out by hand). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { holdersAt, outageWindow, serverStatusAt, siteStats, vipReturned, vipTakenOver } from '../../../server/src/failover/analyze.js';
import type { ProbeSample, ServerChange, VipChange } from '../../../server/src/failover/types.js';

/** Samples every `step` ms from `from` to `to` (exclusive) for a site, failing inside [failFrom, failTo). */
function series(site: string, from: number, to: number, failFrom: number, failTo: number, ms = 2, step = 20): ProbeSample[] {
  const out: ProbeSample[] = [];
  for (let t = from; t < to; t += step) {
    const ok = !(t >= failFrom && t < failTo);
    out.push(ok ? { t, site, ok, status: 200, ms } : { t, site, ok, error: 'ECONNREFUSED', ms: 1 });
  }
  return out;
}

describe('outageWindow', () => {
  it('no failures: zero outage, counts the window', () => {
    const s = series('a', 0, 1000, -1, -1);
    const w = outageWindow(s, 0, 500);
    // an outage shorter than the 20 ms between two requests could have gone unseen
    assert.deepEqual(w, { total: 25, failed: 0, firstFailedAtMs: null, lastFailedAtMs: null, outageMs: 0, ended: true, resolutionMs: 20 });
    assert.equal(outageWindow([], 0, 500).resolutionMs, null);
  });

  it('each edge at the midpoint between the requests around it, ± half their gap', () => {
    // fails at 1000, 1020, …, 1680 (35 samples); the last ok before is 980, the first after 1700:
    // start (980 + 1000) / 2 = 990, end (1680 + 1700) / 2 = 1690, each ± 10
    const s = series('a', 0, 3000, 1000, 1700);
    const w = outageWindow(s, 990, 2500);
    assert.equal(w.failed, 35);
    assert.equal(w.firstFailedAtMs, 1000);
    assert.equal(w.lastFailedAtMs, 1680);
    assert.equal(w.outageMs, 700);
    assert.equal(w.resolutionMs, 20);
    assert.equal(w.ended, true);
  });

  it('irregular requests (a late tick): each edge bracketed by its own gap', () => {
    const at = (t: number, ok: boolean): ProbeSample =>
      (ok ? { t, site: 'a', ok, status: 200, ms: 2 } : { t, site: 'a', ok, error: 'timeout', ms: 100 });
    const s = [at(0, true), at(10, true), at(20, true), at(45, false), at(50, false), at(58, false), at(90, true), at(100, true)];
    const w = outageWindow(s, 0, 1000);
    // start (20 + 45) / 2 = 32.5 ± 12.5, end (58 + 90) / 2 = 74 ± 16: 41.5 ms rounds to 42, ± 28.5 up to 29
    assert.equal(w.outageMs, 42);
    assert.equal(w.resolutionMs, 29);
  });

  it('over sites: the union of their runs, its edges as precise as the runs they come from', () => {
    // a every 10 ms, failing 50–80: (40+50)/2 = 45 ± 5 to (80+90)/2 = 85 ± 5
    // b every 20 ms from 10, failing 70–110: (50+70)/2 = 60 ± 10 to (110+130)/2 = 120 ± 10
    const a = series('a', 0, 300, 50, 90, 2, 10);
    const b = series('b', 10, 300, 70, 120, 2, 20);
    const w = outageWindow([...a, ...b].sort((x, y) => x.t - y.t), 0, 1000);
    assert.equal(w.firstFailedAtMs, 50);
    assert.equal(w.lastFailedAtMs, 110);
    // union 45–120: 75 ms, ± 5 at the start (a's) and ± 10 at the end (b's)
    assert.equal(w.outageMs, 75);
    assert.equal(w.resolutionMs, 15);
  });

  it('over sites, same clock: earliest start to the latest recovery', () => {
    const s = [...series('a', 0, 3000, 1000, 1400), ...series('b', 10, 3010, 1210, 1810)].sort((x, y) => x.t - y.t);
    const w = outageWindow(s, 900, 3000);
    assert.equal(w.firstFailedAtMs, 1000);
    // a: (980+1000)/2 = 990 to 1390; b: (1190+1210)/2 = 1200 to (1790+1810)/2 = 1800
    assert.equal(w.lastFailedAtMs, 1790);
    assert.equal(w.outageMs, 810);
    assert.equal(w.resolutionMs, 20);
  });

  it('stray failures seconds apart are two blips, not one long outage', () => {
    const s = series('a', 0, 6000, -1, -1).map((x) => (x.t === 1000 || x.t === 3400 ? { ...x, ok: false, status: 503 } : x));
    const w = outageWindow(s, 0, 6000);
    assert.equal(w.failed, 2);
    assert.equal(w.firstFailedAtMs, 1000);
    assert.equal(w.lastFailedAtMs, 3400);
    // 990–1010 and 3390–3410, each ± 10 at both edges
    assert.equal(w.outageMs, 40);
    assert.equal(w.resolutionMs, 40);
  });

  it('failures still going at the window end: up to the end, not ended', () => {
    const s = series('a', 0, 3000, 1000, 5000);
    const w = outageWindow(s, 900, 2000);
    assert.equal(w.ended, false);
    // from (980 + 1000) / 2 = 990 ± 10 to the window's end, which is exact
    assert.equal(w.outageMs, 1010);
    assert.equal(w.resolutionMs, 10);
  });

  it('a sample belongs to the window it completed in (a reset in flight counts for the fault)', () => {
    const s: ProbeSample[] = [
      { t: 970, site: 'a', ok: true, status: 200, ms: 2 },
      { t: 990, site: 'a', ok: false, error: 'ECONNREFUSED', ms: 15 }, // sent before the fault at 1000, failed after
      { t: 1010, site: 'a', ok: true, status: 200, ms: 2 },
    ];
    assert.equal(outageWindow(s, -Infinity, 1000).failed, 0);
    const w = outageWindow(s, 1000, 2000);
    assert.equal(w.failed, 1);
    // (970 + 990) / 2 = 980 to (990 + 1010) / 2 = 1000
    assert.equal(w.outageMs, 20);
    assert.equal(w.resolutionMs, 20);
  });

  it('a request that had connected and then failed shows the fault only by its failure, not by its send', () => {
    // every 5 ms; the request sent at 1005 connected and was reset at 1021 (a slow event loop
    // had not written it yet); the next tick came late, at 1020, its SYN unanswered; from 1045 ok
    const ok = (t: number): ProbeSample => ({ t, site: 'a', ok: true, status: 200, ms: 2 });
    const syn = (t: number): ProbeSample => ({ t, site: 'a', ok: false, error: 'timeout', ms: 100 });
    const s = [ok(990), ok(995), ok(1000), { t: 1005, site: 'a', ok: false, error: 'ECONNRESET', ms: 16, connected: true }, syn(1020),
      syn(1025), syn(1030), syn(1035), syn(1040), ok(1045), ok(1050)];
    const w = outageWindow(s, 0, 2000);
    assert.equal(w.firstFailedAtMs, 1005);
    // began after 1000 and by min(1005 + 16, 1020) = 1020: 1010 ± 10; ended (1040 + 1045) / 2 =
    // 1042.5 ± 2.5: 32.5 ms, rounded 33, ± 12.5 up to 13 (by send times alone: 1002.5, 40 ms ± 5)
    assert.equal(w.outageMs, 33);
    assert.equal(w.resolutionMs, 13);
    // a connected failure can never put the start after the recovery: by is capped at the next success
    const lone = outageWindow(
      [ok(1000), { t: 1005, site: 'a', ok: false, error: 'ECONNRESET', ms: 40, connected: true }, ok(1010)], 0, 2000);
    // after 1000, by min(1045, 1010) = 1010: 1005 ± 5; ended (1005 + 1010) / 2 = 1007.5 ± 2.5
    assert.equal(lone.outageMs, 3);
    assert.equal(lone.resolutionMs, 8);
  });

  it('the bias of a coarse probe: a 45 ms outage between two 50 ms ticks is not seen; 10 ms ticks see it to ± 10', () => {
    // clients fail for requests sent in [1003, 1048): the fault lands 3 ms after a tick, as it
    // does run after run when the fault is sent a whole number of intervals after the probe starts
    const probe = (every: number) => series('a', 0, 2000, 1003, 1048, 2, every);
    const coarse = outageWindow(probe(50), 0, 2000);
    assert.equal(coarse.outageMs, 0);
    assert.equal(coarse.resolutionMs, 50, 'it says an outage up to 50 ms could have gone unseen');
    // 10 ms: fails 1010–1040, last ok 1000, first ok 1050: (1040+1050)/2 − (1000+1010)/2 = 40
    const fine = outageWindow(probe(10), 0, 2000);
    assert.equal(fine.outageMs, 40);
    assert.equal(fine.resolutionMs, 10);
    assert.ok(Math.abs(fine.outageMs - 45) <= fine.resolutionMs!);
  });
});

describe('siteStats', () => {
  it('splits fault and failback per site, latency from successes only', () => {
    const s = [...series('a', 0, 4000, 1000, 1300, 4), ...series('a', 4000, 6000, 4100, 4160, 8)];
    const st = siteStats(s, ['a', 'b'], 1000, 4000, Infinity)!;
    assert.equal(st.a!.total, 300);
    assert.equal(st.a!.failed, 15 + 3);
    assert.equal(st.a!.faultFailed, 15);
    assert.equal(st.a!.outageMs, 300);
    assert.equal(st.a!.failbackFailed, 3);
    assert.equal(st.a!.failbackOutageMs, 60);
    assert.equal(st.a!.maxMs, 8);
    assert.equal(st.a!.p50Ms, 4);
    assert.equal(st.b!.total, 0);
    assert.equal(st.b!.p50Ms, null);
  });
});

describe('VIP holder timeline', () => {
  const changes: VipChange[] = [
    { t: 10, lb: 'lb1', vip: 'V', has: true },
    { t: 12, lb: 'lb2', vip: 'V', has: false },
    { t: 1500, lb: 'lb1', vip: 'V', has: null }, // link down: no answer
    { t: 1700, lb: 'lb2', vip: 'V', has: true },
    { t: 5000, lb: 'lb1', vip: 'V', has: false },
    { t: 7000, lb: 'lb2', vip: 'V', has: false },
    { t: 7050, lb: 'lb1', vip: 'V', has: true },
  ];

  it('holdersAt takes each lb’s last observation; unknown is not holding', () => {
    assert.deepEqual(holdersAt(changes, 'V', 100), ['lb1']);
    assert.deepEqual(holdersAt(changes, 'V', 1600), []);
    assert.deepEqual(holdersAt(changes, 'V', 2000), ['lb2']);
    assert.deepEqual(holdersAt(changes, 'V', 7100), ['lb1']);
    assert.deepEqual(holdersAt(changes, 'W', 7100), []);
  });

  it('vipTakenOver: first time another lb holds it after the fault', () => {
    assert.equal(vipTakenOver(changes, 'V', 'lb1', 1000), 1700);
    assert.equal(vipTakenOver(changes, 'V', 'lb1', 1000, 1600), null);
    assert.equal(vipTakenOver(changes, 'V', 'lb2', 0), 10);
  });

  it('vipReturned: the interim holder letting go or the primary taking it, whichever is seen first', () => {
    assert.equal(vipReturned(changes, 'V', 'lb1', ['lb2'], 6000), 7000);
    // the primary seen first when the interim holder's drop is not among the changes
    assert.equal(vipReturned(changes.filter((c) => !(c.lb === 'lb2' && c.t === 7000)), 'V', 'lb1', ['lb2'], 6000), 7050);
    // lb1 answering "no VIP" is not a return
    assert.equal(vipReturned(changes.slice(0, 5), 'V', 'lb1', ['lb2'], 4000), null);
  });
});

describe('serverStatusAt', () => {
  const c: ServerChange[] = [
    { t: 0, lb: 'lb1', backend: 'web01', server: 'web1', status: 'UP' },
    { t: 1500, lb: 'lb1', backend: 'web01', server: 'web1', status: 'UP 2/3' },
    { t: 3500, lb: 'lb1', backend: 'web01', server: 'web1', status: 'UP 1/3' },
    { t: 5500, lb: 'lb1', backend: 'web01', server: 'web1', status: 'DOWN' },
    { t: 8000, lb: 'lb1', backend: 'web01', server: 'web1', status: 'DOWN 1/2' },
    { t: 10000, lb: 'lb1', backend: 'web01', server: 'web1', status: 'UP' },
  ];
  it('only the settled state counts (UP 1/3 is still up, DOWN 1/2 still down)', () => {
    assert.equal(serverStatusAt(c, 'web1', 'DOWN', 1000), 5500);
    assert.equal(serverStatusAt(c, 'web1', 'UP', 6000), 10000);
    assert.equal(serverStatusAt(c, 'web1', 'UP', 0), 0);
    assert.equal(serverStatusAt(c, 'web2', 'DOWN', 0), null);
  });
});

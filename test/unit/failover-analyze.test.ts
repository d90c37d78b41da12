/** The failover report's arithmetic, on hand-made timelines (values worked out by hand). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { holdersAt, outageWindow, serverStatusAt, siteStats, vipReturned, vipTakenOver } from '../../server/src/failover/analyze.js';
import type { ProbeSample, ServerChange, VipChange } from '../../server/src/failover/types.js';

/** Samples every 20 ms from `from` to `to` (exclusive) for a site, failing inside [failFrom, failTo). */
function series(site: string, from: number, to: number, failFrom: number, failTo: number, ms = 2): ProbeSample[] {
  const out: ProbeSample[] = [];
  for (let t = from; t < to; t += 20) {
    const ok = !(t >= failFrom && t < failTo);
    out.push(ok ? { t, site, ok, status: 200, ms } : { t, site, ok, error: 'ECONNREFUSED', ms: 1 });
  }
  return out;
}

describe('outageWindow', () => {
  it('no failures: zero outage, counts the window', () => {
    const s = series('a', 0, 1000, -1, -1);
    const w = outageWindow(s, 0, 500);
    assert.deepEqual(w, { total: 25, failed: 0, firstFailedAtMs: null, lastFailedAtMs: null, outageMs: 0, ended: true });
  });

  it('from the first failure to the first success after the last one', () => {
    // fails at 1000, 1020, …, 1680 (35 samples); the first ok after is at 1700
    const s = series('a', 0, 3000, 1000, 1700);
    const w = outageWindow(s, 990, 2500);
    assert.equal(w.failed, 35);
    assert.equal(w.firstFailedAtMs, 1000);
    assert.equal(w.lastFailedAtMs, 1680);
    assert.equal(w.outageMs, 700);
    assert.equal(w.ended, true);
  });

  it('over sites: earliest failure to the latest recovery', () => {
    const s = [...series('a', 0, 3000, 1000, 1400), ...series('b', 10, 3010, 1210, 1810)].sort((x, y) => x.t - y.t);
    const w = outageWindow(s, 900, 3000);
    assert.equal(w.firstFailedAtMs, 1000);
    // b's last failure is 1790, its next ok 1810
    assert.equal(w.lastFailedAtMs, 1790);
    assert.equal(w.outageMs, 810);
  });

  it('stray failures seconds apart are two blips, not one long outage', () => {
    const s = series('a', 0, 6000, -1, -1).map((x) => (x.t === 1000 || x.t === 3400 ? { ...x, ok: false, status: 503 } : x));
    const w = outageWindow(s, 0, 6000);
    assert.equal(w.failed, 2);
    assert.equal(w.firstFailedAtMs, 1000);
    assert.equal(w.lastFailedAtMs, 3400);
    assert.equal(w.outageMs, 40);
  });

  it('failures still going at the window end: up to the end, not ended', () => {
    const s = series('a', 0, 3000, 1000, 5000);
    const w = outageWindow(s, 900, 2000);
    assert.equal(w.ended, false);
    assert.equal(w.outageMs, 1000);
  });

  it('a sample belongs to the window it completed in (a reset in flight counts for the fault)', () => {
    const s: ProbeSample[] = [
      { t: 990, site: 'a', ok: false, error: 'ECONNRESET', ms: 15 }, // sent before the fault at 1000, failed after
      { t: 1010, site: 'a', ok: true, status: 200, ms: 2 },
    ];
    assert.equal(outageWindow(s, -Infinity, 1000).failed, 0);
    const w = outageWindow(s, 1000, 2000);
    assert.equal(w.failed, 1);
    assert.equal(w.outageMs, 20);
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

/**
 * The failover test's table and verdict without a lab: every fault kind has one FAULTS entry
 * whose parts agree with each other, and `compute` / `judge` (analyze.ts) turn a hand-made
 * timeline into the report's numbers and verdict.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../server/src/engine.js';
import { FAULT_KINDS } from '../../../server/src/schema/schema.js';
import { renderCommand } from '../../../server/src/deploy/shell-quote.js';
import { FAULTS, faultPlan } from '../../../server/src/failover/faults.js';
import { compute, judge, overlaps, type Observed, type RunFacts } from '../../../server/src/failover/analyze.js';
import { formatReport } from '../../../server/src/failover/format.js';
import type { FailoverReport, HolderCheck, ProbeSample, VipChange } from '../../../server/src/failover/types.js';

const model = analyze(`topology t
vip 198.18.9.100/24 { router-id 9 }
lb a { address 198.18.9.11; role primary }
lb b { address 198.18.9.12; role backup }
upstream u { address 198.18.9.21 }
site s { host s.test; servers u }
`).model;

describe('FAULTS', () => {
  it('one entry per fault kind of the schema, each with its commands, restore label and expected time', () => {
    assert.deepEqual(Object.keys(FAULTS).sort(), [...FAULT_KINDS].sort());
    for (const kind of FAULT_KINDS) {
      const f = FAULTS[kind];
      // only a fault on an lb moves the VIP (the holder's loses it, the backup's takes it too), and
      // then its takeover is the VIP's move
      assert.equal(f.movesVip, f.target === 'vip-holder' || f.target === 'vip-backup', kind);
      assert.equal(f.takeover === 'vip', f.movesVip, kind);
      const plan = faultPlan(kind, 'systemd', { iface: 'eth0', holdMs: 1000 });
      assert.equal(plan.fault, kind);
      assert.ok(renderCommand(plan.apply) && renderCommand(plan.restore) && plan.checks.length > 0, kind);
      assert.match(f.restoreLabel, /^(start \w+|link up|unblock VRRP|wait for the machine to boot)$/, kind);
      const ms = f.expectedMs(model, model.vips[0]!, 249);
      assert.ok(Number.isFinite(ms) && ms > 0, `${kind}: ${ms}`);
    }
  });

  it('reboot is the fault whose target comes back by itself: systemd must have started haproxy, keepalived and halab-watch', () => {
    assert.deepEqual(FAULT_KINDS.filter((k) => FAULTS[k].comesBack), ['reboot']);
    const plan = faultPlan('reboot', 'systemd', { iface: 'eth0', holdMs: 1000 });
    // detached, so the answer gets out before the reboot ends the session
    assert.match(renderCommand(plan.apply), /setsid sh -c .*trap "" HUP; sleep 0\.1; systemctl reboot.* &/s);
    assert.deepEqual(plan.checks.map(([, c]) => renderCommand(c)), [
      'systemctl is-active --quiet haproxy', 'systemctl is-active --quiet keepalived', 'systemctl is-active --quiet halab-watch',
    ]);
    assert.match(renderCommand(plan.restore), /systemctl is-system-running --wait/);
  });

  it('a fault timed on the host is the one that cuts the link SSH travels on', () => {
    assert.deepEqual(FAULT_KINDS.filter((k) => FAULTS[k].timedOnHost), ['link-down']);
  });
});

/** A report as the run leaves it before compute: fault at 1000, restore at 3000. */
function report(over: Partial<FailoverReport> = {}): FailoverReport {
  const none = {
    outageMs: 0, outageEnded: true, resolutionMs: null, firstFailedMs: null, lastFailedMs: null, failedRequests: 0, totalRequests: 0,
  };
  return {
    topology: 't', fault: 'kill-haproxy', target: 'a', primary: 'a', backup: 'b', startedAt: '', probeIntervalMs: 20,
    durationMs: 5000, maxOutageMs: 1000, requestTimeoutMs: 100,
    preflight: { ok: true, config: 'skipped', differing: [], vipHolders: {}, sites: [], messages: [] },
    faultAtMs: 1000, faultAckMs: 5, faultSentMs: 997.5, vipMoved: false, expectVipMove: true, vipMovedMs: null, vipMovedAtMs: null,
    holderAfterFault: ['b'], ...none, cutRequests: 0, baselineFailed: 0, sites: {},
    failback: { expected: true, restoreAtMs: 3000, vipMovedMs: null, vipMovedAtMs: null, ...none },
    splitBrain: null, restored: { ok: true, problems: [] }, verdict: 'fail', reasons: [], notes: [], elapsedMs: 0,
    timeline: { samples: [], vip: [], servers: [], marks: [], holders: [] },
    ...over,
  };
}

/** Samples every 20 ms in [0, 5000), failing in [failFrom, failTo). */
function samples(failFrom: number, failTo: number): ProbeSample[] {
  const out: ProbeSample[] = [];
  for (let t = 0; t < 5000; t += 20) {
    out.push(t >= failFrom && t < failTo
      ? { t, site: 's', ok: false, error: 'timeout', ms: 1 }
      : { t, site: 's', ok: true, status: 200, ms: 1 });
  }
  return out;
}

const moved: VipChange[] = [
  { t: 0, lb: 'a', vip: '198.18.9.100', has: true },
  { t: 1600, lb: 'b', vip: '198.18.9.100', has: true },
  { t: 3400, lb: 'b', vip: '198.18.9.100', has: false },
  { t: 3420, lb: 'a', vip: '198.18.9.100', has: true },
];
const facts: RunFacts = { sites: ['s'], vip: '198.18.9.100', endT: 5000, takeover: 'vip', cuttable: [], splitBrainMinMs: 2500 };
const observed = (s: ProbeSample[], vip: VipChange[], holders: HolderCheck[] = []): Observed =>
  ({ samples: s, vip, servers: [], marks: [], holders });

describe('compute and judge', () => {
  it('a takeover within max-outage and a failback pass; the numbers come from the timeline', () => {
    const r = judge(compute(report(), observed(samples(1020, 1500), moved), facts), facts.vip);
    assert.equal(r.outageMs, 480); // (1000 + 1020) / 2 = 1010 to (1480 + 1500) / 2 = 1490
    assert.equal(r.resolutionMs, 20); // ± 10 at each edge
    assert.equal(r.vipMovedMs, 600);
    assert.equal(r.failback.vipMovedMs, 400);
    assert.equal(r.failedRequests, 24);
    assert.deepEqual(r.reasons, []);
    assert.equal(r.verdict, 'pass');
  });

  it('failures between the fault command and its estimated moment count for the fault, not as baseline', () => {
    // the command left at 1000 and was answered 30 ms later: faultAtMs is 1015, but the host may
    // have run it at once. Every 10 ms from t = 2, requests sent from 1002 until 1060 are refused
    // within 1 ms, so the first two (1002, 1012) complete before 1015
    const s: ProbeSample[] = [];
    for (let t = 2; t < 5000; t += 10) {
      s.push(t >= 1002 && t < 1060
        ? { t, site: 's', ok: false, error: 'ECONNREFUSED', ms: 1 }
        : { t, site: 's', ok: true, status: 200, ms: 1 });
    }
    const r = judge(compute(report({ faultAtMs: 1015, faultAckMs: 30, faultSentMs: 1000 }), observed(s, moved), facts), facts.vip);
    assert.equal(r.baselineFailed, 0);
    assert.equal(r.firstFailedMs, 1002);
    // (992 + 1002) / 2 = 997 to (1052 + 1062) / 2 = 1057. Cut at 1015, the report said 40 ms
    // (first failure 1022 to first success 1062) and 2 failures before the fault
    assert.equal(r.outageMs, 60);
    assert.equal(r.resolutionMs, 10);
    assert.equal(r.sites.s!.faultFailed, 6);
    assert.deepEqual(r.notes, []);
  });

  it('the text report states the resolution', () => {
    const r = judge(compute(report(), observed(samples(1020, 1500), moved), facts), facts.vip);
    assert.match(formatReport(r), /\nresolution +±20 ms \(probe every 20 ms, timestamps at send\)\n/);
    assert.match(formatReport(report({ faultAtMs: null })), /\nresolution +— \(probe every 20 ms, timestamps at send\)\n/);
  });

  it('an outage over max-outage, and a VIP that never moved, each give a reason', () => {
    const r = judge(compute(report(), observed(samples(1020, 2500), moved.slice(0, 1)), facts), facts.vip);
    assert.equal(r.verdict, 'fail');
    assert.ok(r.reasons.includes('outage 1480 ms > max-outage 1000 ms'), r.reasons.join('; '));
    assert.ok(r.reasons.includes('the VIP 198.18.9.100 did not move to a backup within the fault phase'));
  });

  it('an upstream fault: the VIP must stay, and HAProxy\'s DOWN/UP times are reported', () => {
    const up: RunFacts = { ...facts, takeover: 'server-status' };
    const base = report({ fault: 'kill-upstream', target: 'u', expectVipMove: false, failback: { ...report().failback, expected: false } });
    const servers = [
      { t: 1800, lb: 'a', backend: 's', server: 'u', status: 'DOWN' },
      { t: 3900, lb: 'a', backend: 's', server: 'u', status: 'UP' },
    ];
    const r = judge(compute(base, { ...observed(samples(-1, -1), moved), servers }, up), facts.vip);
    assert.deepEqual(r.upstream, { name: 'u', lb: 'a', markedDownMs: 800, markedUpMs: 900 });
    assert.deepEqual(r.reasons, ['the VIP moved although only an upstream died']);
  });

  it('kill-upstream: an exchange connected before the kill ran and under way when it ran is cut, not failed', () => {
    // the kill was sent at 997.5 and confirmed 5 ms later: it ran somewhere in [997.5, 1002.5]
    const at = (t: number, ms: number, site = 's', connected = true): ProbeSample => ({ t, site, ok: false, error: 'ECONNRESET', ms, connected });
    const xs = samples(-1, -1).filter((x) => ![980, 1000, 1020, 1500].includes(x.t));
    const inFlight = at(980, 18); // connected before the send, ended inside the window
    const lateStart = at(1000, 3); // connected inside the window
    const afterwards = at(1020, 2); // began after the host had answered: HAProxy should have saved it
    const refused = at(1500, 1, 's', false);
    const killUp: RunFacts = { ...facts, takeover: 'server-status', cuttable: ['s'] };
    const base = report({ fault: 'kill-upstream', target: 'u', expectVipMove: false, failback: { ...report().failback, expected: false } });
    const r = compute(base, observed([...xs, inFlight, lateStart, afterwards, refused].sort((a, b) => a.t - b.t), []), killUp);
    assert.equal(r.cutRequests, 2);
    assert.equal(r.failedRequests, 2);
    assert.deepEqual(r.timeline.samples.filter((x) => x.cut).map((x) => x.t), [980, 1000]);
    assert.equal(r.sites.s!.faultCut, 2);
    assert.equal(r.sites.s!.faultFailed, 2);
    assert.equal(r.sites.s!.faultTotal, r.timeline.samples.filter((x) => x.t + x.ms >= 997.5 && x.t + x.ms < 3000).length);
    assert.match(r.notes.join('\n'), /2 exchange\(s\) under way on u when it was killed were cut/);
    assert.match(formatReport(judge(r, facts.vip)), /cut by the fault\s+2 \(under way on u/);
    // the same exchanges on a site the kill does not reach are failures
    const other = compute(base, observed([...xs, inFlight, lateStart], []), { ...killUp, cuttable: [] });
    assert.equal(other.cutRequests, 0);
    assert.equal(other.failedRequests, 2);
  });

  it('kill-upstream cuts the sites and the services on the web server\'s port, not a service on another port', () => {
    const m = analyze(`topology t
vip 198.18.9.100/24 { router-id 9 }
lb a { address 198.18.9.11; role primary }
lb b { address 198.18.9.12; role backup }
upstream u { address 198.18.9.21 }
upstream v { address 198.18.9.22 }
site s { host s.test; servers u }
site other { host o.test; servers v }
service web { listen 8081; servers u v; port 80 }
service ssh { listen 2222; servers u v; port 22 }
`).model;
    assert.deepEqual(FAULTS['kill-upstream'].cuts?.(m, 'u'), ['s', 'web']);
    assert.deepEqual(FAULT_KINDS.filter((k) => FAULTS[k].cuts), ['kill-upstream']);
  });

  it('no fault applied: nothing is judged, the run fails for the reasons it gave', () => {
    const r = judge(compute(report({ faultAtMs: null, reasons: ['preflight failed: x'] }), observed(samples(-1, -1), []), facts),
      facts.vip);
    assert.equal(r.verdict, 'fail');
    assert.deepEqual(r.reasons, ['preflight failed: x']);
    assert.equal(r.totalRequests, 250);
  });
});

describe('split brain', () => {
  const VIP = '198.18.9.100';
  const CAUSE = 'VRRP adverts between the lbs are not getting through (a firewall dropping protocol 112?)';
  const on = (t: number, lb: string, has: boolean | null): VipChange => ({ t, lb, vip: VIP, has });
  /** block-vrrp on b: b takes the VIP at 4000 while a keeps it; the restore at 7000; b lets go at 7800. */
  const both: VipChange[] = [on(0, 'a', true), on(0, 'b', false), on(4000, 'b', true), on(7800, 'b', false)];
  const blocked = report({
    fault: 'block-vrrp', target: 'b', holderAfterFault: ['a', 'b'],
    failback: { ...report().failback, restoreAtMs: 7000 },
  });
  const late: RunFacts = { ...facts, endT: 9000 };
  const look: HolderCheck = {
    t: 6500, vip: VIP, holders: ['a', 'b'], states: { a: 'MASTER', b: 'MASTER' }, arpMacs: ['0a:00:00:00:00:01', '0a:00:00:00:00:02'],
  };

  it('the stretches two lbs held the VIP together, from the VIP poll', () => {
    assert.deepEqual(overlaps(both, VIP, 9000), [{ from: 4000, to: 7800, holders: ['a', 'b'] }]);
    // an unanswered poll is not holding; a stretch still open lasts until the end
    assert.deepEqual(overlaps([on(0, 'a', true), on(100, 'b', true), on(300, 'a', null), on(500, 'a', true)], VIP, 900), [
      { from: 100, to: 300, holders: ['a', 'b'] },
      { from: 500, to: 900, holders: ['a', 'b'] },
    ]);
    // polls dated out of order by their loops are merged in time order
    assert.deepEqual(overlaps([on(50, 'b', true), on(0, 'a', true), on(80, 'a', false)], VIP, 100), [{ from: 50, to: 80, holders: ['a', 'b'] }]);
  });

  it('two holders past the VRRP bound fail the verdict, in plain words with keepalived\'s and ARP\'s evidence', () => {
    const r = judge(compute(blocked, observed(samples(-1, -1), both, [look]), late), VIP);
    assert.deepEqual(r.splitBrain, {
      vip: VIP, holders: ['a', 'b'], atMs: 4000, lastedMs: 3800,
      states: { a: 'MASTER', b: 'MASTER' }, arpMacs: ['0a:00:00:00:00:01', '0a:00:00:00:00:02'],
    });
    assert.equal(r.verdict, 'fail');
    assert.deepEqual(r.reasons, [
      `split brain: a and b both held the VIP ${VIP} (both MASTER in keepalived; both answered ARP for it, from 2 MACs) — ${CAUSE}`,
    ]);
    // the backup took the VIP (the takeover) and let it go after the restore (the failback)
    assert.equal(r.vipMovedMs, 3000);
    assert.equal(r.failback.vipMovedMs, 800);
  });

  it('without a closer look the VIP poll alone decides; ARP from two MACs decides even a short stretch', () => {
    const r = judge(compute(blocked, observed(samples(-1, -1), both), late), VIP);
    assert.deepEqual(r.reasons, [`split brain: a and b both held the VIP ${VIP} — ${CAUSE}`]);
    const short = [on(0, 'a', true), on(0, 'b', false), on(4000, 'b', true), on(5000, 'b', false)];
    const byArp = judge(compute(blocked, observed(samples(-1, -1), short, [{ ...look, t: 4500, states: {} }]), late), VIP);
    assert.equal(byArp.splitBrain?.lastedMs, 1000);
    assert.equal(byArp.verdict, 'fail');
  });

  it('a failback\'s moment of two holders (shorter than two adverts) is no split brain', () => {
    // the primary takes the VIP back at 3400, the backup lets go 300 ms later: one advert's work
    const failback = [on(0, 'a', true), on(1600, 'b', true), on(1610, 'a', false), on(3400, 'a', true), on(3700, 'b', false)];
    const r = judge(compute(report(), observed(samples(1020, 1500), failback, [{ ...look, arpMacs: ['0a:00:00:00:00:01'] }]), facts), VIP);
    assert.equal(r.splitBrain, null);
    assert.equal(r.verdict, 'pass', r.reasons.join('; '));
  });

  it('the text report gives the evidence a row of its own, and the verdict the sentence', () => {
    const text = formatReport(judge(compute(blocked, observed(samples(-1, -1), both, [look]), late), VIP));
    assert.match(text, /\nsplit brain +a and b held 198\.18\.9\.100 from t\+4\.000 s, together for up to 3800 ms; ARP answered from 2 MAC\(s\) /);
    assert.match(text, /\(0a:00:00:00:00:01, 0a:00:00:00:00:02\); keepalived: a MASTER, b MASTER\n/);
    assert.match(text, /\nverdict: FAIL — split brain: a and b both held the VIP 198\.18\.9\.100 \(both MASTER/);
    assert.match(formatReport(judge(compute(report(), observed(samples(1020, 1500), moved), facts), VIP)), /\nsplit brain +none seen\n/);
  });
});

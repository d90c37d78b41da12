/** The editor's failover report panel, rendered from a report as `halab failover-test --json` gives it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportHtml, timelineSvg } from '../../../client/src/failover-report.js';
import type { FailoverReport } from '../../../server/src/failover/types.js';

function report(): FailoverReport {
  const samples = [];
  for (let t = 0; t < 3000; t += 100) {
    for (const site of ['web01', 'web02']) {
      samples.push({ t, site, ok: !(t >= 1000 && t < 1500), status: t >= 1000 && t < 1500 ? undefined : 200, ms: 2 });
    }
  }
  return {
    topology: 'lab', fault: 'kill-haproxy', target: 'lb1', primary: 'lb1', backup: 'lb2', startedAt: '2026-11-25T00:00:00Z',
    probeIntervalMs: 100, durationMs: 3000, maxOutageMs: 1000, requestTimeoutMs: 200,
    preflight: { ok: true } as unknown as FailoverReport['preflight'],
    faultAtMs: 1000, faultAckMs: 5, faultSentMs: 997.5, vipMoved: true, expectVipMove: true,
    vipMovedMs: 480, vipMovedAtMs: 1480, holderAfterFault: ['lb2'],
    outageMs: 500, outageEnded: true, resolutionMs: 100, firstFailedMs: 0, lastFailedMs: 400,
    failedRequests: 10, totalRequests: 60, cutRequests: 0, baselineFailed: 0,
    sites: {
      web01: { site: 'web01', total: 30, failed: 5, faultTotal: 20, faultFailed: 5, outageMs: 500 } as FailoverReport['sites'][string],
    },
    failback: { expected: true, restoreAtMs: 2000, vipMovedMs: 700, vipMovedAtMs: 2700, outageMs: 0, outageEnded: true, resolutionMs: 100,
      failedRequests: 0, totalRequests: 20, firstFailedMs: null, lastFailedMs: null },
    splitBrain: null,
    restored: { ok: true, problems: [] },
    verdict: 'pass', reasons: [], notes: ['a <b>note</b>'], elapsedMs: 3100,
    timeline: {
      samples,
      vip: [{ t: 0, lb: 'lb1', vip: '198.18.0.100', has: true }, { t: 0, lb: 'lb2', vip: '198.18.0.100', has: false },
        { t: 1480, lb: 'lb1', vip: '198.18.0.100', has: false }, { t: 1480, lb: 'lb2', vip: '198.18.0.100', has: true }],
      servers: [],
      marks: [{ t: 1000, label: 'fault' }, { t: 2000, label: 'restore' }],
      holders: [],
    },
  } as FailoverReport;
}

test('the timeline draws every probe, failures in red, VIP holding bars and the marks', () => {
  const svg = timelineSvg(report());
  assert.equal((svg.match(/class="bad"/g) ?? []).length, 10, 'five failed probes per site');
  assert.equal((svg.match(/class="ok"/g) ?? []).length, 50);
  assert.equal((svg.match(/class="vip"/g) ?? []).length, 2, 'lb1 until the move, lb2 after');
  assert.match(svg, />fault</);
  assert.match(svg, />restore</);
  assert.match(svg, />VIP on lb2</);
});

test('the report states the verdict and the numbers, and escapes text', () => {
  const html = reportHtml(report(), 'vscode-resource:');
  assert.match(html, /PASS — kill-haproxy on lb1/);
  assert.match(html, /500 ms \(max 1000 ms\)/);
  assert.match(html, /480 ms after the fault, to lb2/);
  assert.match(html, /VIP back on lb1 700 ms after the restore/);
  assert.ok(html.includes('a &#60;b&#62;note&#60;/b&#62;'), 'notes are escaped');
  assert.doesNotMatch(html, /<script/);
  const failed = reportHtml({ ...report(), verdict: 'fail', reasons: ['outage 1200 ms > max 1000 ms'] }, 'x');
  assert.match(failed, /FAIL — /);
  assert.match(failed, /outage 1200 ms &#62; max 1000 ms/);
});

test('a split brain gets its own row with the evidence, and the verdict its reason', () => {
  assert.doesNotMatch(reportHtml(report(), 'x'), /split brain/, 'no row when none was seen');
  const reason = 'split brain: lb1 and lb2 both held the VIP 198.18.0.100';
  const html = reportHtml({
    ...report(), fault: 'block-vrrp', target: 'lb2', verdict: 'fail', reasons: [reason],
    splitBrain: {
      vip: '198.18.0.100', holders: ['lb1', 'lb2'], atMs: 4000, lastedMs: 2600,
      states: { lb1: 'MASTER', lb2: 'MASTER' }, arpMacs: ['02:00:00:00:00:01', '02:00:00:00:00:02'],
    },
  }, 'x');
  assert.match(html, /FAIL — block-vrrp on lb2/);
  assert.ok(html.includes(`<li>${reason}</li>`));
  assert.match(html, /<tr class="brain"><th>split brain<\/th><td>lb1 and lb2 held 198\.18\.0\.100 together for up to 2600 ms; /);
  assert.match(html, /ARP answered from 2 MAC\(s\) 02:00:00:00:00:01, 02:00:00:00:00:02; keepalived: lb1 MASTER, lb2 MASTER/);
});

/** The failover report's timeline: the labels of marks close in time never overlap (seen in the code-server screenshots). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelLanes, timelineSvg } from '../../../client/src/failover-report.js';
import type { FailoverReport } from '../../../server/src/failover/types.js';

test('labels close together take separate lanes; far apart ones share the first', () => {
  assert.deepEqual(labelLanes([
    { x: 100, label: 'fault: kill-haproxy' }, { x: 130, label: 'restore: start haproxy' }, { x: 800, label: 'failback' },
  ]), [0, 1, 0]);
  assert.deepEqual(labelLanes([{ x: 500, label: 'b' }, { x: 100, label: 'a' }]), [0, 0]);
});

test('in the drawn SVG, no two mark labels overlap', () => {
  const marks = [
    { t: 1000, label: 'fault: kill-haproxy' },
    { t: 1040, label: 'VIP moved to lb2' },
    { t: 1100, label: 'restore: service haproxy start' },
    { t: 9000, label: 'failback' },
  ];
  const samples = Array.from({ length: 50 }, (_, i) => ({ t: i * 200, site: 'web01', ok: true, status: 200 }));
  const svg = timelineSvg({ timeline: { samples, vip: [], marks } } as unknown as FailoverReport);
  const labels = [...svg.matchAll(/<text x="([\d.]+)" y="(-?[\d.]+)" class="mlbl">([^<]*)<\/text>/g)]
    .map((m) => ({ x: Number(m[1]), y: Number(m[2]), w: m[3]!.length * 6.5 }));
  assert.equal(labels.length, 4);
  for (let i = 0; i < labels.length; i++)
    for (let j = i + 1; j < labels.length; j++) {
      const [a, b] = [labels[i]!, labels[j]!];
      const overlap = a.y === b.y && a.x < b.x + b.w && b.x < a.x + a.w;
      assert.ok(!overlap, `labels ${i} and ${j} overlap at y ${a.y}`);
    }
  assert.ok(labels.every((l) => l.y > 0), 'every label inside the picture');
});

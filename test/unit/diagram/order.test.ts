/**
 * Two-layer crossing minimisation (shared/diagram/order.ts), checked against a brute-force
 * crossing count, against graphs whose best drawing is known, and against ELK's own layered
 * layout of the same graphs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ELK from 'elkjs/lib/elk.bundled.js';
import { countCrossings, orderTwoLayers, type TwoLayers } from '../../../shared/diagram/order.js';
import { rng } from '../../helpers/rng.js';

function randomGraph(random: () => number): TwoLayers {
  const left = 2 + Math.floor(random() * 30);
  const right = 2 + Math.floor(random() * 20);
  const set = new Set<string>();
  for (let l = 0; l < left; l++) {
    const degree = 1 + Math.floor(random() * 4);
    for (let k = 0; k < degree; k++) set.add(`${l},${Math.floor(random() * right)}`);
  }
  return { left, right, edges: [...set].map((s) => s.split(',').map(Number) as [number, number]) };
}

const positions = (order: number[]) => {
  const p = new Int32Array(order.length);
  order.forEach((n, k) => (p[n] = k));
  return p;
};
const identity = (n: number) => [...Array(n).keys()];

/** Every pair of edges, by definition: they cross when their ends are in opposite orders. */
function bruteForce(g: TwoLayers, pl: ArrayLike<number>, pr: ArrayLike<number>): number {
  let c = 0;
  for (let i = 0; i < g.edges.length; i++)
    for (let j = i + 1; j < g.edges.length; j++) {
      const [a, b] = g.edges[i]!;
      const [x, y] = g.edges[j]!;
      if ((pl[a]! - pl[x]!) * (pr[b]! - pr[y]!) < 0) c++;
    }
  return c;
}

test('countCrossings agrees with counting every pair of edges', () => {
  const random = rng(1);
  for (let trial = 0; trial < 200; trial++) {
    const g = randomGraph(random);
    const shuffle = (n: number) => identity(n).sort(() => random() - 0.5);
    const pl = positions(shuffle(g.left));
    const pr = positions(shuffle(g.right));
    assert.equal(countCrossings(g, pl, pr), bruteForce(g, pl, pr), `trial ${trial}`);
  }
  // By hand: a cross (0-1, 1-0) is one crossing; two edges sharing an end never cross.
  assert.equal(countCrossings({ left: 2, right: 2, edges: [[0, 1], [1, 0]] }, [0, 1], [0, 1]), 1);
  assert.equal(countCrossings({ left: 2, right: 2, edges: [[0, 0], [0, 1], [1, 1]] }, [0, 1], [0, 1]), 0);
});

test('orderTwoLayers returns permutations and their true crossing count, never worse than file order', () => {
  const random = rng(2);
  for (let trial = 0; trial < 200; trial++) {
    const g = randomGraph(random);
    const o = orderTwoLayers(g);
    assert.deepEqual([...o.left].sort((a, b) => a - b), identity(g.left));
    assert.deepEqual([...o.right].sort((a, b) => a - b), identity(g.right));
    assert.equal(o.crossings, bruteForce(g, positions(o.left), positions(o.right)));
    // Not a guarantee of the method (every drawing it tries has the right layer re-sorted), but a
    // sweep that came out worse than the unsorted file order would be broken.
    assert.ok(o.crossings <= bruteForce(g, positions(identity(g.left)), positions(identity(g.right))));
  }
});

test('orderTwoLayers finds the drawing without crossings of a shuffled chain', () => {
  // Left i joins right p(i) and p(i)+1 of a path: planar, so 0 crossings exist; the file order
  // of both layers is shuffled.
  const random = rng(3);
  for (let trial = 0; trial < 50; trial++) {
    const n = 3 + Math.floor(random() * 40);
    const leftName = identity(n).sort(() => random() - 0.5);
    const rightName = identity(n + 1).sort(() => random() - 0.5);
    const edges: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) edges.push([leftName[i]!, rightName[i]!], [leftName[i]!, rightName[i + 1]!]);
    const g = { left: n, right: n + 1, edges };
    assert.ok(countCrossings(g, positions(identity(n)), positions(identity(n + 1))) > 0 || n < 4);
    assert.equal(orderTwoLayers(g).crossings, 0, `trial ${trial}, ${n} nodes`);
  }
});

test('orderTwoLayers keeps file order when it has no crossings; nodes without edges keep their slots', () => {
  const g: TwoLayers = { left: 4, right: 4, edges: [[0, 0], [1, 0], [1, 1], [2, 2], [3, 3]] };
  assert.deepEqual(orderTwoLayers(g), { left: [0, 1, 2, 3], right: [0, 1, 2, 3], crossings: 0 });
  // Ten left nodes on r0, and r1 joined to nothing: r1 stays second.
  const lone: TwoLayers = { left: 10, right: 2, edges: identity(10).map((l) => [l, 0] as const) };
  assert.deepEqual(orderTwoLayers(lone).right, [0, 1]);
});

test('orderTwoLayers is deterministic (a fixed seed for the shuffled starts, no Math.random)', () => {
  const h = randomGraph(rng(4));
  const real = Math.random;
  let calls = 0;
  Math.random = () => (calls++, real());
  try {
    assert.deepEqual(orderTwoLayers(h), orderTwoLayers(h));
  } finally {
    Math.random = real;
  }
  assert.equal(calls, 0);
});

test('orderTwoLayers draws random graphs with fewer crossings in all than ELK layered does', async () => {
  const random = rng(5);
  const elk = new ELK();
  let ours = 0;
  let theirs = 0;
  for (let trial = 0; trial < 40; trial++) {
    const g = randomGraph(random);
    ours += orderTwoLayers(g).crossings;
    const out = await elk.layout({
      id: 'root',
      layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.layered.thoroughness': '7' },
      children: [...identity(g.left).map((i) => ({ id: `l${i}`, width: 200, height: 60 })),
        ...identity(g.right).map((i) => ({ id: `r${i}`, width: 200, height: 60 }))],
      edges: g.edges.map(([l, r], i) => ({ id: `e${i}`, sources: [`l${l}`], targets: [`r${r}`] })),
    });
    const y = new Map(out.children!.map((c) => [c.id, c.y ?? 0]));
    const byY = (prefix: string, n: number) => positions(identity(n).sort((a, b) => y.get(prefix + a)! - y.get(prefix + b)! || a - b));
    theirs += countCrossings(g, byY('l', g.left), byY('r', g.right));
  }
  assert.ok(ours <= theirs, `ours ${ours}, ELK ${theirs}`);
});

/**
 * Crossing minimisation between two columns (sites and the upstreams they use) for graphs too
 * big for ELK's first layout to be quick: ELK's layered algorithm spends most of a cold layout in
 * start-up and per-node work (~0.5 s in a fresh page from ~100 nodes up, docs/diagram.md), while
 * a two-layer problem needs nothing more than ELK's own heuristic, the barycentre layer sweep,
 * plus the greedy switch ELK also runs. Everything here is linear or n log n per sweep.
 *
 * Two layers, `left` and `right`, each given in its starting order (file order), and the edges
 * between them as index pairs.
 */

export interface TwoLayers {
  left: number;
  right: number;
  /** [left index, right index] */
  edges: ReadonlyArray<readonly [number, number]>;
}

export interface Ordered {
  /** left[k] = the left node at position k */
  left: number[];
  right: number[];
  crossings: number;
}

/**
 * Crossings of a two-layer drawing (Barth, Jünger and Mutzel, "Simple and efficient bilayer cross
 * counting", 2004): sort the edges by left position then right position; two edges cross exactly
 * when their right positions are inverted in that sequence; count inversions with a Fenwick tree.
 * `posL`/`posR`: position of each node.
 */
export function countCrossings(g: TwoLayers, posL: ArrayLike<number>, posR: ArrayLike<number>): number {
  const order = [...g.edges].sort((a, b) => posL[a[0]]! - posL[b[0]]! || posR[a[1]]! - posR[b[1]]!);
  const tree = new Int32Array(g.right + 1);
  let crossings = 0;
  let seen = 0;
  for (const [, r] of order) {
    // Edges seen so far whose right end is strictly below this one's cross it.
    let i = posR[r]! + 1;
    let atOrAbove = 0;
    for (let j = i; j > 0; j -= j & -j) atOrAbove += tree[j]!;
    crossings += seen - atOrAbove;
    for (; i <= g.right; i += i & -i) tree[i]!++;
    seen++;
  }
  return crossings;
}

/** pos[order[k]] = k */
function positions(order: number[]): Int32Array {
  const pos = new Int32Array(order.length);
  order.forEach((n, k) => (pos[n] = k));
  return pos;
}

/**
 * Reorders `moving` (a whole layer: a permutation of 0..n-1) by the mean position of each node's
 * neighbours in the fixed layer. A node with no neighbours keeps its slot (its place says nothing
 * about the other layer); ties keep the current order (stable), so the result is deterministic
 * and file order survives wherever it costs nothing.
 */
function barycentreSort(moving: number[], neighbours: number[][], fixedPos: Int32Array): number[] {
  const key = new Float64Array(moving.length);
  const at = positions(moving);
  const linked = moving.filter((n) => neighbours[n]!.length);
  for (const n of linked) key[n] = neighbours[n]!.reduce((s, m) => s + fixedPos[m]!, 0) / neighbours[n]!.length;
  linked.sort((a, b) => key[a]! - key[b]! || at[a]! - at[b]!);
  let next = 0;
  return moving.map((n) => (neighbours[n]!.length ? linked[next++]! : n));
}

/**
 * Crossings among the edges of u and v alone when u stands before v: pairs (a of u, b of v) with
 * a below b. Both neighbour lists sorted by position, so a merge counts them in O(deg u + deg v).
 */
function pairCrossings(nu: number[], nv: number[], pos: Int32Array): number {
  let count = 0;
  let j = 0;
  for (const a of nu) {
    while (j < nv.length && pos[nv[j]!]! < pos[a]!) j++;
    count += j;
  }
  return count;
}

/**
 * One-sided greedy switch: swap neighbours in `layer` while that removes crossings with the fixed
 * layer. Bounded passes, each linear in the edges.
 */
function greedySwitch(layer: number[], neighbours: number[][], fixedPos: Int32Array, passes = 4): void {
  const sorted = neighbours.map((ns) => [...ns].sort((a, b) => fixedPos[a]! - fixedPos[b]!));
  for (let pass = 0; pass < passes; pass++) {
    let improved = false;
    for (let k = 0; k + 1 < layer.length; k++) {
      const u = layer[k]!;
      const v = layer[k + 1]!;
      if (pairCrossings(sorted[v]!, sorted[u]!, fixedPos) < pairCrossings(sorted[u]!, sorted[v]!, fixedPos)) {
        layer[k] = v;
        layer[k + 1] = u;
        improved = true;
      }
    }
    if (!improved) break;
  }
}

/**
 * Layer sweep from one starting order of the left layer: order the right layer by barycentre of
 * the left, then the left by the right, and so on, each followed by a greedy switch; the best
 * drawing seen wins (the starting one included). Stops after two sweeps without improvement or
 * `maxSweeps`.
 */
function sweep(g: TwoLayers, ofLeft: number[][], ofRight: number[][], start: number[], maxSweeps: number): Ordered {
  let left = start;
  let right = barycentreSort(Array.from({ length: g.right }, (_, i) => i), ofRight, positions(left));
  let best: Ordered = { left: [...left], right: [...right], crossings: countCrossings(g, positions(left), positions(right)) };
  let stale = 0;
  for (let k = 0; k < maxSweeps && best.crossings > 0 && stale < 2; k++) {
    const fixedRight = positions(right);
    left = barycentreSort(left, ofLeft, fixedRight);
    greedySwitch(left, ofLeft, fixedRight);
    const fixedLeft = positions(left);
    right = barycentreSort(right, ofRight, fixedLeft);
    greedySwitch(right, ofRight, fixedLeft);
    const crossings = countCrossings(g, positions(left), positions(right));
    if (crossings < best.crossings) {
      best = { left: [...left], right: [...right], crossings };
      stale = 0;
    } else stale++;
  }
  return best;
}

/**
 * The left node farthest from `from` (breadth-first over both layers): the end of a chain when
 * the component is one, as Cuthill–McKee picks its start. `stamp` marks what this walk reached.
 */
function farthest(
  from: number, ofLeft: number[][], ofRight: number[][], stampLeft: Int32Array, stampRight: Int32Array, stamp: number,
): number {
  const queue = [from];
  stampLeft[from] = stamp;
  let last = from;
  for (let head = 0; head < queue.length; head++) {
    const l = queue[head]!;
    last = l;
    for (const r of ofLeft[l]!) {
      if (stampRight[r] === stamp) continue;
      stampRight[r] = stamp;
      for (const m of ofRight[r]!) {
        if (stampLeft[m] === stamp) continue;
        stampLeft[m] = stamp;
        queue.push(m);
      }
    }
  }
  return last;
}

/**
 * The left layer in depth-first order over the two layers, each component walked from its
 * farthest node (see farthest), neighbours in file order.
 */
function depthFirst(ofLeft: number[][], ofRight: number[][]): number[] {
  const stampLeft = new Int32Array(ofLeft.length).fill(-1);
  const stampRight = new Int32Array(ofRight.length).fill(-1);
  const seenLeft = new Uint8Array(ofLeft.length);
  const seenRight = new Uint8Array(ofRight.length);
  const out: number[] = [];
  for (let first = 0; first < ofLeft.length; first++) {
    if (seenLeft[first]) continue;
    // An explicit stack: a chain of thousands of sites must not overflow the call stack.
    const stack = [farthest(first, ofLeft, ofRight, stampLeft, stampRight, first)];
    while (stack.length) {
      const l = stack.pop()!;
      if (seenLeft[l]) continue;
      seenLeft[l] = 1;
      out.push(l);
      const next: number[] = [];
      for (const r of ofLeft[l]!) {
        if (seenRight[r]) continue;
        seenRight[r] = 1;
        for (const m of ofRight[r]!) if (!seenLeft[m]) next.push(m);
      }
      // Reversed, so the first in file order is walked first.
      for (let k = next.length - 1; k >= 0; k--) stack.push(next[k]!);
    }
  }
  return out;
}

/**
 * The best of several layer sweeps: one from file order, one from a depth-first walk, then
 * `restarts` from shuffled orders (as ELK's `thoroughness` does), with a fixed seed so the same
 * file always gets the same picture. Each later start runs only while crossings remain and wins
 * only with strictly fewer, so file order is kept when it is as good.
 * Restarts are fewer on huge components, to keep the whole in tens of milliseconds.
 */
export function orderTwoLayers(
  g: TwoLayers, restarts = Math.min(6, Math.floor(20_000 / Math.max(1, g.edges.length))), maxSweeps = 12,
): Ordered {
  const ofLeft: number[][] = Array.from({ length: g.left }, () => []);
  const ofRight: number[][] = Array.from({ length: g.right }, () => []);
  for (const [l, r] of g.edges) {
    ofLeft[l]!.push(r);
    ofRight[r]!.push(l);
  }
  const fileOrder = Array.from({ length: g.left }, (_, i) => i);
  let best = sweep(g, ofLeft, ofRight, fileOrder, maxSweeps);
  // Barycentres only mend locally: from a bad start, a chain of sites each sharing an upstream
  // with the next stays folded. Walking the graph depth-first from an end lays a chain out flat.
  if (best.crossings > 0) {
    const fromWalk = sweep(g, ofLeft, ofRight, depthFirst(ofLeft, ofRight), maxSweeps);
    if (fromWalk.crossings < best.crossings) best = fromWalk;
  }
  let seed = 0x9e3779b9;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let k = 0; k < restarts && best.crossings > 0; k++) {
    const start = [...fileOrder];
    for (let i = start.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [start[i], start[j]] = [start[j]!, start[i]!];
    }
    const tried = sweep(g, ofLeft, ofRight, start, maxSweeps);
    if (tried.crossings < best.crossings) best = tried;
  }
  return best;
}

/**
 * `npm run bench:webview`: the topology panel on a 500-node topology in headless Chromium, served
 * by the test harness (real bundle, real CSP, fake host running the real engine).
 *   first paint = navigation start -> first frame with the nodes in the DOM (bundle load, ready,
 *                 host analysis, snapshot, ELK layout, React Flow render);
 *   layout      = the first ELK layout in a fresh page (cold JIT): from asking the page's ELK
 *                 worker to having positions;
 *   update      = a text change (same structure) -> redrawn revision, no layout.
 * Targets: first paint <= 1.5 s, layout <= 500 ms.
 */
import { analyze } from '../server/src/engine.js';
import { toElkGraph } from '../server/src/diagram/layout.js';
import { modelToGraph } from '../server/src/diagram/graph.js';
import { launch, openPanel, waitForRevision } from '../test/webview/harness.js';
import { benchTopology } from '../test/webview/bench-topology.js';
import { loadavg } from 'node:os';
import { fmt, machine, percentile, writeSection } from './lib.js';

const RUNS = 7;

interface Measured {
  nodes: number;
  edges: number;
  sites: number;
  upstreams: number;
  elkNodes: number;
  first: number[];
  snapshotAt: number[];
  laidOutAt: number[];
  layout: number[];
  relayout: number[];
  update: number[];
}

/** RUNS fresh pages (after one warm-up) on one topology. */
async function measure(browser: Awaited<ReturnType<typeof launch>>, shape: 'own' | 'pools'): Promise<Measured> {
  const text = benchTopology(500, shape);
  const a = analyze(text);
  const g = modelToGraph(a.model);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`bench topology has errors: ${errors.map((d) => d.code).join(', ')}`);
  const r: Measured = {
    nodes: g.nodes.length, edges: g.edges.length, sites: a.model.sites.length, upstreams: a.model.upstreams.length,
    elkNodes: toElkGraph(g).children!.length,
    first: [], snapshotAt: [], laidOutAt: [], layout: [], relayout: [], update: [],
  };
  console.log(`${shape}: ${r.nodes} nodes, ${r.edges} edges, ${text.split('\n').length} lines; ELK gets ${r.elkNodes} nodes`);
  for (let run = 0; run < RUNS + 1; run++) {
    const s = await openPanel(browser, text);
    try {
      await waitForRevision(s, 1, 30_000);
      const m = await s.page.evaluate(
        () => (window as unknown as { __halab: { firstSnapshotMs: number; firstPaintMs: number; firstLayoutMs: number; layoutMs: number[] } }).__halab,
      );
      const nodesInDom = await s.page.locator('.react-flow__node').count();
      // A value edit: same structure, so no new layout.
      const t0 = Date.now();
      await s.host.setText(s.host.text.replace('address 198.18.1.1 }', 'address 198.18.1.251 }'));
      await waitForRevision(s, 2, 30_000);
      const dt = Date.now() - t0;
      // A structural edit (one more upstream): ELK runs again, now warm.
      const more = s.host.text.replace('site s0 {', 'upstream extra { address 198.18.3.1 }\n\nsite s0 {');
      await s.host.setText(more);
      await waitForRevision(s, 3, 30_000);
      const again = await s.page.evaluate(() => (window as unknown as { __halab: { layoutMs: number[] } }).__halab.layoutMs[1]);
      if (run === 0) {
        console.log(`warm-up: first paint ${fmt(m.firstPaintMs)} ms, layout ${fmt(m.layoutMs[0])} ms, ${nodesInDom} nodes in the DOM`);
        continue; // the first run also pays for the bundle build and a cold browser
      }
      console.log(`run ${run}: snapshot ${fmt(m.firstSnapshotMs)} layout ${fmt(m.layoutMs[0])} paint ${fmt(m.firstPaintMs)} drawn ${fmt(m.firstLayoutMs)}`);
      r.first.push(m.firstPaintMs);
      r.snapshotAt.push(m.firstSnapshotMs);
      r.laidOutAt.push(m.firstLayoutMs);
      r.layout.push(m.layoutMs[0]!);
      r.update.push(dt);
      r.relayout.push(again!);
      if (s.problems.length) throw new Error(`page problems: ${s.problems.join('; ')}`);
    } finally {
      await s.close();
    }
  }
  return r;
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0];
  const browser = await launch();
  let own: Measured;
  let pools: Measured;
  try {
    own = await measure(browser, 'own');
    pools = await measure(browser, 'pools');
  } finally {
    await browser.close();
  }
  const row = (name: string, pick: (m: Measured) => number[], target?: number) => {
    const cells = [own, pools].map((m) => {
      const xs = pick(m);
      return `${fmt(percentile(xs, 50))} | ${fmt(Math.max(...xs))}`;
    });
    const ok = target === undefined ? '' : [own, pools].every((m) => Math.max(...pick(m)) <= target) ? 'met' : '**missed**';
    return `| ${name} | ${cells.join(' | ')} | ${target ? `≤ ${target}` : '—'} | ${ok} |`;
  };
  const table = [
    '| measure | own upstreams: median ms | max ms | shared pools: median ms | max ms | target ms | |',
    '|---|---|---|---|---|---|---|',
    row('snapshot received (bundle loaded, host answered)', (m) => m.snapshotAt),
    row('first paint (provisional columns)', (m) => m.first, 1500),
    row('layout of the 500 nodes, first in the page (ELK in its worker, then placeBig)', (m) => m.layout, 500),
    row('ELK layout drawn', (m) => m.laidOutAt),
    row('ELK re-layout after a structural edit (warm)', (m) => m.relayout, 500),
    row('text change → redrawn (same structure)', (m) => m.update),
  ].join('\n');
  console.log(table);
  writeSection(
    'webview',
    `## Topology panel, 500 nodes (\`npm run bench:webview\`)

Two generated topologies of ${own.nodes} nodes (1 vip, 2 lbs and the clients node, plus):
- **own upstreams**: ${own.sites} sites, ${own.upstreams} upstreams, each site with 4 upstreams of its own (${own.edges} edges; ELK gets ${own.elkNodes} nodes);
- **shared pools**: ${pools.sites} sites, ${pools.upstreams} upstreams in pools of 8, each site using 3 of its pool's (${pools.edges} edges;
  ELK gets ${pools.elkNodes} nodes: the shape where crossing minimisation has the most to do).

Each is opened in headless Chromium through the test harness: the production bundle under
the panel's CSP, a fake host running the real engine. First paint is navigation start → the first
frame with nodes in the DOM (bundle load, ready, analysis, snapshot, React Flow render of the
provisional column layout). ELK runs in a Web Worker the page starts at load; layout is the first
layout in the fresh page (cold JIT), from asking the worker to having all 500 positions. A graph
this big is reduced before ELK sees it (the upstreams several sites share and the sites using them;
the rest is placed next to what it joins in linear time, see docs/diagram.md). "ELK layout drawn" is
navigation start → the frame showing ELK's positions. All times are from navigation start except the layout and the update. ${RUNS} runs, each in a fresh page, after one warm-up run.
Large graphs render with React Flow's \`onlyRenderVisibleElements\` and without the minimap.

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}, Chromium headless; 1-minute load
average ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after the run.

${table}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * Automatic layout with ELK (layered, left to right: clients -> vips -> lbs -> sites -> upstreams)
 * and the merge with positions the user moved (the sidecar). The ELK instance is passed in so
 * this file stays free of any particular elkjs entry point (the webview uses elk.bundled.js).
 */
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import type { LayoutSidecar, Position } from '../protocol/webview.js';
import { NODE_WIDTH, nodeHeight, type DiagramGraph } from './graph.js';

export interface ElkLike {
  layout(graph: ElkNode): Promise<ElkNode>;
}

/** Vertical room between lbs: the VRRP link and its label run there. */
const LB_GAP = 70;

/** Column of each kind, left to right along the chain. */
const COLUMN: Record<string, number> = { clients: 0, vip: 1, lb: 2, site: 3, upstream: 4 };

/**
 * Options chosen for speed on big graphs (measured with bench/webview.ts, see docs/diagram.md):
 * ELK's partitioning and model-order options looked like the right tools to pin columns and keep
 * file order, but on a 500-node graph each made the layout 10-40x slower (seconds); model order is
 * used on small graphs only (sizeOptions). The chain's edges already
 * put every kind in its own layer; `snapToColumns` below fixes the rest (unconnected nodes) and
 * the lb order, in linear time.
 */
export const ELK_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.layered.spacing.nodeNodeBetweenLayers': '90',
  'elk.spacing.nodeNode': '40',
  'elk.spacing.componentComponent': '40',
  // React Flow draws its own edges: ELK's cheapest routing is enough.
  'elk.edgeRouting': 'POLYLINE',
};

/**
 * Per-size options: small graphs get ELK's full crossing minimisation and keep file order where it
 * costs no crossings (sites and upstreams read top-down as in the text); big graphs get the
 * cheapest settings, since model order alone made 500 nodes take seconds.
 */
export function sizeOptions(nodes: number): Record<string, string> {
  if (nodes <= 100) return { 'elk.layered.thoroughness': '7', 'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES' };
  if (nodes <= 150) return { 'elk.layered.thoroughness': '7' };
  // Layers are fixed by kind anyway (snapToColumns), so longest-path layering loses nothing; with
  // SIMPLE node placement a 500-node layout took ~110 ms in Node instead of 200–1900 ms (measured
  // with the bench topology; network-simplex layering and Brandes-Köpf placement dominate).
  return {
    'elk.layered.thoroughness': '1',
    'elk.layered.layering.strategy': 'LONGEST_PATH',
    'elk.layered.nodePlacement.strategy': 'SIMPLE',
  };
}

export function toElkGraph(graph: DiagramGraph): ElkNode {
  return {
    id: 'root',
    layoutOptions: { ...ELK_OPTIONS, ...sizeOptions(graph.nodes.length) },
    children: graph.nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: nodeHeight(n) })),
    // The VRRP link joins two nodes of one layer; handing it to ELK would push the backup into
    // a layer of its own, so it is drawn but not laid out.
    edges: graph.edges
      .filter((e) => e.kind !== 'vrrp')
      .map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
}

/**
 * Put every kind in its column (the x most of its nodes got; nodes ELK placed elsewhere, such as
 * an unused upstream with no edges, are stacked under the column) and give the lbs their slots
 * in file order, so the primary comes first (lbs all have the same edges: no crossing changes).
 */
export function snapToColumns(graph: DiagramGraph, pos: Record<string, Position>): Record<string, Position> {
  const out: Record<string, Position> = { ...pos };
  const byKind = new Map<string, DiagramGraph['nodes']>();
  for (const n of graph.nodes) byKind.set(n.kind, [...(byKind.get(n.kind) ?? []), n]);
  let prevX = -Infinity;
  for (const kind of Object.keys(COLUMN).sort((a, b) => COLUMN[a] - COLUMN[b])) {
    const nodes = byKind.get(kind);
    if (!nodes?.length) continue;
    const votes = new Map<number, number>();
    for (const n of nodes) votes.set(out[n.id].x, (votes.get(out[n.id].x) ?? 0) + 1);
    let x = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    if (x <= prevX) x = prevX + NODE_WIDTH + 90;
    const inColumn = nodes.filter((n) => out[n.id].x === x);
    let bottom = Math.max(0, ...inColumn.map((n) => out[n.id].y + nodeHeight(n)));
    for (const n of nodes) {
      if (out[n.id].x === x) continue;
      out[n.id] = { x, y: bottom + 40 };
      bottom += 40 + nodeHeight(n);
    }
    if (kind === 'lb') {
      // File order, and room between lbs for the VRRP link's label (ELK packs them 40px apart).
      const slots = nodes.map((n) => out[n.id].y).sort((a, b) => a - b);
      let next = -Infinity;
      nodes.forEach((n, i) => {
        const y = Math.max(slots[i], next);
        out[n.id] = { x, y };
        next = y + nodeHeight(n) + LB_GAP;
      });
    }
    prevX = x;
  }
  return out;
}

/**
 * A provisional layout in linear time: each kind in its column, stacked in file order. Big graphs
 * are drawn with it at once while ELK (hundreds of ms on a cold JIT) computes the real one.
 */
export function columnLayout(graph: DiagramGraph): Record<string, Position> {
  const out: Record<string, Position> = {};
  const y = new Map<string, number>();
  for (const n of graph.nodes) {
    const col = COLUMN[n.kind] ?? 0;
    const top = y.get(n.kind) ?? 0;
    out[n.id] = { x: col * (NODE_WIDTH + 90), y: top };
    y.set(n.kind, top + nodeHeight(n) + 40);
  }
  // Centre each column on the tallest one, as ELK would.
  const tallest = Math.max(0, ...y.values());
  for (const n of graph.nodes) out[n.id].y += (tallest - (y.get(n.kind) ?? 0)) / 2;
  return out;
}

export async function autoLayout(elk: ElkLike, graph: DiagramGraph): Promise<Record<string, Position>> {
  const out = await elk.layout(toElkGraph(graph));
  const pos: Record<string, Position> = {};
  for (const c of out.children ?? []) pos[c.id] = { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) };
  return snapToColumns(graph, pos);
}

/**
 * Final positions: what the user moved (sidecar or this session) wins; the rest comes from ELK.
 * `current` are positions already on screen: kept so a text edit does not make the picture jump.
 */
export function mergePositions(
  graph: DiagramGraph,
  auto: Record<string, Position>,
  current: Record<string, Position> = {},
  sidecar?: LayoutSidecar | null,
): Record<string, Position> {
  const out: Record<string, Position> = {};
  for (const n of graph.nodes) {
    out[n.id] = sidecar?.positions[n.id] ?? current[n.id] ?? auto[n.id] ?? { x: 0, y: 0 };
  }
  return out;
}

/** A structural key: when it is unchanged, the old layout is still valid and ELK need not run. */
export function structureKey(graph: DiagramGraph): string {
  return graph.nodes.map((n) => `${n.id}/${n.lines.length}`).join('|') + '#' + graph.edges.map((e) => e.id).join('|');
}

export function sidecarFrom(positions: Record<string, Position>): LayoutSidecar {
  const sorted: Record<string, Position> = {};
  for (const k of Object.keys(positions).sort()) sorted[k] = { x: Math.round(positions[k].x), y: Math.round(positions[k].y) };
  return { version: 1, positions: sorted };
}

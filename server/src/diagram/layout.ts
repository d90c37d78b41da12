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

/** Column of each kind: ELK layers are forced to follow the chain. */
const LAYER: Record<string, number> = { clients: 0, vip: 1, lb: 2, site: 3, upstream: 4 };

export const ELK_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.layered.spacing.nodeNodeBetweenLayers': '90',
  'elk.spacing.nodeNode': '40',
  // Keep file order inside a layer (primary first, sites as written): the picture then reads
  // like the text, and small edits do not reshuffle it.
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  // Partitions pin each kind to its column even when an edge is missing (an unused upstream).
  'elk.partitioning.activate': 'true',
  // Lower effort crossing minimisation: 500-node graphs must lay out in well under 500 ms.
  'elk.layered.thoroughness': '3',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
};

export function toElkGraph(graph: DiagramGraph): ElkNode {
  return {
    id: 'root',
    layoutOptions: ELK_OPTIONS,
    children: graph.nodes.map((n) => ({
      id: n.id,
      width: NODE_WIDTH,
      height: nodeHeight(n),
      layoutOptions: { 'elk.partitioning.partition': String(LAYER[n.kind] ?? 0) },
    })),
    // The VRRP link joins two nodes of one layer; handing it to ELK would push the backup into
    // a layer of its own, so it is drawn but not laid out.
    edges: graph.edges
      .filter((e) => e.kind !== 'vrrp')
      .map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
}

export async function autoLayout(elk: ElkLike, graph: DiagramGraph): Promise<Record<string, Position>> {
  const out = await elk.layout(toElkGraph(graph));
  const pos: Record<string, Position> = {};
  for (const c of out.children ?? []) pos[c.id] = { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) };
  return pos;
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

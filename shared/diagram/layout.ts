/**
 * Automatic layout, left to right: clients -> vips -> lbs -> sites -> upstreams, and the merge
 * with positions the user moved (the sidecar). Graphs up to ELK_MAX nodes go to ELK (layered);
 * bigger ones are ordered by order.ts and placed by placeBig, in tens of milliseconds, because
 * ELK's first layout in a page grows to ~0.5 s at 100 nodes (docs/diagram.md). The ELK instance
 * is passed in so this file stays free of any particular elkjs entry point (the webview runs it in
 * a worker, the tests in-process).
 */
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import type { LayoutSidecar, Position } from '../protocol/webview.js';
import { NODE_WIDTH, nodeHeight, type DiagramGraph } from './graph.js';
import { orderTwoLayers } from './order.js';

export interface ElkLike {
  layout(graph: ElkNode): Promise<ElkNode>;
}

/** Vertical room between lbs: the VRRP link and its label run there. */
const LB_GAP = 70;

/** Column of each kind, left to right along the chain. */
const COLUMN: Record<string, number> = { clients: 0, vip: 1, lb: 2, site: 3, upstream: 4 };
/** A TCP service is laid out as a site: served by the lbs, serving from upstreams, in their column. */
const columnKind = (kind: string): string => (kind === 'service' ? 'site' : kind);

/**
 * ELK's options. Its partitioning and model-order options looked like the right tools to pin
 * columns and keep file order, but each made big layouts 10-40x slower (seconds, measured with
 * bench/webview.ts). The chain's edges already put every kind in its own layer; `snapToColumns`
 * below fixes the rest (unconnected nodes) and the lb order, in linear time.
 */
export const ELK_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.layered.spacing.nodeNodeBetweenLayers': '90',
  'elk.spacing.nodeNode': '40',
  'elk.spacing.componentComponent': '40',
  // React Flow draws its own edges: ELK's cheapest routing is enough.
  'elk.edgeRouting': 'POLYLINE',
  // Full crossing minimisation, keeping file order where it costs no crossings (sites and
  // upstreams read top-down as in the text). Affordable up to ELK_MAX nodes.
  'elk.layered.thoroughness': '7',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
};

/**
 * Above this many nodes ELK is not used: order.ts orders the columns and placeBig places them.
 * ELK's first layout in a fresh page (cold JIT) took, in Node on this project's 2-core machine:
 * 12 nodes 0.14 s, 24 0.21 s, 40 0.32 s, 60 0.37 s, 80 0.47 s, 100 0.57 s, 150 0.48 s at
 * thoroughness 7; bench:webview measures the 60-node case through the panel.
 */
export const ELK_MAX = 60;

/** Above this many nodes the panel draws only what is on screen and leaves out the minimap. */
export const BIG_GRAPH = 150;

/** Math.max(0, ...xs) without the spread, which overflows the stack past ~120,000 values. */
function maxOf(xs: Iterable<number>): number {
  let m = 0;
  for (const x of xs) if (x > m) m = x;
  return m;
}

/** Math.min(...xs), likewise. */
function minOf(xs: Iterable<number>): number {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m;
}

/** Appends to the list under `key`, making it on first use. */
function pushTo<T>(m: Map<string, T[]>, key: string, value: T): void {
  const list = m.get(key);
  if (list) list.push(value);
  else m.set(key, [value]);
}

/**
 * A big graph's components: sites joined through the upstreams two or more of them share. A site
 * whose upstreams are all its own is a component of its own, which crosses nothing wherever it
 * goes, so only its file position matters.
 * `rank`: each site's component, numbered by the file position of the component's first site.
 * `usedBy` and `serves`: the `server` edges from both ends, which orderComponents and placeBig
 * need too.
 */
export interface Reduced {
  rank: Map<string, number>;
  usedBy: Map<string, string[]>;
  serves: Map<string, string[]>;
}

export function reduce(graph: DiagramGraph): Reduced {
  const usedBy = new Map<string, string[]>();
  const serves = new Map<string, string[]>();
  for (const e of graph.edges) {
    if (e.kind !== 'server') continue;
    pushTo(usedBy, e.target, e.source);
    pushTo(serves, e.source, e.target);
  }
  // Union-find over sites, joined by each shared upstream.
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    for (let y = x; parent.get(y) !== r; ) {
      const next = parent.get(y)!;
      parent.set(y, r);
      y = next;
    }
    return r;
  };
  const siteIds = graph.nodes.filter((n) => columnKind(n.kind) === 'site').map((n) => n.id);
  for (const id of siteIds) parent.set(id, id);
  for (const list of usedBy.values()) {
    for (const site of list) parent.set(find(site), find(list[0]!));
  }
  const rank = new Map<string, number>();
  const first = new Map<string, number>();
  siteIds.forEach((id, i) => {
    const root = find(id);
    if (!first.has(root)) first.set(root, i);
    rank.set(id, first.get(root)!);
  });
  return { rank, usedBy, serves };
}

/** The graph ELK lays out (graphs up to ELK_MAX nodes). */
export function toElkGraph(graph: DiagramGraph): ElkNode {
  return {
    id: 'root',
    layoutOptions: ELK_OPTIONS,
    children: graph.nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: nodeHeight(n) })),
    // The VRRP link joins two nodes of one layer; handing it to ELK would push the backup into
    // a layer of its own, so it is drawn but not laid out.
    edges: graph.edges.filter((e) => e.kind !== 'vrrp').map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
}

/**
 * The order of each component's sites and of the upstreams they use (see reduce), by two-layer
 * crossing minimisation (order.ts) starting from file order: id -> place within its component,
 * and the crossings left between the site and upstream columns (components never cross each
 * other: each is a block of its own in both columns).
 */
export function orderComponents(graph: DiagramGraph, r: Reduced): { place: Map<string, number>; crossings: number } {
  const byRank = new Map<string, string[]>();
  for (const n of graph.nodes) if (columnKind(n.kind) === 'site') pushTo(byRank, String(r.rank.get(n.id)!), n.id);
  const fileIndex = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const place = new Map<string, number>();
  let crossings = 0;
  for (const sites of byRank.values()) {
    // Upstreams in file order, each once (a site may name one twice).
    const used = [...new Set(sites.flatMap((s) => r.serves.get(s) ?? []))].sort((a, b) => fileIndex.get(a)! - fileIndex.get(b)!);
    if (sites.length === 1) {
      // One site: its upstreams cannot cross each other's edges.
      place.set(sites[0]!, 0);
      used.forEach((u, k) => place.set(u, k));
      continue;
    }
    const at = new Map(used.map((u, i) => [u, i]));
    const edges = new Set<number>();
    sites.forEach((s, i) => {
      for (const u of r.serves.get(s) ?? []) edges.add(i * used.length + at.get(u)!);
    });
    const pairs = [...edges].map((e) => [Math.floor(e / used.length), e % used.length] as const);
    const o = orderTwoLayers({ left: sites.length, right: used.length, edges: pairs });
    o.left.forEach((i, k) => place.set(sites[i]!, k));
    o.right.forEach((i, k) => place.set(used[i]!, k));
    crossings += o.crossings;
  }
  return { place, crossings };
}

/** Gap between the site and upstream columns of a big graph (its edges fan out there). */
const BIG_COLUMN_GAP = 240;

/**
 * A big graph's positions in linear time, from the order of its components (orderComponents):
 * - sites in one column: components in file order (by their first site), orderComponents' order
 *   within each;
 * - upstreams in one column, in the same component blocks and orderComponents' order within
 *   each (so one used by a single site goes beside it); unused ones last; stacked 40 px apart;
 * - each site level with the median middle of its upstreams, never overlapping the one above (so
 *   most edges run level instead of fanning over the whole height);
 * - the clients, vip and lb columns stacked and centred on the height (placeHeads).
 */
export function placeBig(graph: DiagramGraph, r: Reduced = reduce(graph), { place } = orderComponents(graph, r)): Record<string, Position> {
  const { rank, usedBy, serves } = r;
  const out: Record<string, Position> = {};
  const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const sites = graph.nodes
    .filter((n) => columnKind(n.kind) === 'site')
    .sort((a, b) => rank.get(a.id)! - rank.get(b.id)! || place.get(a.id)! - place.get(b.id)!);
  // An upstream's component is its first user's; unused ones go last, in file order.
  const block = (id: string) => {
    const users = usedBy.get(id);
    return users?.length ? rank.get(users[0]!)! : Infinity;
  };
  const upstreams = graph.nodes
    .filter((n) => n.kind === 'upstream')
    .sort((a, b) => block(a.id) - block(b.id) || (place.get(a.id) ?? 0) - (place.get(b.id) ?? 0) || index.get(a.id)! - index.get(b.id)!);
  const siteX = 0;
  const upstreamX = NODE_WIDTH + BIG_COLUMN_GAP;
  let y = 0;
  for (const u of upstreams) {
    out[u.id] = { x: upstreamX, y };
    y += nodeHeight(u) + 40;
  }
  let next = 0;
  for (const s of sites) {
    // The median of its upstreams' middles: one shared upstream far away does not pull it off.
    const mids = (serves.get(s.id) ?? [])
      .filter((u) => out[u])
      .map((u) => out[u]!.y + nodeHeight(graph.nodes[index.get(u)!]!) / 2)
      .sort((a, b) => a - b);
    const h = nodeHeight(s);
    const mid = mids.length ? (mids[(mids.length - 1) >> 1]! + mids[mids.length >> 1]!) / 2 : next + h / 2;
    const top = Math.max(next, Math.round(mid - h / 2));
    out[s.id] = { x: siteX, y: top };
    next = top + h + 40;
  }
  return placeHeads(graph, out);
}

/**
 * Positions for the nodes not placed yet (the clients, vip and lb columns of a big graph):
 * each kind in its column left of the sites, stacked in file order and centred on the height of
 * the rest, as ELK centres a layer.
 */
export function placeHeads(graph: DiagramGraph, pos: Record<string, Position>): Record<string, Position> {
  const out: Record<string, Position> = { ...pos };
  const placed = graph.nodes.filter((n) => out[n.id]);
  const missing = graph.nodes.filter((n) => !out[n.id]);
  if (!missing.length) return out;
  // x of the site column (or where it would be, left of the upstreams).
  const xOf = (kind: string) => minOf(placed.filter((n) => columnKind(n.kind) === kind).map((n) => out[n.id]!.x));
  const sitesX = placed.some((n) => columnKind(n.kind) === 'site')
    ? xOf('site')
    : placed.some((n) => n.kind === 'upstream') ? xOf('upstream') - (NODE_WIDTH + 90) : (COLUMN.site ?? 3) * (NODE_WIDTH + 90);
  const height = maxOf(placed.map((n) => out[n.id]!.y + nodeHeight(n)));
  const byKind = new Map<string, DiagramGraph['nodes']>();
  for (const n of missing) pushTo(byKind, columnKind(n.kind), n);
  for (const [kind, nodes] of byKind) {
    const gap = kind === 'lb' ? LB_GAP : 40;
    const total = nodes.reduce((h, n) => h + nodeHeight(n), 0) + gap * (nodes.length - 1);
    const x = sitesX - ((COLUMN.site ?? 3) - (COLUMN[kind] ?? 0)) * (NODE_WIDTH + 90);
    let y = Math.max(0, Math.round((height - total) / 2));
    for (const n of nodes) {
      out[n.id] = { x, y };
      y += nodeHeight(n) + gap;
    }
  }
  return out;
}

/**
 * Put every kind in its column (the x most of its nodes got; nodes ELK placed elsewhere, such as
 * an unused upstream with no edges, are stacked under the column) and give the lbs their slots
 * in file order, so the primary comes first (lbs all have the same edges: no crossing changes).
 */
export function snapToColumns(graph: DiagramGraph, pos: Record<string, Position>): Record<string, Position> {
  const out: Record<string, Position> = { ...pos };
  const byKind = new Map<string, DiagramGraph['nodes']>();
  for (const n of graph.nodes) pushTo(byKind, columnKind(n.kind), n);
  let prevX = -Infinity;
  for (const kind of Object.keys(COLUMN).sort((a, b) => COLUMN[a] - COLUMN[b])) {
    const nodes = byKind.get(kind);
    if (!nodes?.length) continue;
    const votes = new Map<number, number>();
    for (const n of nodes) votes.set(out[n.id].x, (votes.get(out[n.id].x) ?? 0) + 1);
    let x = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    if (x <= prevX) x = prevX + NODE_WIDTH + 90;
    const inColumn = nodes.filter((n) => out[n.id].x === x);
    let bottom = maxOf(inColumn.map((n) => out[n.id].y + nodeHeight(n)));
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
 * A plain layout in linear time: each kind in its column, stacked in file order. The panel falls
 * back to it when ELK fails (its worker cannot start or dies).
 */
export function columnLayout(graph: DiagramGraph): Record<string, Position> {
  const out: Record<string, Position> = {};
  const y = new Map<string, number>();
  for (const n of graph.nodes) {
    const col = COLUMN[columnKind(n.kind)] ?? 0;
    const top = y.get(columnKind(n.kind)) ?? 0;
    out[n.id] = { x: col * (NODE_WIDTH + 90), y: top };
    y.set(columnKind(n.kind), top + nodeHeight(n) + 40);
  }
  // Centre each column on the tallest one, as ELK would.
  const tallest = maxOf(y.values());
  for (const n of graph.nodes) out[n.id].y += (tallest - (y.get(columnKind(n.kind)) ?? 0)) / 2;
  return out;
}

export async function autoLayout(elk: ElkLike, graph: DiagramGraph): Promise<Record<string, Position>> {
  if (graph.nodes.length > ELK_MAX) return snapToColumns(graph, placeBig(graph));
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

/**
 * Site/upstream crossings of a drawing: the column pair where a topology's edges cross. Each
 * column is ranked by `y` (file order on ties) and counted by order.ts's bilayer count. Shared by
 * the layout tests and bench:webview, which compare drawings (ours, ELK's, file order) by it.
 */
import type { DiagramGraph } from '../../shared/diagram/graph.js';
import { countCrossings } from '../../shared/diagram/order.js';

export function siteUpstreamCrossings(g: DiagramGraph, y: (id: string) => number): number {
  const ids = (kind: string) => g.nodes.filter((n) => n.kind === kind).map((n) => n.id);
  const sites = ids('site');
  const upstreams = ids('upstream');
  const rank = (list: string[]) => {
    const p = new Int32Array(list.length);
    [...list.keys()].sort((a, b) => y(list[a]!) - y(list[b]!) || a - b).forEach((i, k) => (p[i] = k));
    return p;
  };
  const si = new Map(sites.map((id, i) => [id, i]));
  const ui = new Map(upstreams.map((id, i) => [id, i]));
  const edges = g.edges.filter((e) => e.kind === 'server').map((e) => [si.get(e.source)!, ui.get(e.target)!] as const);
  return countCrossings({ left: sites.length, right: upstreams.length, edges }, rank(sites), rank(upstreams));
}

/**
 * Model -> diagram graph. Pure: used by the webview (drawing), the SVG export, the VS Code panel
 * (cursor -> node, node -> statement) and the tests. Node ids are stable across text edits as
 * long as names do not change (`lb:NAME`, `upstream:NAME`, `site:NAME`, `service:NAME`, `vip:ADDRESS`), which is
 * what lets the panel keep positions while the text changes.
 */
import type { Topology } from '../model/types.js';
import type { Span } from '../span.js';
import type { PanelDiagnostic } from '../protocol/webview.js';

export type DiagramNodeKind = 'clients' | 'vip' | 'lb' | 'site' | 'service' | 'upstream';
export type DiagramEdgeKind = 'client' | 'vip' | 'vrrp' | 'serve' | 'server';

export interface DiagramNode {
  id: string;
  kind: DiagramNodeKind;
  /** The name (or the vip CIDR). */
  title: string;
  /** Short facts shown under the title, one per line. */
  lines: string[];
  /** The whole statement (absent for the synthetic clients node). */
  span?: Span;
  nameSpan?: Span;
  diagnostics: PanelDiagnostic[];
  /** Fields the side form edits. */
  props: Record<string, string | number | boolean>;
}

export interface DiagramEdge {
  id: string;
  source: string;
  target: string;
  kind: DiagramEdgeKind;
  label?: string;
}

export interface DiagramGraph {
  nodes: DiagramNode[];
  edges: DiagramEdge[];
  /** Diagnostics that fall in no node (e.g. a missing `topology`). */
  loose: PanelDiagnostic[];
}

/** Box sizes used by both the layout and the renderers, so ELK and the DOM agree. */
export const NODE_WIDTH = 210;
export function nodeHeight(n: Pick<DiagramNode, 'lines'>): number {
  return 40 + 17 * n.lines.length;
}

export const nodeId = {
  lb: (name: string) => `lb:${name}`,
  upstream: (name: string) => `upstream:${name}`,
  site: (name: string) => `site:${name}`,
  service: (name: string) => `service:${name}`,
  vip: (address: string) => `vip:${address}`,
  clients: 'clients',
};

/** Kinds whose ids are `kind:key`. */
const KEYED_KINDS: ReadonlySet<string> = new Set<DiagramNodeKind>(['vip', 'lb', 'site', 'service', 'upstream']);

/**
 * The inverse of `nodeId`, kept beside it so the id format has one owner: `site:web` →
 * `{ kind: 'site', key: 'web' }`, `clients` → `{ kind: 'clients', key: '' }`, anything else → null.
 * The key is everything after the first `:` (a vip's address may hold more colons).
 */
export function parseNodeId(id: string): { kind: DiagramNodeKind; key: string } | null {
  if (id === nodeId.clients) return { kind: 'clients', key: '' };
  const i = id.indexOf(':');
  if (i < 0) return null;
  const kind = id.slice(0, i);
  return KEYED_KINDS.has(kind) ? { kind: kind as DiagramNodeKind, key: id.slice(i + 1) } : null;
}

function contains(outer: Span, inner: Span): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

/** The graph as it is built: nodes and edges in drawing order. */
interface GraphBuilder {
  nodes: DiagramNode[];
  edges: DiagramEdge[];
  node(n: Omit<DiagramNode, 'diagnostics'>): DiagramNode;
}

export function modelToGraph(model: Topology, diagnostics: PanelDiagnostic[] = []): DiagramGraph {
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  const node = (n: Omit<DiagramNode, 'diagnostics'>) => {
    const full = { ...n, diagnostics: [] };
    nodes.push(full);
    return full;
  };
  const g: GraphBuilder = { nodes, edges, node };

  node({ id: nodeId.clients, kind: 'clients', title: 'clients', lines: [], props: {} });
  addVips(g, model);
  addLbs(g, model);
  addVrrpLinks(g, model);
  addSites(g, model);
  addServices(g, model);
  addUpstreams(g, model);
  return { nodes, edges, loose: placeDiagnostics(nodes, diagnostics) };
}

/** A node per vip, with the clients' edge to it labeled with the ports its sites and services listen on. */
function addVips(g: GraphBuilder, model: Topology): void {
  for (const v of model.vips) {
    const ports = [...new Set([
      ...model.sites.filter((s) => s.vip === v.address).flatMap((s) => (s.tls ? [s.listen, 443] : [s.listen])),
      ...model.services.filter((s) => s.vip === v.address).map((s) => s.listen),
    ])];
    g.node({
      id: nodeId.vip(v.address),
      kind: 'vip',
      title: v.cidr,
      lines: [`router-id ${v.routerId} · ${v.interface}`, `VRRPv${v.vrrpVersion} · advert ${v.advertMs}ms`],
      span: v.span,
      nameSpan: v.nameSpan,
      props: { address: v.address, routerId: v.routerId },
    });
    g.edges.push({
      id: `client->${v.address}`,
      source: nodeId.clients,
      target: nodeId.vip(v.address),
      kind: 'client',
      label: ports.length ? ports.map((p) => `:${p}`).join(' ') : undefined,
    });
  }
}

/** A node per lb, and an edge from every vip to it (each lb may hold each vip). */
function addLbs(g: GraphBuilder, model: Topology): void {
  for (const lb of model.lbs) {
    g.node({
      id: nodeId.lb(lb.name),
      kind: 'lb',
      title: lb.name,
      lines: [`${lb.role} · priority ${lb.priority}`, lb.address],
      span: lb.span,
      nameSpan: lb.nameSpan,
      props: { name: lb.name, role: lb.role, priority: lb.priority, address: lb.address },
    });
    for (const v of model.vips) {
      g.edges.push({ id: `${v.address}->${lb.name}`, source: nodeId.vip(v.address), target: nodeId.lb(lb.name), kind: 'vip' });
    }
  }
}

/** The VRRP link: primary <-> each backup, labeled with the router id(s) of the vips they share. */
function addVrrpLinks(g: GraphBuilder, model: Topology): void {
  const primary = model.lbs.find((l) => l.role === 'primary');
  if (!primary || !model.vips.length) return;
  const ids = model.vips.map((v) => v.routerId).join(', ');
  for (const b of model.lbs) {
    if (b === primary) continue;
    g.edges.push({
      id: `vrrp:${primary.name}<->${b.name}`,
      source: nodeId.lb(primary.name),
      target: nodeId.lb(b.name),
      kind: 'vrrp',
      label: `VRRP router-id ${ids}`,
    });
  }
}

/** A node per site, served by every lb, with an edge to each declared upstream it lists. */
function addSites(g: GraphBuilder, model: Topology): void {
  const upstreamNames = new Set(model.upstreams.map((u) => u.name));
  for (const s of model.sites) {
    g.node({
      id: nodeId.site(s.name),
      kind: 'site',
      title: s.name,
      lines: [...s.hosts, `balance ${s.balance} · :${s.listen}${s.tls ? ' + tls' : ''}${s.isDefault ? ' · default' : ''}`],
      span: s.span,
      nameSpan: s.nameSpan,
      props: { name: s.name, balance: s.balance, listen: s.listen },
    });
    addServedEdges(g, model, upstreamNames, nodeId.site(s.name), s.name, s.servers);
  }
}

/** A node per TCP service, drawn like a site: served by every lb, an edge to each upstream it lists. */
function addServices(g: GraphBuilder, model: Topology): void {
  const upstreamNames = new Set(model.upstreams.map((u) => u.name));
  for (const s of model.services) {
    g.node({
      id: nodeId.service(s.name),
      kind: 'service',
      title: s.name,
      lines: [`tcp :${s.listen}${s.port !== s.listen ? ` → :${s.port}` : ''}`, `balance ${s.balance}`],
      span: s.span,
      nameSpan: s.nameSpan,
      props: { name: s.name, balance: s.balance, listen: s.listen },
    });
    addServedEdges(g, model, upstreamNames, nodeId.service(s.name), `service:${s.name}`, s.servers);
  }
}

/**
 * A site's or service's edges: from every lb (each serves it), and to each declared upstream it
 * lists (an unknown one is the node's `unknown-reference` diagnostic). `key` names the edges.
 */
function addServedEdges(g: GraphBuilder, model: Topology, upstreams: ReadonlySet<string>, id: string, key: string, servers: string[]): void {
  for (const lb of model.lbs) g.edges.push({ id: `${lb.name}->${key}`, source: nodeId.lb(lb.name), target: id, kind: 'serve' });
  for (const u of new Set(servers)) {
    if (upstreams.has(u)) g.edges.push({ id: `${key}->${u}`, source: id, target: nodeId.upstream(u), kind: 'server' });
  }
}

function addUpstreams(g: GraphBuilder, model: Topology): void {
  for (const u of model.upstreams) {
    g.node({
      id: nodeId.upstream(u.name),
      kind: 'upstream',
      title: u.name,
      lines: [`${u.address}:${u.port}`, `weight ${u.weight}${u.backup ? ' · backup' : ''}${u.managed ? '' : ' · unmanaged'}`],
      span: u.span,
      nameSpan: u.nameSpan,
      props: { name: u.name, port: u.port, weight: u.weight, backup: u.backup, address: u.address },
    });
  }
}

/**
 * Diagnostics go on the innermost node whose statement contains them (top-level statements do
 * not nest, so "innermost" is just "the one"); the rest are returned, for the panel's list.
 */
function placeDiagnostics(nodes: DiagramNode[], diagnostics: PanelDiagnostic[]): PanelDiagnostic[] {
  const loose: PanelDiagnostic[] = [];
  for (const d of diagnostics) {
    let best: DiagramNode | undefined;
    for (const n of nodes) {
      if (n.span && contains(n.span, d.span) && (!best || n.span.end - n.span.start < best.span!.end - best.span!.start)) best = n;
    }
    if (best) best.diagnostics.push(d);
    else loose.push(d);
  }
  return loose;
}

/** The node whose statement holds `offset` (cursor -> highlight). */
export function nodeAtOffset(model: Topology, offset: number): string | null {
  const inside = (s: Span) => s.start <= offset && offset <= s.end;
  for (const v of model.vips) if (inside(v.span)) return nodeId.vip(v.address);
  for (const l of model.lbs) if (inside(l.span)) return nodeId.lb(l.name);
  for (const s of model.sites) if (inside(s.span)) return nodeId.site(s.name);
  for (const s of model.services) if (inside(s.span)) return nodeId.service(s.name);
  for (const u of model.upstreams) if (inside(u.span)) return nodeId.upstream(u.name);
  return null;
}

/** The statement a node stands for (node -> reveal in editor). */
export function nodeSpan(model: Topology, id: string): { span: Span; nameSpan: Span } | null {
  const parsed = parseNodeId(id);
  if (!parsed) return null;
  const { kind, key } = parsed;
  const hit =
    kind === 'vip' ? model.vips.find((v) => v.address === key)
    : kind === 'lb' ? model.lbs.find((l) => l.name === key)
    : kind === 'site' ? model.sites.find((s) => s.name === key)
    : kind === 'service' ? model.services.find((s) => s.name === key)
    : kind === 'upstream' ? model.upstreams.find((u) => u.name === key)
    : undefined;
  return hit ? { span: hit.span, nameSpan: hit.nameSpan } : null;
}

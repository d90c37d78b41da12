/**
 * Snapshot graph → positioned React Flow nodes. Positions are the panel's only state of its own:
 * the automatic layout (ELK in its worker up to ELK_MAX nodes, order.ts and placeBig on this
 * thread above), overridden by the positions the user moved.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { applyNodeChanges, type NodeChange } from '@xyflow/react';
import { NODE_WIDTH, nodeHeight, type DiagramGraph, type DiagramNode } from '../../../shared/diagram/graph.js';
import { autoLayout, columnLayout, mergePositions, structureKey } from '../../../shared/diagram/layout.js';
import { overlayBadge } from '../../../shared/diagram/svg.js';
import type { Overlay, Position } from '../../../shared/protocol/webview.js';
import { startElk } from '../elk.js';
import type { HalabFlowNode } from '../nodes.js';
import { metrics, type Drawn } from './metrics.js';
import type { Status } from './view.js';

/** ELK runs in a worker started with the page (it loads while the snapshot is on its way). */
const elk = startElk();

/** Positions the user moved (the sidecar's and this session's); they win over the automatic layout. */
export class PinnedPositions {
  private positions: Record<string, Position> = {};

  get all(): Readonly<Record<string, Position>> {
    return this.positions;
  }

  /** A sidecar from the host: a position moved in this session stays ahead of the file's. */
  adopt(sidecar: Record<string, Position>): void {
    this.positions = { ...sidecar, ...this.positions };
  }

  moved(nodes: readonly { id: string; position: Position }[]): void {
    for (const n of nodes) this.positions[n.id] = { x: n.position.x, y: n.position.y };
  }

  /** The id changes with the name: a position the user chose follows it (unmoved nodes keep their slot anyway). */
  rename(from: string, to: string): void {
    if (!this.positions[from]) return;
    this.positions[to] = this.positions[from];
    delete this.positions[from];
  }
}

/** Same drawing (title, lines, diagnostics, form fields); spans may move without changing it. */
function sameBox(a: DiagramNode, b: DiagramNode): boolean {
  if (a.title !== b.title || a.lines.length !== b.lines.length || a.diagnostics.length !== b.diagnostics.length) return false;
  if (a.lines.some((l, i) => l !== b.lines[i])) return false;
  const sameDiagnostic = (d: DiagramNode['diagnostics'][number], e: DiagramNode['diagnostics'][number]) =>
    d.code === e.code && d.message === e.message && d.severity === e.severity;
  if (a.diagnostics.some((d, i) => !sameDiagnostic(d, b.diagnostics[i]))) return false;
  return JSON.stringify(a.props) === JSON.stringify(b.props);
}

function toFlowNodes(prev: HalabFlowNode[], graph: DiagramGraph, pos: Record<string, Position>): HalabFlowNode[] {
  const before = new Map(prev.map((n) => [n.id, n]));
  return graph.nodes.map((n) => {
    // Unchanged box in the same place: keep the very object, so React Flow (and the memoised
    // node view) skip it. A text edit usually touches one node of hundreds.
    const old = before.get(n.id);
    const p = pos[n.id]!;
    if (old && old.position.x === p.x && old.position.y === p.y && sameBox(old.data.node, n)) return old;
    return {
      id: n.id,
      type: 'halab' as const,
      position: p,
      // Known sizes: React Flow need not measure before drawing edges or culling.
      width: NODE_WIDTH,
      height: nodeHeight(n),
      data: { node: n, highlighted: false, badge: null },
      selected: old?.selected ?? false,
      deletable: n.kind === 'lb' || n.kind === 'upstream' || n.kind === 'site',
      connectable: n.kind === 'site' || n.kind === 'upstream',
    };
  });
}

export interface Layout {
  nodes: HalabFlowNode[];
  /** The last drawing handed to React Flow (useDrawnRevision waits for it to reach the DOM). */
  drawn: Drawn | null;
  /** Drags and selection, which stay local; removal goes through the text instead. */
  applyChanges: (changes: NodeChange<HalabFlowNode>[]) => void;
}

/**
 * Lays out each new graph. The automatic layout runs only when the structure changed; otherwise
 * the old one stands, so typing in the text does not make the picture move.
 */
export function useLayout(graph: DiagramGraph | null, revision: number, pinned: PinnedPositions, setStatus: (s: Status) => void): Layout {
  const [nodes, setNodes] = useState<HalabFlowNode[]>([]);
  const [drawn, setDrawn] = useState<Drawn | null>(null);
  const auto = useRef<{ key: string; pos: Record<string, Position> }>({ key: '', pos: {} });
  // A layout that comes back after a newer graph arrived is dropped.
  const generation = useRef(0);

  useEffect(() => {
    if (!graph) return;
    const gen = ++generation.current;
    const key = structureKey(graph);
    const place = (autoPos: Record<string, Position>, laidOut: boolean) => {
      if (gen !== generation.current) return;
      const pos = mergePositions(graph, autoPos, {}, { version: 1, positions: pinned.all });
      setNodes((prev) => toFlowNodes(prev, graph, pos));
      metrics.drawingPlaced();
      setDrawn({ revision, count: graph.nodes.length, laidOut });
    };
    if (key === auto.current.key) {
      place(auto.current.pos, true);
      return;
    }
    // The time from asking for a layout to having positions (ELK in its worker, or order.ts and
    // placeBig on this thread for a big graph).
    const t0 = performance.now();
    autoLayout(elk, graph).then(
      (p) => {
        metrics.layoutTook(performance.now() - t0);
        auto.current = { key, pos: p };
        place(p, true);
      },
      (e: unknown) => {
        // Still show every node, in columns.
        place(columnLayout(graph), false);
        const why = e instanceof Error ? e.message : String(e);
        setStatus({ kind: 'error', text: `Automatic layout failed (${why}); the nodes are shown in columns.` });
      },
    );
  }, [graph, revision, pinned, setStatus]);

  const applyChanges = useCallback(
    (changes: NodeChange<HalabFlowNode>[]) =>
      setNodes((ns) =>
        applyNodeChanges(
          changes.filter((c) => c.type !== 'remove'),
          ns,
        ),
      ),
    [],
  );

  return { nodes, drawn, applyChanges };
}

/** Highlight and overlay are decorations: node data is patched without a new layout. */
export function useDecoratedNodes(nodes: HalabFlowNode[], highlightId: string | null, overlay: Overlay | null): HalabFlowNode[] {
  return useMemo(
    () =>
      nodes.map((n) => {
        const highlighted = n.id === highlightId;
        const badge = overlayBadge(n.data.node, overlay);
        return highlighted === n.data.highlighted && badge === n.data.badge ? n : { ...n, data: { ...n.data, highlighted, badge } };
      }),
    [nodes, highlightId, overlay],
  );
}

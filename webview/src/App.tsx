/**
 * The topology designer. The text is the source of truth: the picture is rebuilt from every
 * snapshot the host sends, and every edit is an intent the host turns into a text edit. The only
 * state of its own is positions: ELK's automatic layout, overridden by what the user moved.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type FitViewOptions,
  type NodeChange,
  type OnBeforeDelete,
} from '@xyflow/react';
import { NODE_WIDTH, modelToGraph, nodeHeight, type DiagramGraph, type DiagramNode } from '../../server/src/diagram/graph.js';
import { BIG_GRAPH, autoLayout, columnLayout, mergePositions, structureKey } from '../../server/src/diagram/layout.js';
import { startElk } from './elk.js';
import { overlayBadge } from '../../server/src/diagram/svg.js';
import type { HostMessage, Intent, NodeKind, Overlay, Position, Snapshot } from '../../server/src/protocol/webview.js';
import { HostBridge } from './host.js';
import { nodeTypes, type HalabFlowNode } from './nodes.js';
import { SidePanel } from './SidePanel.js';
import { exportPng, exportSvg } from './export.js';

/** ELK runs in a worker started with the page (it loads while the snapshot is on its way). */
const elk = startElk();

/** Timings the benchmark and the tests read (first paint, last layout). */
interface Metrics {
  snapshots: number;
  layoutMs: number[];
  /** performance.now() at: first snapshot received, first frame with nodes, first automatic layout drawn. */
  firstSnapshotMs?: number;
  firstPaintMs?: number;
  firstLayoutMs?: number;
  renderedRevision?: number;
  /** True once the drawn revision carries the automatic layout (false for the fallback columns). */
  laidOut?: boolean;
}
declare global {
  interface Window {
    __halab: Metrics;
  }
}
window.__halab = { snapshots: 0, layoutMs: [] };

type Status = { kind: 'info' | 'error'; text: string } | null;

/** Same drawing (title, lines, diagnostics, form fields); spans may move without changing it. */
function sameBox(a: DiagramNode, b: DiagramNode): boolean {
  if (a.title !== b.title || a.lines.length !== b.lines.length || a.diagnostics.length !== b.diagnostics.length) return false;
  if (a.lines.some((l, i) => l !== b.lines[i])) return false;
  if (a.diagnostics.some((d, i) => d.code !== b.diagnostics[i].code || d.message !== b.diagnostics[i].message || d.severity !== b.diagnostics[i].severity))
    return false;
  return JSON.stringify(a.props) === JSON.stringify(b.props);
}

/** VS Code marks the body with the theme kind (and changes it live): follow it for React Flow's chrome. */
function useThemeKind(): 'light' | 'dark' {
  const read = () => (/\bvscode-(dark|high-contrast)\b(?!-light)/.test(document.body.className) ? 'dark' : 'light');
  const [kind, setKind] = useState<'light' | 'dark'>(read);
  useEffect(() => {
    const o = new MutationObserver(() => setKind(read()));
    o.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    return () => o.disconnect();
  }, []);
  return kind;
}

/** The first fit's lowest zoom: below ~0.6 a node's text is too small to read. */
const FIRST_FIT_MIN_ZOOM = 0.6;

/**
 * Fit with room on the right for the floating form (when the canvas is wide enough to spare it),
 * so opening the form does not cover the upstream column.
 */
function fitOptions(): FitViewOptions {
  const w = document.querySelector('.hl-canvas')?.clientWidth ?? 0;
  return { padding: w > 800 ? { top: '5%', bottom: '5%', left: '3%', right: '270px' } : 0.05 };
}

export function App({ bridge }: { bridge: HostBridge }) {
  const flow = useReactFlow();
  const theme = useThemeKind();
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [nodes, setNodes] = useState<HalabFlowNode[]>([]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  /** Edges are derived from the graph; only their selection is local state (Delete acts on it). */
  const [selectedEdges, setSelectedEdges] = useState<ReadonlySet<string>>(new Set());
  const [highlightId, setHighlightId] = useState<string | null>(null);
  const [overlay, setOverlay] = useState<Overlay | null>(null);
  const [adding, setAdding] = useState<NodeKind | null>(null);
  const [status, setStatus] = useState<Status>(null);
  /** `laidOut`: the automatic layout (false for the fallback columns when ELK failed). */
  const [drawn, setDrawn] = useState<{ revision: number; count: number; laidOut: boolean } | null>(null);
  const revision = useRef(-1);
  /** Positions the user moved (sidecar + this session); they win over ELK. */
  const pinned = useRef<Record<string, Position>>({});
  const auto = useRef<{ key: string; pos: Record<string, Position> }>({ key: '', pos: {} });
  const generation = useRef(0);
  const fitted = useRef(false);

  const graph: DiagramGraph | null = useMemo(() => (snapshot ? modelToGraph(snapshot.model, snapshot.diagnostics) : null), [snapshot]);

  const applySnapshot = useCallback((s: Snapshot) => {
    window.__halab.firstSnapshotMs ??= performance.now();
    revision.current = s.revision;
    if (s.layout) pinned.current = { ...s.layout.positions, ...pinned.current };
    setSnapshot(s);
  }, []);

  // Host messages.
  useEffect(() => {
    bridge.onMessage((m: HostMessage) => {
      switch (m.type) {
        case 'snapshot': {
          const { type: _t, ...s } = m;
          applySnapshot(s);
          break;
        }
        case 'reject':
          applySnapshot(m.snapshot);
          break;
        case 'highlight':
          setHighlightId(m.nodeId);
          break;
        case 'overlay':
          setOverlay(m.overlay);
          break;
        default:
          break;
      }
    });
    bridge.send({ type: 'ready' });
  }, [bridge, applySnapshot]);

  // Snapshot -> laid-out nodes. ELK runs only when the structure changed; otherwise the old
  // layout stands, so typing in the text does not make the picture move.
  useEffect(() => {
    if (!graph || !snapshot) return;
    const gen = ++generation.current;
    const key = structureKey(graph);
    const place = (autoPos: Record<string, Position>, laidOut: boolean) => {
      if (gen !== generation.current) return;
      const pos = mergePositions(graph, autoPos, {}, { version: 1, positions: pinned.current });
      setNodes((prev) => {
        const before = new Map(prev.map((n) => [n.id, n]));
        return graph.nodes.map((n) => {
          // Unchanged box in the same place: keep the very object, so React Flow (and the
          // memoised node view) skip it. A text edit usually touches one node of hundreds.
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
      });
      window.__halab.snapshots++;
      setDrawn({ revision: snapshot.revision, count: graph.nodes.length, laidOut });
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
        window.__halab.layoutMs.push(performance.now() - t0);
        auto.current = { key, pos: p };
        place(p, true);
      },
      (e: unknown) => {
        // Still show every node, in columns.
        place(columnLayout(graph), false);
        setStatus({ kind: 'error', text: `Automatic layout failed (${e instanceof Error ? e.message : String(e)}); the nodes are shown in columns.` });
      },
    );
  }, [graph, snapshot]);

  // A revision counts as drawn once its nodes are in the DOM (React Flow renders them a frame
  // or two after our state changes). Tests and the benchmark wait on this; first paint is the first.
  useEffect(() => {
    if (!drawn) return;
    let frames = 0;
    let raf = 0;
    const tick = () => {
      const inDom = document.querySelectorAll('.react-flow__node').length;
      // With onlyRenderVisibleElements only part of a big graph is in the DOM: any node will do.
      if ((nodes.length > BIG_GRAPH ? inDom > 0 : inDom === drawn.count) || ++frames > 60) {
        window.__halab.firstPaintMs ??= performance.now();
        if (drawn.laidOut) window.__halab.firstLayoutMs ??= performance.now();
        window.__halab.laidOut = drawn.laidOut;
        window.__halab.renderedRevision = drawn.revision;
        // Fit once, to the first drawing (the automatic layout, or the columns when ELK failed).
        if (!fitted.current) {
          fitted.current = true;
          // A big topology (no minimap) not below FIRST_FIT_MIN_ZOOM: it opens readable, centred
          // on the lbs (its head columns are centred on the height), and the fit button shows it
          // whole. Smaller ones are fitted whole, however narrow the panel.
          void flow.fitView(nodes.length > BIG_GRAPH ? { ...fitOptions(), minZoom: FIRST_FIT_MIN_ZOOM } : fitOptions());
        }
      } else raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [drawn, nodes, flow]);

  // Highlight/overlay are decorations: patch node data without a new layout.
  const shownNodes = useMemo(
    () =>
      nodes.map((n) => {
        const highlighted = n.id === highlightId;
        const badge = overlayBadge(n.data.node, overlay);
        return highlighted === n.data.highlighted && badge === n.data.badge ? n : { ...n, data: { ...n.data, highlighted, badge } };
      }),
    [nodes, highlightId, overlay],
  );

  // The VRRP link runs from the lower edge of the upper lb to the upper edge of the lower one,
  // whichever way round they stand; recomputed only when an lb moves.
  const lbYs = useMemo(
    () =>
      nodes
        .filter((n) => n.data.node.kind === 'lb')
        .map((n) => `${n.id}=${n.position.y}`)
        .join('|'),
    [nodes],
  );
  const edges: Edge[] = useMemo(() => {
    const y = new Map(lbYs.split('|').map((kv) => [kv.slice(0, kv.lastIndexOf('=')), Number(kv.slice(kv.lastIndexOf('=') + 1))] as const));
    return (graph?.edges ?? []).map((e) => {
      const down = (y.get(e.source) ?? 0) <= (y.get(e.target) ?? 0);
      return {
        id: e.id,
        source: e.source,
        target: e.target,
        sourceHandle: e.kind === 'vrrp' ? (down ? 'vrrp-bottom' : 'vrrp-top') : 'out',
        targetHandle: e.kind === 'vrrp' ? (down ? 'vrrp-top-in' : 'vrrp-bottom-in') : 'in',
        type: e.kind === 'vrrp' ? 'straight' : 'default',
        label: e.label,
        className: `hl-edge-${e.kind}`,
        deletable: e.kind === 'server',
        selectable: e.kind === 'server',
        selected: selectedEdges.has(e.id),
      };
    });
  }, [graph, selectedEdges, lbYs]);

  const onEdgesChange = useCallback((changes: EdgeChange<Edge>[]) => {
    setSelectedEdges((prev) => {
      const next = new Set(prev);
      for (const c of changes) if (c.type === 'select') c.selected ? next.add(c.id) : next.delete(c.id);
      return next;
    });
  }, []);

  const run = useCallback(
    async (intent: Intent): Promise<boolean> => {
      const answer = await bridge.intent(revision.current, intent);
      if (answer.type === 'ack') {
        revision.current = Math.max(revision.current, answer.revision);
        if (intent.op === 'rename') {
          // The id changes with the name: a position the user chose follows it (unmoved nodes
          // keep their slot anyway, ELK keeps file order).
          const from = `${intent.kind}:${intent.from}`;
          const to = `${intent.kind}:${intent.to}`;
          if (pinned.current[from]) {
            pinned.current[to] = pinned.current[from];
            delete pinned.current[from];
          }
          if (selectedId === from) setSelectedId(to);
        }
        setStatus({ kind: 'info', text: `${intent.op}: done` });
        return true;
      }
      setStatus({ kind: 'error', text: answer.type === 'reject' ? `${intent.op} refused: ${answer.reason}` : `${intent.op} failed: ${answer.message}` });
      return false;
    },
    [bridge, selectedId],
  );

  const onNodesChange = useCallback((changes: NodeChange<HalabFlowNode>[]) => {
    // Removal goes through the text (onBeforeDelete); everything else (drag, select) is local.
    setNodes((ns) =>
      applyNodeChanges(
        changes.filter((c) => c.type !== 'remove'),
        ns,
      ),
    );
    for (const c of changes) if (c.type === 'select' && c.selected) setSelectedId(c.id);
  }, []);

  const onBeforeDelete: OnBeforeDelete<HalabFlowNode, Edge> = useCallback(
    async ({ nodes: del, edges: delEdges }) => {
      const intents: Intent[] = [];
      for (const n of del) {
        const k = n.data.node.kind;
        if (k === 'lb' || k === 'upstream' || k === 'site') intents.push({ op: 'remove', kind: k, name: n.data.node.title });
      }
      const gone = new Set(del.map((n) => n.id));
      for (const e of delEdges) {
        const ge = graph?.edges.find((x) => x.id === e.id);
        if (ge?.kind === 'server' && !gone.has(ge.source) && !gone.has(ge.target)) {
          intents.push({ op: 'disconnect', site: ge.source.slice('site:'.length), upstream: ge.target.slice('upstream:'.length) });
        }
      }
      // One at a time: each is based on the revision the previous one produced.
      for (const i of intents) if (!(await run(i))) break;
      return false;
    },
    [graph, run],
  );

  const isValidConnection = useCallback((c: Connection | Edge) => c.source.startsWith('site:') && c.target.startsWith('upstream:'), []);
  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.source.startsWith('site:') || !c.target.startsWith('upstream:')) return;
      void run({ op: 'connect', site: c.source.slice(5), upstream: c.target.slice(9) });
    },
    [run],
  );

  const onNodeDragStop = useCallback(
    (_: unknown, _node: HalabFlowNode, moved: HalabFlowNode[]) => {
      for (const n of moved) pinned.current[n.id] = { x: n.position.x, y: n.position.y };
      bridge.savePositions({ ...pinned.current });
    },
    [bridge],
  );

  const onNodeClick = useCallback(
    (_: unknown, n: HalabFlowNode) => {
      setSelectedId(n.id);
      setAdding(null);
      if (n.id !== 'clients') bridge.send({ type: 'reveal', nodeId: n.id });
    },
    [bridge],
  );

  const doExport = useCallback(
    async (format: 'svg' | 'png') => {
      if (!graph) return;
      const pos = Object.fromEntries(nodes.map((n) => [n.id, n.position]));
      const svg = exportSvg(graph, pos, overlay);
      const data = format === 'svg' ? svg : await exportPng(svg);
      const a = await bridge.request({ type: 'export', format, data });
      setStatus(
        a.type === 'ack' ? { kind: 'info', text: `exported ${format.toUpperCase()}` } : { kind: 'error', text: a.type === 'error' ? a.message : a.reason },
      );
    },
    [graph, nodes, overlay, bridge],
  );

  const selected = graph?.nodes.find((n) => n.id === selectedId) ?? null;
  const big = nodes.length > BIG_GRAPH;

  if (!snapshot || !graph) return <div className="hl-loading">Loading topology…</div>;
  return (
    <div className="hl-app">
      <div className="hl-toolbar">
        <strong className="hl-topology">{snapshot.model.name || '(unnamed)'}</strong>
        <button name="add-lb" onClick={() => setAdding('lb')}>
          + lb
        </button>
        <button name="add-upstream" onClick={() => setAdding('upstream')}>
          + upstream
        </button>
        <button name="add-site" onClick={() => setAdding('site')}>
          + site
        </button>
        <span className="hl-sep" />
        <button name="export-svg" onClick={() => void doExport('svg')}>
          Export SVG
        </button>
        <button name="export-png" onClick={() => void doExport('png')}>
          Export PNG
        </button>
        <button name="refresh-overlay" onClick={() => bridge.send({ type: 'refreshOverlay' })}>
          Refresh state
        </button>
        {overlay && <span className="hl-muted">state at {overlay.at}</span>}
        {status ? (
          <span className={`hl-status hl-status-${status.kind}`} role="status">
            {status.text}
          </span>
        ) : (
          !selected &&
          !adding && <span className="hl-muted hl-hint">Click a node to edit it; drag from a site's right edge to an upstream to connect them.</span>
        )}
        {graph.loose.length > 0 && (
          <span className="hl-loose sev-error" title={graph.loose.map((d) => `${d.code}: ${d.message}`).join('\n')}>
            {graph.loose.length} file problem{graph.loose.length > 1 ? 's' : ''}
          </span>
        )}
      </div>
      <div className="hl-main">
        <div className="hl-canvas">
          <ReactFlow<HalabFlowNode, Edge>
            nodes={shownNodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onBeforeDelete={onBeforeDelete}
            onConnect={onConnect}
            isValidConnection={isValidConnection}
            onNodeDragStop={onNodeDragStop}
            onNodeClick={onNodeClick}
            onPaneClick={() => setSelectedId(null)}
            deleteKeyCode={['Delete', 'Backspace']}
            onlyRenderVisibleElements={big}
            minZoom={0.01}
            proOptions={{ hideAttribution: true }}
            colorMode={theme}
          >
            <Background />
            <Controls showInteractive={false} fitViewOptions={fitOptions()} />
            {!big && <MiniMap pannable zoomable />}
          </ReactFlow>
        </div>
        <SidePanel
          model={snapshot.model}
          selected={selected}
          adding={adding}
          onIntent={(i) => void run(i)}
          onCloseAdd={() => setAdding(null)}
          onCloseEdit={() => setSelectedId(null)}
        />
      </div>
    </div>
  );
}

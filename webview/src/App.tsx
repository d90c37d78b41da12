/**
 * The topology designer. The text is the source of truth: the picture is rebuilt from every
 * snapshot the host sends, and every edit is an intent the host turns into a text edit. The only
 * state of its own is positions: the automatic layout, overridden by what the user moved.
 *
 * The parts live in hooks/: the snapshot (host messages in, revision), the layout (nodes and
 * their positions), the edges, the intents (user actions → host messages) and the metrics the
 * benchmark and tests read. This component wires them to React Flow and the side form.
 */
import { useCallback, useState } from 'react';
import { Background, Controls, MiniMap, ReactFlow, type Edge, type NodeChange, type ReactFlowProps } from '@xyflow/react';
import { BIG_GRAPH } from '../../shared/diagram/layout.js';
import type { PanelDiagnostic, NodeKind } from '../../shared/protocol/webview.js';
import type { HostBridge } from './host.js';
import { nodeTypes, type HalabFlowNode } from './nodes.js';
import { SidePanel } from './SidePanel.js';
import { useSnapshot } from './hooks/snapshot.js';
import { PinnedPositions, useDecoratedNodes, useLayout } from './hooks/layout.js';
import { useEdges } from './hooks/edges.js';
import { useIntents } from './hooks/intents.js';
import { useDrawnRevision } from './hooks/metrics.js';
import { fitOptions, useFirstFit, useThemeKind, type Status } from './hooks/view.js';

export function App({ bridge }: { bridge: HostBridge }) {
  const theme = useThemeKind();
  const [pinned] = useState(() => new PinnedPositions());
  const { snapshot, graph, revision, highlightId, overlay } = useSnapshot(bridge, pinned);
  const [status, setStatus] = useState<Status>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [adding, setAdding] = useState<NodeKind | null>(null);

  const { nodes, drawn, applyChanges } = useLayout(graph, snapshot?.revision ?? -1, pinned, setStatus);
  const shownNodes = useDecoratedNodes(nodes, highlightId, overlay);
  const { edges, onEdgesChange } = useEdges(graph, nodes);
  const fitOnce = useFirstFit();
  useDrawnRevision(drawn, fitOnce);

  const onRenamed = useCallback((from: string, to: string) => setSelectedId((id) => (id === from ? to : id)), []);
  const intents = useIntents({ bridge, revision, graph, nodes, overlay, pinned, setStatus, onRenamed });

  const onNodesChange = useCallback(
    (changes: NodeChange<HalabFlowNode>[]) => {
      applyChanges(changes);
      for (const c of changes) if (c.type === 'select' && c.selected) setSelectedId(c.id);
    },
    [applyChanges],
  );
  const { reveal } = intents;
  const onNodeClick = useCallback(
    (_: unknown, n: HalabFlowNode) => {
      setSelectedId(n.id);
      setAdding(null);
      reveal(n.id);
    },
    [reveal],
  );

  const selected = graph?.nodes.find((n) => n.id === selectedId) ?? null;
  const big = nodes.length > BIG_GRAPH;

  if (!snapshot || !graph) return <div className="hl-loading">Loading topology…</div>;
  return (
    <div className="hl-app">
      <Toolbar
        name={snapshot.model.name}
        overlayAt={overlay?.at}
        status={status}
        showHint={!selected && !adding}
        loose={graph.loose}
        onAdd={setAdding}
        onExport={(format) => void intents.exportAs(format)}
        onRefresh={intents.refreshOverlay}
      />
      <div className="hl-main">
        <Canvas
          nodes={shownNodes}
          edges={edges}
          theme={theme}
          big={big}
          handlers={{
            onNodesChange,
            onEdgesChange,
            onBeforeDelete: intents.onBeforeDelete,
            onConnect: intents.onConnect,
            isValidConnection: intents.isValidConnection,
            onNodeDragStop: intents.onNodeDragStop,
            onNodeClick,
            onPaneClick: () => setSelectedId(null),
          }}
        />
        <SidePanel
          model={snapshot.model}
          selected={selected}
          adding={adding}
          onIntent={(i) => void intents.run(i)}
          onCloseAdd={() => setAdding(null)}
          onCloseEdit={() => setSelectedId(null)}
        />
      </div>
    </div>
  );
}

type CanvasHandlers = Pick<
  ReactFlowProps<HalabFlowNode, Edge>,
  | 'onNodesChange' | 'onEdgesChange' | 'onBeforeDelete' | 'onConnect' | 'isValidConnection'
  | 'onNodeDragStop' | 'onNodeClick' | 'onPaneClick'
>;

function Canvas({
  nodes,
  edges,
  theme,
  big,
  handlers,
}: {
  nodes: HalabFlowNode[];
  edges: Edge[];
  theme: 'light' | 'dark';
  big: boolean;
  handlers: CanvasHandlers;
}) {
  // Above BIG_GRAPH nodes React Flow draws only what is visible and the minimap is off.
  return (
    <div className="hl-canvas">
      <ReactFlow<HalabFlowNode, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        {...handlers}
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
  );
}

interface ToolbarProps {
  name: string;
  /** When the overlay's state was read, if there is one. */
  overlayAt: string | undefined;
  status: Status;
  /** The how-to hint, shown while there is no status and the form is closed. */
  showHint: boolean;
  /** Problems that belong to no node. */
  loose: PanelDiagnostic[];
  onAdd: (kind: NodeKind) => void;
  onExport: (format: 'svg' | 'png') => void;
  onRefresh: () => void;
}

function Toolbar({ name, overlayAt, status, showHint, loose, onAdd, onExport, onRefresh }: ToolbarProps) {
  return (
    <div className="hl-toolbar">
      <strong className="hl-topology">{name || '(unnamed)'}</strong>
      <button name="add-lb" onClick={() => onAdd('lb')}>
        + lb
      </button>
      <button name="add-upstream" onClick={() => onAdd('upstream')}>
        + upstream
      </button>
      <button name="add-site" onClick={() => onAdd('site')}>
        + site
      </button>
      <span className="hl-sep" />
      <button name="export-svg" onClick={() => onExport('svg')}>
        Export SVG
      </button>
      <button name="export-png" onClick={() => onExport('png')}>
        Export PNG
      </button>
      <button name="refresh-overlay" onClick={onRefresh}>
        Refresh state
      </button>
      {overlayAt !== undefined && <span className="hl-muted">state at {overlayAt}</span>}
      {status ? (
        <span className={`hl-status hl-status-${status.kind}`} role="status">
          {status.text}
        </span>
      ) : (
        showHint && (
          <span className="hl-muted hl-hint">
            Click a node to edit it; drag from a site's right edge to an upstream to connect them.
          </span>
        )
      )}
      {loose.length > 0 && (
        <span className="hl-loose sev-error" title={loose.map((d) => `${d.code}: ${d.message}`).join('\n')}>
          {loose.length} file problem{loose.length > 1 ? 's' : ''}
        </span>
      )}
    </div>
  );
}

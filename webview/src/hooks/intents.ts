/**
 * What the user does → messages to the host. Every edit is an intent based on the revision the
 * panel last saw; the host answers once, and the toolbar says how it went. The text changes only
 * through these messages, so the picture changes only through the snapshot that follows.
 */
import { useCallback, type MutableRefObject } from 'react';
import type { Connection, Edge, OnBeforeDelete } from '@xyflow/react';
import { nodeId, parseNodeId, type DiagramGraph } from '../../../shared/diagram/graph.js';
import type { Intent, Overlay } from '../../../shared/protocol/webview.js';
import type { HostBridge } from '../host.js';
import { exportPng, exportSvg } from '../export.js';
import type { HalabFlowNode } from '../nodes.js';
import type { PinnedPositions } from './layout.js';
import type { Status } from './view.js';

/** The site and upstream an edge joins, or null when it is not a site → upstream edge. */
function siteToUpstream(source: string, target: string): { site: string; upstream: string } | null {
  const s = parseNodeId(source);
  const u = parseNodeId(target);
  return s?.kind === 'site' && u?.kind === 'upstream' ? { site: s.key, upstream: u.key } : null;
}

export interface IntentDeps {
  bridge: HostBridge;
  revision: MutableRefObject<number>;
  graph: DiagramGraph | null;
  /** For the export: the positions on screen. */
  nodes: HalabFlowNode[];
  overlay: Overlay | null;
  pinned: PinnedPositions;
  setStatus: (s: Status) => void;
  /** A node's id changed with its name (the selection follows it). */
  onRenamed: (from: string, to: string) => void;
}

/** Runs one intent; true when the host applied it. */
function useRun({ bridge, revision, pinned, setStatus, onRenamed }: IntentDeps): (intent: Intent) => Promise<boolean> {
  return useCallback(
    async (intent: Intent): Promise<boolean> => {
      const answer = await bridge.intent(revision.current, intent);
      if (answer.type === 'ack') {
        revision.current = Math.max(revision.current, answer.revision);
        if (intent.op === 'rename') {
          const from = nodeId[intent.kind](intent.from);
          const to = nodeId[intent.kind](intent.to);
          pinned.rename(from, to);
          onRenamed(from, to);
        }
        setStatus({ kind: 'info', text: `${intent.op}: done` });
        return true;
      }
      const text = answer.type === 'reject' ? `${intent.op} refused: ${answer.reason}` : `${intent.op} failed: ${answer.message}`;
      setStatus({ kind: 'error', text });
      return false;
    },
    [bridge, revision, pinned, setStatus, onRenamed],
  );
}

export function useIntents(deps: IntentDeps) {
  const { bridge, graph, nodes, overlay, pinned, setStatus } = deps;
  const run = useRun(deps);

  // Delete on selected nodes and edges: each becomes a remove or disconnect intent, and React
  // Flow is told not to delete anything itself (the next snapshot shows what went).
  const onBeforeDelete: OnBeforeDelete<HalabFlowNode, Edge> = useCallback(
    async ({ nodes: del, edges: delEdges }) => {
      const intents: Intent[] = [];
      for (const n of del) {
        const k = n.data.node.kind;
        if (k === 'lb' || k === 'upstream' || k === 'site') intents.push({ op: 'remove', kind: k, name: n.data.node.title });
      }
      // An edge that goes with a removed node goes with its statement; no disconnect for it.
      const gone = new Set(del.map((n) => n.id));
      for (const e of delEdges) {
        const ge = graph?.edges.find((x) => x.id === e.id);
        const ends = ge?.kind === 'server' ? siteToUpstream(ge.source, ge.target) : null;
        if (ge && ends && !gone.has(ge.source) && !gone.has(ge.target)) intents.push({ op: 'disconnect', ...ends });
      }
      // One at a time: each is based on the revision the previous one produced.
      for (const i of intents) if (!(await run(i))) break;
      return false;
    },
    [graph, run],
  );

  const isValidConnection = useCallback((c: Connection | Edge) => siteToUpstream(c.source, c.target) !== null, []);
  const onConnect = useCallback(
    (c: Connection) => {
      const ends = siteToUpstream(c.source, c.target);
      if (ends) void run({ op: 'connect', ...ends });
    },
    [run],
  );

  // Only a move writes the sidecar, and it carries every position the user chose.
  const onNodeDragStop = useCallback(
    (_: unknown, _node: HalabFlowNode, moved: HalabFlowNode[]) => {
      pinned.moved(moved);
      bridge.savePositions({ ...pinned.all });
    },
    [bridge, pinned],
  );

  /** Selects the node's statement in the editor (the clients node has none). */
  const reveal = useCallback(
    (id: string) => {
      if (id !== nodeId.clients) bridge.send({ type: 'reveal', nodeId: id });
    },
    [bridge],
  );

  const exportAs = useCallback(
    async (format: 'svg' | 'png') => {
      if (!graph) return;
      const pos = Object.fromEntries(nodes.map((n) => [n.id, n.position]));
      const svg = exportSvg(graph, pos, overlay);
      const data = format === 'svg' ? svg : await exportPng(svg);
      const a = await bridge.request({ type: 'export', format, data });
      setStatus(a.type === 'ack'
        ? { kind: 'info', text: `exported ${format.toUpperCase()}` }
        : { kind: 'error', text: a.type === 'error' ? a.message : a.reason });
    },
    [graph, nodes, overlay, bridge, setStatus],
  );

  const refreshOverlay = useCallback(() => bridge.send({ type: 'refreshOverlay' }), [bridge]);

  return { run, onBeforeDelete, isValidConnection, onConnect, onNodeDragStop, reveal, exportAs, refreshOverlay };
}

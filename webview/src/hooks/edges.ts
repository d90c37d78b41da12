/**
 * The graph's edges as React Flow edges. They are derived from the graph; only their selection is
 * local state (Delete acts on it).
 */
import { useCallback, useMemo, useState } from 'react';
import type { Edge, EdgeChange } from '@xyflow/react';
import type { DiagramGraph } from '../../../shared/diagram/graph.js';
import type { HalabFlowNode } from '../nodes.js';

export function useEdges(
  graph: DiagramGraph | null, nodes: HalabFlowNode[],
): { edges: Edge[]; onEdgesChange: (changes: EdgeChange<Edge>[]) => void } {
  const [selectedEdges, setSelectedEdges] = useState<ReadonlySet<string>>(new Set());

  // The VRRP link runs from the lower edge of the upper lb to the upper edge of the lower one,
  // whichever way round they stand. The lbs' y positions go in as one string, so the edges are
  // recomputed only when an lb moves, not on every drag of another node.
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
        // Only a site → upstream edge is a `servers` entry the user can remove.
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

  return { edges, onEdgesChange };
}

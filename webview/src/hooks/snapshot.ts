/**
 * The host → webview half of the protocol: snapshots (and the fresh snapshot inside a `reject`),
 * the cursor's highlight and the live overlay. Also the revision the next intent is based on.
 */
import { useEffect, useMemo, useRef, useState, type MutableRefObject } from 'react';
import { modelToGraph, type DiagramGraph } from '../../../shared/diagram/graph.js';
import type { HostMessage, Overlay, Snapshot } from '../../../shared/protocol/webview.js';
import type { HostBridge } from '../host.js';
import { metrics } from './metrics.js';
import type { PinnedPositions } from './layout.js';

export interface SnapshotState {
  snapshot: Snapshot | null;
  /** The snapshot's diagram graph (null until the first snapshot). */
  graph: DiagramGraph | null;
  /**
   * The revision the next intent is based on: the last snapshot's, or a newer one the host has
   * acknowledged since (a ref: an intent sent right after another must see the new value at once).
   */
  revision: MutableRefObject<number>;
  /** The node whose statement holds the editor's cursor. */
  highlightId: string | null;
  overlay: Overlay | null;
}

/** Listens to the host and says `ready` once; a snapshot's sidecar positions go into `pinned`. */
export function useSnapshot(bridge: HostBridge, pinned: PinnedPositions): SnapshotState {
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [highlightId, setHighlightId] = useState<string | null>(null);
  const [overlay, setOverlay] = useState<Overlay | null>(null);
  const revision = useRef(-1);

  const graph = useMemo(() => (snapshot ? modelToGraph(snapshot.model, snapshot.diagnostics) : null), [snapshot]);

  useEffect(() => {
    // The sidecar is adopted when the message arrives, not when React renders it, so a drag
    // saved in between already carries it.
    const apply = (s: Snapshot) => {
      metrics.snapshotReceived();
      revision.current = s.revision;
      if (s.layout) pinned.adopt(s.layout.positions);
      setSnapshot(s);
    };
    bridge.onMessage((m: HostMessage) => {
      switch (m.type) {
        case 'snapshot': {
          const { type: _t, ...s } = m;
          apply(s);
          break;
        }
        case 'reject':
          apply(m.snapshot);
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
  }, [bridge, pinned]);

  return { snapshot, graph, revision, highlightId, overlay };
}

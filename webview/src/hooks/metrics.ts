/**
 * The timings `window.__halab` carries for the benchmark (bench/webview.ts) and the Playwright
 * tests, which wait on `renderedRevision`. Kept apart from the drawing so what is measured, and
 * when, is visible in one place.
 */
import { useEffect } from 'react';
import { BIG_GRAPH } from '../../../shared/diagram/layout.js';

export interface Metrics {
  /** Drawings placed (one per snapshot drawn, and per re-layout). */
  snapshots: number;
  /** Time from asking for each automatic layout to having its positions. */
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
// Set when the bundle loads, so the harness can poll it before the first snapshot arrives.
window.__halab = { snapshots: 0, layoutMs: [] };

export const metrics = {
  snapshotReceived(): void {
    window.__halab.firstSnapshotMs ??= performance.now();
  },
  layoutTook(ms: number): void {
    window.__halab.layoutMs.push(ms);
  },
  drawingPlaced(): void {
    window.__halab.snapshots++;
  },
};

/** A drawing handed to React Flow: its revision, node count and whether it is the automatic layout. */
export interface Drawn {
  revision: number;
  count: number;
  /** False for the fallback columns when the automatic layout failed. */
  laidOut: boolean;
}

/**
 * A revision counts as drawn once its nodes are in the DOM (React Flow renders them a frame or
 * two after our state changes). Tests and the benchmark wait on this; first paint is the first.
 * `onShown` runs at that moment too (the panel's first fit needs the nodes measured); pass a
 * stable callback, or every render restarts the wait.
 */
export function useDrawnRevision(drawn: Drawn | null, onShown: (d: Drawn) => void): void {
  useEffect(() => {
    if (!drawn) return;
    let frames = 0;
    let raf = 0;
    const tick = () => {
      const inDom = document.querySelectorAll('.react-flow__node').length;
      // With onlyRenderVisibleElements only part of a big graph is in the DOM: any node will do.
      // After 60 frames it counts as drawn anyway, so a node React Flow never shows cannot hang a test.
      if ((drawn.count > BIG_GRAPH ? inDom > 0 : inDom === drawn.count) || ++frames > 60) {
        window.__halab.firstPaintMs ??= performance.now();
        if (drawn.laidOut) window.__halab.firstLayoutMs ??= performance.now();
        window.__halab.laidOut = drawn.laidOut;
        window.__halab.renderedRevision = drawn.revision;
        onShown(drawn);
      } else raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [drawn, onShown]);
}

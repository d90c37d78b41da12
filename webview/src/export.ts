/** Export the diagram: SVG from the graph (see shared/diagram/svg.ts), PNG by rasterising it. */
import { graphToSvg } from '../../shared/diagram/svg.js';
import type { DiagramGraph } from '../../shared/diagram/graph.js';
import type { Overlay, Position } from '../../shared/protocol/webview.js';

export function exportSvg(graph: DiagramGraph, positions: Record<string, Position>, overlay: Overlay | null): string {
  return graphToSvg(graph, positions, overlay);
}

/** Canvas area browsers accept (Chromium refuses much above 16k per side / ~268M pixels). */
const MAX_SIDE = 8192;

export async function exportPng(svg: string): Promise<string> {
  const img = new Image();
  // A data: URL keeps the canvas untainted and needs no network (CSP allows img-src data:).
  img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
  await img.decode();
  const scale = Math.min(2, MAX_SIDE / img.width, MAX_SIDE / img.height);
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(img.width * scale));
  canvas.height = Math.max(1, Math.round(img.height * scale));
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0);
  return canvas.toDataURL('image/png');
}

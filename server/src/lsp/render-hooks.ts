/**
 * The server's link to the renderer (hover "renders to" lines and the preview request). Kept in
 * one place so the language layer stays independent of rendering.
 */
import type { Topology } from '../model/types.js';

export interface RenderHooks {
  explain?: (model: Topology, target: { kind: 'vip' | 'lb' | 'site' | 'stats' | 'upstream'; name: string }) => { host: string; path: string; lines: string[] }[];
  renderPreview?: (model: Topology) => { host: string; path: string; content: string }[];
}

export const renderHooks: RenderHooks = {};

/**
 * The server's link to the renderer: hover's "renders to" lines and the preview request.
 * Filled by `installRenderHooks` (server/src/render/lsp-hooks.ts), which uses placeholder secrets:
 * the editor never shows a real password.
 */
import type { Topology } from '../model/types.js';

export interface RenderHooks {
  explain?: (model: Topology, target: { kind: 'vip' | 'lb' | 'site' | 'stats' | 'upstream'; name: string }) => { host: string; path: string; lines: string[] }[];
  renderPreview?: (model: Topology) => { host: string; path: string; content: string }[];
}

export const renderHooks: RenderHooks = {};

/**
 * The server's link to the renderer: hover's "renders to" lines and the preview request. Secrets
 * are always placeholders here: the editor never shows a real password.
 */
import type { Topology } from '../model/types.js';
import { explain } from '../render/explain.js';
import { render } from '../render/render.js';
import { placeholderSecrets } from '../secrets.js';

export interface RenderHooks {
  explain?: (model: Topology, target: { kind: 'vip' | 'lb' | 'site' | 'stats' | 'upstream'; name: string }) => { host: string; path: string; lines: string[] }[];
  renderPreview?: (model: Topology) => { host: string; path: string; content: string }[];
}

export const renderHooks: RenderHooks = {
  explain,
  renderPreview: (model) => render(model, { source: model.source, secrets: placeholderSecrets }).files.map((f) => ({ host: f.host, path: f.path, content: f.content })),
};

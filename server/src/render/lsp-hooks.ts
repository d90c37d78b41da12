/**
 * Plugs the renderer into the language server's hooks (hover "renders to" lines and the
 * "Preview Rendered Config" request). The server calls `installRenderHooks(renderHooks)` once.
 * Previews use placeholder secrets: the editor never shows a resolved password.
 */
import type { RenderHooks } from '../lsp/render-hooks.js';
import { placeholderSecrets } from '../secrets.js';
import { explain } from './explain.js';
import { render, RenderError } from './render.js';

export function installRenderHooks(hooks: RenderHooks): void {
  hooks.explain = explain;
  hooks.renderPreview = (model) => {
    try {
      return render(model, { source: model.source, secrets: placeholderSecrets, preview: true }).files.map((f) => ({
        host: f.host,
        path: f.path,
        content: f.content,
      }));
    } catch (e) {
      // A value the renderer refuses: show why instead of failing the request.
      if (e instanceof RenderError) return [{ host: '(error)', path: '/render-error.txt', content: `halab could not render this topology: ${e.message}\n` }];
      throw e;
    }
  };
}

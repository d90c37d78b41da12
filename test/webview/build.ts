/**
 * Bundles the webview with the options scripts/build.mjs uses (scripts/webview-options.mjs), into
 * a directory of the harness's own so tests do not race a concurrent `npm run build` writing dist/.
 */
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import { webviewOptions } from '../../scripts/webview-options.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function buildWebview(outdir: string): Promise<void> {
  await esbuild.build(webviewOptions({ outdir, sourcemap: 'linked', absWorkingDir: ROOT }));
}

/**
 * Bundles the webview the way scripts/build.mjs does (same entry and options), into a directory
 * of the harness's own so tests do not race a concurrent `npm run build` writing dist/.
 */
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function buildWebview(outdir: string, minify = true): Promise<void> {
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { webview: 'webview/src/main.tsx' },
    outdir,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    sourcemap: 'linked',
    minify,
    logLevel: 'warning',
    loader: { '.css': 'css' },
    define: { 'process.env.NODE_ENV': '"production"' },
  });
}

// The webview bundle's esbuild options, shared by scripts/build.mjs and the test harness
// (test/webview/build.ts) so tests run exactly the bundle the extension ships.
import { readFileSync } from 'node:fs';

/** `import x from 'pkg/file.js?text'` bundles the file's text as a string (ELK's worker script). */
export const textImports = {
  name: 'text-imports',
  setup(build) {
    build.onResolve({ filter: /\?text$/ }, async (args) => {
      const r = await build.resolve(args.path.slice(0, -'?text'.length), { kind: args.kind, resolveDir: args.resolveDir });
      if (r.errors.length) return { errors: r.errors };
      return { path: r.path, namespace: 'text-import' };
    });
    build.onLoad({ filter: /.*/, namespace: 'text-import' }, (args) => ({ contents: readFileSync(args.path, 'utf8'), loader: 'text' }));
  },
};

/** @param {{ outdir: string, sourcemap: false | 'linked', absWorkingDir?: string }} o */
export function webviewOptions(o) {
  return {
    ...(o.absWorkingDir ? { absWorkingDir: o.absWorkingDir } : {}),
    entryPoints: { webview: 'webview/src/main.tsx' },
    outdir: o.outdir,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    sourcemap: o.sourcemap,
    minify: true,
    logLevel: 'warning',
    loader: { '.css': 'css' },
    plugins: [textImports],
    define: { 'process.env.NODE_ENV': '"production"' },
  };
}

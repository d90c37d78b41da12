// Bundles the extension client, the language server, the CLI and the webview with esbuild.
// `tsc -b` type-checks each target separately (npm run typecheck; see tsconfig.json).
import * as esbuild from 'esbuild';
import { readFileSync, existsSync } from 'node:fs';
import { webviewOptions } from './webview-options.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const watch = process.argv.includes('--watch');
// `--minify` for the .vsix: smaller bundles, no source maps shipped.
const minify = process.argv.includes('--minify');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  sourcemap: minify ? false : 'linked',
  minify,
  logLevel: 'warning',
  define: { HALAB_VERSION: JSON.stringify(pkg.version) },
  // ssh2's optional native crypto addon (cpu-features, sshcrypto.node) is not built; ssh2 falls back to JS.
  external: ['cpu-features', '*.node'],
};
const builds = [
  { ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js', external: [...common.external, 'vscode'] },
  { ...common, entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js' },
  // The shebang lets dist/cli.js be run directly or linked as a bin.
  { ...common, entryPoints: ['server/src/cli/halab.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // The failover probe's worker thread, loaded from beside the bundle that starts it (failover/probe.ts).
  { ...common, entryPoints: ['server/src/failover/probe-worker.ts'], outfile: 'dist/probe-worker.js' },
];
if (existsSync('webview/src/main.tsx')) {
  builds.push(webviewOptions({ outdir: 'dist', sourcemap: minify ? false : 'linked' }));
}
const present = builds.filter((b) => {
  const e = Array.isArray(b.entryPoints) ? b.entryPoints[0] : Object.values(b.entryPoints)[0];
  return existsSync(e);
});
if (watch) {
  for (const b of present) (await esbuild.context(b)).watch();
} else {
  await Promise.all(present.map((b) => esbuild.build(b)));
}

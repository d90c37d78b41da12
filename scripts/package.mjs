#!/usr/bin/env node
// Packs the extension into halab-<version>.vsix with @vscode/vsce (`npm run package` builds first).
//   node scripts/package.mjs [--out FILE] [--cwd DIR]
// --no-dependencies: esbuild bundles every runtime dependency into dist/*.js, so node_modules
//   stays out (and vsce does not need npm to list them).
// --no-rewrite-relative-links: the repository is not on GitHub/GitLab, and vsce refuses to pack a
//   README with relative image links it cannot turn into absolute URLs; VS Code shows the README
//   from the installed folder, where the relative links (docs/images/*.png ships) resolve.
// --allow-missing-repository: package.json names no repository rather than a made-up one; without
//   the flag vsce asks whether to go on.
// stdin is closed so vsce never waits on a question (it asks one when LICENSE is missing).
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const cwd = resolve(opt('--cwd') ?? root);
const out = opt('--out');
const vsce = join(root, 'node_modules/@vscode/vsce/vsce');
const r = spawnSync(
  process.execPath,
  [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', ...(out ? ['-o', resolve(out)] : [])],
  { cwd, stdio: ['ignore', 'inherit', 'inherit'] },
);
process.exit(r.status ?? 2);

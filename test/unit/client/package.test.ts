/**
 * The .vsix: `vsce package --no-dependencies` (what `npm run package` runs) must give a bundled
 * extension under 3 MB that holds every file package.json points at, and no sources, tests, source
 * maps or keys. The second test plants such files in a copy of the tree to prove .vscodeignore
 * keeps them out (the real tree may simply not have them today).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listZip } from '../../helpers/zip-list.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const PACKAGE = join(ROOT, 'scripts/package.mjs');
const MAX_BYTES = 3 * 1024 * 1024;

/** Paths in the zip that must never ship. Entries are named `extension/<path in the repo>`. */
const FORBIDDEN: Array<[RegExp, string]> = [
  [/\.(ts|tsx|mts|cts)$/, 'TypeScript source'],
  [/\.map$/, 'source map'],
  [/^extension\/(server|client|webview|test|tests|bench|scripts|templates|node_modules|test-output|\.git|\.ci|\.halab-cache)\//,
    'non-runtime folder'],
  [/\.(pem|key|p12|pfx|crt)$/, 'key or certificate'],
  [/(^|\/)id_(rsa|dsa|ecdsa|ed25519)(\.pub)?$/, 'ssh key'],
  [/(^|\/)known_hosts$/, 'known_hosts'],
  [/(^|\/)\.env$/, '.env'],
  [/\.vsix$/, 'nested vsix'],
];

function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/extension.js')) || !existsSync(join(ROOT, 'dist/server.js'))) {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
}

/** What `npm run package` runs after the build. */
function vscePackage(cwd: string, out: string): void {
  execFileSync(process.execPath, [PACKAGE, '--cwd', cwd, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Every file the manifest refers to, as a zip entry name. */
function referencedFiles(pkg: any): string[] {
  const refs: string[] = [pkg.main];
  const c = pkg.contributes ?? {};
  for (const l of c.languages ?? []) {
    if (l.configuration) refs.push(l.configuration);
    if (l.icon) refs.push(l.icon.light, l.icon.dark);
  }
  for (const g of c.grammars ?? []) refs.push(g.path);
  for (const s of c.snippets ?? []) refs.push(s.path);
  for (const w of c.walkthroughs ?? []) {
    for (const step of w.steps ?? []) {
      const m = step.media ?? {};
      for (const v of [m.markdown, m.svg, typeof m.image === 'string' ? m.image : m.image?.light, m.image?.dark]) if (v) refs.push(v);
    }
  }
  if (pkg.icon) refs.push(pkg.icon);
  return [...new Set(refs.filter(Boolean).map((r: string) => 'extension/' + r.replace(/^\.\//, '')))];
}

function forbiddenIn(names: string[]): string[] {
  const bad: string[] = [];
  for (const n of names) for (const [re, why] of FORBIDDEN) if (re.test(n)) bad.push(`${n} (${why})`);
  return bad;
}

test('npm run package: the vsix is bundled, under 3 MB, complete, and free of sources/maps/keys', () => {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'halab-vsix-'));
  try {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const out = join(dir, `halab-${pkg.version}.vsix`);
    vscePackage(ROOT, out);
    const bytes = statSync(out).size;
    assert.ok(bytes < MAX_BYTES, `vsix is ${bytes} bytes, limit ${MAX_BYTES}`);

    const names = listZip(out).map((e) => e.name);
    assert.deepEqual(forbiddenIn(names), [], 'files that must not ship');

    // What the extension loads at run time without package.json naming it.
    const runtime = ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/server.js', 'extension/dist/probe-worker.js',
      'extension/dist/webview.js',
      'extension/dist/webview.css'];
    const missing = [...referencedFiles(pkg), ...runtime].filter((r) => !names.includes(r));
    assert.deepEqual(missing, [], 'files the extension needs but the vsix lacks');
    // Bundled: no node_modules at all (--no-dependencies and esbuild).
    assert.equal(names.filter((n) => n.includes('node_modules/')).length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('.vscodeignore keeps planted sources, maps, tests and keys out of the vsix', () => {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'halab-vsix-plant-'));
  try {
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    for (const f of ['package.json', '.vscodeignore', 'language-configuration.json']) cpSync(join(ROOT, f), join(tree, f));
    for (const d of ['dist', 'syntaxes', 'snippets', 'media', 'docs', 'examples']) {
      if (existsSync(join(ROOT, d))) cpSync(join(ROOT, d), join(tree, d), { recursive: true });
    }
    const planted = [
      'dist/extension.js.map',
      'dist/leak.ts',
      'server/src/engine.ts',
      'client/src/extension.ts',
      'test/unit/x.test.ts',
      'bench/lsp.ts',
      'scripts/setup.sh',
      'node_modules/ssh2/index.js',
      'media/lab-host.pem',
      'media/tls.key',
      'examples/id_ed25519',
      'examples/.env',
      'docs/walkthrough/known_hosts',
      '.halab-cache/state.json',
      'test-output/vscode/shot.png',
    ];
    for (const p of planted) {
      mkdirSync(dirname(join(tree, p)), { recursive: true });
      writeFileSync(join(tree, p), 'planted\n');
    }
    // A README with a relative image (the repo's README has the editor screenshot): vsce refuses
    // to pack one unless told not to rewrite links for a marketplace.
    writeFileSync(join(tree, 'README.md'), '# HA Lab\n\n![editor](docs/images/editor.png)\n');
    mkdirSync(join(tree, 'docs/images'), { recursive: true });
    writeFileSync(join(tree, 'docs/images/editor.png'), 'png');
    const out = join(dir, 'planted.vsix');
    vscePackage(tree, out);
    const names = listZip(out).map((e) => e.name);
    const leaked = planted.filter((p) => names.includes('extension/' + p));
    assert.deepEqual(leaked, [], 'planted files that .vscodeignore let through');
    assert.deepEqual(forbiddenIn(names), []);
    // …while the runtime files still go in.
    for (const need of ['extension/dist/extension.js', 'extension/dist/server.js', 'extension/docs/images/editor.png']) {
      assert.ok(names.includes(need), need);
    }
    // vsce stores the README as readme.md.
    assert.ok(names.some((n) => n.toLowerCase() === 'extension/readme.md'), 'README in the vsix');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

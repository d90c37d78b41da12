/**
 * The `halab` command however a user runs it: `node dist/cli.js`, the package's bin, `npx halab`
 * in the checkout, and a global install of the packed tarball into a temporary prefix. Each must
 * exit 0 on a clean file, 1 on a broken one (printing its diagnostics) and 2 on an unreadable
 * one. (The bin once required dist/cli.js, whose entry ran only as the main module: it printed
 * nothing and exited 0 for every input.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CLEAN = join(ROOT, 'examples/lab.halab');

/** npm as a user runs it: without the npm_* variables of the `npm test` this may run under. */
function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync('bash', ['-c', `. ${join(ROOT, 'scripts/clean-npm-env.sh')} && exec npm "$@"`, 'npm', ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 180_000,
  });
}

describe('the halab command, every way in', () => {
  let tmp = '';
  let broken = '';
  let missing = '';
  let installedBin = '';

  before(() => {
    assert.ok(existsSync(join(ROOT, 'dist/cli.js')), 'dist/cli.js is built (npm test builds first)');
    tmp = mkdtempSync(join(tmpdir(), 'halab-pkg-'));
    broken = join(tmp, 'broken.halab');
    writeFileSync(broken, 'topology t\nvip 198.18.0.100/24 { rouer-id 51 }\n');
    missing = join(tmp, 'missing.halab');

    const pack = npm(['pack', '--pack-destination', tmp, '--loglevel=error'], ROOT);
    assert.equal(pack.status, 0, pack.stderr);
    const tgz = readdirSync(tmp).find((f) => /^halab-.*\.tgz$/.test(f));
    assert.ok(tgz, `npm pack wrote a tarball: ${pack.stdout}`);
    const prefix = join(tmp, 'prefix');
    const inst = npm(['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', join(tmp, tgz!)], tmp);
    assert.equal(inst.status, 0, inst.stderr);
    installedBin = join(prefix, 'bin', 'halab');
    assert.ok(existsSync(installedBin), 'the global install linked bin/halab');
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const ways: Array<[string, () => { cmd: string; args: string[]; cwd: string }]> = [
    ['node dist/cli.js', () => ({ cmd: process.execPath, args: [join(ROOT, 'dist/cli.js')], cwd: tmp })],
    ['the package bin (bin/halab.js)', () => ({ cmd: join(ROOT, 'bin/halab.js'), args: [], cwd: tmp })],
    ['npx halab in the checkout', () => ({
      cmd: 'bash', args: ['-c', `. ${join(ROOT, 'scripts/clean-npm-env.sh')} && exec npx --no-install halab "$@"`, 'npx'], cwd: ROOT,
    })],
    ['a global install of the packed tarball', () => ({ cmd: installedBin, args: [], cwd: tmp })],
  ];

  for (const [name, way] of ways) {
    it(`${name}: exit 0 clean, 1 broken (with its diagnostics), 2 unreadable`, () => {
      const { cmd, args, cwd } = way();
      const run = (file: string) => spawnSync(cmd, [...args, 'check', file], { cwd, encoding: 'utf8', timeout: 60_000 });
      const clean = run(CLEAN);
      assert.equal(clean.status, 0, clean.stdout + clean.stderr);
      const bad = run(broken);
      assert.equal(bad.status, 1, bad.stdout + bad.stderr);
      assert.match(bad.stdout, /broken\.halab:2:23: error unknown-keyword: Unknown keyword `rouer-id`/);
      const gone = run(missing);
      assert.equal(gone.status, 2, gone.stdout + gone.stderr);
      assert.match(gone.stderr, /cannot read .*missing\.halab: ENOENT/);
    });
  }

  it('the tarball holds the CLI and the language server, and no sources, tests or keys', () => {
    const r = npm(['pack', '--dry-run', '--json', '--loglevel=error'], ROOT);
    assert.equal(r.status, 0, r.stderr);
    const files = (JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path).sort();
    for (const f of ['bin/halab.js', 'dist/cli.js', 'dist/server.js', 'dist/probe-worker.js', 'package.json', 'README.md', 'LICENSE']) {
      assert.ok(files.includes(f), `${f} ships`);
    }
    const stray = files.filter((f) =>
      /\.(ts|tsx|map)$|^(server|client|webview|test|bench|scripts|node_modules)\/|id_|known_hosts|\.pem$/.test(f));
    assert.deepEqual(stray, []);
  });
});

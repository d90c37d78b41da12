/** `halab check` as §5 describes it, run as a user would: the bundled dist/cli.js. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BASE } from '../../helpers/markers.js';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'halab-check-'));

test('the examples are clean: exit 0, nothing printed but hints', () => {
  const r = cli('check', 'examples/seed-lab.halab', 'examples/lab.halab');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, / (error|warning) /);
});

test('a broken file: gcc-style lines, 1-based, exit 1; several files at once', () => {
  const bad = path.join(tmp, 'bad.halab');
  writeFileSync(bad, BASE.replace('router-id 51', 'rouer-id 51'));
  const good = path.join(tmp, 'good.halab');
  writeFileSync(good, BASE);
  const r = cli('check', good, bad);
  assert.equal(r.status, 1);
  const lines = r.stdout.trim().split('\n');
  assert.ok(lines.includes(
    `${bad}:2:23: error unknown-keyword: Unknown keyword \`rouer-id\` in a \`vip\` block. Did you mean \`router-id\`?`,
  ), r.stdout);
  assert.ok(lines.every((l) => l.startsWith(bad + ':')), 'the good file prints nothing');
});

test('json output has the documented fields', () => {
  const bad = path.join(tmp, 'bad2.halab');
  writeFileSync(bad, BASE.replace('role backup', 'role primary'));
  const r = cli('check', '--format', 'json', bad);
  assert.equal(r.status, 1);
  const arr = JSON.parse(r.stdout) as Record<string, unknown>[];
  const d = arr.find((x) => x.code === 'multiple-primaries');
  assert.deepEqual(d,
    { file: bad, line: 4, column: 36, endLine: 4, endColumn: 43, severity: 'error', code: 'multiple-primaries', message: d!.message });
  assert.match(String(d!.message), /already the primary/);
});

test('usage and I/O problems exit 2', () => {
  assert.equal(cli('check', path.join(tmp, 'missing.halab')).status, 2);
  assert.equal(cli('check', '--format', 'xml', 'examples/lab.halab').status, 2);
  assert.equal(cli('check').status, 2);
  assert.equal(cli('frobnicate').status, 2);
});

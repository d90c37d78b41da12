/**
 * The conventions every `halab` command keeps (server/src/cli/conventions.ts), run as a user
 * would: the bundled dist/cli.js in a shell.
 * - a closed pipe (`| head -1`) ends the output quietly, with no EPIPE stack trace;
 * - `check -` reads standard input, `check DIR` every .halab file under DIR;
 * - `--format json` on every command that prints a result (`--json` stays an alias), and
 *   `render --format json` lists the files written;
 * - exit codes in every command's --help, and one exit code for an unset secret everywhere;
 * - control bytes from the file never reach the terminal raw;
 * - the `$halab` problem matcher's regexp reads the real text output.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../../../server/src/cli/main.js';
import { BASE } from '../../helpers/markers.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'halab-conv-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const halab = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, input: opts.input,
    env: { PATH: process.env.PATH!, HOME: tmp, ...opts.env }, timeout: 60_000,
  });

const BROKEN = BASE.replace('router-id 51', 'rouer-id 51');

describe('halab CLI conventions', () => {
  it('check F | head -1: one line, no EPIPE stack trace, the exit status of a finished check', () => {
    // enough diagnostics that the output outlives the pipe buffer head leaves behind
    const big = join(tmp, 'many.halab');
    writeFileSync(big, BASE + 'nonsense here\n'.repeat(20_000));
    const r = spawnSync('bash', [
      '-c', `"${process.execPath}" "${CLI}" check "${big}" 2>"${tmp}/err" | head -1; echo "status=\${PIPESTATUS[0]}"`,
    ], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[0]!, /many\.halab:\d+:\d+: error unknown-keyword/);
    assert.equal(lines[1], 'status=1', 'the file has errors: exit 1, not a crash');
    assert.equal(readFileSync(join(tmp, 'err'), 'utf8'), '', 'nothing on stderr');
  });

  it('check with 150,000 diagnostics prints them all (push(...spread) overflowed the stack at ~130,000)', () => {
    const big = join(tmp, 'huge.halab');
    writeFileSync(big, BASE + 'nonsense\n'.repeat(150_000));
    const r = halab(['check', big]);
    assert.equal(r.status, 1, r.stderr.slice(0, 500));
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.split('\n').filter((l) => l.includes('error unknown-keyword')).length, 150_000);
  });

  it('check - reads standard input, named <stdin>', () => {
    const bad = halab(['check', '-'], { input: BROKEN });
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /^<stdin>:2:23: error unknown-keyword: /m);
    assert.equal(halab(['check', '-'], { input: BASE }).status, 0);
  });

  it('check DIR checks every .halab file under it, not dot-folders; a folder with none is exit 2', () => {
    const dir = join(tmp, 'fleet');
    mkdirSync(join(dir, 'eu/west'), { recursive: true });
    mkdirSync(join(dir, '.git'), { recursive: true });
    writeFileSync(join(dir, 'a.halab'), BASE);
    writeFileSync(join(dir, 'eu/west/b.halab'), BROKEN);
    writeFileSync(join(dir, '.git/c.halab'), BROKEN);
    writeFileSync(join(dir, 'notes.txt'), 'not a topology');
    const r = halab(['check', '--format', 'json', dir]);
    assert.equal(r.status, 1);
    // a.halab is clean but for the VRRPv2 hint every such vip gets
    const files = new Set((JSON.parse(r.stdout) as Array<{ file: string; severity: string }>)
      .filter((d) => d.severity !== 'hint').map((d) => d.file));
    assert.deepEqual([...files], [join(dir, 'eu/west/b.halab')]);
    assert.equal(halab(['check', join(dir, 'eu')]).status, 1);
    mkdirSync(join(tmp, 'empty'));
    const empty = halab(['check', join(tmp, 'empty')]);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /no \.halab files under/);
  });

  it('--json is an alias of --format json', () => {
    const f = join(tmp, 'bad.halab');
    writeFileSync(f, BROKEN);
    const a = halab(['check', '--json', f]);
    const b = halab(['check', '--format', 'json', f]);
    assert.equal(a.status, 1);
    assert.deepEqual(JSON.parse(a.stdout), JSON.parse(b.stdout));
    assert.equal(halab(['check', '--format', 'xml', f]).status, 2);
  });

  it('render --format json lists every file written, with its host, path and mode', () => {
    const out = join(tmp, 'out');
    const r = halab(['render', '--format', 'json', 'examples/lab.halab', '-o', out],
      { env: { HALAB_STATS_PASSWORD: 'pw-for-test', HALAB_VRRP_AUTH: 'vrrp' } });
    assert.equal(r.status, 0, r.stderr);
    const list = JSON.parse(r.stdout) as Array<{ host: string; path: string; file: string; mode: string; secret: boolean }>;
    assert.ok(list.length > 8);
    for (const f of list) {
      assert.equal(f.file, join(out, f.host, f.path));
      assert.ok(existsSync(f.file), f.file);
    }
    const ka = list.find((f) => f.host === 'lb1' && f.path === '/etc/keepalived/keepalived.conf');
    assert.deepEqual(ka && { mode: ka.mode, secret: ka.secret }, { mode: '0600', secret: true });
  });

  it('every command documents its exit codes in --help, and every result-printing one has --format', () => {
    const leaves: Command[] = [];
    const walk = (c: Command) => (c.commands.length ? c.commands.forEach(walk) : leaves.push(c));
    buildProgram().commands.forEach(walk);
    assert.ok(leaves.length >= 7, leaves.map((c) => c.name()).join(' '));
    for (const c of leaves) {
      const path = c.parent?.parent ? [c.parent.name(), c.name()] : [c.name()];
      const help = halab([...path, '--help']);
      assert.equal(help.status, 0, path.join(' '));
      assert.match(help.stdout, /Exit codes:\n  0  .+\n  1  .+\n  2  .+/, `${path.join(' ')} --help`);
      if (path.join(' ') !== 'lab down') assert.match(help.stdout, /--format <format>/, `${path.join(' ')} --help`);
    }
  });

  it('an unset secret is exit 2 from render, deploy and failover-test alike, naming the variable', () => {
    // the secret is resolved before any host is contacted: nothing here reaches the network
    const f = join(tmp, 'secret.halab');
    writeFileSync(f, BASE.replace('router-id 51', 'router-id 51; auth env:HALAB_TEST_UNSET_AUTH'));
    for (const args of [['render', f, '-o', join(tmp, 'r')], ['deploy', '--yes', f], ['failover-test', f]]) {
      const r = halab(args);
      assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /HALAB_TEST_UNSET_AUTH/, args[0]);
    }
  });

  it('control bytes in the file are shown escaped, never sent to the terminal raw', () => {
    const r = halab(['check', '-'], { input: 'topology t\n\x1b[2J\x07\x9b31m\n' });
    assert.equal(r.status, 1);
    assert.doesNotMatch(r.stdout + r.stderr, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, 'no raw control byte');
    assert.match(r.stdout, /\\x1b\[2J/);
    const j = halab(['check', '--format', 'json', '-'], { input: 'topology t\n\x9b\n' });
    assert.doesNotMatch(j.stdout, /\x9b/);
    assert.ok(Array.isArray(JSON.parse(j.stdout)), 'still valid JSON');
  });

  it('the $halab problem matcher reads every line of the text output into the fields the JSON output gives', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const matcher = (pkg.contributes.problemMatchers as Array<{ name: string; pattern: Record<string, string | number> }>)
      .find((m) => m.name === 'halab')!;
    assert.ok(matcher, 'package.json contributes the halab problem matcher');
    const re = new RegExp(matcher.pattern.regexp as string);
    const f = join(tmp, 'dir:with colon', 'm.halab');
    mkdirSync(join(tmp, 'dir:with colon'), { recursive: true });
    // an error, a warning and a hint, with a colon in the path and in a message
    writeFileSync(f, BROKEN + 'upstream spare { address 198.18.0.30 }\nsite s2 { host b.example.com; servers web1 }\n');
    const text = halab(['check', '--hints', f]).stdout.trim().split('\n');
    const json = JSON.parse(halab(['check', '--format', 'json', f]).stdout) as Array<Record<string, string | number>>;
    assert.equal(text.length, json.length);
    assert.deepEqual(new Set(json.map((d) => d.severity)), new Set(['error', 'warning', 'hint']));
    text.forEach((line, i) => {
      const m = re.exec(line);
      assert.ok(m, `the matcher reads: ${line}`);
      const p = matcher.pattern as Record<string, number>;
      const d = json[i]!;
      assert.deepEqual(
        { file: m[p.file!], line: Number(m[p.line!]), column: Number(m[p.column!]), severity: m[p.severity!], code: m[p.code!],
          message: m[p.message!] },
        { file: d.file, line: d.line, column: d.column, severity: d.severity, code: d.code, message: d.message },
      );
    });
  });
});

describe('check prints hints only when asked', () => {
  it('text output leaves hints out unless --hints; JSON always has them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halab-hints-'));
    const f = join(dir, 'v2.halab');
    writeFileSync(f, BASE);
    assert.equal(halab(['check', f]).stdout, '');
    assert.match(halab(['check', '--hints', f]).stdout, /v2\.halab:\d+:\d+: hint slow-link-failover: /);
    assert.ok((JSON.parse(halab(['check', '--format', 'json', f]).stdout) as Array<{ code: string }>)
      .some((d) => d.code === 'slow-link-failover'));
    rmSync(dir, { recursive: true, force: true });
  });
});

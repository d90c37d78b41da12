/**
 * `lab down` cleans up after a crash (root, real processes): the `halab lab up` process killed
 * in the middle of creating the lab, and a lab whose state file was deleted. Its own topology,
 * bridge and subnet (198.18.61.0/24), so it can run in parallel with the other lab tests.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, hasErrors } from '../../server/src/engine.js';
import { labDown, labStatePath, labUp, readLabState } from '../../server/src/lab/index.js';
import { labVariant } from '../helpers/lab-variant.js';

const ROOT = join(__dirname, '../..');
const TOPOLOGY = 'labcrash';
const BRIDGE = 'halabcr0';
const NET = '198.18.61';
const isLinuxRoot = process.platform === 'linux' && process.getuid?.() === 0;

const text = labVariant({ topology: TOPOLOGY, net: NET, bridge: BRIDGE });

const ourNetns = (): string[] =>
  execFileSync('ip', ['netns', 'list']).toString().split('\n')
    .map((l) => l.trim().split(/\s+/)[0]!).filter((n) => n?.startsWith(`halab-${TOPOLOGY}-`));
const ourLinks = (): string[] =>
  (JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()) as
    Array<{ ifname: string; ifalias?: string }>)
    .filter((l) => l.ifname === BRIDGE || l.ifalias?.startsWith(`halab:${TOPOLOGY}`))
    .map((l) => l.ifname);
const pidsIn = (namespaces: string[]): number[] =>
  namespaces.flatMap((ns) => execFileSync('ip', ['netns', 'pids', ns]).toString().split('\n').filter(Boolean).map(Number));
const etcNetns = (): string[] =>
  (existsSync('/etc/netns') ? readdirSync('/etc/netns').filter((n) => n.startsWith(`halab-${TOPOLOGY}-`)) : []);

/** The CLI, run asynchronously: a blocked event loop could not reap this process's own children. */
function cli(labDir: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/src/cli/halab.ts'), 'lab', ...args], {
      cwd: ROOT, env: { ...process.env, HALAB_LAB_DIR: labDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Zombies are exited processes whose parent has not reaped them yet: not left running. */
const isZombie = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
};

function assertNothingLeft(labDir: string, pids: number[]): void {
  assert.deepEqual(ourNetns(), [], 'namespaces left behind');
  assert.deepEqual(ourLinks(), [], 'bridge or veths left behind');
  assert.deepEqual(etcNetns(), [], '/etc/netns dirs left behind');
  assert.equal(existsSync(join(labDir, TOPOLOGY)), false, 'state dir left behind');
  const pg = spawnSync('pgrep', ['-x', 'sshd|haproxy|nginx|keepalived|unshare'], { encoding: 'utf8' });
  const alive = pg.stdout.split('\n').filter(Boolean).map(Number);
  assert.deepEqual(alive.filter((p) => pids.includes(p) && !isZombie(p)), [], 'lab processes survived');
}

describe('lab cleanup after a crash', { skip: !isLinuxRoot && 'needs Linux and root' }, () => {
  const labDir = mkdtempSync(join(tmpdir(), 'halab-lab-crash-'));
  const file = join(labDir, 'crash.halab');
  writeFileSync(file, text);
  const analysis = analyze(text, file);
  assert.ok(!hasErrors(analysis.diagnostics));

  after(async () => {
    process.env.HALAB_LAB_DIR = labDir;
    await labDown(analysis.model).catch(() => undefined);
    rmSync(labDir, { recursive: true, force: true });
  });

  it('`lab down FILE` cleans up after `lab up` was killed half-way', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/src/cli/halab.ts'), 'lab', 'up', file], {
      cwd: ROOT, env: { ...process.env, HALAB_LAB_DIR: labDir }, stdio: 'ignore',
    });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    // Kill it as soon as its first namespace exists (bounded: 20 s, every 5 ms).
    const deadline = Date.now() + 20_000;
    let seen = false;
    while (!seen && Date.now() < deadline && child.exitCode === null) {
      seen = ourNetns().length > 0;
      if (!seen) await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await exited;
    assert.ok(seen, 'lab up never created a namespace');
    assert.ok(ourNetns().length > 0 || ourLinks().length > 0, 'nothing to clean: the crash came too late or too early');
    const pids = pidsIn(ourNetns());
    const r = await cli(labDir, ['down', file]);
    assert.equal(r.status, 0, r.stderr);
    assertNothingLeft(labDir, pids);
  });

  it('`lab down --topology` cleans up a lab whose state file was deleted, without the file', async () => {
    process.env.HALAB_LAB_DIR = labDir;
    const state = await labUp(analysis.model);
    const started = spawnSync('ssh', [
      '-i', state.keyPath, '-o', `UserKnownHostsFile=${state.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes', '-F', '/dev/null', `root@${NET}.21`, 'service nginx start',
    ], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(started.status, 0, started.stderr);
    const pids = pidsIn(ourNetns());
    assert.ok(pids.length >= 5);
    rmSync(labStatePath(TOPOLOGY));
    assert.equal(readLabState(TOPOLOGY), undefined);
    const st = await cli(labDir, ['status', '--topology', TOPOLOGY]);
    assert.equal(st.status, 1);
    assert.match(st.stdout, /leftover namespaces: .*halab-labcrash-lb1/);
    const r = await cli(labDir, ['down', '--topology', TOPOLOGY]);
    assert.equal(r.status, 0, r.stderr);
    assertNothingLeft(labDir, pids);
  });
});

/**
 * A host that vanishes mid-session (link deleted: a reboot, a dead VM, a cable) must never keep
 * halab alive. Before the fix, closing such a session half-closed the socket and waited for a FIN
 * that never came, and the process lived until TCP gave up (~15 minutes).
 *
 * A real sshd in a network namespace of its own (halabv-test, 198.18.2.0/24, apart from the lab
 * and from deploy-ssh.test.ts's 198.18.1.0/24). Each case brings the link up, lets a halab
 * process connect, deletes the link under it, and times how long that process takes to exit.
 * Every child is killed at a hard bound, so a regression fails the test instead of stalling it.
 */
import { afterEach, beforeEach, after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareSshd, startSshd } from '../helpers/test-sshd.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NS = 'halabv-test';
const HOST_IF = 'halabv-h';
const NS_IF = 'halabv-n';
const HOST_ADDR = '198.18.2.1';
const LB1 = '198.18.2.11';
const LB2 = '198.18.2.12';
/** What "promptly" means: keepalive (1 s × 3) or the close grace (1 s), plus process start-up. */
const PROMPT_MS = 8_000;
/** Where a stalled child is killed: far below TCP's ~15 minutes, far above PROMPT_MS. */
const HARD_BOUND_MS = 45_000;

const isRoot = process.getuid?.() === 0;
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const quiet = (cmd: string, args: string[]) => {
  try {
    sh(cmd, args);
  } catch {
    /* already gone */
  }
};

function netUp(): void {
  netDown();
  sh('ip', ['netns', 'add', NS]);
  sh('ip', ['link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF]);
  sh('ip', ['link', 'set', NS_IF, 'netns', NS]);
  sh('ip', ['addr', 'add', `${HOST_ADDR}/24`, 'dev', HOST_IF]);
  sh('ip', ['link', 'set', HOST_IF, 'up']);
  for (const a of [LB1, LB2]) sh('ip', ['-n', NS, 'addr', 'add', `${a}/24`, 'dev', NS_IF]);
  sh('ip', ['-n', NS, 'link', 'set', NS_IF, 'up']);
  sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
}

/** The vanishing: both ends of the veth go at once, and nothing answers or resets again. */
function cutLink(): void {
  quiet('ip', ['link', 'del', HOST_IF]);
}

function netDown(): void {
  cutLink();
  quiet('ip', ['netns', 'del', NS]);
}

interface Exit {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a halab process; when `trigger` matches its output or sshd's log, the link is cut.
 * Resolves with the exit status and the time from the cut to the exit.
 */
function runAndCut(child: ChildProcess, watch: { sshd: () => string; trigger: RegExp }): Promise<Exit & { cut: boolean }> {
  let stdout = '';
  let stderr = '';
  let cutAt = 0;
  const maybeCut = () => {
    if (!cutAt && watch.trigger.test(stdout + stderr + watch.sshd())) {
      cutLink();
      cutAt = Date.now();
    }
  };
  child.stdout!.on('data', (d) => ((stdout += d), maybeCut()));
  child.stderr!.on('data', (d) => ((stderr += d), maybeCut()));
  const poll = setInterval(maybeCut, 20);
  const kill = setTimeout(() => child.kill('SIGKILL'), HARD_BOUND_MS);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearInterval(poll);
      clearTimeout(kill);
      resolve({ code, ms: cutAt ? Date.now() - cutAt : -1, stdout, stderr, cut: cutAt > 0 });
    }),
  );
}

describe('a host that vanishes mid-session', { skip: !isRoot && 'needs root (network namespaces)' }, () => {
  let dir = '';
  let home = '';
  let key = '';
  let sshd: ChildProcess | undefined;
  let sshdLog = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'halab-vanish-'));
    home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    const prepared = prepareSshd(dir, 'halab-vanish', ['LogLevel VERBOSE']);
    key = prepared.clientKey;
    const hostPub = prepared.hostPub.trim().split(' ').slice(0, 2).join(' ');
    writeFileSync(join(home, '.ssh', 'known_hosts'), `${LB1} ${hostPub}\n${LB2} ${hostPub}\n`);
  });

  after(() => {
    netDown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    netUp();
    sshdLog = '';
    sshd = await startSshd(NS, dir, ':22 ', ['ignore', 'ignore', 'pipe']);
    sshd.stderr!.on('data', (d) => (sshdLog += d));
  });

  afterEach(() => {
    // sshd first, then the namespace: nothing of ours may outlive the case
    if (sshd?.pid) quiet('kill', [String(sshd.pid)]);
    for (const pid of (() => {
      try {
        return sh('ip', ['netns', 'pids', NS]).split('\n').filter(Boolean);
      } catch {
        return [];
      }
    })())
      quiet('kill', ['-9', pid]);
    netDown();
  });

  it('the SSH layer: a process that closes a session to a vanished host exits at once', async () => {
    const child = spawn(process.execPath, [
      '--import', 'tsx', join(ROOT, 'test/helpers/ssh-close-child.ts'), LB1, key, join(home, '.ssh', 'known_hosts'),
    ], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const done = runAndCut(child, { sshd: () => '', trigger: /connected/ });
    // close once the link is gone (the cut happens on "connected")
    const waitCut = setInterval(() => {
      try {
        sh('ip', ['link', 'show', HOST_IF]);
      } catch {
        clearInterval(waitCut);
        child.stdin!.end('go\n');
      }
    }, 20);
    const r = await done;
    clearInterval(waitCut);
    assert.ok(r.cut, `the child never connected: ${r.stderr}`);
    assert.match(r.stdout, /closed/, r.stderr);
    assert.ok(r.ms < PROMPT_MS, `the process took ${r.ms} ms to exit after close() (code ${r.code})`);
  });

  it('halab deploy --plan exits promptly, with an error naming the host, when a host vanishes mid-plan', async () => {
    const file = join(dir, 'vanish.halab');
    writeFileSync(
      file,
      [
        'topology vanish',
        'vip 198.18.2.100/24 { router-id 61 }',
        `lb lb1 { address ${LB1}; role primary; os debian; key ${key} }`,
        `lb lb2 { address ${LB2}; role backup; os debian; key ${key} }`,
        'upstream web1 { address 198.18.2.21; managed no }',
        'upstream web2 { address 198.18.2.22; managed no }',
        'site s1 { host a.lab.test; servers web1 web2 }',
        'firewall none',
        '',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), 'deploy', '--plan', file], {
      cwd: ROOT,
      env: { ...process.env, HOME: home, SSH_AUTH_SOCK: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = await runAndCut(child, { sshd: () => sshdLog, trigger: /Accepted publickey/ });
    assert.ok(r.cut, `no session was ever accepted: ${r.stderr}\n${sshdLog}`);
    assert.ok(r.ms < PROMPT_MS + 10_000 /* the other lb's connect may run into its 10 s ready timeout */,
      `deploy took ${r.ms} ms to exit after the cut`);
    assert.notEqual(r.code, 0, 'a plan that could not read a host is not a success');
    assert.match(r.stdout + r.stderr, /lb1|lb2|198\.18\.2\.1[12]/, 'the failure names the host');
  });
});

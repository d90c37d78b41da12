/**
 * The SSH layer against a real sshd in a network namespace of its own (halabd-test,
 * 198.18.1.0/24 — not the lab's 198.18.0.0/24): host-key checks (unknown, accepted, hashed,
 * changed), exec with hostile arguments, SFTP write/read/rename. Needs root.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostKeyError, SshSession } from '../../server/src/deploy/ssh.js';
import { prepareSshd, startSshd } from '../helpers/test-sshd.js';

const NS = 'halabd-test';
const HOST_IF = 'halabd-h';
const NS_IF = 'halabd-n';
const HOST_ADDR = '198.18.1.1';
const SSHD_ADDR = '198.18.1.2';

const isRoot = process.getuid?.() === 0;
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const quiet = (cmd: string, args: string[]) => {
  try {
    sh(cmd, args);
  } catch {
    /* cleanup of something already gone */
  }
};

function cleanupNet(): void {
  quiet('ip', ['link', 'del', HOST_IF]);
  quiet('ip', ['netns', 'del', NS]);
}

describe('ssh layer against a real sshd', { skip: !isRoot && 'needs root (network namespaces)' }, () => {
  let dir = '';
  let sshd: ChildProcess | undefined;
  let clientKey = '';
  let hostPub = '';

  before(async () => {
    cleanupNet();
    dir = mkdtempSync(join(tmpdir(), 'halab-sshd-'));
    sh('ip', ['netns', 'add', NS]);
    sh('ip', ['link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF]);
    sh('ip', ['link', 'set', NS_IF, 'netns', NS]);
    sh('ip', ['addr', 'add', `${HOST_ADDR}/24`, 'dev', HOST_IF]);
    sh('ip', ['link', 'set', HOST_IF, 'up']);
    sh('ip', ['-n', NS, 'addr', 'add', `${SSHD_ADDR}/24`, 'dev', NS_IF]);
    sh('ip', ['-n', NS, 'link', 'set', NS_IF, 'up']);
    sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    ({ clientKey, hostPub } = prepareSshd(dir, 'halab-test', [`ListenAddress ${SSHD_ADDR}`]));
    sshd = await startSshd(NS, dir, `${SSHD_ADDR}:22 `);
  });

  after(() => {
    if (sshd?.pid) {
      try {
        process.kill(sshd.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    // sshd may remove its pid file between a check and a read: read it once, and never let the
    // cleanup stop before the namespace is gone
    let pid = '';
    try {
      pid = readFileSync(join(dir, 'sshd.pid'), 'utf8').trim();
    } catch {
      /* gone already */
    }
    if (pid) quiet('kill', [pid]);
    cleanupNet();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const base = () => ({ host: SSHD_ADDR, port: 22, user: 'root', identityFiles: [clientKey] });

  it('refuses an unknown host key without acceptance, naming its SHA256 fingerprint', async () => {
    const kh = join(dir, 'kh-empty');
    writeFileSync(kh, '');
    const expectedFp = sh('ssh-keygen', ['-lf', join(dir, 'host_ed25519.pub')]).split(/\s+/)[1]!;
    await assert.rejects(
      SshSession.connect({ ...base(), knownHostsFiles: [kh] }),
      (e: unknown) => {
        assert.ok(e instanceof HostKeyError);
        assert.equal(e.verdict.status, 'unknown');
        assert.ok(e.message.includes(expectedFp), `${e.message} should include ${expectedFp}`);
        assert.match(e.message, /--accept-new/);
        return true;
      },
    );
    assert.equal(readFileSync(kh, 'utf8'), '', 'nothing was recorded');
  });

  it('accepts a new key when asked, records it, and then knows it', async () => {
    const kh = join(dir, 'kh-accept');
    writeFileSync(kh, '');
    const s1 = await SshSession.connect({ ...base(), knownHostsFiles: [kh], acceptNew: true });
    s1.close();
    const line = readFileSync(kh, 'utf8').trim();
    assert.equal(line.split(' ').slice(1).join(' '), hostPub.trim().split(' ').slice(0, 2).join(' '));
    const s2 = await SshSession.connect({ ...base(), knownHostsFiles: [kh], acceptNew: false });
    const r = await s2.exec(['hostname']);
    assert.equal(r.code, 0);
    s2.close();
  });

  it('checks hashed known_hosts entries (ssh-keygen -H)', async () => {
    const kh = join(dir, 'kh-hashed');
    writeFileSync(kh, `${SSHD_ADDR} ${hostPub}`);
    sh('ssh-keygen', ['-H', '-f', kh]);
    assert.match(readFileSync(kh, 'utf8'), /^\|1\|/);
    const s = await SshSession.connect({ ...base(), knownHostsFiles: [kh] });
    s.close();
  });

  it('refuses a changed host key even with --accept-new', async () => {
    const kh = join(dir, 'kh-changed');
    sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other'), '-C', 'other']);
    writeFileSync(kh, `${SSHD_ADDR} ${readFileSync(join(dir, 'other.pub'), 'utf8')}`);
    const before = readFileSync(kh, 'utf8');
    await assert.rejects(SshSession.connect({ ...base(), knownHostsFiles: [kh], acceptNew: true }), (e: unknown) => {
      assert.ok(e instanceof HostKeyError);
      assert.equal(e.verdict.status, 'changed');
      assert.match(e.message, /HOST KEY CHANGED/);
      return true;
    });
    assert.equal(readFileSync(kh, 'utf8'), before, 'known_hosts untouched');
  });

  it('passes hostile arguments through the remote shell verbatim', async () => {
    const kh = join(dir, 'kh-hostile');
    writeFileSync(kh, `${SSHD_ADDR} ${hostPub}`);
    const s = await SshSession.connect({ ...base(), knownHostsFiles: [kh] });
    try {
      const marker = join(dir, 'pwned');
      const hostile = [
        `$(touch ${marker})`,
        `\`touch ${marker}\``,
        `; touch ${marker}`,
        `a'b"c`,
        `x\ntouch ${marker}`,
        `*`,
        `--flag=$HOME`,
        `FOO=bar`,
        ``,
        ` spaced  out `,
      ];
      const r = await s.exec(['printf', '%s\\0', ...hostile]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.split('\0').slice(0, -1), hostile);
      assert.equal(existsSync(marker), false, 'no hostile value was executed');
    } finally {
      s.close();
    }
  });

  it('writes, reads and atomically renames files over SFTP', async () => {
    const kh = join(dir, 'kh-sftp');
    writeFileSync(kh, `${SSHD_ADDR} ${hostPub}`);
    const s = await SshSession.connect({ ...base(), knownHostsFiles: [kh] });
    try {
      const a = join(dir, 'sftp-a');
      const b = join(dir, 'sftp-b');
      writeFileSync(b, 'old');
      await s.writeFile(a, 'new content\n', { mode: 0o640 });
      assert.equal((await s.readFile(a))?.toString(), 'new content\n');
      await s.rename(a, b); // replaces an existing file
      assert.equal(readFileSync(b, 'utf8'), 'new content\n');
      assert.equal(existsSync(a), false);
      const st = await s.exec(['stat', '-c', '%a', b]);
      assert.equal(st.stdout.trim(), '640');
      assert.equal(await s.readFile(join(dir, 'missing')), undefined);
    } finally {
      s.close();
    }
  });

  it('runs commands one after another through one long-lived shell, keeping stdout, stderr and status apart', async () => {
    const kh = join(dir, 'kh-run');
    writeFileSync(kh, `${SSHD_ADDR} ${hostPub}`);
    const s = await SshSession.connect({ ...base(), knownHostsFiles: [kh] });
    try {
      const [a, b, c] = await Promise.all([
        s.run(['sh', '-c', 'printf "no newline"; echo err >&2; exit 3']),
        s.run(['printf', '%s\\0', `$(id)`, "it's", '\n@@fake 0\n']),
        s.run(['cat']), // stdin is /dev/null: must not swallow the command stream
      ]);
      assert.deepEqual(a, { stdout: 'no newline', stderr: 'err\n', code: 3 });
      assert.deepEqual(b.stdout.split('\0').slice(0, -1), [`$(id)`, "it's", '\n@@fake 0\n']);
      assert.deepEqual(c, { stdout: '', stderr: '', code: 0 });
      assert.equal((await s.run(['true'])).code, 0, 'the shell is still usable');
    } finally {
      s.close();
    }
  });

  it('tunnels through a jump host (ProxyJump), checking the target key too', async () => {
    const kh = join(dir, 'kh-jump');
    writeFileSync(kh, `${SSHD_ADDR} ${hostPub}`);
    const jump = await SshSession.connect({ ...base(), knownHostsFiles: [kh] });
    try {
      // the jump host (this sshd) forwards to itself; the target's key is looked up under the
      // alias given, as ssh(1) does for a ProxyJump target
      const s = await SshSession.connect({
        ...base(), host: SSHD_ADDR, hostKeyAlias: 'target.example', knownHostsFiles: [kh], via: jump, acceptNew: false,
      }).catch((e: unknown) => e);
      assert.ok(s instanceof HostKeyError, 'target.example is not in known_hosts: refused');
      const ok = await SshSession.connect({ ...base(), knownHostsFiles: [kh], via: jump });
      assert.equal((await ok.run(['echo', 'through the jump'])).stdout, 'through the jump\n');
      ok.close();
    } finally {
      jump.close();
    }
  });

  it('reports a non-zero exit status and stderr', async () => {
    const kh = join(dir, 'kh-exit');
    writeFileSync(kh, `${SSHD_ADDR} ${hostPub}`);
    const s = await SshSession.connect({ ...base(), knownHostsFiles: [kh] });
    try {
      const r = await s.exec(['sh', '-c', 'echo oops >&2; exit 7']);
      assert.equal(r.code, 7);
      assert.equal(r.stderr.trim(), 'oops');
    } finally {
      s.close();
    }
  });
});

/**
 * A real sshd for a test, in a network namespace the test made: its keys, its config and a
 * bounded wait for it to listen. Shared by test/e2e/deploy-ssh.test.ts and ssh-vanish.test.ts.
 */
import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/**
 * Generates a host key and a client key in `dir`, authorizes the client key and writes
 * `dir/sshd_config` (root by key only, no PAM, internal SFTP) with `extra` lines first.
 */
export function prepareSshd(dir: string, label: string, extra: string[] = []): { clientKey: string; hostPub: string } {
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_ed25519'), '-C', `${label}-host`]);
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client'), '-C', `${label}-client`]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client.pub')));
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      ...extra,
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'StrictModes no',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  sh('mkdir', ['-p', '/run/sshd']); // privilege-separation directory sshd insists on
  return { clientKey: join(dir, 'client'), hostPub: readFileSync(join(dir, 'host_ed25519.pub'), 'utf8') };
}

/** Starts sshd in namespace `ns` with `dir/sshd_config` and waits (bounded, 5 s) until `listen` (e.g. ':22 ') is in `ss -ltn`. */
export async function startSshd(ns: string, dir: string, listen: string, stdio: StdioOptions = 'ignore'): Promise<ChildProcess> {
  const sshd = spawn('ip', ['netns', 'exec', ns, '/usr/sbin/sshd', '-D', '-e', '-f', join(dir, 'sshd_config')], { stdio });
  for (let i = 0; i < 50; i++) {
    try {
      sh('ip', ['netns', 'exec', ns, 'sh', '-c', `ss -ltn | grep -q '${listen}'`]);
      return sshd;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  sshd.kill();
  throw new Error('sshd did not start');
}

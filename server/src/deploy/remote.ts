/**
 * A connection to one host, as deploy, the live status and the failover test use it: argv
 * commands through one long-lived shell, exclusive file creation and rename over SFTP. The SSH
 * connector opens it (through ProxyJump hops); unit tests fake it.
 */
import type { Command } from './shell-quote.js';
import { SshSession, type AcceptHostKey, type ExecResult, type SshConnectOptions } from './ssh.js';
import type { HostTarget } from './targets.js';

/** What deploy needs from a host; SshSession provides it, unit tests fake it. */
export interface Remote {
  exec(cmd: Command, opts?: { stdin?: string | Buffer; timeoutMs?: number }): Promise<ExecResult>;
  /**
   * Create a new file exclusively (fails if anything, a symlink included, is at the path) and
   * set its owner and mode on the open file.
   */
  writeFile(path: string, data: string | Buffer, opts: { mode: number; uid: number; gid: number }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  close(): void;
  /** Hint: uploads will follow (lets the SSH remote open its SFTP channel in the background). */
  prepareUpload?(): void;
}

export type Connector = (
  t: HostTarget,
  acceptNew: boolean | AcceptHostKey | undefined,
  extra?: { passphrase?: SshConnectOptions['passphrase'] },
) => Promise<Remote>;

/** Connect to a target, through its ProxyJump hops if any. */
export const sshConnector: Connector = async (t, acceptNew, extra = {}) => {
  let via: SshSession | undefined;
  const opened: SshSession[] = [];
  try {
    for (const hop of t.jumps) {
      via = await SshSession.connect({
        ...hop,
        agent: t.agent,
        knownHostsFiles: t.knownHostsFiles,
        acceptNew,
        via,
        passphrase: extra.passphrase,
      });
      opened.push(via);
    }
    const s = await SshSession.connect({ ...t, knownHostsFiles: t.knownHostsFiles, acceptNew, via, passphrase: extra.passphrase });
    // open the command shell now; SFTP (another sshd session setup, ~100+ ms) only when the
    // plan says this host gets files
    await s.run(['true']);
    return {
      prepareUpload: () => void s.sftp().catch(() => undefined),
      // through the session's long-lived shell: one round trip per command
      exec: (c, o) => s.run(c, o),
      writeFile: (p, d, o) => s.writeFile(p, d, o),
      rename: (a, b) => s.rename(a, b),
      close: () => {
        s.close();
        for (const o of opened.reverse()) o.close();
      },
    };
  } catch (e) {
    for (const o of opened.reverse()) o.close();
    throw e;
  }
};

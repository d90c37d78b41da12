/**
 * The SSH layer shared by deploy and the failover test: connect with host-key checking against
 * known_hosts, run commands (built from argv, see shell-quote.ts), and read/write/rename files
 * over SFTP. No vscode, no process-global state: each session owns one ssh2 Client.
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import {
  Client, utils as sshUtils, type AgentAuthMethod, type ClientChannel, type ConnectConfig, type PublicKeyAuthMethod, type SFTPWrapper,
} from 'ssh2';
import {
  appendKnownHost,
  checkHostKey,
  hostKeyNames,
  knownKeyTypes,
  loadKnownHosts,
  type HostKeyVerdict,
} from './known-hosts.js';
import { renderCommand, type Command } from './shell-quote.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit status; -1 when the command died on a signal or the channel closed without one. */
  code: number;
  signal?: string;
}

/** Called for an unknown host key; resolve true to trust it (and record it). */
export type AcceptHostKey = (info: { host: string; port: number; fingerprint: string; keyType: string }) => boolean | Promise<boolean>;

export interface SshConnectOptions {
  /** Where to connect (after ~/.ssh/config resolution). */
  host: string;
  port: number;
  user: string;
  /** ssh_config's HostKeyAlias: the known_hosts name, used as written. Default: host, as [host]:port off 22. */
  hostKeyAlias?: string;
  /** Private key files to offer, in order. Unreadable ones are skipped. */
  identityFiles?: string[];
  /** ssh-agent socket (SSH_AUTH_SOCK); tried after the key files. */
  agent?: string;
  /**
   * Asked for the passphrase of a protected key file (the editor prompts); undefined skips the
   * key. Without it a protected key is skipped, and a failed login names it.
   */
  passphrase?: (file: string) => Promise<string | undefined>;
  /** known_hosts files to check against. */
  knownHostsFiles: string[];
  /** File an accepted new key is appended to (default: the first of knownHostsFiles). */
  knownHostsWrite?: string;
  /** Unknown host keys: false (refuse), true (accept and record), or ask a callback. */
  acceptNew?: boolean | AcceptHostKey;
  /** Tunnel through this already-connected session (ProxyJump). */
  via?: SshSession;
  readyTimeoutMs?: number;
  /** Keepalive so a host that vanishes mid-deploy is noticed in seconds, not minutes. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

export class HostKeyError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly verdict: Exclude<HostKeyVerdict, { status: 'known' }>,
  ) {
    super(hostKeyMessage(host, port, verdict));
    this.name = 'HostKeyError';
  }
}

export function hostKeyMessage(host: string, port: number, v: Exclude<HostKeyVerdict, { status: 'known' }>): string {
  const where = port === 22 ? host : `${host} port ${port}`;
  switch (v.status) {
    case 'unknown':
      return (
        `unknown host key for ${where}: ${v.keyType} ${v.fingerprint}. ` +
        (v.otherTypes.length ? `(known_hosts has other key types for it: ${v.otherTypes.join(', ')}.) ` : '') +
        `Verify the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and accept it with --accept-new.`
      );
    case 'changed':
      return (
        `HOST KEY CHANGED for ${where}: it now presents ${v.keyType} ${v.fingerprint}, ` +
        `known_hosts expects ${v.expected.join(' or ')} (line ${v.lines.join(', ')}). ` +
        `This may be an attack or a reinstalled host; halab refuses to connect. ` +
        `If the change is expected, remove the old entry (ssh-keygen -R ${host}) and try again.`
      );
    case 'revoked':
      return `host key for ${where} is marked @revoked in known_hosts (${v.keyType} ${v.fingerprint}); refusing to connect.`;
  }
}

/** ssh2's preference list, reordered so key types already in known_hosts are negotiated first. */
function hostKeyAlgorithms(knownTypes: string[]): string[] | undefined {
  if (knownTypes.length === 0) return undefined;
  const all = [
    'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa',
  ];
  const preferred: string[] = [];
  for (const t of knownTypes) {
    if (t === 'ssh-rsa') preferred.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else if (all.includes(t)) preferred.push(t);
  }
  return [...new Set([...preferred, ...all])];
}

/** How long close() waits for the peer to acknowledge the disconnect before destroying the socket. */
export const CLOSE_GRACE_MS = 1_000;

export class SshSession {
  private sftpP?: Promise<SFTPWrapper>;
  private closed = false;
  /** Set when the connection dropped: later calls fail at once with this. */
  private lost?: Error;

  private constructor(
    readonly client: Client,
    private readonly sock: Duplex,
    readonly target: { host: string; port: number; user: string },
  ) {
    client.on('error', (e) => (this.lost ??= e));
    client.on('close', () => (this.lost ??= new Error(`connection to ${target.host} closed`)));
  }

  static async connect(opts: SshConnectOptions): Promise<SshSession> {
    const alias = opts.hostKeyAlias ?? opts.host;
    const keyNames = hostKeyNames(opts.host, opts.port, opts.hostKeyAlias);
    const known = loadKnownHosts(opts.knownHostsFiles);
    const { keys, skipped } = await loadIdentities(opts);
    const authHandler: Array<PublicKeyAuthMethod | AgentAuthMethod> = [
      ...keys.map(({ key, passphrase }) => ({
        type: 'publickey' as const, username: opts.user, key, ...(passphrase !== undefined ? { passphrase } : {}),
      })),
      ...(opts.agent ? [{ type: 'agent' as const, username: opts.user, agent: opts.agent }] : []),
    ];
    // The socket is ours (not ssh2's) so that close() can destroy it: ssh2's own destroy() is a
    // no-op once end() has run, and a vanished peer would then hold the process (see close()).
    const sock: Duplex = opts.via ? await opts.via.forwardOut(opts.host, opts.port) : netConnect({ host: opts.host, port: opts.port });

    const client = new Client();
    let rejection: Error | undefined;
    const cfg: ConnectConfig = {
      sock,
      username: opts.user,
      authHandler: authHandler.length ? authHandler : undefined,
      readyTimeout: opts.readyTimeoutMs ?? 10_000,
      keepaliveInterval: opts.keepaliveIntervalMs ?? 1_000,
      keepaliveCountMax: opts.keepaliveCountMax ?? 3,
      algorithms: { serverHostKey: hostKeyAlgorithms(knownKeyTypes(known, keyNames)) as never },
      hostVerifier: (blob: Buffer, verify: (ok: boolean) => void) => {
        const v = checkHostKey(known, keyNames, blob);
        if (v.status === 'known') return verify(true);
        if (v.status !== 'unknown' || !opts.acceptNew) {
          rejection = new HostKeyError(alias, opts.port, v);
          return verify(false);
        }
        const decide = opts.acceptNew === true
          ? true
          : opts.acceptNew({ host: alias, port: opts.port, fingerprint: v.fingerprint, keyType: v.keyType });
        Promise.resolve(decide).then(
          (ok) => {
            if (ok) {
              const file = opts.knownHostsWrite ?? opts.knownHostsFiles[0];
              if (file) appendKnownHost(file, keyNames, blob);
            } else rejection = new HostKeyError(alias, opts.port, v);
            verify(ok);
          },
          (e: unknown) => {
            rejection = e instanceof Error ? e : new Error(String(e));
            verify(false);
          },
        );
      },
    };
    if (!cfg.algorithms!.serverHostKey) delete cfg.algorithms;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => {
        client.removeListener('ready', onReady);
        client.end();
        sock.destroy();
        reject(rejection ?? describeConnectError(e, opts, skipped));
      };
      const onReady = () => {
        client.removeListener('error', onError);
        // Nagle + the peer's delayed ACK cost ~40 ms per small request/answer pair
        client.setNoDelay(true);
        resolve();
      };
      client.once('ready', onReady);
      client.once('error', onError);
      client.connect(cfg);
    });
    return new SshSession(client, sock, { host: alias, port: opts.port, user: opts.user });
  }

  /** The connection dropped (the host went away, e.g. rebooted): every later call fails. */
  get isLost(): boolean {
    return this.lost !== undefined || this.closed;
  }

  private check(): void {
    if (this.closed) throw new Error(`session to ${this.target.host} is closed`);
    if (this.lost) throw new Error(`lost connection to ${this.target.host}: ${this.lost.message}`);
  }

  /** Open a TCP channel from the remote host (used for ProxyJump). */
  forwardOut(host: string, port: number): Promise<Duplex> {
    this.check();
    return new Promise((resolve, reject) =>
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => (err ? reject(err) : resolve(ch))),
    );
  }

  /** Run a command (argv, or operators over argvs); never throws on a non-zero exit. */
  exec(cmd: Command, opts: { stdin?: string | Buffer; timeoutMs?: number } = {}): Promise<ExecResult> {
    return this.execRaw(renderCommand(cmd), opts);
  }

  /** Run an already-quoted command line. Only for strings built by renderCommand/shellJoin. */
  execRaw(line: string, opts: { stdin?: string | Buffer; timeoutMs?: number } = {}): Promise<ExecResult> {
    this.check();
    const timeoutMs = opts.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      this.client.exec(line, (err, ch) => {
        if (err) return reject(err);
        const out: Buffer[] = [];
        const errb: Buffer[] = [];
        let code = -1;
        let signal: string | undefined;
        const timer = setTimeout(() => {
          ch.close();
          reject(new Error(`command timed out after ${timeoutMs} ms on ${this.target.host}`));
        }, timeoutMs);
        const onLost = () => {
          clearTimeout(timer);
          reject(new Error(`lost connection to ${this.target.host} while running a command`));
        };
        this.client.once('close', onLost);
        ch.on('data', (d: Buffer) => out.push(d));
        ch.stderr.on('data', (d: Buffer) => errb.push(d));
        ch.on('exit', (c: number | null, sig?: string) => {
          if (typeof c === 'number') code = c;
          if (sig) signal = sig;
        });
        ch.on('close', () => {
          clearTimeout(timer);
          this.client.removeListener('close', onLost);
          resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errb).toString('utf8'), code, signal });
        });
        if (opts.stdin !== undefined) ch.end(opts.stdin);
        else ch.end();
      });
    });
  }

  /**
   * Run a command through one long-lived `sh` on the host. Commands run one at a time, each
   * costing a round trip instead of a new SSH session: sshd forks a session, runs PAM and the
   * login shell for every exec channel (~100 ms measured on the lab), which dominated deploys.
   * stdin of each command is /dev/null (it must not eat the command stream).
   */
  run(cmd: Command, opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const line = renderCommand(cmd);
    const p = this.runQueue.then(() => this.runOne(line, opts.timeoutMs ?? 60_000));
    this.runQueue = p.catch(() => undefined);
    return p;
  }

  private runQueue: Promise<unknown> = Promise.resolve();
  private shell?: { ch: ClientChannel; out: string; err: string; wake: () => void };

  private openShell(): Promise<NonNullable<SshSession['shell']>> {
    this.check();
    return new Promise((resolve, reject) => {
      // `exec sh`: whatever the login shell is, commands are parsed by a POSIX sh
      this.client.exec('exec sh', (err, ch) => {
        if (err) return reject(err);
        const sh = { ch, out: '', err: '', wake: () => {} };
        ch.on('data', (d: Buffer) => {
          sh.out += d.toString('utf8');
          sh.wake();
        });
        ch.stderr.on('data', (d: Buffer) => {
          sh.err += d.toString('utf8');
          sh.wake();
        });
        ch.on('close', () => {
          if (this.shell === sh) this.shell = undefined;
          sh.wake();
        });
        resolve(sh);
      });
    });
  }

  private async runOne(line: string, timeoutMs: number): Promise<ExecResult> {
    this.shell ??= await this.openShell();
    const sh = this.shell;
    const nonce = randomBytes(8).toString('hex');
    sh.out = '';
    sh.err = '';
    const outRe = new RegExp(`\n@@${nonce} (\\d+)\n$`);
    const errMark = `\n@@${nonce}\n`;
    sh.ch.write(`{ ${line}\n} </dev/null; printf '\\n@@${nonce} %d\\n' $?; printf '\\n@@${nonce}\\n' >&2\n`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.shell = undefined;
        sh.ch.close();
        reject(new Error(`command timed out after ${timeoutMs} ms on ${this.target.host}`));
      }, timeoutMs);
      sh.wake = () => {
        const m = outRe.exec(sh.out);
        if (m && sh.err.endsWith(errMark)) {
          clearTimeout(timer);
          sh.wake = () => {};
          resolve({ stdout: sh.out.slice(0, m.index), stderr: sh.err.slice(0, -errMark.length), code: Number(m[1]) });
        } else if (this.shell !== sh || this.lost) {
          clearTimeout(timer);
          sh.wake = () => {};
          reject(new Error(`lost connection to ${this.target.host} while running a command`));
        }
      };
      sh.wake();
    });
  }

  sftp(): Promise<SFTPWrapper> {
    this.check();
    this.sftpP ??= new Promise((resolve, reject) => this.client.sftp((err, s) => (err ? reject(err) : resolve(s))));
    return this.sftpP;
  }

  /** File content, or undefined when it does not exist. */
  async readFile(path: string): Promise<Buffer | undefined> {
    const s = await this.sftp();
    return new Promise((resolve, reject) =>
      s.readFile(path, (err: (Error & { code?: number }) | null | undefined, data: Buffer) => {
        if (!err) return resolve(data);
        if (err.code === 2) return resolve(undefined); // SSH_FX_NO_SUCH_FILE
        reject(new Error(`read ${path} on ${this.target.host}: ${err.message}`));
      }),
    );
  }

  /**
   * Creates a new file and writes it: opened O_CREAT|O_EXCL ('wx'), so it fails on anything at
   * the path (a planted symlink included) instead of writing through it; owner and mode are set
   * on the open handle (fchown, fchmod: the mode given to open() is filtered by sshd's umask), so
   * no path is resolved again after the open.
   */
  async writeFile(
    path: string, data: string | Buffer, opts: { mode: number; uid?: number; gid?: number } = { mode: 0o600 },
  ): Promise<void> {
    const s = await this.sftp();
    const where = `write ${path} on ${this.target.host}`;
    const call = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> =>
      new Promise((resolve, reject) => fn((err, v) => (err ? reject(new Error(`${where}: ${err.message}`)) : resolve(v as T))));
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const handle = await call<Buffer>((cb) => s.open(path, 'wx', { mode: 0o600 }, cb));
    try {
      // ssh2 splits a write larger than the server's packet limit
      if (buf.length) await call((cb) => s.write(handle, buf, 0, buf.length, 0, cb));
      if (opts.uid !== undefined && opts.gid !== undefined) await call((cb) => s.fchown(handle, opts.uid!, opts.gid!, cb));
      await call((cb) => s.fchmod(handle, opts.mode, cb));
    } finally {
      await call((cb) => s.close(handle, cb)).catch(() => undefined);
    }
  }

  /** Atomic replace (rename(2) via posix-rename@openssh.com): readers see the old or the new file. */
  async rename(from: string, to: string): Promise<void> {
    const s = await this.sftp();
    await new Promise<void>((resolve, reject) =>
      s.ext_openssh_rename(from, to, (err) =>
        (err ? reject(new Error(`rename ${from} → ${to} on ${this.target.host}: ${err.message}`)) : resolve())),
    );
  }

  async unlink(path: string): Promise<void> {
    const s = await this.sftp();
    await new Promise<void>((resolve) => s.unlink(path, () => resolve()));
  }

  /**
   * Ends the session. `end()` sends a disconnect and half-closes the socket, which then waits for
   * the peer's FIN; a peer that has vanished (link down, reboot, dead VM) never sends one, and the
   * open socket would keep the process alive until TCP gives up (~15 min). So the wait is bounded:
   * after CLOSE_GRACE_MS the socket is destroyed. The timer is unref'd so a clean close costs nothing.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const timer = setTimeout(() => this.sock.destroy(), CLOSE_GRACE_MS);
    timer.unref();
    this.client.once('close', () => clearTimeout(timer));
    this.shell?.ch.end();
    this.client.end();
  }
}

/** A key file that could not be offered, and why (said when the login fails). */
export interface SkippedKey {
  file: string;
  reason: string;
}

/** A private key to offer, with the passphrase that opens it. */
type Identity = { key: Buffer; passphrase?: string };

/**
 * Reads the identity files. A passphrase-protected key cannot be offered without its passphrase:
 * ask `opts.passphrase` (the editor's prompt) or skip it and remember why, so a failed login can
 * say which key it was and what to do — instead of the bare "no key was accepted".
 */
async function loadIdentities(opts: SshConnectOptions): Promise<{ keys: Identity[]; skipped: SkippedKey[] }> {
  const keys: Identity[] = [];
  const skipped: SkippedKey[] = [];
  for (const file of opts.identityFiles ?? []) {
    let key: Buffer;
    try {
      key = readFileSync(file);
    } catch {
      continue; // like ssh(1): an IdentityFile that does not exist is skipped
    }
    const parsed = sshUtils.parseKey(key);
    if (!(parsed instanceof Error)) {
      keys.push({ key });
      continue;
    }
    if (!/passphrase|encrypted/i.test(parsed.message)) {
      skipped.push({ file, reason: `cannot be read as a private key (${parsed.message})` });
      continue;
    }
    const pass = opts.passphrase ? await opts.passphrase(file) : undefined;
    if (pass === undefined) {
      skipped.push({ file, reason: 'is protected by a passphrase' });
      continue;
    }
    const wrong = sshUtils.parseKey(key, pass) instanceof Error;
    if (wrong) skipped.push({ file, reason: 'is protected by a passphrase, and the one given does not open it' });
    else keys.push({ key, passphrase: pass });
  }
  return { keys, skipped };
}

function describeConnectError(e: Error & { level?: string; code?: string }, o: SshConnectOptions, skipped: SkippedKey[] = []): Error {
  const where = `${o.user}@${o.host}:${o.port}`;
  if (e.level === 'client-authentication') {
    const advice = (k: SkippedKey) =>
      ` and was not offered: load it into ssh-agent (ssh-add ${k.file}), or enter its passphrase when the editor asks`;
    const why = skipped.map((k) => `; key ${k.file} ${k.reason}` + (k.reason.includes('passphrase') ? advice(k) : ''));
    const tried = (o.identityFiles?.length ?? 0) - skipped.length;
    return new Error(
      `authentication failed for ${where}: no key was accepted (tried ${tried} key file(s)${o.agent ? ' and ssh-agent' : ''})` +
        `${why.join('')}; set \`key\` in the file or IdentityFile in ~/.ssh/config`,
    );
  }
  if (e.code === 'ECONNREFUSED') return new Error(`cannot connect to ${where}: connection refused (is sshd running?)`);
  if (e.level === 'client-timeout' || /Timed out/i.test(e.message)) return new Error(`cannot connect to ${where}: timed out`);
  return new Error(`cannot connect to ${where}: ${e.message}`);
}

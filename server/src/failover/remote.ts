/**
 * SSH for the failover test, on deploy's SshSession (deploy/ssh.ts: host-key checking, ProxyJump,
 * the lab's key): each command goes through the session's long-lived shell, so a VIP poll is
 * one round trip. Keepalives are lenient here: a link-down fault stalls the lb's connection for
 * as long as the link is down, and the session must survive that instead of being dropped.
 */
import type { ExecResult } from '../deploy/ssh.js';
import { SshSession } from '../deploy/ssh.js';
import type { Command } from '../deploy/shell-quote.js';
import type { HostTarget } from '../deploy/targets.js';

export interface FailoverRemote {
  exec(cmd: Command, opts?: { timeoutMs?: number }): Promise<ExecResult>;
  close(): void;
  /** The connection dropped for good (the host rebooted): `reconnecting` opens another. */
  lost?(): boolean;
}

export type FailoverConnector = (t: HostTarget, o: { keepaliveCountMax: number; readyTimeoutMs?: number }) => Promise<FailoverRemote>;

export const sshFailoverConnector: FailoverConnector = async (t, o) => {
  const opened: SshSession[] = [];
  let via: SshSession | undefined;
  try {
    for (const hop of t.jumps) {
      via = await SshSession.connect({ ...hop, agent: t.agent, knownHostsFiles: t.knownHostsFiles, acceptNew: false, via });
      opened.push(via);
    }
    const s = await SshSession.connect({
      ...t,
      knownHostsFiles: t.knownHostsFiles,
      acceptNew: false,
      via,
      keepaliveIntervalMs: 1000,
      keepaliveCountMax: o.keepaliveCountMax,
      ...(o.readyTimeoutMs ? { readyTimeoutMs: o.readyTimeoutMs } : {}),
    });
    opened.push(s);
    await s.run(['true'], { timeoutMs: 10_000 });
    return {
      // SshSession's own timer starts once its shell is open; opening one over a stalled
      // connection (link down) waits on TCP, so bound the whole call here
      exec: (c, x) => withTimeout(s.run(c, x), (x?.timeoutMs ?? 60_000) + 1000, t.name),
      close: () => {
        for (const x of opened.reverse()) x.close();
      },
      lost: () => s.isLost,
    };
  } catch (e) {
    for (const x of opened.reverse()) x.close();
    throw e;
  }
};

/** Between two attempts to reach a host that went away: often enough to see it back soon, not a flood. */
export const RECONNECT_EVERY_MS = 500;

/**
 * A session that connects again once its connection is lost for good — the host rebooted, so
 * sshd and every TCP connection went with it. A stalled connection (link down) is not lost: it
 * stays, as its keepalives are lenient. While the host is away each call fails at once, but for
 * one attempt to connect every RECONNECT_EVERY_MS, bounded by `open`'s own timeout.
 */
export function reconnecting(first: FailoverRemote, open: () => Promise<FailoverRemote>): FailoverRemote {
  let cur: FailoverRemote | undefined = first;
  let closed = false;
  let nextTry = 0;
  return {
    async exec(c, x) {
      if (cur?.lost?.()) {
        cur.close();
        cur = undefined;
      }
      if (!cur) {
        if (closed) throw new Error('session closed');
        if (Date.now() < nextTry) throw new Error('the host is away (its connection was lost); trying again shortly');
        nextTry = Date.now() + RECONNECT_EVERY_MS;
        const r = await open();
        if (closed) {
          r.close();
          throw new Error('session closed');
        }
        cur = r;
      }
      return cur.exec(c, x);
    },
    close() {
      closed = true;
      cur?.close();
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, host: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`command timed out after ${ms} ms on ${host}`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

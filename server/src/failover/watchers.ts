/**
 * Pollers over persistent SSH sessions: which lb holds each VIP (`ip -o addr show`), and
 * HAProxy's server states (`show stat`). One loop per host, so a host whose link is down
 * (its polls stall until they time out) never delays the view of the other.
 *
 * Timestamps: a poll's answer describes the host somewhere between send and receipt; it is
 * dated receipt − (fastest round trip seen) / 2. A stalled poll (sent while the link was
 * down, answered after) is thus dated when it was answered, never earlier than it can be true.
 */
import { ADDRESSES, parseAddresses } from '../verify/host-state.js';
import type { Command } from '../deploy/shell-quote.js';
import { parseShowStat, showStatCommand } from '../verify/haproxy-stats.js';
import type { FailoverRemote } from './remote.js';
import type { ServerChange, VipChange } from './types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Watcher<T> {
  changes: T[];
  /** Resolves once every host answered at least once (or `waitMs` passed). */
  ready(waitMs: number): Promise<boolean>;
  stop(): Promise<void>;
  /** Polls that failed or timed out, per host. */
  errors: Map<string, number>;
}

function pollLoop(
  cmd: Command,
  hosts: Array<{ name: string; remote: FailoverRemote }>,
  o: { intervalMs: number; timeoutMs: number; now: () => number; maxPolls: number },
  onAnswer: (host: string, t: number, stdout: string, code: number) => void,
  onError?: (host: string, t: number) => void,
): { stop(): Promise<void>; answered: Set<string>; errors: Map<string, number> } {
  let stopped = false;
  const answered = new Set<string>();
  const errors = new Map<string, number>();
  const loops = hosts.map(async ({ name, remote }, i) => {
    let minRtt = Infinity;
    let polls = 0;
    await sleep((i * o.intervalMs) / Math.max(1, hosts.length)); // spread the hosts' polls
    while (!stopped && polls++ < o.maxPolls) {
      const sent = o.now();
      try {
        const r = await remote.exec(cmd, { timeoutMs: o.timeoutMs });
        const recv = o.now();
        minRtt = Math.min(minRtt, recv - sent);
        if (stopped && answered.has(name)) break;
        answered.add(name);
        onAnswer(name, Math.round((recv - minRtt / 2) * 10) / 10, r.stdout, r.code);
      } catch {
        errors.set(name, (errors.get(name) ?? 0) + 1);
        if (!stopped) onError?.(name, Math.round(sent * 10) / 10);
      }
      if (!stopped) await sleep(o.intervalMs);
    }
  });
  return {
    answered,
    errors,
    async stop() {
      stopped = true;
      // a poll stuck on an unreachable host must not hold the test: bounded wait
      await Promise.race([Promise.all(loops), sleep(o.timeoutMs + 2000)]);
    },
  };
}

function makeWatcher<T>(loop: ReturnType<typeof pollLoop>, changes: T[], hosts: number): Watcher<T> {
  return {
    changes,
    errors: loop.errors,
    async ready(waitMs) {
      const deadline = Date.now() + waitMs;
      while (loop.answered.size < hosts && Date.now() < deadline) await sleep(10);
      return loop.answered.size >= hosts;
    },
    stop: () => loop.stop(),
  };
}

/** Watches which lbs hold which vips; records the first observation and every change. */
export function watchVips(
  lbs: Array<{ name: string; remote: FailoverRemote }>,
  vips: string[],
  o: { intervalMs: number; timeoutMs: number; now: () => number; maxPolls: number; onChange?: (c: VipChange) => void },
): Watcher<VipChange> {
  const changes: VipChange[] = [];
  const last = new Map<string, boolean | null>();
  const loop = pollLoop(ADDRESSES, lbs, o, (lb, t, out, code) => {
    if (code !== 0) return;
    const have = new Set(parseAddresses(out, vips));
    for (const vip of vips) {
      const has = have.has(vip);
      const key = `${lb}\0${vip}`;
      if (last.get(key) === has) continue;
      last.set(key, has);
      const c: VipChange = { t, lb, vip, has };
      changes.push(c);
      o.onChange?.(c);
    }
  }, (lb, t) => {
    // unanswered (dated when sent: from then on nothing is known of it)
    for (const vip of vips) {
      const key = `${lb}\0${vip}`;
      if (!last.has(key) || last.get(key) === null) continue;
      last.set(key, null);
      const c: VipChange = { t, lb, vip, has: null };
      changes.push(c);
      o.onChange?.(c);
    }
  });
  return makeWatcher(loop, changes, lbs.length);
}

/** Watches HAProxy's status of the named servers (all backends) on the given lbs. */
export function watchServers(
  lbs: Array<{ name: string; remote: FailoverRemote }>,
  servers: string[],
  o: { intervalMs: number; timeoutMs: number; now: () => number; maxPolls: number; onChange?: (c: ServerChange) => void },
): Watcher<ServerChange> {
  const changes: ServerChange[] = [];
  const last = new Map<string, string>();
  const loop = pollLoop(showStatCommand(), lbs, o, (lb, t, out, code) => {
    if (code !== 0) return;
    for (const s of parseShowStat(out)) {
      if (!servers.includes(s.server)) continue;
      const key = `${lb}\0${s.backend}\0${s.server}`;
      if (last.get(key) === s.status) continue;
      last.set(key, s.status);
      const c: ServerChange = { t, lb, backend: s.backend, server: s.server, status: s.status };
      changes.push(c);
      o.onChange?.(c);
    }
  });
  return makeWatcher(loop, changes, lbs.length);
}

/**
 * The probe's requests, with nothing but Node's own modules: this file is what runs in the probe's
 * worker thread (probe-worker.ts) as well as on the caller's thread (probe.ts chooses). Every
 * `intervalMs`, one request per site through its VIP with the site's Host header, each on a fresh
 * connection (`agent: false`, `Connection: close`) — that is what a new client sees, and a
 * kept-alive socket would hide a VIP move. Requests are sent on the clock, not after the previous
 * one returned, so a hanging request never stretches the resolution. Each sample's `t` is when its
 * request was sent: analyze.ts bounds an outage's edges by the send times around them. Bounded: at
 * most `maxSamples` requests, and each one ends by its timeout.
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { tcpPayload, type Service } from '../../../shared/model/types.js';
import type { ProbeSample } from './types.js';

export interface ProbeTarget {
  /** The site's or the TCP service's name. */
  site: string;
  /** Address (the site's vip) and port to connect to. */
  address: string;
  port: number;
  tls: boolean;
  host: string;
  path: string;
  /**
   * A TCP service: no HTTP. `send` (CRLF line ends included) goes out once connected; ok is
   * `expect` found in the answer, or without `expect` the connection made (and, when something was
   * sent, an answer begun).
   */
  tcp?: { send?: string; expect?: string };
}

/** A TCP service's target: its check's exchange, through its VIP (the failover probe and the deploy's cluster check). */
export function serviceTarget(s: Service): ProbeTarget {
  return {
    site: s.name,
    address: s.vip,
    port: s.listen,
    tls: false,
    host: '',
    path: '',
    tcp: {
      ...(s.checkSend !== undefined ? { send: tcpPayload(s.checkSend) } : {}),
      ...(s.checkExpect !== undefined ? { expect: s.checkExpect } : {}),
    },
  };
}

/** One request; resolves (never rejects) with ok = an HTTP answer below 400 within the timeout. */
export function probeOnce(
  target: ProbeTarget,
  timeoutMs: number,
  now: () => number,
): Promise<Omit<ProbeSample, 't' | 'site'> & { sent: number }> {
  if (target.tcp) return tcpProbeOnce(target, target.tcp, timeoutMs, now);
  const sent = now();
  return new Promise((resolve) => {
    let done = false;
    let connected = false;
    let req: ClientRequest | undefined;
    const finish = (r: { ok: boolean; status?: number; error?: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req?.destroy();
      resolve({ ...r, ...(!r.ok && connected ? { connected } : {}), ms: Math.round((now() - sent) * 10) / 10, sent });
    };
    // after a stalled event loop the timers run before the I/O that arrived meanwhile: let that
    // I/O in first (setImmediate runs after it), so an answer in time is not called a timeout
    const timer = setTimeout(() => setImmediate(() => finish({ ok: false, error: 'timeout' })), timeoutMs);
    try {
      req = (target.tls ? httpsRequest : httpRequest)(
        {
          host: target.address,
          port: target.port,
          path: target.path,
          method: 'GET',
          headers: { Host: target.host, Connection: 'close' },
          agent: false,
          servername: target.tls ? target.host : undefined,
          rejectUnauthorized: false,
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            finish({ ok: status >= 200 && status < 400, status });
          });
          res.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, status: res.statusCode, error: e.code ?? e.message }));
        },
      );
      // a failure after the connection was made may have been in flight when the fault struck
      req.on('socket', (sock) => {
        if (!sock.connecting) connected = true;
        else sock.once('connect', () => (connected = true));
      });
      req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message }));
      req.end();
    } catch (e) {
      finish({ ok: false, error: (e as Error).message });
    }
  });
}

/** One TCP exchange with a service (see ProbeTarget.tcp); resolves, never rejects. */
function tcpProbeOnce(
  target: ProbeTarget,
  tcp: NonNullable<ProbeTarget['tcp']>,
  timeoutMs: number,
  now: () => number,
): Promise<Omit<ProbeSample, 't' | 'site'> & { sent: number }> {
  const sent = now();
  return new Promise((resolve) => {
    let done = false;
    let connected = false;
    let answer = '';
    const sock = tcpConnect({ host: target.address, port: target.port });
    const finish = (r: { ok: boolean; error?: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ ...r, ...(!r.ok && connected ? { connected } : {}), ms: Math.round((now() - sent) * 10) / 10, sent });
    };
    // as for HTTP: let I/O that arrived during a stalled loop in before calling it a timeout
    const timer = setTimeout(() => setImmediate(() => finish({ ok: false, error: 'timeout' })), timeoutMs);
    sock.on('connect', () => {
      connected = true;
      if (tcp.send) sock.write(tcp.send);
      if (!tcp.expect && !tcp.send) finish({ ok: true });
    });
    sock.on('data', (d: Buffer) => {
      // bounded: a banner or a reply line is all the probe looks at
      if (answer.length < 4096) answer += d.toString('latin1');
      if (tcp.expect ? answer.includes(tcp.expect) : true) finish({ ok: true });
    });
    sock.on('end', () => finish({ ok: false, error: tcp.expect ? 'no expected answer' : 'closed without an answer' }));
    sock.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message }));
  });
}

/**
 * Calls `fn` now and then every `intervalMs` on the clock: call k is due at start + k × interval,
 * so a call made late by a busy event loop does not push the later ones back (with setInterval
 * every gap would be a little longer than the interval); calls missed by more than an interval
 * are skipped, not made in a burst. Returns the function that stops it.
 */
function onTheClock(intervalMs: number, fn: () => void): () => void {
  const start = performance.now();
  let k = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const next = () => {
    if (stopped) return;
    const now = performance.now();
    k = Math.max(k + 1, Math.ceil((now - start) / intervalMs));
    timer = setTimeout(() => {
      fn();
      next();
    }, start + k * intervalMs - now);
  };
  fn();
  next();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export interface ProbeOptions {
  intervalMs: number;
  timeoutMs: number;
  maxSamples: number;
  /** The run's clock: ms since its start. */
  now: () => number;
  onSample?: (s: ProbeSample) => void;
}

export interface Prober {
  samples: ProbeSample[];
  /** Resolves when the first requests are on their way. */
  ready: Promise<void>;
  /** Where the requests are sent from: a thread of their own, or the caller's (see probe.ts). */
  thread: 'worker' | 'caller';
  /** Stop sending; resolves when every request in flight has ended. */
  stop(): Promise<void>;
}

/** The probe on the calling thread's event loop. */
export function probeHere(targets: ProbeTarget[], o: ProbeOptions): Prober {
  const samples: ProbeSample[] = [];
  const pending = new Set<Promise<void>>();
  let sent = 0;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    for (const t of targets) {
      if (sent >= o.maxSamples) {
        stopped = true;
        return;
      }
      sent++;
      const p = probeOnce(t, o.timeoutMs, o.now).then((r) => {
        const s: ProbeSample = { t: Math.round(r.sent * 10) / 10, site: t.site, ok: r.ok, ms: r.ms };
        if (r.status !== undefined) s.status = r.status;
        if (r.error !== undefined) s.error = r.error;
        if (r.connected) s.connected = true;
        samples.push(s);
        o.onSample?.(s);
      });
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
  };
  const cancel = onTheClock(o.intervalMs, tick);
  return {
    samples,
    ready: Promise.resolve(),
    thread: 'caller',
    async stop() {
      stopped = true;
      cancel();
      await Promise.all([...pending]);
      samples.sort((a, b) => a.t - b.t);
    },
  };
}

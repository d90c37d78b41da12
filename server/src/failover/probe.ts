/**
 * The probe: every `intervalMs`, one request per site through its VIP with the site's Host
 * header, each on a fresh connection (`agent: false`, `Connection: close`) — that is what a new
 * client sees, and a kept-alive socket would hide a VIP move. Requests are sent on the clock,
 * not after the previous one returned, so a hanging request never stretches the resolution.
 * Bounded: at most `maxSamples` requests, and each one ends by its timeout.
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Site, Topology } from '../../../shared/model/types.js';
import { siteHostHeader } from '../verify/cluster.js';
import type { ProbeSample } from './types.js';

export interface ProbeTarget {
  site: string;
  /** Address (the site's vip) and port to connect to. */
  address: string;
  port: number;
  tls: boolean;
  host: string;
  path: string;
}

export function probeTargets(model: Topology): ProbeTarget[] {
  return model.sites.map((s: Site) => ({
    site: s.name,
    address: s.vip,
    port: s.tls ? 443 : s.listen,
    tls: !!s.tls,
    host: siteHostHeader(s.hosts),
    path: '/',
  }));
}

/** One request; resolves (never rejects) with ok = an HTTP answer below 400 within the timeout. */
export function probeOnce(target: ProbeTarget, timeoutMs: number, now: () => number): Promise<Omit<ProbeSample, 't' | 'site'> & { sent: number }> {
  const sent = now();
  return new Promise((resolve) => {
    let done = false;
    let req: ClientRequest | undefined;
    const finish = (r: { ok: boolean; status?: number; error?: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req?.destroy();
      resolve({ ...r, ms: Math.round((now() - sent) * 10) / 10, sent });
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout' }), timeoutMs);
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
      req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message }));
      req.end();
    } catch (e) {
      finish({ ok: false, error: (e as Error).message });
    }
  });
}

export interface Prober {
  samples: ProbeSample[];
  /** Stop sending; resolves when every request in flight has ended. */
  stop(): Promise<void>;
}

export function startProber(
  targets: ProbeTarget[],
  o: { intervalMs: number; timeoutMs: number; maxSamples: number; now: () => number; onSample?: (s: ProbeSample) => void },
): Prober {
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
        samples.push(s);
        o.onSample?.(s);
      });
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
  };
  tick();
  const timer = setInterval(tick, o.intervalMs);
  return {
    samples,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all([...pending]);
      samples.sort((a, b) => a.t - b.t);
    },
  };
}

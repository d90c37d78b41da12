/**
 * The probe (the requests themselves: probe-core.ts), run in a worker thread of its own
 * (probe-worker.ts) so that every front end measures alike: the CLI, the tests and the VS Code
 * extension host, whose event loop is shared with the editor and with ssh2's JS crypto, would
 * otherwise send late and see answers late under load, and report stray timeouts. When the
 * worker cannot start, the probe runs on the caller's thread and says so (`thread: 'caller'`).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Site, Topology } from '../../../shared/model/types.js';
import { siteHostHeader } from '../verify/cluster.js';
import { probeHere, serviceTarget, type ProbeOptions, type ProbeTarget, type Prober } from './probe-core.js';
import type { ProbeWorkerData } from './probe-worker.js';
import type { ProbeSample } from './types.js';

export { probeOnce, type ProbeOptions, type ProbeTarget, type Prober } from './probe-core.js';

/** One target per site (an HTTP GET with its Host) and per TCP service (its check's exchange). */
export function probeTargets(model: Topology): ProbeTarget[] {
  const sites = model.sites.map((s: Site) => ({
    site: s.name,
    address: s.vip,
    port: s.tls ? 443 : s.listen,
    tls: !!s.tls,
    host: siteHostHeader(s.hosts),
    path: '/',
  }));
  return [...sites, ...model.services.map(serviceTarget)];
}

/** Starts the probe in its worker thread, or on this thread when the worker cannot start. */
export function startProber(targets: ProbeTarget[], o: ProbeOptions): Prober {
  const spawned = spawnProbeWorker(targets, o);
  if (!spawned) return probeHere(targets, o);
  let inner: Prober | undefined;
  const samples: ProbeSample[] = [];
  const prober: Prober = {
    samples,
    thread: 'worker',
    // a worker that fails before its first request leaves the probe to this thread
    ready: spawned.ready.then(
      () => undefined,
      () => {
        inner = probeHere(targets, { ...o, onSample: (s) => (samples.push(s), o.onSample?.(s)) });
        prober.thread = 'caller';
      },
    ),
    async stop() {
      await prober.ready;
      if (inner) await inner.stop();
      else await spawned.stop();
      samples.sort((a, b) => a.t - b.t);
    },
  };
  spawned.onSample = (s) => {
    samples.push(s);
    o.onSample?.(s);
  };
  return prober;
}

/**
 * The worker's file beside this module: dist/probe-worker.js in the bundles (scripts/build.mjs
 * builds it as an entry of its own), server/src/failover/probe-worker.ts when run from source,
 * which the worker loads through tsx (a worker does not inherit the caller's `--import` hooks).
 */
function workerSource(): { code: string; eval: true } | { code: string; eval: false } | undefined {
  const js = join(__dirname, 'probe-worker.js');
  if (existsSync(js)) return { code: js, eval: false };
  const ts = join(__dirname, 'probe-worker.ts');
  if (!existsSync(ts)) return undefined;
  let tsx: string;
  try {
    tsx = createRequire(__filename).resolve('tsx/cjs/api');
  } catch {
    return undefined;
  }
  return { code: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(ts)});`, eval: true };
}

interface SpawnedProbe {
  ready: Promise<void>;
  onSample: (s: ProbeSample) => void;
  stop(): Promise<void>;
}

/** Starts the worker; its messages are checked on receipt (anything else is ignored). */
function spawnProbeWorker(targets: ProbeTarget[], o: ProbeOptions): SpawnedProbe | undefined {
  const src = workerSource();
  if (!src) return undefined;
  const data: ProbeWorkerData = {
    targets,
    intervalMs: o.intervalMs,
    timeoutMs: o.timeoutMs,
    maxSamples: o.maxSamples,
    baseNs: (process.hrtime.bigint() - BigInt(Math.round(o.now() * 1e6))).toString(),
  };
  let worker: Worker;
  try {
    worker = new Worker(src.code, { eval: src.eval, workerData: data });
  } catch {
    return undefined;
  }
  let readyOk!: () => void;
  let readyFail!: (e: Error) => void;
  let doneOk!: () => void;
  const ready = new Promise<void>((ok, fail) => ((readyOk = ok), (readyFail = fail)));
  const done = new Promise<void>((ok) => (doneOk = ok));
  const spawned: SpawnedProbe = {
    ready,
    onSample: () => undefined,
    async stop() {
      worker.postMessage({ type: 'stop' });
      // every request ends by its timeout: the worker is done well within that and a second
      const limit = setTimeout(() => void worker.terminate(), o.timeoutMs + 1000);
      await done;
      clearTimeout(limit);
    },
  };
  worker.on('message', (m: unknown) => {
    const msg = m as { type?: unknown; sample?: unknown } | null;
    if (msg?.type === 'ready') readyOk();
    else if (msg?.type === 'sample' && isSample(msg.sample)) spawned.onSample(msg.sample);
    else if (msg?.type === 'done') void worker.terminate();
  });
  worker.on('error', (e: unknown) => readyFail(e instanceof Error ? e : new Error(String(e))));
  worker.on('exit', () => {
    readyFail(new Error('the probe worker exited'));
    doneOk();
  });
  return spawned;
}

function isSample(s: unknown): s is ProbeSample {
  const x = s as Partial<ProbeSample> | null;
  return (
    typeof x === 'object' && x !== null &&
    typeof x.t === 'number' && typeof x.site === 'string' && typeof x.ok === 'boolean' && typeof x.ms === 'number' &&
    (x.status === undefined || typeof x.status === 'number') &&
    (x.error === undefined || typeof x.error === 'string') &&
    (x.connected === undefined || x.connected === true)
  );
}

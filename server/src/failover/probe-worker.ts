/**
 * The probe's worker thread (started by probe.ts). Its event loop does nothing but send the
 * requests and time them, so a busy caller — the VS Code extension host, the failover test's SSH
 * sessions with their JS crypto — cannot delay a send or the moment an answer is seen. Times are on
 * the caller's clock: `baseNs` is the caller's t = 0 on the process-wide monotonic clock
 * (process.hrtime), which every thread of the process reads alike.
 *
 * Protocol (probe.ts checks every message): in → { type: 'stop' }; out → { type: 'ready' },
 * { type: 'sample', sample }, { type: 'done' }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { probeHere, type ProbeTarget } from './probe-core.js';

export interface ProbeWorkerData {
  targets: ProbeTarget[];
  intervalMs: number;
  timeoutMs: number;
  maxSamples: number;
  /** The caller's t = 0, as process.hrtime.bigint() nanoseconds (a decimal string). */
  baseNs: string;
}

const port = parentPort;
if (port) {
  const d = workerData as ProbeWorkerData;
  const base = BigInt(d.baseNs);
  const now = () => Number(process.hrtime.bigint() - base) / 1e6;
  const prober = probeHere(d.targets, {
    intervalMs: d.intervalMs,
    timeoutMs: d.timeoutMs,
    maxSamples: d.maxSamples,
    now,
    onSample: (sample) => port.postMessage({ type: 'sample', sample }),
  });
  port.postMessage({ type: 'ready' });
  port.on('message', (m: unknown) => {
    if ((m as { type?: unknown } | null)?.type !== 'stop') return;
    void prober.stop().then(() => {
      port.postMessage({ type: 'done' });
      port.close();
    });
  });
}

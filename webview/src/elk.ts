/**
 * ELK for the panel, in a Web Worker started with the page. ELK is a GWT-compiled ~1.6 MB module;
 * in a worker its parse and start-up overlap the page's own, and a layout neither holds the main
 * thread (the provisional drawing of a big graph stays responsive) nor waits for it: it starts as
 * soon as the snapshot arrives.
 *
 * The worker is built from a Blob of ELK's worker script, embedded in this bundle as text (the
 * `?text` plugin in scripts/webview-options.mjs): webview resources live on another origin, which
 * `new Worker(url)` refuses, and the panel's CSP allows `worker-src blob:` and nothing else.
 *
 * Tried and dropped (bench/webview.ts, 2 cores): warming ELK up with small layouts while the page
 * loads. It competed with the page for the CPU and gained nothing measurable once big graphs
 * were reduced before layout (layout.ts, toElkGraph).
 */
import ELK from 'elkjs/lib/elk-api.js';
import elkWorkerSource from 'elkjs/lib/elk-worker.min.js?text';
import type { ElkLike } from '../../server/src/diagram/layout.js';

let instance: ElkLike | null = null;

/** The page's ELK (one worker per page). */
export function startElk(): ElkLike {
  if (instance) return instance;
  const url = URL.createObjectURL(new Blob([elkWorkerSource], { type: 'text/javascript' }));
  instance = new ELK({ workerFactory: () => new Worker(url, { name: 'elk' }) });
  return instance;
}

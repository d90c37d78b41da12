/**
 * ELK for the panel, in a Web Worker started with the page. ELK is a GWT-compiled ~1.6 MB module;
 * in a worker its parse and start-up overlap the page's own, and a layout neither holds the main
 * thread nor waits for it: it starts as soon as the snapshot arrives. Topologies over ELK_MAX
 * nodes never come here (layout.ts orders them itself, order.ts).
 *
 * The worker is built from a Blob of ELK's worker script, embedded in this bundle as text (the
 * `?text` plugin in scripts/webview-options.mjs): webview resources live on another origin, which
 * `new Worker(url)` refuses, and the panel's CSP allows `worker-src blob:` and nothing else.
 *
 * If the worker cannot start (a host whose CSP refuses it) or dies, layouts reject instead of
 * waiting forever, and the panel shows the nodes in plain columns with the reason (App.tsx).
 *
 * Tried and dropped (bench/webview.ts, 2 cores): warming ELK up while the page loads, with ten
 * rounds of a 36-node graph (it competed with the page for the CPU) or with one tiny layout (no
 * measurable change).
 */
import ELK from 'elkjs/lib/elk-api.js';
import elkWorkerSource from 'elkjs/lib/elk-worker.min.js?text';
import type { ElkLike } from '../../shared/diagram/layout.js';

let instance: ElkLike | null = null;

/** The page's ELK (one worker per page). */
export function startElk(): ElkLike {
  if (instance) return instance;
  let fail: (e: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined); // observed by the layouts that race it
  try {
    const url = URL.createObjectURL(new Blob([elkWorkerSource], { type: 'text/javascript' }));
    const elk = new ELK({
      workerFactory: () => {
        const w = new Worker(url, { name: 'elk' });
        w.addEventListener('error', (e) => fail(new Error(`the layout worker failed: ${e.message || 'it could not start'}`)));
        return w;
      },
    });
    instance = { layout: (graph) => Promise.race([elk.layout(graph), failed]) };
  } catch (e) {
    // new Worker throws when the page's CSP refuses it.
    const why = new Error(`the layout worker could not start: ${e instanceof Error ? e.message : String(e)}`);
    instance = { layout: () => Promise.reject(why) };
  }
  return instance;
}

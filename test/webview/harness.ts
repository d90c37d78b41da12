/**
 * Playwright harness: serves the webview bundle from 127.0.0.1 under the panel's real HTML/CSP,
 * replaces acquireVsCodeApi with a bridge to a FakeHost in node (page.exposeFunction), and
 * drives headless Chromium through playwright-core.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml, makeNonce } from '../../server/src/diagram/panel-html.js';
import type { HostMessage } from '../../shared/protocol/webview.js';
import { FakeHost } from './fake-host.js';
import { buildWebview, ROOT } from './build.js';

export const OUT = join(ROOT, 'test-output/webview');
export const BUNDLE = join(OUT, 'bundle');

import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.js';

let built: Promise<void> | null = null;
export function ensureBundle(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  built ??= buildWebview(BUNDLE);
  return built;
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface Session {
  page: Page;
  host: FakeHost;
  origin: string;
  /** Console errors and CSP violations seen by the page. */
  problems: string[];
  /** Requests the page made to anything but the local server (must stay empty). */
  foreign: string[];
  close(): Promise<void>;
}

/** Serve the bundle and one HTML page; nothing else. */
function serve(nonce: string): Promise<{ server: Server; origin: string }> {
  return new Promise((resolve) => {
    let origin = '';
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname === '/' || url.pathname === '/index.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(panelHtml({ cspSource: origin, nonce, scriptUri: `${origin}/webview.js`, styleUri: `${origin}/webview.css` }));
        return;
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      const file = join(BUNDLE, url.pathname.replace(/^\/+/, ''));
      if (!/^\/webview\.(js|css)(\.map)?$/.test(url.pathname) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': url.pathname.endsWith('.css') ? 'text/css' : 'text/javascript' });
      res.end(readFileSync(file));
    });
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      origin = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
      resolve({ server, origin });
    });
  });
}

export async function openPanel(
  browser: Browser,
  text: string,
  /** `initScript`: page script run before the bundle (to break something on purpose). */
  opts: { width?: number; height?: number; initScript?: string } = {},
): Promise<Session> {
  await ensureBundle();
  const nonce = makeNonce();
  const { server, origin } = await serve(nonce);
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1400, height: opts.height ?? 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const foreign: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('request', (r) => {
    const u = r.url();
    // blob: is the ELK worker the page builds from its own bundle (webview/src/elk.ts).
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith(`blob:${origin}/`)) foreign.push(u);
  });
  const post = async (m: HostMessage) => {
    // VS Code delivers host messages as window 'message' events; so does this.
    await page.evaluate((msg) => window.postMessage(msg, '*'), m as unknown as Record<string, unknown>);
  };
  const host = new FakeHost(text, post);
  await page.exposeFunction('__halabHostReceive', (m: unknown) => {
    // Answer asynchronously: the page must not wait on the host inside postMessage.
    setTimeout(() => void host.receive(m).catch((e) => problems.push(`host: ${String(e)}`)), 0);
  });
  // A string, not a function: tsx would wrap a function in helpers (__name) the page lacks.
  await page.addInitScript({
    content: `(() => {
      let state;
      window.acquireVsCodeApi = () => ({
        postMessage: (m) => window.__halabHostReceive(m),
        getState: () => state,
        setState: (s) => { state = s; },
      });
    })();`,
  });
  if (opts.initScript) await page.addInitScript({ content: opts.initScript });
  await page.goto(`${origin}/`);
  return {
    page,
    host,
    origin,
    problems,
    foreign,
    async close() {
      await context.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Wait until the page has drawn the host's current revision with the automatic layout (not the fallback columns). */
export async function waitForRevision(s: Session, revision = s.host.version, timeout = 10_000): Promise<void> {
  await s.page.waitForFunction(
    (r) => {
      const m = (window as unknown as { __halab?: { renderedRevision?: number; laidOut?: boolean } }).__halab;
      return m?.renderedRevision === r && m.laidOut === true;
    },
    revision,
    { timeout },
  );
}

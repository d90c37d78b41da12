/**
 * Runs the packaged extension in a real VS Code: code-server (VS Code in the browser) on 127.0.0.1,
 * driven by headless Chromium through playwright-core. Everything lives in a temp folder: the
 * extensions dir, the user data dir and the workspace (a copy of examples/, never the repo).
 *
 * code-server is installed outside the repo by scripts/install-code-server.sh (cached in
 * ${HALAB_CACHE:-/var/cache/halab}/code-server); HALAB_CODE_SERVER may point at another binary.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from '../helpers/free-port.js';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const OUT = join(ROOT, 'test-output/vscode');

import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.js';

const CACHE = join(process.env.HALAB_CACHE ?? '/var/cache/halab', 'code-server');

/** The code-server wrapper (puts its Node 24 first on PATH), or null when not installed. */
export function codeServerBin(): string | null {
  const env = process.env.HALAB_CODE_SERVER;
  if (env) return existsSync(env) ? env : null;
  const wrapper = join(CACHE, 'code-server');
  return existsSync(wrapper) ? wrapper : null;
}

/**
 * Finds code-server, installing it when missing (needs root for apt-get). Returns a reason instead
 * of a path when it cannot be had; the suite skips on that outside CI and fails inside it.
 */
export function ensureCodeServer(): { bin: string } | { reason: string } {
  const have = codeServerBin();
  if (have) return { bin: have };
  if (process.getuid?.() !== 0) {
    return { reason: 'code-server is not installed and installing it needs root (run: sudo bash scripts/install-code-server.sh)' };
  }
  const r = spawnSync('bash', [join(ROOT, 'scripts/install-code-server.sh')],
    { stdio: ['ignore', 'pipe', 'inherit'], timeout: 25 * 60_000, encoding: 'utf8' });
  const bin = codeServerBin();
  if (r.status !== 0 || !bin) return { reason: `scripts/install-code-server.sh failed (exit ${r.status ?? r.signal})` };
  return { bin };
}

/** `npm run package` without the build (the caller builds once): the .vsix users install. */
export function buildVsix(outDir: string): string {
  if (!existsSync(join(ROOT, 'dist/extension.js')) || !existsSync(join(ROOT, 'dist/server.js'))) {
    const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const vsix = join(outDir, `halab-${version}.vsix`);
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/package.mjs'), '--out', vsix],
    { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`packaging failed: ${r.stderr}`);
  return vsix;
}

export function installExtension(bin: string, vsix: string, extDir: string, userDir: string): void {
  const r = spawnSync(bin, ['--extensions-dir', extDir, '--user-data-dir', userDir, '--install-extension', vsix], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: serverEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`code-server --install-extension failed (${r.status}): ${r.stdout}\n${r.stderr}`);
  if (!/successfully installed/i.test(r.stdout + r.stderr)) throw new Error(`install did not report success: ${r.stdout}\n${r.stderr}`);
}


/** User settings: no gallery, no update checks, no telemetry, no welcome page or AI side bar. */
const USER_SETTINGS = {
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'window.commandCenter': false,
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
  'git.enabled': false,
  'npm.autoDetect': 'off',
  // the DOM renderer, so a test can read what a terminal shows
  'terminal.integrated.gpuAcceleration': 'off',
};

/**
 * code-server falls back to open-vsx.org as its extension gallery and queries it a few seconds
 * after start, whatever the user settings say. An empty gallery (no serviceUrl) switches the
 * gallery off, so nothing leaves the machine.
 */
const NO_GALLERY = '{}';

/**
 * The extension host inherits code-server's environment. Secrets the examples read with env:NAME
 * are removed unless the test passes them, so a test sees the editor's prompts deterministically.
 */
function serverEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('HALAB_') && k !== 'HALAB_CACHE') delete env[k];
  return { ...env, EXTENSIONS_GALLERY: NO_GALLERY, ...extra };
}

export interface CodeServer {
  url: string;
  /** A folder for the test to use (a copy of examples/ plus whatever the test writes). */
  workspace: string;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts code-server on a free 127.0.0.1 port with the extension installed from `vsix`. Resolves
 * once it logs that its HTTP server listens (bounded by `timeoutMs`).
 */
export async function startCodeServer(
  bin: string,
  vsix: string,
  opts: {
    workspaceFiles?: Record<string, string>; env?: Record<string, string>; timeoutMs?: number; settings?: Record<string, unknown>;
  } = {},
): Promise<CodeServer> {
  const base = mkdtempSync(join(tmpdir(), 'halab-vscode-'));
  const extDir = join(base, 'extensions');
  const userDir = join(base, 'user-data');
  const workspace = join(base, 'workspace');
  mkdirSync(join(userDir, 'User'), { recursive: true });
  writeFileSync(join(userDir, 'User/settings.json'), JSON.stringify({ ...USER_SETTINGS, ...opts.settings }, null, 2));
  cpSync(join(ROOT, 'examples'), workspace, { recursive: true });
  for (const [name, text] of Object.entries(opts.workspaceFiles ?? {})) {
    mkdirSync(dirname(join(workspace, name)), { recursive: true });
    writeFileSync(join(workspace, name), text);
  }
  installExtension(bin, vsix, extDir, userDir);

  mkdirSync(OUT, { recursive: true });
  const logFile = join(OUT, 'code-server.log');
  const log = createWriteStream(logFile);
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    [
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      // a session that turns trust on (test/vscode/trust.test.ts) must get it from code-server too
      ...(opts.settings?.['security.workspace.trust.enabled'] === true ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      // Its own config file: code-server otherwise writes ~/.config/code-server/config.yaml.
      '--config', join(base, 'config.yaml'),
      '--extensions-dir', extDir,
      '--user-data-dir', userDir,
      workspace,
    ],
    // Its own process group: code-server forks the extension host, pty host and file watcher,
    // and stop() must end all of them.
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv(opts.env) },
  );
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });

  let exited = false;
  const exitP = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const stop = async () => {
    if (!exited && child.pid) {
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
      const t = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5000);
      await exitP;
      clearTimeout(t);
    }
    log.end();
    rmSync(base, { recursive: true, force: true });
  };

  try {
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () => reject(new Error(`code-server did not start within ${opts.timeoutMs ?? 60_000} ms; see ${logFile}`)),
        opts.timeoutMs ?? 60_000,
      );
      const onData = (d: Buffer) => {
        seen += d.toString();
        if (/HTTP server listening on/i.test(seen)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`code-server exited (${code}); see ${logFile}`)); });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: `http://127.0.0.1:${port}`, workspace, logFile, stop };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

const blocked = new WeakMap<Page, string[]>();

/** Requests the workbench tried to send off the machine (blocked by openWorkbench). */
export function blockedRequests(page: Page): string[] {
  return blocked.get(page) ?? [];
}

/** Opens the workbench on the workspace and waits until it is drawn. */
export async function openWorkbench(browser: Browser, cs: CodeServer): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  // The workbench must not reach anything but code-server itself.
  const origin = new URL(cs.url).origin;
  const off: string[] = [];
  blocked.set(page, off);
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(origin) || u.startsWith('data:') || u.startsWith('blob:') || u.startsWith('vscode-')) return route.continue();
    off.push(u);
    return route.abort();
  });
  await page.goto(`${cs.url}/?folder=${encodeURIComponent(cs.workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  await page.locator('.explorer-folders-view, .explorer-viewlet').first()
    .waitFor({ state: 'visible', timeout: 60_000 }).catch(() => undefined);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export interface Session {
  cs: CodeServer;
  browser: Browser;
  page: Page;
  /** Closes the browser, stops code-server and removes the packed .vsix. */
  close(): Promise<void>;
}

/**
 * The setup every code-server test shares: pack the .vsix, start code-server with it, open the
 * workbench in Chromium. Returns `{ skip }` with the reason when code-server is not installed —
 * a failure under CI, where the suite must run. `rebuild` runs `npm run build` first
 * (buildVsix reuses any dist/ it finds).
 */
export async function openSession(
  opts: Parameters<typeof startCodeServer>[2] & { rebuild?: boolean } = {},
): Promise<Session | { skip: string }> {
  const found = ensureCodeServer();
  if ('reason' in found) {
    if (process.env.CI) throw new Error(found.reason);
    return { skip: found.reason };
  }
  if (opts.rebuild) {
    const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  const vsixDir = mkdtempSync(join(tmpdir(), 'halab-vsix-'));
  let cs: CodeServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close().catch(() => undefined);
    await cs?.stop();
    rmSync(vsixDir, { recursive: true, force: true });
  };
  try {
    cs = await startCodeServer(found.bin, buildVsix(vsixDir), opts);
    browser = await launchBrowser();
    const page = await openWorkbench(browser, cs);
    return { cs, browser, page, close };
  } catch (e) {
    await close();
    throw e;
  }
}

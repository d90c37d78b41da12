/**
 * The topology panel inside a real VS Code (code-server + headless Chromium, the harness of
 * test/vscode/): the client side of the panel (client/src/topology-panel.ts) against the real
 * editor. It checks that opening writes nothing, that an edit from the diagram is one
 * WorkspaceEdit that undo reverts (and is not saved), that the cursor highlights a node, and that
 * only a move writes the layout sidecar.
 * Skips when code-server is not installed (outside CI); screenshots go to test-output/webview/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { ROOT, buildVsix, ensureCodeServer, launchBrowser, openWorkbench, startCodeServer, type CodeServer } from '../vscode/harness.js';
import { frameWith, goTo, openFile, runCommand } from '../vscode/workbench.js';
import { OUT } from './harness.js';

let skipReason = '';
let cs: CodeServer | undefined;
let browser: Browser | undefined;
let page: Page;
let vsixDir = '';

before(async () => {
  const found = ensureCodeServer();
  if ('reason' in found) {
    if (process.env.CI) throw new Error(found.reason);
    skipReason = found.reason;
    return;
  }
  // Package what the sources say now (buildVsix reuses any dist/ it finds).
  const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) throw new Error('npm run build failed');
  vsixDir = mkdtempSync(join(tmpdir(), 'halab-vsix-'));
  cs = await startCodeServer(found.bin, buildVsix(vsixDir));
  browser = await launchBrowser();
  page = await openWorkbench(browser, cs);
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await cs?.stop();
  if (vsixDir) rmSync(vsixDir, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: join(OUT, `vscode-${name}.png`) });
const node = (f: Frame, id: string) => f.locator(`.react-flow__node[data-id="${id}"]`);
/** The text editor showing lab.halab (wherever the focus is). */
const editorText = () => page.locator('.monaco-editor .view-lines').first();

async function until(what: string, f: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('in VS Code: open writes nothing, a diagram edit is one undoable unsaved edit, only a move writes the sidecar', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const file = join(cs!.workspace, 'lab.halab');
  const sidecar = `${file}.layout.json`;
  const onDisk = readFileSync(file, 'utf8');

  await openFile(page, 'lab.halab');
  // The palette offers the command once the editor knows the file is halab (`editorLangId`).
  await page.waitForFunction(() => /HA Lab|halab/.test(document.getElementById('status.editor.mode')?.textContent ?? ''), null, { timeout: 60_000 });
  await runCommand(page, 'HA Lab: Open Topology');
  const f = await frameWith(page, '.react-flow__node[data-id="upstream:web1"]');
  await node(f, 'lb:lb2').waitFor({ state: 'visible' });
  await shot('opened');
  assert.equal(readFileSync(file, 'utf8'), onDisk, 'opening the panel changed the file');
  assert.equal(existsSync(sidecar), false, 'opening the panel wrote the layout sidecar');

  // Edit from the side form: the editor shows it, the file on disk does not (not saved).
  await node(f, 'upstream:web1').click();
  await f.fill('[data-form="upstream:web1"] input[name="port"]', '8080');
  await f.click('[data-form="upstream:web1"] button[name="set-port"]');
  await page.locator('.monaco-editor .view-line', { hasText: 'upstream web1 { address 198.18.0.21; os debian; port 8080 }' }).waitFor({ timeout: 20_000 });
  await node(f, 'upstream:web1').filter({ hasText: '198.18.0.21:8080' }).waitFor();
  assert.equal(readFileSync(file, 'utf8'), onDisk, 'the edit was saved behind the user');
  await shot('edited');

  // Undo in the editor reverts exactly that edit, and the diagram follows.
  await editorText().click();
  await page.keyboard.press('Control+Z');
  await page.locator('.monaco-editor .view-line', { hasText: 'upstream web1 { address 198.18.0.21; os debian }' }).waitFor({ timeout: 20_000 });
  await node(f, 'upstream:web1').filter({ hasText: '198.18.0.21:80' }).waitFor();

  // The cursor in the text highlights the node whose statement holds it.
  const line = onDisk.split('\n').findIndex((l) => l.startsWith('upstream web2')) + 1;
  await goTo(page, line, 12);
  await node(f, 'upstream:web2').locator('.hl-highlight').waitFor({ timeout: 20_000 });

  // Moving a node is what writes the sidecar, with that node's position.
  assert.equal(existsSync(sidecar), false);
  const box = (await node(f, 'lb:lb2').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 10);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + 120, { steps: 8 });
  await page.mouse.up();
  await until('the sidecar', () => existsSync(sidecar));
  const saved = JSON.parse(readFileSync(sidecar, 'utf8'));
  assert.equal(saved.version, 1);
  assert.deepEqual(Object.keys(saved.positions), ['lb:lb2']);
  await shot('moved');
});

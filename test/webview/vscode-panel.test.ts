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
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { openSession, type Session } from '../vscode/harness.js';
import { frameWith, goTo, openFile, runCommand } from '../vscode/workbench.js';
import { OUT } from './harness.js';

let skipReason = '';
let session: Session | undefined;
let page: Page;

before(async () => {
  // Package what the sources say now.
  const opened = await openSession({ rebuild: true });
  if ('skip' in opened) {
    skipReason = opened.skip;
    return;
  }
  session = opened;
  page = opened.page;
});

after(async () => {
  await session?.close();
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
  const file = join(session!.cs.workspace, 'lab.halab');
  const sidecar = `${file}.layout.json`;
  const onDisk = readFileSync(file, 'utf8');

  await openFile(page, 'lab.halab');
  // The palette offers the command once the editor knows the file is halab (`editorLangId`).
  await page.waitForFunction(() => /HA Lab|halab/.test(document.getElementById('status.editor.mode')?.textContent ?? ''), null,
    { timeout: 60_000 });
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
  await page.locator('.monaco-editor .view-line',
    { hasText: 'upstream web1 { address 198.18.0.21; os debian; port 8080 }' }).waitFor({ timeout: 20_000 });
  await node(f, 'upstream:web1').filter({ hasText: '198.18.0.21:8080' }).waitFor();
  assert.equal(readFileSync(file, 'utf8'), onDisk, 'the edit was saved behind the user');
  await shot('edited');

  // Undo in the editor reverts exactly that edit, and the diagram follows.
  await editorText().click();
  await page.keyboard.press('Control+Z');
  await page.locator('.monaco-editor .view-line',
    { hasText: 'upstream web1 { address 198.18.0.21; os debian }' }).waitFor({ timeout: 20_000 });
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

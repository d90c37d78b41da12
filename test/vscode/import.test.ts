/**
 * "HA Lab: Import Existing Configs…" in a real VS Code (code-server + headless Chromium): the seed
 * tutorial's hand-written configs (test/fixtures/seed-import) are copied into the workspace, the
 * command runs from the palette, and VS Code's own folder and save dialogs — code-server draws
 * them as quick inputs holding a path — are answered by typing the paths. Then: the new .halab
 * is open in an editor, the Problems panel has nothing for it, the topology panel draws its
 * nodes, and the "HA Lab Import" output channel has the report and the env names, never a secret.
 * Also: an existing file is replaced only after the modal's yes, and an input the import cannot
 * take writes nothing and says why.
 */
import { after, afterEach, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, openSession, screenshot, type Session } from './harness.js';
import { activeEditor, frameWith, goTo, hoverText, outputChannelText, problemRows, runCommand } from './workbench.js';

const FIXTURE = join(ROOT, 'test/fixtures/seed-import');
const TITLE = 'HA Lab: Import Existing Configs…';
// The seed's literal secrets: keepalived's auth_pass and the stats page's user:password.
const AUTH_PASS = 'NzUwYmY1Y2FhM2IzMjE1OThiNjcyYzFl';
const STATS_AUTH = 'admin:haproxy';
const QUICK_INPUT = '.quick-input-widget:not(.quick-input-widget-closing)';

/** The fixture as workspace files under `seed-import/`. */
function fixtureFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const e of readdirSync(FIXTURE, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = join(e.parentPath, e.name);
    files[join('seed-import', relative(FIXTURE, abs))] = readFileSync(abs, 'utf8');
  }
  return files;
}

let skipReason = '';
let session: Session | undefined;
let page: Page;
let workspace = '';

before(async () => {
  const s = await openSession({
    // one host folder with nothing the import reads: the import stops with an error
    workspaceFiles: { ...fixtureFiles(), 'nothing-here/host1/etc/motd': 'hello\n' },
  });
  if ('skip' in s) {
    skipReason = s.skip;
    return;
  }
  session = s;
  page = s.page;
  workspace = s.cs.workspace;
  // The palette knows the extension's commands once the workbench has read its contributions:
  // its view container in the activity bar says so (the workbench draws before that).
  await page.locator('.activitybar .action-label[aria-label="HA Lab"]').waitFor({ state: 'visible', timeout: 60_000 });
});
after(async () => {
  await session?.close();
});
afterEach(async (t) => {
  if (page && !skipReason) await screenshot(page, `end-import-${t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`).catch(() => undefined);
});

function ready(t: TestContext): boolean {
  if (skipReason) t.skip(skipReason);
  return !skipReason;
}

/** Waits until the open quick input holds `value` (a dialog has replaced the palette, or navigated). */
async function inputValue(value: string): Promise<void> {
  await page.waitForFunction(
    (want) => document.querySelector<HTMLInputElement>('.quick-input-widget:not(.quick-input-widget-closing) input')?.value === want,
    value,
    { timeout: 30_000 },
  );
}

/**
 * Answers code-server's folder dialog: it opens on the workspace folder; type the folder's path
 * (the dialog then lists its contents, `expectRow` among them) and press the dialog's button.
 */
async function pickFolder(path: string, expectRow: string, button: string): Promise<void> {
  const dialog = page.locator(QUICK_INPUT);
  await inputValue(`${workspace}/`);
  await dialog.locator('input').fill(`${path}/`);
  await dialog.locator('.monaco-list-row', { hasText: expectRow }).first().waitFor({ state: 'visible', timeout: 30_000 });
  await inputValue(`${path}/`);
  await dialog.locator('.monaco-button', { hasText: button }).click();
}

/** Answers code-server's save dialog: the file's path, then Enter; a second yes when it asks to overwrite. */
async function saveAs(path: string, overwrite = false): Promise<void> {
  const dialog = page.locator(QUICK_INPUT);
  await page.waitForFunction(
    (want) => document.querySelector<HTMLInputElement>('.quick-input-widget:not(.quick-input-widget-closing) input')?.value.endsWith(want),
    path.slice(path.lastIndexOf('/')),
    { timeout: 30_000 },
  );
  await dialog.locator('input').fill(path);
  await page.keyboard.press('Enter');
  if (overwrite) {
    // the dialog's own question ("… already exists. Are you sure you want to overwrite it?", OK / Cancel)
    const ask = page.locator(QUICK_INPUT, { hasText: /already exists/ });
    await ask.waitFor({ state: 'visible', timeout: 30_000 });
    await ask.locator('.monaco-button', { hasText: /^OK$/ }).click();
  }
}

/** The whole text of an output channel: VS Code writes each one to a file in the logs folder. */
function channelLog(name: string): string {
  const logs = join(dirname(workspace), 'user-data', 'logs');
  if (!existsSync(logs)) return '';
  const files = readdirSync(logs, { recursive: true }).map(String).filter((f) => f.endsWith(`${name}.log`));
  return files.map((f) => readFileSync(join(logs, f), 'utf8')).join('\n');
}

async function waitForLog(name: string, re: RegExp, timeout = 30_000): Promise<string> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const text = channelLog(name);
    if (re.test(text) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function toast(text: RegExp) {
  return page.locator('.notification-toast', { hasText: text }).first();
}

describe('HA Lab: Import Existing Configs… (code-server)', () => {
  test('imports the seed configs: the file opens clean, the topology draws, the report has no secret', async (t) => {
    if (!ready(t)) return;
    const target = join(workspace, 'seed-import.halab');
    await runCommand(page, TITLE);
    await pickFolder(join(workspace, 'seed-import'), 'haproxy01', 'Import');
    // offered: <folder name>.halab in the workspace folder
    await saveAs(target);

    // the file is written and open in an editor
    await page.locator('.tabs-container .tab[aria-label^="seed-import.halab"]').first().waitFor({ state: 'visible', timeout: 60_000 });
    const text = readFileSync(target, 'utf8');
    assert.match(text, /^topology seed-import$/m);
    assert.match(text, /auth env:HALAB_VRRP_AUTH/);
    assert.match(text, /password env:HALAB_STATS_PASSWORD/);
    assert.ok(!text.includes(AUTH_PASS) && !text.includes(STATS_AUTH), 'no literal secret in the .halab file');

    // the summary names the counts and the variables to set, never a value
    const done = toast(/imported 4 hosts into seed-import\.halab/);
    await done.waitFor({ state: 'visible', timeout: 30_000 });
    const summary = await done.innerText();
    assert.match(summary, /HALAB_VRRP_AUTH/);
    assert.match(summary, /HALAB_STATS_PASSWORD/);
    assert.ok(!summary.includes(AUTH_PASS) && !summary.includes(STATS_AUTH), summary);
    await done.locator('.monaco-button', { hasText: 'Show Report' }).waitFor({ state: 'visible' });

    // the topology panel draws every node: the vip, both lbs, both upstreams, both sites
    const frame = await frameWith(page, '.react-flow__node');
    const names = ['haproxy01', 'haproxy02', 'upstream01', 'upstream02', 'web01', 'web02'];
    for (const n of names) await frame.locator('.react-flow__node', { hasText: n }).first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok((await frame.locator('.react-flow__node').count()) >= names.length + 1);
    await frame.locator('.react-flow__node', { hasText: '192.168.56.100' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await frame.locator('.react-flow__edge').first().waitFor({ state: 'attached', timeout: 30_000 });
    await screenshot(page, '30-import-topology');

    // no diagnostics for it: first a hover, so the language server has surely analysed the
    // file (it publishes diagnostics 2 ms after opening), then the Problems panel
    await page.locator('.tabs-container .tab[aria-label^="seed-import.halab"]').first().click();
    const line = text.split('\n').findIndex((l) => l.includes('router-id')) + 1;
    await goTo(page, line, text.split('\n')[line - 1]!.indexOf('router-id') + 2);
    assert.match(await hoverText(page), /VRRP/);
    await page.keyboard.press('Escape');
    const rows = await problemRows(page);
    await page.locator('.markers-panel', { hasText: 'No problems have been detected' }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await rows.count(), 0, 'Problems rows for the imported file');
    assert.equal(await activeEditor(page).locator('.squiggly-error, .squiggly-warning').count(), 0);
    await screenshot(page, '31-import-problems');

    // the report: in the output channel, with its sections and the env names, and no secret
    const shown = await outputChannelText(page, 'HA Lab Import');
    // (the view shows the channel's end, the variables to set; Monaco draws spaces as U+00A0)
    await shown.filter({ hasText: /HALAB_STATS_PASSWORD/ }).waitFor({ state: 'visible', timeout: 30_000 });
    await screenshot(page, '32-import-report');
    const log = await waitForLog('HA Lab Import', /HALAB_STATS_PASSWORD/);
    assert.match(log, /Import of .*seed-import \(4 host folders\) into .*seed-import\.halab/);
    assert.match(log, /pass-through: haproxy01 \/etc\/keepalived\/keepalived\.conf:5 `notification_email_from root@localhost`/);
    assert.match(log, /replaced: haproxy01 \/etc\/haproxy\/haproxy\.cfg:4 `pidfile/);
    assert.match(log, /Differences \(what rendering the file changes\) \(\d+\):/);
    assert.match(log, /Guesses to check \(\d+\):/);
    assert.match(log, /HALAB_VRRP_AUTH — the VRRP password of vip 192\.168\.56\.100/);
    assert.match(log, /HALAB_STATS_PASSWORD — the stats password/);
    assert.ok(!log.includes(AUTH_PASS), 'the auth_pass value is in the output channel');
    assert.ok(!log.includes(STATS_AUTH), 'the stats password is in the output channel');
    // the lines that became statements (the secrets' among them) are not listed
    assert.doesNotMatch(log, /auth_pass|stats auth/);
  });

  test('an existing file is replaced only after the modal says yes: Cancel writes nothing, Replace writes', async (t) => {
    if (!ready(t)) return;
    const target = join(workspace, 'seed-import.halab');
    const before = readFileSync(target, 'utf8');
    const mtime = statSync(target).mtimeMs;
    await runCommand(page, TITLE);
    await pickFolder(join(workspace, 'seed-import'), 'haproxy01', 'Import');
    await saveAs(target, true);
    const modal = page.locator('.monaco-dialog-box');
    await modal.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await modal.innerText(), /seed-import\.halab exists already/);
    await screenshot(page, '33-import-replace');
    await modal.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await modal.waitFor({ state: 'hidden', timeout: 30_000 });
    // the import does not run: no new report, the file untouched
    assert.equal((channelLog('HA Lab Import').match(/^Import of /gm) ?? []).length, 1);
    assert.equal(readFileSync(target, 'utf8'), before);
    assert.equal(statSync(target).mtimeMs, mtime, 'the file was not written');

    // once more, and Replace: the file is written again
    await runCommand(page, TITLE);
    await pickFolder(join(workspace, 'seed-import'), 'haproxy01', 'Import');
    await saveAs(target, true);
    await modal.waitFor({ state: 'visible', timeout: 30_000 });
    await modal.locator('.monaco-button', { hasText: 'Replace' }).click();
    const log = await waitForLog('HA Lab Import', /(Written to .*seed-import\.halab\.[\s\S]*){2}/);
    assert.equal((log.match(/^Import of /gm) ?? []).length, 2, log);
    assert.ok(statSync(target).mtimeMs > mtime, 'the file was written');
    assert.equal(readFileSync(target, 'utf8'), before, 'the same input gives the same file');
  });

  test('an input the import cannot take: nothing is written, the error is named', async (t) => {
    if (!ready(t)) return;
    const target = join(workspace, 'nothing-here.halab');
    await runCommand(page, TITLE);
    await pickFolder(join(workspace, 'nothing-here'), 'host1', 'Import');
    await saveAs(target);
    const err = toast(/import stopped, nothing was written/);
    await err.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await err.innerText(), /no host folder has \/etc\/haproxy\/haproxy\.cfg/);
    await err.locator('.monaco-button', { hasText: 'Show Report' }).click();
    await screenshot(page, '34-import-error');
    assert.ok(!existsSync(target), 'no file on errors');
    const log = await waitForLog('HA Lab Import', /Errors \(1\)/);
    assert.match(log, /Errors \(1\):\n {2}\(input\): no host folder has/);
  });
});

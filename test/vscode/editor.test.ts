/**
 * The packaged extension in a real VS Code (code-server + headless Chromium): the language is
 * recognised, diagnostics reach the Problems panel, completion and hover work, and — when the
 * commands are there — the topology panel draws and Render Configs writes files.
 *
 * One code-server for the file; the workspace is a temp copy of examples/ plus a broken file.
 * Screenshots go to test-output/vscode/.
 */
import { after, afterEach, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, blockedRequests, openSession, screenshot, type Session } from './harness.js';
import { activeEditor, answerPrompt, frameWith, goTo, hoverText, languageIndicator, openFile, problemRows, runCommand,
  suggestions } from './workbench.js';

const LAB = readFileSync(join(ROOT, 'examples/lab.halab'), 'utf8');
// Two faults the language contract names: a second primary and a server that is not declared.
const BROKEN = LAB.replace('role backup', 'role primary').replace('servers web1 web2', 'servers web1 web3');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

/** A command is usable when package.json contributes it and the extension registers it. */
function commandExists(id: string): boolean {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const contributed = (pkg.contributes?.commands ?? []).some((c: { command: string }) => c.command === id);
  const sources = readdirSync(join(ROOT, 'client/src'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(ROOT, 'client/src', f), 'utf8'))
    .join('\n');
  return contributed && new RegExp(`registerCommand\\(\\s*['"\`]${id.replace('.', '\\.')}['"\`]`).test(sources);
}

let skipReason = '';
let session: Session | undefined;
let page: Page;

before(async () => {
  const s = await openSession({ workspaceFiles: { 'broken.halab': BROKEN } });
  if ('skip' in s) {
    skipReason = s.skip;
    return;
  }
  session = s;
  page = s.page;
});
after(async () => {
  await session?.close();
});

// What the screen showed when each test ended, for a human reading a failure.
afterEach(async (t) => {
  if (page && !skipReason) await screenshot(page, `end-${t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`).catch(() => undefined);
});

function ready(t: TestContext): boolean {
  if (skipReason) {
    t.skip(skipReason);
    return false;
  }
  return true;
}

describe('halab in VS Code (code-server)', () => {
  test('a .halab file is recognised as the halab language', async (t) => {
    if (!ready(t)) return;
    await openFile(page, 'lab.halab');
    const lang = languageIndicator(page);
    await lang.waitFor({ state: 'visible' });
    // The status bar shows the language's first alias.
    await page.waitForFunction(() => /HA Lab|halab/.test(document.getElementById('status.editor.mode')?.textContent ?? ''), null,
      { timeout: 30_000 });
    assert.match(await lang.innerText(), /HA Lab|halab/);
    // The grammar (and semantic tokens) colour the text: wait until the lines show several colours.
    await page.waitForFunction(
      () => {
        const spans = document.querySelectorAll('.editor-group-container.active .monaco-editor .view-line span span');
        return new Set([...spans].map((e) => getComputedStyle(e).color)).size >= 3;
      },
      null,
      { timeout: 30_000 },
    );
    // The file icon contributed for the language (languages[].icon) is what the Explorer draws.
    const icon = await page
      .locator('.explorer-folders-view .monaco-list-row[aria-label="lab.halab"] .monaco-icon-label')
      .evaluate((e) => getComputedStyle(e, '::before').backgroundImage);
    assert.match(icon, /halab-file\.svg/);
    // Code lenses on the topology line.
    const lenses = activeEditor(page).locator('.codelens-decoration');
    await lenses.first().waitFor({ state: 'visible', timeout: 30_000 });
    const lensText = await lenses.allInnerTexts();
    for (const l of ['Render', 'Deploy', 'Failover test', 'Open Topology']) {
      assert.ok(lensText.join(' ').includes(l), `code lens ${l} missing: ${lensText.join(' ')}`);
    }
    await screenshot(page, '01-language');
  });

  test('a broken file shows its diagnostics in the Problems panel', async (t) => {
    if (!ready(t)) return;
    await openFile(page, 'broken.halab');
    const rows = await problemRows(page);
    // Wait until the language server has published both faults.
    const primary = rows.filter({ hasText: 'multiple-primaries' });
    const unknown = rows.filter({ hasText: 'unknown-reference' });
    await primary.first().waitFor({ state: 'visible', timeout: 60_000 });
    await unknown.first().waitFor({ state: 'visible', timeout: 60_000 });
    const primaryText = await primary.first().innerText();
    const unknownText = await unknown.first().innerText();
    // Each on the right line, and the unknown one names what is missing.
    assert.match(primaryText, new RegExp(`Ln ${lineOf(BROKEN, 'lb lb2')}\\b`));
    assert.match(unknownText, new RegExp(`Ln ${lineOf(BROKEN, 'servers web1 web3')}\\b`));
    assert.match(unknownText, /web3/);
    // The status bar counts the errors too (VS Code's own problems indicator).
    const counts = await page.locator('[id="status.problems"]').innerText();
    assert.ok(/\b[2-9]\b/.test(counts), `problems indicator: ${counts}`);
    // The editor squiggles the faults.
    await activeEditor(page).locator('.squiggly-error').first().waitFor({ state: 'visible' });
    await screenshot(page, '02-problems');
    // The healthy example has no errors: open it and check its problems are gone from the list.
    assert.equal(await rows.filter({ hasText: 'lab.halab' }).filter({ hasNotText: 'broken' }).count(), 0);
  });

  test('completion offers the keywords of the block', async (t) => {
    if (!ready(t)) return;
    await openFile(page, 'seed-lab.halab');
    // A new lb block at the end of the file; inside it, the lb keywords and nothing top-level.
    await activeEditor(page).locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    // (No auto-closing brace here, so the block is typed whole and the cursor put inside it.)
    await page.keyboard.type('lb lb3 {');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.keyboard.type('}');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Home');
    const inLb = await suggestions(page);
    for (const k of ['address', 'role', 'priority']) assert.ok(inLb.includes(k), `lb block completion lacks ${k}: ${inLb.join(', ')}`);
    for (const k of ['vip', 'site', 'topology']) assert.ok(!inLb.includes(k), `lb block completion offers top-level ${k}`);
    await screenshot(page, '03-completion');
    await page.keyboard.press('Escape');
    // Top level: a prefix narrows to the top-level keyword.
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('ups');
    const top = await suggestions(page);
    assert.ok(top.includes('upstream'), `top-level completion lacks upstream: ${top.join(', ')}`);
    await page.keyboard.press('Escape');
    // Leave the file as it was.
    await runCommand(page, 'File: Revert File');
  });

  test('hover shows the keyword documentation', async (t) => {
    if (!ready(t)) return;
    await openFile(page, 'lab.halab');
    const line = lineOf(LAB, 'router-id');
    const col = LAB.split('\n')[line - 1].indexOf('router-id') + 2;
    await goTo(page, line, col);
    const text = await hoverText(page);
    // The contract: router-id is the VRRP virtual router id, an integer 1–255.
    assert.match(text, /VRRP/);
    assert.match(text, /255/);
    await screenshot(page, '04-hover');
    await page.keyboard.press('Escape');
  });

  test('Open Topology draws the nodes', async (t) => {
    if (!ready(t)) return;
    if (!commandExists('halab.openTopology')) return t.skip('halab.openTopology is not registered by the extension yet');
    await openFile(page, 'lab.halab');
    await runCommand(page, 'HA Lab: Open Topology');
    const frame = await frameWith(page, '.react-flow__node');
    // lab.halab: 1 vip, 2 lbs, 2 upstreams, 2 sites — every one drawn.
    const names = ['lb1', 'lb2', 'web1', 'web2', 'web01', 'web02'];
    for (const n of names) await frame.locator('.react-flow__node', { hasText: n }).first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok((await frame.locator('.react-flow__node').count()) >= names.length + 1);
    await frame.locator('.react-flow__edge').first().waitFor({ state: 'attached', timeout: 30_000 });
    await screenshot(page, '05-topology');
  });

  test('Editor with diagnostics beside the topology (README screenshot)', async (t) => {
    if (!ready(t)) return;
    if (!commandExists('halab.openTopology')) return t.skip('halab.openTopology is not registered by the extension yet');
    await openFile(page, 'broken.halab');
    // Room for the diagram: no Explorer, the other tabs closed.
    await runCommand(page, 'View: Close Primary Side Bar');
    await runCommand(page, 'View: Close Other Editors in Group');
    await runCommand(page, 'HA Lab: Open Topology');
    const frame = await frameWith(page, '.react-flow__node');
    await frame.locator('.react-flow__node', { hasText: 'lb2' }).first().waitFor({ state: 'visible' });
    const rows = await problemRows(page);
    // Clicking a problem reveals it in the editor, as a user would.
    await rows.filter({ hasText: 'unknown-reference' }).first().click();
    await activeEditor(page).locator('.squiggly-error').first().waitFor({ state: 'visible' });
    // A lower Problems panel leaves the diagram more room: drag the sash above it down. Only
    // cosmetic, so a layout where that fails still takes the picture.
    const box = await page.locator('.part.panel.bottom').boundingBox().catch(() => null);
    const sashes = await page.locator('.monaco-sash.horizontal').evaluateAll((els) =>
      els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, w: r.width, h: r.height })));
    const sash = box && sashes.find((r) => r.w > box.width / 2 && Math.abs(r.y + r.h / 2 - box.y) < 8);
    if (sash) {
      const x = sash.x + sash.w / 2;
      const y = sash.y + sash.h / 2;
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.mouse.move(x, y + 90, { steps: 5 });
      await page.mouse.move(x, y + 180, { steps: 5 });
      await page.mouse.up();
    }
    await page.mouse.move(1, 1);
    // Fit the diagram to the taller panel, and wait until its viewport stops moving (two animation
    // frames with the same transform).
    await frame.locator('.react-flow__controls-fitview').click().catch(() => undefined);
    await frame.waitForFunction(
      () => {
        const v = document.querySelector<HTMLElement>('.react-flow__viewport');
        const w = window as unknown as { __lastT?: string };
        const same = !!v && v.style.transform === w.__lastT;
        w.__lastT = v?.style.transform;
        return same;
      },
      null,
      { polling: 'raf', timeout: 10_000 },
    ).catch(() => undefined);
    await frame.locator('.react-flow__node', { hasText: 'lb2' }).first().waitFor({ state: 'visible' });
    await screenshot(page, 'editor');
  });

  test('Render Configs writes the files', async (t) => {
    if (!ready(t)) return;
    if (!commandExists('halab.renderConfigs')) return t.skip('halab.renderConfigs is not registered by the extension yet');
    await openFile(page, 'lab.halab');
    // The command offers <file's folder>/rendered in a folder picker (VS Code's own dialog here).
    mkdirSync(join(session!.cs.workspace, 'rendered'), { recursive: true });
    await runCommand(page, 'HA Lab: Render Configs');
    const dialog = page.locator('.quick-input-widget:not(.quick-input-widget-closing)');
    await dialog.locator('.monaco-button', { hasText: 'Render here' }).click();
    // lab.halab reads both secrets from env:, unset here: the editor asks for each, in the order
    // the CLI names unset ones (SECRET_FIELDS: the stats password, then each vip's).
    const vrrp = 'Lab8pass';
    const stats = 'stats-pw-42';
    await answerPrompt(page, /HALAB_STATS_PASSWORD/, stats);
    await answerPrompt(page, /HALAB_VRRP_AUTH/, vrrp);
    // The command writes every file, then says so: wait for that, then read them.
    const done = page.locator('.notification-toast', { hasText: /rendered \d+ files/ }).first();
    await done.waitFor({ state: 'visible', timeout: 60_000 });
    // DIR/<host>/<absolute path on that host> (the contract of `halab render`).
    const dir = join(session!.cs.workspace, 'rendered');
    const haproxy = readFileSync(join(dir, 'lb1/etc/haproxy/haproxy.cfg'), 'utf8');
    assert.match(haproxy, /198\.18\.0\.21/);
    assert.match(haproxy, /web01\.lab\.test/);
    assert.ok(haproxy.includes(stats), 'stats password from the prompt is in haproxy.cfg');
    const keepalived = readFileSync(join(dir, 'lb2/etc/keepalived/keepalived.conf'), 'utf8');
    assert.match(keepalived, /virtual_router_id\s+51/);
    assert.match(keepalived, new RegExp(`auth_pass\\s+"?${vrrp}"?`));
    assert.match(keepalived, /state\s+BACKUP/);
    assert.ok(existsSync(join(dir, 'web1/etc/nginx')), 'nginx vhosts for the upstreams');
    // The count in the message is the number of files on disk.
    const written = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
    assert.match(await done.innerText(), new RegExp(`rendered ${written} files`));
    await screenshot(page, '06-render');
  });
});

describe('walkthrough', () => {
  test('Get started with HA Lab lists its six steps', async (t) => {
    if (!ready(t)) return;
    await runCommand(page, 'Welcome: Open Walkthrough...');
    const pick = page.locator('.quick-input-widget:not(.quick-input-widget-closing) .monaco-list-row',
      { hasText: 'Get started with HA Lab' });
    await pick.first().waitFor({ state: 'visible', timeout: 30_000 });
    await pick.first().click();
    const steps = page.locator('.gettingStartedContainer .getting-started-step');
    await steps.first().waitFor({ state: 'visible', timeout: 30_000 });
    const titles = (await steps.locator('.step-title').allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(titles,
      ['Create a topology', 'See diagnostics', 'Open the topology', 'Start the local lab', 'Deploy', 'Run the failover test']);
    await screenshot(page, '07-walkthrough');
  });
});

describe('network', () => {
  test('nothing tried to leave the machine (gallery, CDN, telemetry)', async (t) => {
    if (!ready(t)) return;
    assert.deepEqual(blockedRequests(page), [], 'requests from the workbench to other hosts');
    const log = readFileSync(session!.cs.logFile, 'utf8');
    assert.doesNotMatch(log, /open-vsx|marketplace|getaddrinfo|ENOTFOUND|EAI_AGAIN/, 'code-server tried to reach a host');
  });
});

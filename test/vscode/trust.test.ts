/**
 * Restricted Mode in a real VS Code (code-server): with workspace trust on and the folder not
 * trusted, the language features still work (a broken file gets its diagnostics), and Deploy
 * refuses with the trust prompt instead of connecting anywhere.
 */
import { after, afterEach, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openSession, screenshot, type Session } from './harness.js';
import { openFile, problemRows, runCommand } from './workbench.js';
import { BASE } from '../helpers/markers.js';

let skipReason = '';
let session: Session | undefined;
let page: Page;

// A topology with one error (the backup claims to be primary too), and a clean one whose lbs are
// reached on a loopback port where nothing listens and whose upstreams are not managed: even if
// the trust check regressed, a deploy could not reach anything but this machine.
const GOOD = BASE.replace(/(lb lb\d \{ address [\d.]+;)/g, '$1 ssh root@127.0.0.1:9;')
  .replace(/(upstream web\d \{ address [\d.]+)/g, '$1; managed no');
const BROKEN = BASE.replace('role backup', 'role primary');
assert.match(GOOD, /lb lb2 \{ address 198\.18\.0\.12; ssh root@127\.0\.0\.1:9;/);
assert.match(GOOD, /upstream web2 \{ address 198\.18\.0\.22; managed no/);

before(async () => {
  const opened = await openSession({
    workspaceFiles: { 'broken.halab': BROKEN, 'good.halab': GOOD },
    // trust on, never asked at startup: the folder opens in Restricted Mode
    settings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.banner': 'never' },
  });
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

afterEach(async (t) => {
  if (page && !skipReason) await screenshot(page, `end-trust-${t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`).catch(() => undefined);
});

function ready(t: TestContext): boolean {
  if (skipReason) t.skip(skipReason);
  return !skipReason;
}

describe('an untrusted folder (Restricted Mode)', () => {
  test('diagnostics still show for a broken file', async (t) => {
    if (!ready(t)) return;
    await openFile(page, 'broken.halab');
    const rows = await problemRows(page);
    await rows.filter({ hasText: /multiple-primaries|already the primary/ }).first().waitFor({ state: 'visible', timeout: 60_000 });
    await screenshot(page, '20-untrusted-diagnostics');
  });

  test('Deploy asks for trust and does nothing else', async (t) => {
    if (!ready(t)) return;
    await openFile(page, 'good.halab');
    await runCommand(page, 'HA Lab: Deploy');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, /trust this folder first/);
    assert.match(text, /Manage Workspace Trust/);
    await screenshot(page, '21-untrusted-deploy');
    await page.keyboard.press('Escape');
    // no plan was made: nothing in the HA Lab output about connecting
    assert.equal(await page.locator('.notification-toast', { hasText: /planning the deploy/ }).count(), 0);
  });
});

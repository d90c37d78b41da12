/**
 * Small drivers for the VS Code workbench UI, each waiting on what the UI shows (a widget, a row,
 * a text) rather than on time. Selectors are VS Code's own DOM classes (stable across 1.9x–1.13x).
 */
import type { Frame, Locator, Page } from 'playwright-core';

// VS Code 1.13x animates the quick input out: a closing widget keeps its DOM (class
// quick-input-widget-closing, inert) for a moment, and must not be mistaken for an open one.
const QUICK_INPUT = '.quick-input-widget:not(.quick-input-widget-closing)';

/** Waits until no quick input is open, so the next key press reaches the workbench. */
async function quickInputClosed(page: Page, timeout = 30_000): Promise<void> {
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout });
}

/** Runs a command by its palette title ("HA Lab: Render Configs"). */
export async function runCommand(page: Page, title: string, timeout = 30_000): Promise<void> {
  const input = page.locator(`${QUICK_INPUT} input`);
  // The palette can close again as it opens when focus moves under it (seen right after a
  // terminal was closed: the input was found, then never visible again for 30 s). Opening it anew
  // is what a user would do; three tries, each bounded.
  for (let attempt = 1; ; attempt++) {
    await quickInputClosed(page, timeout);
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('>' + title, { timeout: 10_000 });
      break;
    } catch (e) {
      if (attempt === 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
  // The row whose label is exactly the title (the palette also lists fuzzy matches).
  const row = page.locator(`${QUICK_INPUT} .monaco-list-row`,
    { has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(title)}$`) }) }).first();
  await row.waitFor({ state: 'visible', timeout });
  await row.click();
  // The palette closes — or the command opens a quick input of its own (a picker, a prompt),
  // which reuses the widget with other contents.
  await page.waitForFunction(
    (typed) => {
      const w = document.querySelector<HTMLElement>('.quick-input-widget');
      const input = w?.querySelector<HTMLInputElement>('input');
      return !w || w.classList.contains('quick-input-widget-closing') || w.style.display === 'none' || w.offsetParent === null
        || input?.value !== typed;
    },
    '>' + title,
    { timeout },
  );
}

/**
 * Opens a top-level workspace file by clicking it in the Explorer, and waits for its editor tab to
 * be active. (Quick Open's list re-sorts while it filters, so a click there can land on a
 * neighbour such as seed-lab.halab for lab.halab.)
 */
export async function openFile(page: Page, name: string, timeout = 30_000): Promise<void> {
  // Escape first: a leftover widget (suggestions, hover) would take the keys.
  await page.keyboard.press('Escape');
  await quickInputClosed(page, timeout);
  const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"]`);
  if (!(await row.isVisible())) await runCommand(page, 'View: Show Explorer', timeout);
  await row.waitFor({ state: 'visible', timeout });
  await row.click();
  // The tab's label-name holds only "lab"; its aria-label starts with the whole name.
  await page.locator(`.editor-group-container.active .tabs-container .tab.active[aria-label^="${name}"]`)
    .waitFor({ state: 'visible', timeout });
  await activeEditor(page).locator('.view-lines').waitFor({ state: 'visible', timeout });
}

export function activeEditor(page: Page): Locator {
  return page.locator('.editor-group-container.active .monaco-editor').first();
}

/** Puts the cursor at a 1-based line and column with Go to Line (Ctrl+G). */
export async function goTo(page: Page, line: number, column: number): Promise<void> {
  await quickInputClosed(page);
  await activeEditor(page).locator('.view-lines').click();
  // Move the mouse off the text, or its own hover (wherever the click was) competes with the
  // cursor's.
  await page.mouse.move(1, 1);
  await page.keyboard.press('Control+G');
  const input = page.locator(`${QUICK_INPUT} input`);
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await quickInputClosed(page);
}

/** The language shown in the status bar for the active editor. */
export function languageIndicator(page: Page): Locator {
  return page.locator('[id="status.editor.mode"]');
}

/** The rows of the Problems view (opened and focused first). */
export async function problemRows(page: Page): Promise<Locator> {
  await runCommand(page, 'Problems: Focus on Problems View');
  const panel = page.locator('.markers-panel');
  await panel.waitFor({ state: 'visible' });
  return panel.locator('.monaco-list-row');
}

/** Opens the suggest widget at the cursor and returns its visible labels. */
export async function suggestions(page: Page, timeout = 30_000): Promise<string[]> {
  const widget = page.locator('.editor-widget.suggest-widget');
  await page.keyboard.press('Control+Space');
  await widget.locator('.monaco-list-row').first().waitFor({ state: 'visible', timeout });
  return widget.locator('.monaco-list-row .label-name').allInnerTexts();
}

/** Shows the hover at the cursor (editor.action.showHover) and returns its text. */
export async function hoverText(page: Page, timeout = 30_000): Promise<string> {
  await runCommand(page, 'Show or Focus Hover');
  const hover = page.locator('.monaco-hover:not(.hidden) .hover-contents, .monaco-hover:not(.hidden) .monaco-hover-content').first();
  await hover.waitFor({ state: 'visible', timeout });
  return hover.innerText();
}

/** Polls page.frames() until one (a webview's inner frame) holds `selector`. */
export async function frameWith(page: Page, selector: string, timeout = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue; // the workbench itself: a webview is always a subframe
      if (await f.locator(selector).count().catch(() => 0)) return f;
    }
    // Wait for the next frame to attach or navigate instead of spinning.
    await Promise.race([
      page.waitForEvent('frameattached', { timeout: 1000 }).catch(() => undefined),
      page.waitForEvent('framenavigated', { timeout: 1000 }).catch(() => undefined),
    ]);
  }
  throw new Error(`no frame with ${selector} within ${timeout} ms`);
}

/** Text of the output channel `name` (View: Show Output, then pick the channel). */
export async function outputChannelText(page: Page, name: string): Promise<Locator> {
  await runCommand(page, 'Output: Focus on Output View');
  const picker = page.locator('.panel .monaco-select-box, .panel select').first();
  await picker.waitFor({ state: 'visible' });
  await picker.selectOption({ label: name }).catch(async () => {
    // Newer workbenches use a custom drop-down: click it and pick the entry.
    await picker.click();
    await page.locator('.monaco-select-box-dropdown-container .option-text', { hasText: name }).first().click();
  });
  return page.locator('.panel .output-view .view-lines, .panel .monaco-editor .view-lines').first();
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Answers an input box whose title or prompt matches `title`. */
export async function answerPrompt(page: Page, title: RegExp, value: string): Promise<void> {
  const box = page.locator('.quick-input-widget:not(.quick-input-widget-closing)', { hasText: title });
  await box.waitFor({ state: 'visible', timeout: 30_000 });
  await box.locator('input').fill(value);
  await page.keyboard.press('Enter');
  await box.waitFor({ state: 'hidden', timeout: 30_000 });
}

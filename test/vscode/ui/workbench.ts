/// <reference lib="dom" />
/**
 * What the UI tests share: steps that record a failure with a screenshot and go on, the command palette, the
 * Explorer's context menu, and DOM probes of the editor (heat labels are `::after` contents of decoration spans).
 */
import type { Page } from 'playwright-core';
import { join } from 'node:path';
import { ROOT } from '../host';

export const RESULTS = join(ROOT, 'test-results');

/** Named steps; a failing step is photographed (test-results/<prefix>failed-step-N.png) and the run goes on. */
export class Steps {
  readonly results: { name: string; error?: string }[] = [];
  private readonly t0 = Date.now();
  page: Page | undefined;

  constructor(private readonly prefix = '') {}

  lap(m: string): void {
    console.log(`[ui ${((Date.now() - this.t0) / 1000).toFixed(1)}s] ${m}`);
  }

  async step(name: string, fn: () => Promise<void>): Promise<boolean> {
    try {
      await fn();
      this.results.push({ name });
      this.lap(`ok   ${name}`);
      return true;
    } catch (e) {
      this.results.push({ name, error: (e as Error).stack ?? String(e) });
      const shot = join(RESULTS, `${this.prefix}failed-step-${this.results.length}.png`);
      await this.page?.screenshot({ path: shot }).catch(() => undefined);
      this.lap(`FAIL ${name} (screenshot: ${shot})\n${(e as Error).message}`);
      return false;
    }
  }

  /** Prints `N passed, N failed` (the last line, read by scripts/test-all.sh) and gives the exit code. */
  finish(): number {
    const failed = this.results.filter((r) => r.error);
    console.log(`${this.results.length - failed.length} passed, ${failed.length} failed`);
    return failed.length ? 1 : 0;
  }
}

/** In the page: some line shows its share (not a block ▸ or function Σ total). */
export const HAS_LINE_SHARES = `() => [...document.querySelectorAll('.view-line span[class*="ced-"]')].some((s) => { const c = getComputedStyle(s, '::after').content; return /%/.test(c) && !/^"[▸Σ]/.test(c); })`;

/** In the page: the view-line element of editor line `n` (1-based), matched through the line-number gutter. */
export const LINE_ELEMENT = `(n) => {
  const editor = document.querySelector('.editor-instance .monaco-editor');
  const tops = new Map();
  for (const m of editor.querySelectorAll('.margin-view-overlays > div')) {
    const num = Number(m.querySelector('.line-numbers')?.textContent?.trim());
    if (num) tops.set(m.style.top, num);
  }
  return [...editor.querySelectorAll('.view-lines > .view-line')].find((l) => tops.get(l.style.top) === n);
}`;

export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type(title);
  // Click the row whose label is exactly the title: Enter would take whichever row the palette ranks first.
  const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  await page
    .locator('.quick-input-list .monaco-list-row .label-name')
    .filter({ hasText: exact })
    .first()
    .click({ timeout: 20_000 });
}

/** Quick Open a file by name, as a user does with Ctrl+P. */
export async function quickOpen(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type(name);
  await page.waitForSelector(`.quick-input-list .monaco-list-row >> text=${name}`, { timeout: 30_000 });
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.tab.active >> text=${name}`, { timeout: 30_000 });
}

/** Right-click files of the demo's profiles/ folder in the Explorer and run our entry of the context menu. */
export async function explorerAction(page: Page, files: string[], label: string): Promise<void> {
  // Ctrl+Shift+E shows the Explorer; clicking its icon would hide the side bar when it is already shown.
  await page.keyboard.press('Control+Shift+E');
  // The Explorer's list is virtual: rows out of view are not in the DOM until scrolled to. Start from the top, where
  // the profiles folder is (an earlier step may have scrolled it away).
  const list = page.locator('.explorer-folders-view').first();
  await list.waitFor({ timeout: 10_000 });
  // A row's path tooltip opens under a mouse that rests on the list (sooner than a step ends on a busy machine) and
  // then takes the pointer events: leave the list so it closes, and come back without waiting for it to be clear.
  const overList = async (): Promise<void> => {
    await page.mouse.move(0, 0);
    await list.hover({ force: true });
  };
  // Ctrl+Shift+E leaves the focus in the tree: Home scrolls it to the top (the wheel does not always reach it).
  await page.keyboard.press('Home');
  await overList();
  await page.mouse.wheel(0, -10_000);
  await page.waitForTimeout(200);
  const profiles = page.locator('.explorer-folders-view .monaco-list-row[aria-label="profiles"]').first();
  await profiles.waitFor({ timeout: 10_000 });
  if ((await profiles.getAttribute('aria-expanded')) !== 'true') await profiles.click();
  const rows = files.map((f) => page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${f}"]`).first());
  for (let i = 0; i < 30 && (await rows[rows.length - 1].count()) === 0; i++) {
    await overList();
    await page.mouse.wheel(0, 200);
    await page.waitForTimeout(100);
  }
  await rows[0].click();
  for (const r of rows.slice(1)) await r.click({ modifiers: ['Control'] });
  await rows[rows.length - 1].click({ button: 'right' });
  const entries = page.locator('.context-view .action-label');
  await entries.filter({ hasText: label }).first().waitFor({ timeout: 10_000 });
  // Walk up from the bottom to our entry: the menu takes keys more reliably than clicks.
  const labels = (await entries.allTextContents()).map((t) => t.trim()).filter(Boolean);
  const steps = labels.length - labels.indexOf(label);
  for (let i = 0; i < steps; i++) await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
}

/// <reference lib="dom" />
/**
 * The user's view, through the real workbench in Chromium: open the demo's hot .inc, find heat on the right lines in
 * the DOM, and photograph it in a dark and a light theme (test-results/heat-dark.png, heat-light.png).
 * Prints `N passed, N failed` last.
 */
import { chromium, type Page } from 'playwright-core';
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_ARGS, DEMO_WORKSPACE, ROOT, installExtension, startCodeServer, type CodeServer } from '../host';
import { annotateSampleTotal, correctRows, parseReportSrclineCounts } from '../../perf-oracle';
import { explorerAction, HAS_LINE_SHARES, LINE_ELEMENT, runCommand } from './workbench';

const RESULTS = join(ROOT, 'test-results');
const HOT_FILE = 'mh3_owner_stash_pop.inc';
const results: { name: string; error?: string }[] = [];
const t0 = Date.now();
const lap = (m: string): void => console.log(`[ui ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

let currentPage: Page | undefined;

async function step(name: string, fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    results.push({ name });
    lap(`ok   ${name}`);
    return true;
  } catch (e) {
    results.push({ name, error: (e as Error).stack ?? String(e) });
    const shot = join(RESULTS, `failed-step-${results.length}.png`);
    await currentPage?.screenshot({ path: shot }).catch(() => undefined);
    lap(`FAIL ${name} (screenshot: ${shot})\n${(e as Error).message}`);
    return false;
  }
}

interface DomHeat {
  line: number;
  label: string;
  background: string;
}

/** Heated lines as the workbench renders them: whole-line backgrounds and their `::after` labels, by line number. */
async function renderedHeat(page: Page): Promise<DomHeat[]> {
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-instance .monaco-editor')!;
    const numbers = new Map<string, number>();
    for (const n of editor.querySelectorAll<HTMLElement>('.margin-view-overlays > div')) {
      const num = n.querySelector('.line-numbers')?.textContent?.trim();
      if (num) numbers.set(n.style.top, Number(num));
    }
    const out: { line: number; label: string; background: string }[] = [];
    const lines = [...editor.querySelectorAll<HTMLElement>('.view-lines > .view-line')];
    for (const l of lines) {
      // Line shares only: block totals (▸ …) and function totals (Σ …) are other decorations.
      const labelled = [...l.querySelectorAll('span[class*="ced-"]')]
        .map((s) => getComputedStyle(s, '::after').content)
        .find((c) => /%/.test(c) && !/^"[▸Σ]/.test(c));
      if (!labelled) continue;
      out.push({ line: numbers.get(l.style.top) ?? -1, label: labelled.replace(/^"|"$/g, ''), background: '' });
    }
    for (const o of editor.querySelectorAll<HTMLElement>('.view-overlays > div')) {
      const line = numbers.get(o.style.top);
      const bg = [...o.querySelectorAll('[class*="ced-"]')]
        .map((e) => getComputedStyle(e).backgroundColor)
        .find((c) => c && c !== 'rgba(0, 0, 0, 0)');
      const hit = out.find((x) => x.line === line);
      if (hit && bg) hit.background = bg;
    }
    return out;
  });
}

async function main(): Promise<number> {
  mkdirSync(RESULTS, { recursive: true });
  const report = correctRows(
    parseReportSrclineCounts(readFileSync(join(DEMO_WORKSPACE, 'profiles/report-srcline-n.txt'), 'utf8')),
  );
  const total = annotateSampleTotal(readFileSync(join(DEMO_WORKSPACE, 'profiles/annotate-l.txt'), 'utf8'));
  const hottest = report.filter((r) => r.file === HOT_FILE).sort((a, b) => b.samples - a.samples)[0];
  let cs: CodeServer | undefined;
  const theme = {
    'workbench.colorTheme': 'Default Dark Modern',
    'editor.fontSize': 13,
    'editor.stickyScroll.enabled': false,
    'window.commandCenter': false,
    'workbench.tips.enabled': false,
  };
  try {
    const extensionsDir = join(ROOT, '.vscode-test', 'ui-extensions');
    installExtension(extensionsDir);
    cs = await startCodeServer({ userSettings: theme, extensionsDir });
    const browser = await chromium.launchPersistentContext(join(cs.runDir, 'chrome'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: CHROMIUM_ARGS,
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    currentPage = page;
    try {
      await page.goto(`${cs.url}/?folder=${encodeURIComponent(DEMO_WORKSPACE)}`);
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
      lap('workbench ready');

      await step(`opening ${HOT_FILE} shows heat on the lines perf report lists`, async () => {
        await page.keyboard.press('Control+P');
        await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
        await page.keyboard.type(HOT_FILE);
        await page.waitForSelector(`.quick-input-list .monaco-list-row >> text=${HOT_FILE}`, { timeout: 30_000 });
        await page.keyboard.press('Enter');
        await page.waitForSelector(`.tab.active >> text=${HOT_FILE}`, { timeout: 30_000 });
        // Reveal perf report's hottest line of the file in the middle of the editor.
        await page.keyboard.press('Control+G');
        await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
        await page.keyboard.type(String(hottest.line));
        await page.waitForSelector(`.quick-input-widget >> text=/line ${hottest.line}/`);
        await page.keyboard.press('Enter');
        await page.waitForSelector('.quick-input-widget', { state: 'hidden' });
        await page.waitForSelector(`#status\\.editor\\.selection >> text=/Ln ${hottest.line},/`);
        await page.waitForFunction(HAS_LINE_SHARES, null, { timeout: 60_000 });
        // The hottest line itself carries its label once the heat of this file is drawn (not a stale frame).
        await page.waitForFunction(
          `(() => { const row = (${LINE_ELEMENT})(${hottest.line}); return !!row && [...row.querySelectorAll('span[class*="ced-"]')].some((s) => /\\d%"$/.test(getComputedStyle(s, '::after').content)); })()`,
          null,
          { timeout: 30_000 },
        );
        const heat = await renderedHeat(page);
        const row = heat.find((h) => h.line === hottest.line);
        assert.ok(
          row,
          `line ${hottest.line} (perf report's hottest in ${HOT_FILE}) is heated; heated: ${heat.map((h) => h.line).join(',')}`,
        );
        const expected = (100 * hottest.samples) / total;
        assert.ok(
          Math.abs(parseFloat(row.label) - expected) <= 0.06 + expected * 0.01,
          `label ${row.label} vs perf report ${expected.toFixed(2)}%`,
        );
        assert.ok(row.background && row.background !== 'rgba(0, 0, 0, 0)', 'the hottest line has a heat background');
        const reported = new Set(report.filter((r) => r.file === HOT_FILE).map((r) => r.line));
        for (const h of heat) assert.ok(reported.has(h.line), `heated line ${h.line} is one perf report lists`);
        await runCommand(page, 'Notifications: Clear All Notifications');
        await page.mouse.move(5, 5);
        await page.screenshot({ path: join(RESULTS, 'heat-dark.png') });
      });

      await step('the heat stays legible in a light theme', async () => {
        // Through the theme picker, as a user would (a settings-file rewrite is not always picked up at once).
        await runCommand(page, 'Preferences: Color Theme');
        await page.keyboard.type('Light Modern');
        await page
          .locator('.quick-input-list .monaco-list-row .label-name')
          .filter({ hasText: /^Light Modern$|^Default Light Modern$/ })
          .first()
          .click({ timeout: 20_000 });
        await page.waitForSelector('.monaco-workbench.vs:not(.vs-dark)', { timeout: 30_000 });
        const heat = await renderedHeat(page);
        assert.ok(
          heat.some((h) => h.line === hottest.line && h.background),
          'still heated after the theme switch',
        );
        await page.screenshot({ path: join(RESULTS, 'heat-light.png') });
      });

      await step('and in a high-contrast theme', async () => {
        await runCommand(page, 'Preferences: Color Theme');
        await page.keyboard.type('Dark High Contrast');
        await page
          .locator('.quick-input-list .monaco-list-row .label-name')
          .filter({ hasText: /^(Default )?Dark High Contrast$/ })
          .first()
          .click({ timeout: 20_000 });
        await page.waitForSelector('.monaco-workbench.hc-black', { timeout: 30_000 });
        const heat = await renderedHeat(page);
        assert.ok(
          heat.some((h) => h.line === hottest.line && h.background),
          'still heated in high contrast',
        );
        await page.screenshot({ path: join(RESULTS, 'heat-high-contrast.png') });
        // Back to light for the steps that follow.
        await runCommand(page, 'Preferences: Color Theme');
        await page.keyboard.type('Light Modern');
        await page
          .locator('.quick-input-list .monaco-list-row .label-name')
          .filter({ hasText: /^Light Modern$|^Default Light Modern$/ })
          .first()
          .click({ timeout: 20_000 });
        await page.waitForSelector('.monaco-workbench.vs:not(.vs-dark)', { timeout: 30_000 });
      });

      await step('the status bar names the loaded profile', async () => {
        const item = await page.waitForSelector(
          '[id="perf-heat.perf-heat.perfHeat.status"], .statusbar-item:has-text("annotate-l.txt")',
          { timeout: 10_000 },
        );
        assert.match((await item.textContent()) ?? '', /annotate-l\.txt/);
      });

      await step(
        'the hotspot panel lists the hot function; clicking its hottest line moves the cursor there',
        async () => {
          await page.click('.activitybar .action-item a[aria-label^="Perf Heat"]');
          const fn = page.locator('.monaco-list-row:has-text("mh3_owner_stash_pop")').first();
          await fn.waitFor({ timeout: 20_000 });
          await fn.locator('.monaco-tl-twistie').click();
          const firstLine = page.locator('.monaco-list-row[aria-level="3"]').first();
          await firstLine.waitFor({ timeout: 10_000 });
          // Share first, then the line; the file is in the description (under a function, lines may be in headers).
          const label = (await firstLine.locator('.label-name').textContent())!.trim();
          const [, line] = /^[\d.<]+%\s+line (\d+)$/.exec(label) ?? assert.fail(`hotspot line row label: ${label}`);
          const file = ((await firstLine.locator('.label-description').textContent()) ?? '').split(' · ')[0].trim();
          await firstLine.click();
          await page.waitForSelector(`.tab.active >> text=${file}`, { timeout: 10_000 });
          await page.waitForSelector(`#status\\.editor\\.selection >> text=/Ln ${line},/`, { timeout: 10_000 });
          await page.mouse.move(5, 5);
          await page.screenshot({ path: join(RESULTS, 'hotspot-panel.png') });
        },
      );

      await step('hovering a heated line shows its counts, instructions and inline chain', async () => {
        const handle = await page.evaluateHandle<Element | undefined>(`(${LINE_ELEMENT})(${hottest.line})`);
        const heated = handle.asElement();
        if (!heated) throw new Error(`line ${hottest.line} is not rendered`);
        const box = (await heated.boundingBox())!;
        await page.mouse.move(box.x + 40, box.y + box.height / 2);
        const hover = page.locator('.monaco-hover:has-text("Perf Heat")');
        await hover.waitFor({ state: 'visible', timeout: 15_000 });
        const text = (await hover.textContent()) ?? '';
        assert.match(text, /cpu-clock/);
        assert.match(text, /Instructions carrying the samples/);
        // The hover fades in: photograph it once fully shown.
        await page
          .waitForFunction(
            () => {
              const h = document.querySelector('.monaco-hover.workbench-hover, .monaco-editor .monaco-hover');
              let el: Element | null = h;
              while (el) {
                if (Number(getComputedStyle(el).opacity) < 1) return false;
                el = el.parentElement;
              }
              return !!h;
            },
            null,
            { timeout: 5_000 },
          )
          .catch(() => undefined);
        await page.screenshot({ path: join(RESULTS, 'hover.png') });
        await page.mouse.move(5, 5);
      });

      await step('clicking a flag in the Flags view dims the branches it turns off', async () => {
        // Dimmed as clangd dims: the line's text spans at opacity 0.55.
        const dimmed = (line: number, want: boolean): string =>
          `(() => { const row = (${LINE_ELEMENT})(${line}); return !!row && [...row.querySelectorAll('span')].some((s) => getComputedStyle(s).opacity === '0.55') === ${want}; })()`;
        await page.waitForFunction(dimmed(hottest.line, false), null, { timeout: 10_000 });
        const flag = page
          .locator('.pane:has(.pane-header:has-text("Flags")) .monaco-list-row:has-text("HZ3_S154_SPILL_PREFETCH")')
          .first();
        await flag.waitFor({ timeout: 20_000 });
        await flag.click();
        await page.waitForFunction(dimmed(hottest.line, true), null, { timeout: 15_000 });
        await page.mouse.move(5, 5);
        await page.screenshot({ path: join(RESULTS, 'flags.png') });
        // The inline Reset action of an overridden flag returns it to the build's value.
        await flag.hover();
        await flag.locator('.action-label[aria-label*="Reset"]').click();
        await page.waitForFunction(dimmed(hottest.line, false), null, { timeout: 15_000 });
      });

      await step('Toggle Heat from the command palette hides the heat', async () => {
        await runCommand(page, 'Perf Heat: Toggle Heat');
        await page.waitForFunction(`!(${HAS_LINE_SHARES})()`, null, { timeout: 10_000 });
        await runCommand(page, 'Perf Heat: Toggle Heat');
        await page.waitForFunction(HAS_LINE_SHARES, null, { timeout: 10_000 });
      });

      await step(
        'a cachegrind profile loaded from the Explorer, then cache-miss heat from the command palette',
        async () => {
          // Our entries of the Explorer's context menu are several (Load, Add Recording, Compare): walk to the one named.
          await explorerAction(page, ['cachegrind.out'], 'Load Profile…');
          await page.waitForSelector('.statusbar-item:has-text("cachegrind.out")', { timeout: 30_000 });
          // Selecting cachegrind.out in the Explorer opened it as text: back to the hot .inc.
          await page.click('.tab:has-text("mh3_owner_stash_pop.inc")');
          await page.waitForSelector('.tab.active >> text=mh3_owner_stash_pop.inc', { timeout: 10_000 });
          await runCommand(page, 'Perf Heat: Show Cache-Miss Heat');
          await page.waitForSelector('.statusbar-item:has-text("cachegrind.out · D1mr")', { timeout: 15_000 });
          await page.waitForFunction(HAS_LINE_SHARES, null, { timeout: 15_000 });
          // Block totals follow the mode too.
          await page.waitForFunction(
            () =>
              [...document.querySelectorAll('.view-line span[class*="ced-"]')].some((s) =>
                /^"▸ .* of D1mr/.test(getComputedStyle(s, '::after').content),
              ),
            null,
            { timeout: 15_000 },
          );
          await page.mouse.move(5, 5);
          await page.screenshot({ path: join(RESULTS, 'cache-miss-heat.png') });
        },
      );

      await step('an A/B pair compared: diff heat in the editor', async () => {
        await explorerAction(page, ['cpu-clock.perf.data'], 'Load Profile…');
        await page.waitForSelector('.statusbar-item:has-text("cpu-clock.perf.data")', { timeout: 30_000 });
        await explorerAction(page, ['cpu-clock-b.perf.data'], 'Load Profile…');
        await page.waitForSelector('.statusbar-item:has-text("cpu-clock-b.perf.data")', { timeout: 30_000 });
        await runCommand(page, 'Perf Heat: Compare With Baseline…');
        await page
          .locator('.quick-input-list .monaco-list-row .label-name')
          .filter({ hasText: /cpu-clock\.perf\.data$/ })
          .first()
          .click({ timeout: 15_000 });
        await page.waitForSelector('.statusbar-item:has-text("Δ vs cpu-clock.perf.data")', { timeout: 30_000 });
        // Selecting the .data files in the Explorer opened them (as binary): back to the hot .inc.
        await page.click(`.tab:has-text("${HOT_FILE}")`);
        await page.waitForFunction(
          () =>
            [...document.querySelectorAll('.view-line span[class*="ced-"]')].some((s) =>
              /pts/.test(getComputedStyle(s, '::after').content),
            ),
          null,
          { timeout: 30_000 },
        );
        await page.mouse.move(5, 5);
        await page.screenshot({ path: join(RESULTS, 'diff-heat.png') });
        await runCommand(page, 'Perf Heat: Stop Comparing');
      });

      await step('two perf stat runs compared in the webview', async () => {
        await explorerAction(page, ['stat-a.csv', 'stat-b.csv'], 'Compare perf stat Runs…');
        const frame = page.frameLocator('iframe.webview').frameLocator('iframe');
        await frame.locator('[data-metric]').first().waitFor({ timeout: 30_000 });
        const cells = await frame.locator('[data-metric="task-clock"], [data-metric="taskClock"]').allTextContents();
        assert.ok(cells.length > 0 || (await frame.locator('[data-metric]').count()) > 4, 'the table shows the runs');
        await page.screenshot({ path: join(RESULTS, 'stat-webview.png') });
      });
    } catch (e) {
      results.push({ name: 'workbench', error: (e as Error).stack ?? String(e) });
      await page.screenshot({ path: join(RESULTS, 'ui-failure.png') }).catch(() => undefined);
      lap(`FAIL workbench: ${(e as Error).message}`);
    } finally {
      await browser.close();
    }
  } catch (e) {
    results.push({ name: 'start VS Code', error: String(e) });
    console.error(e);
  } finally {
    cs?.stop();
  }
  const failed = results.filter((r) => r.error);
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  return failed.length ? 1 : 0;
}

// Exit once stdout has drained: a pipe (npm test tees it) would otherwise lose the last lines, the count among them.
main().then((c) => process.stdout.write('', () => process.exit(c)));

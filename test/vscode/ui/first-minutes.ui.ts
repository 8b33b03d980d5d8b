/// <reference lib="dom" />
/**
 * A new user's first minutes, through the real workbench in Chromium, on the demo workspace: opening the hot file
 * lands on its hottest line; a hotspot row's share is readable at the default sidebar width; three perf stat runs
 * are compared from one pick, and a run is added from the webview; the cachegrind mode picker explains the events
 * and highlights the current mode. Screenshots: test-results/first-*.png. Prints `N passed, N failed` last.
 */
import { chromium, type Page } from 'playwright-core';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_ARGS, DEMO_WORKSPACE, ROOT, installExtension, startCodeServer, type CodeServer } from '../host';
import { correctRows, parseReportSrclineCounts } from '../../perf-oracle';
import { explorerAction, HAS_LINE_SHARES, LINE_ELEMENT, quickOpen, RESULTS, runCommand, Steps } from './workbench';

const HOT_FILE = 'mh3_owner_stash_pop.inc';
const steps = new Steps('first-');
const shot = (page: Page, name: string): Promise<Buffer> =>
  page.screenshot({ path: join(RESULTS, `first-${name}.png`) });

/** In the page: is editor line `n` (1-based) rendered inside the editor's visible area? */
const LINE_IN_VIEW = `(n) => {
  const row = (${LINE_ELEMENT})(n);
  if (!row) return false;
  const box = row.getBoundingClientRect();
  const view = document.querySelector('.editor-instance .monaco-editor .overflow-guard').getBoundingClientRect();
  return box.top >= view.top && box.bottom <= view.bottom;
}`;

/**
 * valgrind's own per-line counts for one source line, by cg_annotate over the recorded path of the file (the
 * path the profile names, which must exist here), matched by the line's text. Undefined when it cannot be run.
 */
function cgAnnotateLine(out: string, sourceText: string): { ir: number; d1mr: number } | undefined {
  const cg = readFileSync(out, 'utf8');
  const recorded = new RegExp(`^fl=(.*/${HOT_FILE})$`, 'm').exec(cg)?.[1];
  if (!recorded || !existsSync(recorded)) return undefined;
  const text = execFileSync('cg_annotate', ['--show=Ir,D1mr', '--auto=no', out, recorded], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const row = text.split('\n').find((l) => l.trimEnd().endsWith(sourceText.trim()));
  const m = row && /^\s*([\d,]+) \([^)]*\)\s+([\d,]+) \(/.exec(row);
  return m ? { ir: Number(m[1].replace(/,/g, '')), d1mr: Number(m[2].replace(/,/g, '')) } : undefined;
}

/** The perf stat comparison's webview document (two iframes deep). */
const statFrame = (page: Page) => page.frameLocator('iframe.webview').frameLocator('iframe');

async function runLabels(page: Page): Promise<string[]> {
  const frame = statFrame(page);
  await frame.locator('td[data-metric]').first().waitFor({ timeout: 30_000 });
  return (await frame.locator('thead th[data-run]').allTextContents()).map((t) => t.trim());
}

/** Waits for our quick pick (by its title) to replace the command palette, and gives its row labels. */
async function quickPickLabels(page: Page, title: string): Promise<string[]> {
  await page.waitForSelector(`.quick-input-widget .quick-input-title:has-text("${title}")`, { timeout: 20_000 });
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 20_000 });
  return (await page.locator('.quick-input-list .monaco-list-row .label-name').allTextContents()).map((t) => t.trim());
}

/** Ticks every row of the open multi-select quick pick with its "select all" box, and presses its OK button. */
async function pickAll(page: Page): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-header [aria-label="Toggle all checkboxes"]').click();
  await page
    .waitForSelector('.quick-input-widget .quick-input-count:not(:has-text("0 Selected"))', { timeout: 5_000 })
    .catch(() => undefined);
  await page.locator('.quick-input-widget .monaco-button', { hasText: /^OK$/ }).click();
}

async function main(): Promise<number> {
  mkdirSync(RESULTS, { recursive: true });
  // Oracles: perf report's hottest line of the file (the demo's own recording), and the stat files on disk.
  const report = correctRows(
    parseReportSrclineCounts(readFileSync(join(DEMO_WORKSPACE, 'profiles/report-srcline-n.txt'), 'utf8')),
  );
  const hottest = report.filter((r) => r.file === HOT_FILE).sort((a, b) => b.samples - a.samples)[0];
  const statFiles = readdirSync(join(DEMO_WORKSPACE, 'profiles'))
    .filter((f) => /^stat-.*\.csv$/.test(f))
    .sort();
  assert.equal(statFiles.length, 3, `the demo has three perf stat runs: ${statFiles.join(', ')}`);
  let cs: CodeServer | undefined;
  const settings = {
    'workbench.colorTheme': 'Default Dark Modern',
    'editor.fontSize': 13,
    'editor.stickyScroll.enabled': false,
    'window.commandCenter': false,
    'workbench.tips.enabled': false,
  };
  try {
    const extensionsDir = join(ROOT, '.vscode-test', 'ui-extensions-first-minutes');
    installExtension(extensionsDir);
    cs = await startCodeServer({ userSettings: settings, extensionsDir });
    const browser = await chromium.launchPersistentContext(join(cs.runDir, 'chrome'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: CHROMIUM_ARGS,
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    steps.page = page;
    try {
      await page.goto(`${cs.url}/?folder=${encodeURIComponent(DEMO_WORKSPACE)}`);
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
      steps.lap('workbench ready');

      await steps.step(
        `opening ${HOT_FILE} lands on its hottest line (perf report's line ${hottest.line})`,
        async () => {
          await quickOpen(page, HOT_FILE);
          await page.waitForFunction(HAS_LINE_SHARES, null, { timeout: 60_000 });
          await page.waitForSelector(`#status\\.editor\\.selection >> text=/Ln ${hottest.line},/`, { timeout: 30_000 });
          assert.ok(
            await page.evaluate(`(${LINE_IN_VIEW})(${hottest.line})`),
            `line ${hottest.line} is inside the editor's visible area`,
          );
          const hint = await page.waitForSelector('.statusbar-item:has-text("hottest: line")', { timeout: 10_000 });
          assert.match((await hint.textContent()) ?? '', new RegExp(`hottest: line ${hottest.line} · [\\d.]+%`));
          await runCommand(page, 'Notifications: Clear All Notifications');
          await page.mouse.move(5, 5);
          await shot(page, 'hottest-line');
        },
      );

      await steps.step(
        'scrolled away, "Go to Hottest Line" comes back; switching tabs does not move the cursor',
        async () => {
          await page.keyboard.press('Control+Home');
          await page.waitForSelector('#status\\.editor\\.selection >> text=/Ln 1,/');
          await quickOpen(page, 'mh3_inline.h');
          // Back by its tab, as a user switches files.
          await page.click(`.tab:has-text("${HOT_FILE}")`);
          await page.waitForSelector(`.tab.active >> text=${HOT_FILE}`, { timeout: 10_000 });
          await page.waitForSelector('#status\\.editor\\.selection >> text=/Ln 1,/', { timeout: 5_000 });
          await runCommand(page, 'Perf Heat: Go to Hottest Line');
          await page.waitForSelector(`#status\\.editor\\.selection >> text=/Ln ${hottest.line},/`, { timeout: 10_000 });
          assert.ok(await page.evaluate(`(${LINE_IN_VIEW})(${hottest.line})`));
        },
      );

      await steps.step(
        'a hotspot row shows its share at the default sidebar width; the title is not crowded out',
        async () => {
          await page.click('.activitybar .action-item a[aria-label^="Perf Heat"]');
          const fn = page.locator('.monaco-list-row:has-text("mh3_owner_stash_pop")').first();
          await fn.waitFor({ timeout: 20_000 });
          if ((await fn.getAttribute('aria-expanded')) !== 'true') await fn.locator('.monaco-tl-twistie').click();
          const line = page.locator('.monaco-list-row[aria-level="3"]').first();
          await line.waitFor({ timeout: 10_000 });
          // The share is the first text of the row and is drawn whole, inside the pane.
          const seen = await line.evaluate((row) => {
            const name = row.querySelector('.label-name')!;
            const text = name.textContent ?? '';
            const m = /^[\d.<]+%/.exec(text);
            if (!m) return { text, visible: false };
            const range = document.createRange();
            range.setStart(name.firstChild!.nodeType === 3 ? name.firstChild! : name, 0);
            range.setEnd(
              name.firstChild!.nodeType === 3 ? name.firstChild! : name,
              name.firstChild!.nodeType === 3 ? m[0].length : 1,
            );
            const r = range.getBoundingClientRect();
            const pane = row.closest('.pane-body')!.getBoundingClientRect();
            return { text, visible: r.width > 0 && r.left >= pane.left && r.right <= pane.right, share: m[0] };
          });
          assert.ok(seen.visible, `share visible in "${seen.text}"`);
          const title = page.locator('.pane-header:has-text("Hotspots") h3.title').first();
          const crowded = await title.evaluate((t) => t.scrollWidth > t.clientWidth + 1);
          assert.ok(!crowded, 'the Hotspots title is drawn whole');
          const icons = await page.locator('.pane-header:has-text("Hotspots") .actions .action-item').count();
          assert.ok(icons <= 5, `${icons} toolbar actions (the rest are in the … menu)`);
          await line.hover();
          await page
            .waitForSelector('.monaco-hover, .custom-hover, .workbench-hover', { timeout: 10_000 })
            .catch(() => undefined);
          await shot(page, 'hotspot-row');
          await page.mouse.move(5, 5);
        },
      );

      await steps.step('three perf stat runs compared from one pick', async () => {
        await runCommand(page, 'Perf Heat: Compare perf stat Runs…');
        const offered = (await quickPickLabels(page, 'Compare perf stat Runs')).sort();
        assert.deepEqual(offered, statFiles, "the workspace's perf stat files are offered");
        await pickAll(page);
        const runs = await runLabels(page);
        assert.equal(runs.length, 3, `three runs in the table: ${runs.join(' | ')}`);
        for (const f of statFiles)
          assert.ok(
            runs.some((r) => r.includes(f.replace(/\.csv$/, ''))),
            `${f} is a column: ${runs.join(' | ')}`,
          );
        assert.match((await statFrame(page).locator('#legend').textContent()) ?? '', /lower is better.*green.*red/s);
        await shot(page, 'stat-three-runs');
        await runCommand(page, 'View: Close Editor');
      });

      await steps.step('"Add run…" in the webview adds a run to the comparison', async () => {
        await page.keyboard.press('Escape');
        await explorerAction(page, statFiles.slice(0, 2), 'Compare perf stat Runs…');
        assert.equal((await runLabels(page)).length, 2);
        await statFrame(page).locator('#add').click();
        const offered = await quickPickLabels(page, 'Add perf stat Runs');
        assert.deepEqual(offered, statFiles.slice(2), 'only the runs not yet compared are offered');
        await shot(page, 'add-run');
        await pickAll(page);
        await statFrame(page).locator('thead th[data-run="2"]').waitFor({ timeout: 20_000 });
        assert.equal((await runLabels(page)).length, 3);
        await runCommand(page, 'View: Close Editor');
      });

      await steps.step(
        'the cachegrind mode picker says what each event counts and highlights the current mode',
        async () => {
          await explorerAction(page, ['cachegrind.out'], 'Load Profile…');
          await page.waitForSelector('.statusbar-item:has-text("cachegrind.out")', { timeout: 30_000 });
          // Selecting cachegrind.out in the Explorer opened it as text: back to the hot .inc.
          await page.click(`.tab:has-text("${HOT_FILE}")`);
          await page.waitForSelector(`.tab.active >> text=${HOT_FILE}`, { timeout: 10_000 });
          await runCommand(page, 'Perf Heat: Show Heat Of…');
          await quickPickLabels(page, 'Show Heat Of');
          const rows = page.locator('.quick-input-list .monaco-list-row');
          const d1mr = rows.filter({ has: page.locator('.label-name', { hasText: /(^|\s)D1mr$/ }) }).first();
          assert.match((await d1mr.textContent()) ?? '', /L1 data read misses/);
          const ir = rows.filter({ has: page.locator('.label-name', { hasText: /(^|\s)Ir$/ }) }).first();
          assert.match((await ir.textContent()) ?? '', /instructions executed.*shown now/);
          assert.match(
            (await ir.getAttribute('class')) ?? '',
            /\bfocused\b/,
            'the current mode (Ir, cycle heat) is the highlighted entry',
          );
          await shot(page, 'mode-picker');
          await page.keyboard.type('D1mr per');
          await rows.filter({ hasText: 'D1mr per Ir' }).first().click();
          await page.waitForSelector('.statusbar-item:has-text("cachegrind.out · D1mr per Ir")', { timeout: 15_000 });
          await page.waitForFunction(
            () =>
              [...document.querySelectorAll('.view-line span[class*="ced-"]')].some((s) =>
                /^"[\d.,]+ D1mr per (1,000 |million )?Ir"$/.test(getComputedStyle(s, '::after').content),
              ),
            null,
            { timeout: 15_000 },
          );
          // The label is valgrind's own D1mr ÷ Ir for the line (cg_annotate), to the three digits shown.
          const lines = readFileSync(join(DEMO_WORKSPACE, 'src', HOT_FILE), 'utf8').split('\n');
          const poison = lines.findIndex((l) => l.includes('HZ3_S99_POISON_VALUE))')) + 1;
          const truth = cgAnnotateLine(join(DEMO_WORKSPACE, 'profiles/cachegrind.out'), lines[poison - 1]);
          if (truth) {
            await page.evaluate(`(${LINE_ELEMENT})(${poison})?.scrollIntoView()`);
            const label = await page.evaluate(
              `(() => { const row = (${LINE_ELEMENT})(${poison}); return row && [...row.querySelectorAll('span[class*="ced-"]')].map((s) => getComputedStyle(s, '::after').content).find((c) => /per/.test(c)); })()`,
            );
            const shown = Number(/"([\d.]+) D1mr per Ir"/.exec(String(label))?.[1]);
            const expected = truth.d1mr / truth.ir;
            assert.ok(
              Math.abs(shown - expected) <= expected * 0.005,
              `line ${poison}: shown ${label}, cg_annotate ${truth.d1mr} D1mr / ${truth.ir} Ir = ${expected.toPrecision(4)}`,
            );
          } else steps.lap('cg_annotate oracle skipped: the recorded source path is not on this machine');
          await page.waitForSelector('.statusbar-item:has-text("densest: line")', { timeout: 10_000 });
          // Block totals in density mode count the misses, never "of Ir".
          const blockTotals = await page.evaluate(() =>
            [...document.querySelectorAll('.view-line span[class*="ced-"]')]
              .map((s) => getComputedStyle(s, '::after').content)
              .filter((c) => /^"▸/.test(c)),
          );
          assert.ok(
            blockTotals.every((c) => !/of Ir\b/.test(c)),
            blockTotals.join('\n'),
          );
          await page.mouse.move(5, 5);
          await shot(page, 'density');
        },
      );
    } catch (e) {
      steps.results.push({ name: 'workbench', error: (e as Error).stack ?? String(e) });
      await page.screenshot({ path: join(RESULTS, 'first-ui-failure.png') }).catch(() => undefined);
      steps.lap(`FAIL workbench: ${(e as Error).message}`);
    } finally {
      await browser.close();
    }
  } catch (e) {
    steps.results.push({ name: 'start VS Code', error: String(e) });
    console.error(e);
  } finally {
    cs?.stop();
  }
  return steps.finish();
}

// Exit once stdout has drained: a pipe (npm test tees it) would otherwise lose the last lines, the count among them.
main().then((c) => process.stdout.write('', () => process.exit(c)));

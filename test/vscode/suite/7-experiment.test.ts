/**
 * Inside a real VS Code: "A/B This Flag" on HZ3_S154_SPILL_PREFETCH from the demo's Flags view row. The demo's
 * .vscode/perf-heat-experiments.json says how to build and benchmark; the commands are confirmed through the test
 * hook (which sees exactly what the modal would list); the builds, perf stat and perf record run for real. Then the
 * variant is the active profile and the base its baseline (diff heat), the Flags view's blocks carry the baseline's
 * shares, the stat table shows both runs, and the report is on disk. Totals are checked against perf report of the
 * recordings the run made.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { FlagsNode } from '../../../src/extension/flags-view';
import { api, freshState, workspaceRoot } from './helpers';

const perfTotal = (data: string): number =>
  Number(
    /^# Event count \(approx\.\): (\d+)/m.exec(
      execFileSync('perf', ['report', '--stdio', '--no-children', '-g', 'none', '--sort', 'sym', '-i', data], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    )?.[1],
  );

suite('Experiments', () => {
  suiteSetup(freshState);

  test('A/B This Flag on S154 from the Flags view: builds, runs, records, compares, writes the report', async function () {
    this.timeout(900_000);
    const a = await api();
    const outDir = join(workspaceRoot(), '.perf-heat/experiments/ab-HZ3_S154_SPILL_PREFETCH');
    rmSync(outDir, { recursive: true, force: true });
    // The workspace's configured profile loads after activation: let it land first, or it supersedes this load.
    for (let i = 0; i < 600 && !a.activeProfile(); i++) await new Promise((r) => setTimeout(r, 100));
    await a.loadProfile(join(workspaceRoot(), 'profiles/cpu-clock.perf.data'));
    await vscode.window.showTextDocument(vscode.Uri.file(join(workspaceRoot(), 'src/mh3_owner_stash_pop.inc')));
    await a.flags.refresh();
    const flag = a.flags.current()?.flags.find((f) => f.name === 'HZ3_S154_SPILL_PREFETCH');
    assert.ok(flag && flag.value === '1', 'S154 is on in the default build');
    const node: FlagsNode = { kind: 'flag', flag };

    const shown: { title: string; text: string; cwd: string }[][] = [];
    await a.experiments.forgetApprovals();
    a.experiments.confirmWith(async (commands) => (shown.push(commands), true));
    try {
      const result = (await vscode.commands.executeCommand('perfHeat.abFlag', node)) as Awaited<
        ReturnType<typeof a.experiments.abFlag>
      >;
      assert.ok(result, 'the experiment ran to the end (see Output › Perf Heat Experiment)');
      // Every command was shown before it ran: the variant's build flips S154 with -U then -D.
      assert.equal(shown.length, 1);
      assert.deepEqual(
        shown[0].map((c) => c.title),
        [
          'build base',
          'build S154_SPILL_PREFETCH-0',
          'perf stat base',
          'perf stat S154_SPILL_PREFETCH-0',
          'perf record base',
          'perf record S154_SPILL_PREFETCH-0',
        ],
      );
      assert.match(shown[0][1].text, /'DEFS_EXTRA=-UHZ3_S154_SPILL_PREFETCH -DHZ3_S154_SPILL_PREFETCH=0'/);
      assert.match(shown[0][0].text, / DEFS_EXTRA=$/, "the base builds with the build's own flags");

      const [base, variant] = result.plan.variants;
      assert.equal(a.activeProfile()?.source, variant.perfData, 'the variant is the profile shown');
      assert.equal(a.baselineProfile()?.source, base.perfData, 'the base build is its baseline');
      assert.equal(a.heatMode().kind, 'diff', 'the diff heat is on');
      assert.equal(
        a.activeProfile()!.events[0].total,
        perfTotal(variant.perfData),
        "the variant's cpu-clock total as perf report counts it",
      );
      assert.equal(
        a.baselineProfile()!.events[0].total,
        perfTotal(base.perfData),
        "the base's total as perf report counts it",
      );

      // The block-level A/B: the flag's own file is open with the diff heat, its blocks carry the baseline's shares.
      assert.equal(
        vscode.window.activeTextEditor?.document.uri.fsPath,
        join(workspaceRoot(), 'src/mh3_owner_stash_pop.inc'),
      );
      await a.flags.refresh();
      const blocks = a.flags.current()?.blocks ?? [];
      assert.ok(
        blocks.some((b) => b.baseline),
        `blocks with the baseline's shares (${vscode.window.activeTextEditor?.document.fileName})`,
      );

      assert.equal(result.reports.length, 1);
      assert.ok(existsSync(result.reports[0]), result.reports[0]);
      // Read as rendered: Markdown escapes (`S154\_SPILL…`) removed.
      const md = readFileSync(result.reports[0], 'utf8').replace(/\\(.)/g, '$1');
      assert.match(md, /^# Performance analysis: S154_SPILL_PREFETCH-0\.perf\.data vs base\.perf\.data/);
      assert.match(
        md,
        /perf stat: `base\.csv` \(base\) as base, with -r variance; `S154_SPILL_PREFETCH-0\.csv` as S154_SPILL_PREFETCH-0, with -r variance/,
      );
      const opened = vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .map((t) => (t.input instanceof vscode.TabInputText ? t.input.uri.fsPath : t.label));
      assert.ok(opened.includes(result.reports[0]), `the report is open (${opened.join(', ')})`);
      // The perf stat table: both runs, base first, in its webview.
      assert.deepEqual(result.statFiles, [base.statFile, variant.statFile]);
      assert.ok(
        vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .some((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('perfHeat.statView')),
        'the perf stat table is open',
      );

      // Approvals are remembered per command: another value asks only for the commands it changes; declined, nothing runs.
      a.experiments.confirmWith(async (commands) => (shown.push(commands), false));
      const declined = await a.experiments.abFlag({ flag: 'HZ3_S154_SPILL_PREFETCH', value: '2' });
      assert.equal(declined, undefined);
      assert.deepEqual(
        shown[1]?.map((c) => c.title),
        ['build S154_SPILL_PREFETCH-2', 'perf stat S154_SPILL_PREFETCH-2', 'perf record S154_SPILL_PREFETCH-2'],
      );
      assert.ok(!existsSync(join(outDir, 'S154_SPILL_PREFETCH-2')), 'nothing ran');
    } finally {
      a.experiments.confirmWith(undefined);
      if (a.baselineProfile()) await vscode.commands.executeCommand('perfHeat.stopComparing');
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});

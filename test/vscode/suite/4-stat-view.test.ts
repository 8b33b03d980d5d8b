/**
 * Inside a real VS Code: "Perf Heat: Compare perf stat Runs…" on the hz10 stat files (glibc as the base, hz10,
 * mimalloc), reading the table back from the webview's DOM. Expected values come from the stat files themselves:
 * perf's own printed metric column (insn per cycle, % of cache refs, % of branches) for the derived metrics, and
 * the raw counts for the ratios.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, freshState } from './helpers';

interface RenderedCell {
  metric: string;
  run: number;
  kind: 'value' | 'variance' | 'change' | 'delta';
  text: string;
}
interface StatViewHandle {
  panel: vscode.WebviewPanel;
  rendered(): Promise<{ cells: RenderedCell[]; charts: number }>;
}

/** `value,,event,variance%,runtime,pct,metric,unit` (perf 6.x with -r) → event → [value, variance, printed metric]. */
function statFile(path: string): Map<string, { value: number; variance: string; metric: string }> {
  const rows = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
  return new Map(rows.map((f) => [f[2], { value: Number(f[0]), variance: f[3], metric: f[6] }]));
}

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

suite('Comparing perf stat runs', () => {
  suiteSetup(freshState);

  test("hz10 stat files: every metric of each run, recomputed; change against the base; perf's ± shown", async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    if (!ext.isActive) await ext.activate();
    const dir = join(ext.extensionPath, 'test/fixtures/report/hz10');
    const names = ['glibc', 'hz10', 'mimalloc'];
    const uris = names.map((n) => vscode.Uri.file(join(dir, `${n}.stat`)));
    const handle = await vscode.commands.executeCommand<StatViewHandle | undefined>('perfHeat.compareStat', uris);
    assert.ok(handle, 'the command returns the view');
    try {
      const { cells, charts } = await timeout(handle.rendered(), 30_000, 'the webview to draw the table');
      // One change chart and one per metric with values: chart.js loaded from dist/ under the webview's CSP.
      assert.equal(charts, 10, 'charts drawn');
      const cell = (metric: string, run: number, kind: RenderedCell['kind'] = 'value'): string | undefined =>
        cells.find((c) => c.metric === metric && c.run === run && c.kind === kind)?.text;
      assert.deepEqual(
        [...new Set(cells.map((c) => c.metric))],
        [
          'cycles',
          'instructions',
          'ipc',
          'cacheReferences',
          'cacheMisses',
          'cacheMissRate',
          'branches',
          'branchMisses',
          'branchMissRate',
        ],
        'every metric the files have, and none they lack (CSV has no elapsed time)',
      );
      const files = names.map((n) => statFile(join(dir, `${n}.stat`)));
      files.forEach((f, run) => {
        // perf printed these with two decimals; ours are recomputed from the raw counts and rounded the same way.
        assert.equal(cell('ipc', run), f.get('instructions')!.metric, `${names[run]} IPC`);
        assert.equal(cell('cacheMissRate', run), `${f.get('cache-misses')!.metric}%`, `${names[run]} cache-miss rate`);
        assert.equal(
          cell('branchMissRate', run),
          `${f.get('branch-misses')!.metric}%`,
          `${names[run]} branch-miss rate`,
        );
        assert.equal(cell('cycles', run, 'variance'), `±${f.get('cycles')!.variance}`, `${names[run]} cycles ±`);
      });
      for (const run of [1, 2]) {
        const change = (100 * (files[run].get('cycles')!.value / files[0].get('cycles')!.value - 1)).toFixed(1);
        assert.equal(
          cell('cycles', run, 'change'),
          `${Number(change) > 0 ? '+' : ''}${change}%`,
          `${names[run]} cycles vs glibc`,
        );
      }
      assert.equal(cell('cycles', 0), '28.8B');
      assert.equal(cell('cycles', 0, 'change'), undefined, 'the base has no change column');
      assert.equal(cell('cacheMissRate', 1, 'delta'), '+18.08 pts');
    } finally {
      handle.panel.dispose();
    }
  });
});

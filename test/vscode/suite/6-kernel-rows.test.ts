/**
 * Inside a real VS Code: kernel samples of a perf.data are one row per kernel symbol in the hotspot panel, named as
 * perf report names them (from the kallsyms copy beside the recording), and a toggle hides them.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PerfHeatApi } from '../../../src/extension/extension';

async function api(): Promise<PerfHeatApi> {
  const ext = vscode.extensions.getExtension<PerfHeatApi>('perf-heat.perf-heat')!;
  return ext.isActive ? ext.exports : await ext.activate();
}

suite('Kernel rows in the hotspot panel', () => {
  test('kernel samples grouped by symbol, hidden and shown again by the toggle', async () => {
    const a = await api();
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const refreshed = new Promise<void>((resolve) => {
      const sub = a.onDidRefreshHotspots((h) => {
        if (h && a.activeProfile()?.source.endsWith('cpu-clock.perf.data')) {
          sub.dispose();
          resolve();
        }
      });
    });
    await a.loadProfile(join(root, 'profiles/cpu-clock.perf.data'));
    await refreshed;
    const kernel = (): { name: string; dso: string }[] =>
      a.hotspotFunctions().filter((f) => f.dso === '[kernel.kallsyms]');
    const rows = kernel();
    assert.ok(rows.length > 0, 'the demo recording has kernel samples');
    assert.ok(
      rows.every((f) => !f.name.includes('+0x')),
      `one row per symbol, not per address: ${rows.map((f) => f.name).join(', ')}`,
    );
    assert.ok(
      rows.some((f) => f.name === 'finish_task_switch.isra.0'),
      rows.map((f) => f.name).join(', '),
    );
    await vscode.commands.executeCommand('perfHeat.hideKernelRows');
    assert.deepEqual(kernel(), []);
    assert.ok(a.hotspotFunctions().length > 0, 'user-space rows stay');
    await vscode.commands.executeCommand('perfHeat.showKernelRows');
    assert.equal(kernel().length, rows.length);
  });
});

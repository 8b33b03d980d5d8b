/**
 * Inside a real VS Code: "Perf Heat: Add Recording to Profile…" with the demo's page-faults recording of the A build
 * beside its cpu-clock one: one profile with both events, the heat still perf's; a recording of the B build is
 * refused and leaves the profile as it was. Expected values come from perf report of each file.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PerfHeatApi } from '../../../src/extension/extension';

async function api(): Promise<PerfHeatApi> {
  const ext = vscode.extensions.getExtension<PerfHeatApi>('perf-heat.perf-heat')!;
  return ext.isActive ? ext.exports : await ext.activate();
}
const root = (): string => vscode.workspace.workspaceFolders![0].uri.fsPath;

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(ok(), `timed out waiting for ${what}`);
}

suite('Add Recording to Profile', () => {
  test('Add Recording to Profile: page-faults joins cpu-clock of the same build; the B build is refused', async () => {
    const a = await api();
    await a.loadProfile(join(root(), 'profiles/cpu-clock.perf.data'));
    await vscode.commands.executeCommand(
      'perfHeat.addRecording',
      vscode.Uri.file(join(root(), 'profiles/page-faults.perf.data')),
    );
    await until(
      'both events in the active profile',
      () =>
        a
          .activeProfile()
          ?.events.map((e) => e.name)
          .join() === 'cpu-clock,page-faults',
    );
    const total = Number(
      /^# Event count \(approx\.\): (\d+)/m.exec(
        readFileSync(join(root(), 'profiles/report-srcline-page-faults.txt'), 'utf8'),
      )![1],
    );
    assert.equal(a.activeProfile()!.events[1].total, total, 'page-faults total as perf counted it');

    await vscode.commands.executeCommand(
      'perfHeat.addRecording',
      vscode.Uri.file(join(root(), 'profiles/cpu-clock-b.perf.data')),
    );
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(
      a.activeProfile()!.events.map((e) => e.name),
      ['cpu-clock', 'page-faults'],
      'the refused recording changed nothing',
    );
    await assert.rejects(a.addRecording(join(root(), 'profiles/cpu-clock-b.perf.data')), /build-ids differ/);
  });
});

/**
 * Inside a real VS Code: the language server is killed (SIGKILL, as a crash would) while a profile, a baseline and
 * a flag toggle are in force. vscode-languageclient starts a new server; the extension must drop the old heat at
 * once and bring the profile, the baseline and the toggle back, so the editor shows what it showed before. The test
 * sets up its own state, so it does not depend on the other suite files or their order.
 */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PerfHeatApi } from '../../../src/extension/extension';
import type { AppliedHeat } from '../../../src/extension/heat-decorations';

async function api(): Promise<PerfHeatApi> {
  const ext = vscode.extensions.getExtension<PerfHeatApi>('perf-heat.perf-heat')!;
  return ext.isActive ? ext.exports : await ext.activate();
}
const root = (): string => vscode.workspace.workspaceFolders![0].uri.fsPath;

/** The language server: the child of this extension host running dist/server.js (found in /proc, by parent pid). */
function serverPid(): number {
  const found: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (
        readFileSync(`/proc/${d}/cmdline`, 'utf8')
          .split('\0')
          .some((a) => a.endsWith('dist/server.js'))
      )
        found.push(Number(d));
    } catch {
      /* the process ended while we looked */
    }
  }
  assert.equal(
    found.length,
    1,
    `one Perf Heat server is a child of the extension host (${process.pid}): ${found.join(', ')}`,
  );
  return found[0]!;
}

function next(
  a: PerfHeatApi,
  uri: vscode.Uri,
  accept: (h: AppliedHeat) => boolean,
  what: string,
  ms = 60_000,
): Promise<AppliedHeat> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (sub.dispose(), reject(new Error(`timed out waiting for ${what}`))), ms);
    const sub = a.onDidApplyHeat((h) => {
      if (h.uri === uri.toString() && accept(h)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(h);
      }
    });
  });
}

async function until<T>(what: string, get: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

suite('Server restart', () => {
  test('after the server is killed, heat, baseline and flag toggles come back', async () => {
    const a = await api();
    const inc = vscode.Uri.file(join(root(), 'src/mh3_owner_stash_pop.inc'));
    await vscode.window.showTextDocument(inc);
    await a.loadProfile(join(root(), 'profiles/cpu-clock-b.perf.data'));
    const diffShown = next(a, inc, (h) => h.mode.kind === 'diff' && h.lines.length > 0, 'diff heat before the kill');
    await vscode.commands.executeCommand(
      'perfHeat.compareWithBaseline',
      vscode.Uri.file(join(root(), 'profiles/cpu-clock.perf.data')),
    );
    const before = await diffShown;
    const toggled = await a.flags.setFlag('HZ3_S154_SPILL_PREFETCH', '0');
    assert.ok(
      toggled?.flags.find((f) => f.name === 'HZ3_S154_SPILL_PREFETCH')?.overridden,
      'the toggle is in force before the kill',
    );
    const activeBefore = a.activeProfile()!.source;
    const baselineBefore = a.baselineProfile()!.source;

    try {
      const cleared = next(a, inc, (h) => h.lines.length === 0, 'the old heat to be cleared');
      const back = next(
        a,
        inc,
        (h) => h.mode.kind === 'diff' && h.lines.length > 0,
        'diff heat after the restart',
        90_000,
      );
      const pid = serverPid();
      process.kill(pid, 'SIGKILL');
      await cleared;
      const after = await back;
      assert.notEqual(serverPid(), pid, 'a new server runs');

      assert.equal(a.activeProfile()?.source, activeBefore);
      assert.equal(a.baselineProfile()?.source, baselineBefore);
      const lines = (h: AppliedHeat) => h.lines.map((l) => `${l.line} ${l.tone} ${l.text}`).sort();
      assert.deepEqual(lines(after), lines(before), 'the same diff heat is drawn again');

      const flag = await until('the toggle to be back in the Flags view', async () => {
        await a.flags.refresh();
        const f = a.flags.current()?.flags.find((x) => x.name === 'HZ3_S154_SPILL_PREFETCH');
        return f?.overridden ? f : undefined;
      });
      assert.equal(flag.value, '0');
    } finally {
      await a.flags.setFlag('HZ3_S154_SPILL_PREFETCH', null);
      await vscode.commands.executeCommand('perfHeat.stopComparing');
    }
  });
});

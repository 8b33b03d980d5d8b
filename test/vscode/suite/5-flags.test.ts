/**
 * Inside a real VS Code: the flag view of the demo's hot .inc under its Makefile's default build, dimming, block
 * heat, a toggle that changes the dimmed ranges, and a preset; and a new user's one-step project (its own Makefile,
 * an .inc, a real recording) whose dimming is checked against what cc -E drops.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { FlagState } from '../../../src/protocol';
import { api, freshState, hoverText, loadAndWait, workspaceRoot } from './helpers';

const root = workspaceRoot;
const inactiveLines = (s: FlagState): Set<number> =>
  new Set(s.inactive.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i)));

suite('Flag views', () => {
  suiteSetup(freshState);

  test('the hot .inc under the Makefile build: dimmed branches, block heat, flags with their sources; a toggle re-dims', async () => {
    const a = await api();
    await a.loadProfile(join(root(), 'profiles/cpu-clock.perf.data'));
    const inc = vscode.Uri.file(join(root(), 'src/mh3_owner_stash_pop.inc'));
    await vscode.window.showTextDocument(inc);
    await a.flags.refresh();
    const state = a.flags.current();
    assert.ok(state, 'a flag state for the .inc');
    assert.match(state.base, /Makefile default goal/);
    // perf-heat regions (checked against cc -E in src/engine/cpp) puts line 32 (the #else of S77_STATS) out.
    assert.ok(inactiveLines(state).has(31), 'line 32 is dimmed under the default build');
    const s154 = state.flags.find((f) => f.name === 'HZ3_S154_SPILL_PREFETCH');
    assert.ok(s154 && s154.value === '1', JSON.stringify(s154));
    assert.ok(s154.description && /S154/.test(s154.description), 'described by the comment above its default');
    const hot = state.blocks.find((b) => b.line === 188);
    assert.ok(
      hot && hot.active && hot.inclusiveShares[0] > 15,
      `the prefetch block holds perf report's 16% (${JSON.stringify(hot)})`,
    );

    const toggled = await a.flags.setFlag('HZ3_S154_SPILL_PREFETCH', '0');
    assert.ok(toggled && inactiveLines(toggled).has(194), 'with S154 off, the prefetch line is dimmed');
    assert.ok(toggled.flags.find((f) => f.name === 'HZ3_S154_SPILL_PREFETCH')?.overridden);
    assert.ok(
      toggled.inactiveSamples && toggled.inactiveSamples.share > 15,
      'the profile was recorded with S154 on: its samples now sit on dead lines',
    );
    assert.match(toggled.inactiveSamples.proposal ?? '', /HZ3_S154_SPILL_PREFETCH=1/);
    const diags = vscode.languages.getDiagnostics(inc).filter((d) => d.source === 'Perf Heat');
    assert.ok(
      diags.some((d) => /does not compile/.test(d.message)),
      'a diagnostic says so',
    );

    const reset = await a.flags.setFlag('HZ3_S154_SPILL_PREFETCH', null);
    assert.ok(reset && !inactiveLines(reset).has(194));
  });

  test('the hover names the enclosing #if block; the Outline lists the blocks, nested', async () => {
    const a = await api();
    if (!a.activeProfile()?.source.endsWith('profiles/cpu-clock.perf.data'))
      await loadAndWait(a, 'profiles/cpu-clock.perf.data');
    const inc = vscode.Uri.file(join(root(), 'src/mh3_owner_stash_pop.inc'));
    await vscode.window.showTextDocument(inc);
    await a.flags.refresh();
    const text = await hoverText(inc, new vscode.Position(194, 12));
    assert.match(
      text,
      /In `#if HZ3_S154_SPILL_PREFETCH && \(defined\(__GNUC__\) \|\| defined\(__clang__\)\)` \(line 189\) = 1, compiled/,
      text,
    );
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>(
      'vscode.executeDocumentSymbolProvider',
      inc,
    );
    const flat = (xs: vscode.DocumentSymbol[]): vscode.DocumentSymbol[] => xs.flatMap((x) => [x, ...flat(x.children)]);
    const s154 = flat(symbols).filter((x) => x.name.startsWith('#if HZ3_S154_SPILL_PREFETCH'));
    assert.ok(
      s154.length >= 2,
      `the S154 blocks are in the Outline: ${flat(symbols)
        .map((x) => x.name)
        .join(' | ')}`,
    );
    assert.ok(
      symbols.some((x) => x.name.startsWith('#') && x.children.length > 0),
      'nested as written',
    );
  });

  test('a one-step project: its .inc opens as C, the hot lines are lit, and a toggle dims exactly what cc -E drops', async function () {
    this.timeout(120_000);
    const a = await api();
    // A copy inside the workspace (the profile's paths map to workspace files), in a user's setup: the demo's
    // `*.inc` → C association does not apply to it.
    const dir = join(root(), '.one-step-test');
    rmSync(dir, { recursive: true, force: true });
    cpSync(join(root(), '../../test/fixtures/projects/one-step'), dir, { recursive: true });
    writeFileSync(join(dir, 'src/unused.inc'), '/* included by nothing */\nint unused;\n');
    const files = vscode.workspace.getConfiguration('files');
    await files.update(
      'associations',
      { '**/.one-step-test/**/*.inc': 'plaintext' },
      vscode.ConfigurationTarget.Global,
    );
    try {
      await a.loadProfile(join(dir, 'profiles/cpu-clock.perf.data'));
      const unused = await vscode.workspace.openTextDocument(join(dir, 'src/unused.inc'));
      const inc = vscode.Uri.file(join(dir, 'src/mix.inc'));
      await vscode.window.showTextDocument(inc);
      for (let i = 0; i < 100 && vscode.window.activeTextEditor?.document.languageId !== 'c'; i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.equal(
        vscode.window.activeTextEditor?.document.languageId,
        'c',
        'main.c includes mix.inc and the profile names it: opened as C',
      );
      assert.equal(unused.languageId, 'plaintext', 'an .inc nothing includes stays as it was: *.inc is not claimed');
      await a.flags.refresh();
      const state = a.flags.current();
      assert.ok(state && state.uri === inc.toString(), 'a flag state for mix.inc');
      assert.deepEqual([state.origin, state.base], ['makefile', 'Makefile default goal']);
      // The recording's hot lines (mix.inc 24, 25, 32: 43%, 43%, 6% in perf report) are compiled by this build.
      for (const l of [24, 25, 32]) assert.ok(!inactiveLines(state).has(l - 1), `line ${l} is not dimmed`);
      assert.equal(state.inactiveSamples, undefined);
      assert.deepEqual(
        state.flags.map((f) => f.name),
        ['USE_TABLE', 'ROUNDS'],
      );

      const off = await a.flags.setFlag('USE_TABLE', '0');
      assert.ok(off);
      // The compiler's answer for the Makefile's command with the toggle appended (the last -D wins).
      const out = execFileSync(
        'cc',
        ['-O2', '-g', '-DUSE_TABLE=1', '-DROUNDS=3', '-DUSE_TABLE=0', '-E', 'src/main.c'],
        { cwd: dir, encoding: 'utf8' },
      );
      const live = new Set<number>();
      let file = '';
      let line = 0;
      for (const l of out.split('\n')) {
        const m = /^# (\d+) "([^"]*)"/.exec(l);
        if (m) [line, file] = [Number(m[1]), m[2]];
        else {
          if (l.trim() && file.endsWith('mix.inc')) live.add(line);
          line++;
        }
      }
      const text = (await vscode.workspace.openTextDocument(inc)).getText().split('\n');
      const code = text
        .map((t, i) => [t.trim(), i + 1] as const)
        .filter(([t]) => t && !t.startsWith('#') && !t.startsWith('/*'))
        .map(([, n]) => n);
      assert.deepEqual(
        code.filter((n) => inactiveLines(off).has(n - 1)),
        code.filter((n) => !live.has(n)),
        'dimmed code lines = the lines cc -E drops',
      );
      assert.ok(off.inactiveSamples && off.inactiveSamples.share > 80, 'the recording was made with the table on');
      assert.match(off.inactiveSamples.proposal ?? '', /USE_TABLE=1/);

      // Reset from the row's context menu: the same command with the row as argument.
      const row = off.flags.find((f) => f.name === 'USE_TABLE')!;
      assert.ok(row.overridden);
      const reset = new Promise<void>((resolve) => {
        const sub = a.flags.onDidApply((s) => {
          if (s && !s.flags.find((f) => f.name === 'USE_TABLE')?.overridden) {
            sub.dispose();
            resolve();
          }
        });
      });
      await vscode.commands.executeCommand('perfHeat.resetFlag', { kind: 'flag', flag: row });
      await reset;
      assert.deepEqual(inactiveLines(a.flags.current()!), inactiveLines(state), 'back to the build');
    } finally {
      await files.update('associations', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Inside a real VS Code: the flag view of the demo's hot .inc under its Makefile's default build, dimming, block
 * heat, a toggle that changes the dimmed ranges, and a preset.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { FlagState } from '../../../src/protocol';
import { api, freshState, hoverText, loadAndWait, workspaceRoot } from './helpers';

const root = workspaceRoot;
const inactiveLines = (s: FlagState): Set<number> => new Set(s.inactive.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i)));

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
    assert.ok(hot && hot.active && hot.inclusiveShares[0] > 15, `the prefetch block holds perf report's 16% (${JSON.stringify(hot)})`);

    const toggled = await a.flags.setFlag('HZ3_S154_SPILL_PREFETCH', '0');
    assert.ok(toggled && inactiveLines(toggled).has(194), 'with S154 off, the prefetch line is dimmed');
    assert.ok(toggled.flags.find((f) => f.name === 'HZ3_S154_SPILL_PREFETCH')?.overridden);
    assert.ok(toggled.inactiveSamples && toggled.inactiveSamples.share > 15, 'the profile was recorded with S154 on: its samples now sit on dead lines');
    assert.match(toggled.inactiveSamples.proposal ?? '', /HZ3_S154_SPILL_PREFETCH=1/);
    const diags = vscode.languages.getDiagnostics(inc).filter((d) => d.source === 'Perf Heat');
    assert.ok(diags.some((d) => /does not compile/.test(d.message)), 'a diagnostic says so');

    const reset = await a.flags.setFlag('HZ3_S154_SPILL_PREFETCH', null);
    assert.ok(reset && !inactiveLines(reset).has(194));
  });

  test('the hover names the enclosing #if block; the Outline lists the blocks, nested', async () => {
    const a = await api();
    if (!a.activeProfile()?.source.endsWith('profiles/cpu-clock.perf.data')) await loadAndWait(a, 'profiles/cpu-clock.perf.data');
    const inc = vscode.Uri.file(join(root(), 'src/mh3_owner_stash_pop.inc'));
    await vscode.window.showTextDocument(inc);
    await a.flags.refresh();
    const text = await hoverText(inc, new vscode.Position(194, 12));
    assert.match(text, /In `#if HZ3_S154_SPILL_PREFETCH && \(defined\(__GNUC__\) \|\| defined\(__clang__\)\)` \(line 189\) = 1, compiled/, text);
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', inc);
    const flat = (xs: vscode.DocumentSymbol[]): vscode.DocumentSymbol[] => xs.flatMap((x) => [x, ...flat(x.children)]);
    const s154 = flat(symbols).filter((x) => x.name.startsWith('#if HZ3_S154_SPILL_PREFETCH'));
    assert.ok(s154.length >= 2, `the S154 blocks are in the Outline: ${flat(symbols).map((x) => x.name).join(' | ')}`);
    assert.ok(symbols.some((x) => x.name.startsWith('#') && x.children.length > 0), 'nested as written');
  });
});

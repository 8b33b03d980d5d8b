/**
 * Inside a real VS Code: the hover (served over LSP), the hotspot panel's data and its jump command, and the heat
 * modes (cycle, cache-miss, miss density) on a cachegrind profile of the demo.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { api, freshState, heatWhere, hoverText, loadAndWait, next, workspaceRoot } from './helpers';

const root = workspaceRoot;

suite('Hover, hotspot panel and heat modes', () => {
  suiteSetup(freshState);

  test('hover on a heated line: counts, shares, function, instructions, inline chain; profile text escaped', async () => {
    const a = await api();
    await loadAndWait(a, 'profiles/cpu-clock.perf.data');
    const header = vscode.Uri.file(join(root(), 'include/mh3_inline.h'));
    await vscode.window.showTextDocument(header);
    const heat = await heatWhere(
      a,
      header,
      (h) => h.profileId === a.activeProfile()?.id && h.lines.length > 0,
      'heat on mh3_inline.h',
    );
    const hottest = [...heat.lines].sort((x, y) => y.level - x.level)[0];
    const markdown = await hoverText(header, new vscode.Position(hottest.line, 2), true);
    // Profile-derived text arrives escaped (`mh3\_inline\.h`); read it as the rendered hover shows it.
    assert.match(markdown, /mh3\\_inline/, 'file names are escaped Markdown');
    const text = markdown.replace(/\\(.)/g, '$1');
    assert.match(text, /Perf Heat/);
    // cpu-clock periods are nanoseconds: the hover writes them as milliseconds.
    assert.match(text, /cpu-clock \| [\d,.]+ ms \| [\d.]+%/, text);
    assert.match(text, /Instructions carrying the samples/);
    assert.match(text, /0x[0-9a-f]{6}/);
    assert.match(
      text,
      /Inlined: `mh3_\w+` \(mh3_inline\.h:\d+\) ← `mh3_\w+`/,
      `an inlined helper shows where it was inlined into:\n${text}`,
    );
    assert.match(text, /in `mh3_\w+`/);
  });

  test('the hotspot panel lists functions with their lines and jumps to a line', async () => {
    const a = await api();
    const h = await loadAndWait(a, 'profiles/cpu-clock.perf.data');
    assert.equal(h.functions[0].name, 'mh3_owner_stash_pop', 'the pop path is the hottest function');
    const top = h.functions[0].lines[0];
    assert.ok(top.uri);
    assert.ok(
      h.functions[0].lines.some((l) => l.path.endsWith('mh3_inline.h')),
      'inlined header lines are listed under the function they were inlined into',
    );
    assert.ok(h.files.some((f) => f.path.endsWith('mh3_owner_stash_pop.inc')));
    await vscode.commands.executeCommand('perfHeat.revealLine', top.uri, top.line);
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.toString(), top.uri);
    assert.equal(editor.selection.active.line, top.line);
  });

  test('cachegrind profile: cycle heat, cache-miss heat and miss density', async () => {
    const a = await api();
    await loadAndWait(a, 'profiles/cachegrind.out');
    assert.deepEqual(a.heatMode(), { kind: 'event', event: 0 }, 'cycle heat (Ir) first');
    const header = vscode.Uri.file(join(root(), 'include/mh3_inline.h'));
    await vscode.window.showTextDocument(header);
    await vscode.commands.executeCommand('perfHeat.showCacheMissHeat');
    const events = a.activeProfile()!.events.map((e) => e.name);
    const misses = await heatWhere(
      a,
      header,
      (h) => h.mode.kind === 'event' && events[h.mode.event] === 'D1mr',
      'D1mr heat',
    );
    assert.ok(misses.lines.length > 0);
    await vscode.commands.executeCommand('perfHeat.showMissDensity');
    const density = await heatWhere(a, header, (h) => h.mode.kind === 'density', 'miss density');
    assert.ok(
      density.lines.every((l) => /^[\d.,]+ D1mr per (1,000 |million )?Ir$/.test(l.text)),
      JSON.stringify(density.lines.slice(0, 3)),
    );
    assert.ok(density.lines.some((l) => l.level === 10));
    await vscode.commands.executeCommand('perfHeat.showCycleHeat');
    await heatWhere(a, header, (h) => h.mode.kind === 'event' && events[h.mode.event] === 'Ir', 'Ir heat again');
  });

  test('edits move the heat with the code and mark it stale', async () => {
    const a = await api();
    await loadAndWait(a, 'profiles/cpu-clock.perf.data');
    const inc = vscode.Uri.file(join(root(), 'src/mh3_owner_stash_pop.inc'));
    const editor = await vscode.window.showTextDocument(inc);
    const onDisk = readFileSync(inc.fsPath, 'utf8');
    const { atime, mtime } = statSync(inc.fsPath);
    const before = await heatWhere(
      a,
      inc,
      (h) => h.profileId === a.activeProfile()?.id && h.lines.length > 0 && !h.stale,
      'fresh heat',
    );
    const hottest = [...before.lines].sort((x, y) => y.level - x.level || x.line - y.line)[0];
    try {
      await editor.edit((e) => e.insert(new vscode.Position(0, 0), '/* one */\n/* two */\n'));
      const after = await heatWhere(a, inc, (h) => !!h.stale, 'heat after the edit');
      const moved = after.lines.find((l) => l.line === hottest.line + 2);
      assert.ok(
        moved,
        `the hottest line's heat moved from ${hottest.line} to ${hottest.line + 2}: before ${JSON.stringify(before.lines.slice(0, 6))} after ${JSON.stringify(after.lines.slice(0, 6))}`,
      );
      assert.equal(moved.text, `≈${hottest.text}`);
    } finally {
      // Wait until the revert's change has reached every listener (the heat follows it), so that it cannot mark the
      // next test's freshly loaded heat as edited.
      const reverted = next(
        vscode.workspace.onDidChangeTextDocument,
        (e) => e.document.uri.toString() === inc.toString() && !e.document.isDirty,
        'the revert',
      );
      await vscode.window.showTextDocument(inc);
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await reverted;
      // The demo file is every other test's fixture: if the edit reached the disk, put the file back and say so.
      if (readFileSync(inc.fsPath, 'utf8') !== onDisk) {
        writeFileSync(inc.fsPath, onDisk);
        // Its time too: a source newer than the recorded binaries is drawn as stale (≈) in every later test and run.
        utimesSync(inc.fsPath, atime, mtime);
        assert.fail('the test edit was saved to the demo file (restored)');
      }
    }
  });

  test('line text follows perfHeat.heat.lineText: share of function, count, none', async () => {
    const a = await api();
    await loadAndWait(a, 'profiles/cpu-clock.perf.data');
    const inc = vscode.Uri.file(join(root(), 'src/mh3_owner_stash_pop.inc'));
    await vscode.window.showTextDocument(inc);
    const cfg = vscode.workspace.getConfiguration('perfHeat');
    try {
      await cfg.update('heat.lineText', 'shareOfFunction', vscode.ConfigurationTarget.Global);
      const fn = await heatWhere(
        a,
        inc,
        (h) => h.lines.some((l) => / of fn$/.test(l.text)),
        'share-of-function labels',
      );
      // Line 195 holds 278,250,000 of mh3_owner_stash_pop's 867,250,000 (perf report: 16.02% of 49.9%): 32.1%.
      assert.equal(fn.lines.find((l) => l.line === 194)?.text, '32.1% of fn');
      await cfg.update('heat.lineText', 'count', vscode.ConfigurationTarget.Global);
      // cpu-clock periods are nanoseconds: 278,250,000 ns (perf report -n: 1113 samples of 250 µs) is 278.25 ms.
      const counts = await heatWhere(a, inc, (h) => h.lines.some((l) => / ms$/.test(l.text)), 'count labels');
      assert.equal(counts.lines.find((l) => l.line === 194)?.text, '278.25 ms');
      await cfg.update('heat.lineText', 'none', vscode.ConfigurationTarget.Global);
      await heatWhere(a, inc, (h) => h.lines.length > 0 && h.lines.every((l) => l.text === ''), 'no labels');
    } finally {
      await cfg.update('heat.lineText', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('a profile without miss events says why miss heat is unavailable, and keeps the current mode', async () => {
    const a = await api();
    await loadAndWait(a, 'profiles/annotate-l.txt');
    const before = a.heatMode();
    await vscode.commands.executeCommand('perfHeat.showMissDensity');
    assert.deepEqual(a.heatMode(), before);
  });
});

/**
 * Inside a real VS Code: the extension activates, loads the demo workspace's configured profile and heats the lines
 * perf itself reports, with the same numbers. The expectation is computed from perf report's own output of the same
 * recording (profiles/report-srcline-n.txt), never from our parser.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseReportSrclineCounts, annotateSampleTotal, correctRows } from '../../perf-oracle';
import { api, configuredProfile, freshState, heatOn, workspaceRoot } from './helpers';

suite('Perf Heat in VS Code', () => {
  suiteSetup(freshState);

  test('activates on a C file of the demo workspace and exposes its API', async () => {
    const doc = await vscode.workspace.openTextDocument(join(workspaceRoot(), 'src/mh3_owner_stash.c'));
    await vscode.window.showTextDocument(doc);
    const a = await api();
    assert.equal(typeof a.loadProfile, 'function');
    const commands = await vscode.commands.getCommands(true);
    // Every contributed command is in the command table (src/extension/commands.ts), registered at activation.
    const contributed: { command: string }[] =
      vscode.extensions.getExtension('perf-heat.perf-heat')!.packageJSON.contributes.commands;
    assert.ok(contributed.length > 20);
    for (const { command } of contributed) assert.ok(commands.includes(command), `${command} is registered`);
  });

  test("the configured demo profile heats the hot .inc with perf report's numbers", async () => {
    const root = workspaceRoot();
    const a = await api();
    // Loaded on activation; loaded again here when another file ran first and left its own profile.
    await configuredProfile(a);
    const inc = vscode.Uri.file(join(root, 'src/mh3_owner_stash_pop.inc'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(inc));
    const applied = await heatOn(a, inc);
    const profile = a.activeProfile();
    assert.ok(profile, 'a profile is active');
    assert.match(profile.source, /profiles\/annotate-l\.txt$/);

    const report = correctRows(
      parseReportSrclineCounts(readFileSync(join(root, 'profiles/report-srcline-n.txt'), 'utf8')),
    );
    const total = annotateSampleTotal(readFileSync(join(root, 'profiles/annotate-l.txt'), 'utf8'));
    const incRows = report.filter((r) => r.file === 'mh3_owner_stash_pop.inc');
    assert.ok(incRows.length >= 10, `perf report lists at least 10 lines of the .inc (has ${incRows.length})`);
    const byLine = new Map(applied.lines.map((l) => [l.line + 1, l]));
    assert.deepEqual(
      [...byLine.keys()].sort((x, y) => x - y),
      incRows.map((r) => r.line).sort((x, y) => x - y),
      'exactly the lines perf report lists are heated',
    );
    for (const r of incRows) {
      const shown = byLine.get(r.line);
      assert.ok(shown, `line ${r.line} (${r.samples} samples in perf report) is heated`);
      const expected = (100 * r.samples) / total;
      const got = Number(shown.text.replace('%', ''));
      // Annotate prints 2-decimal percentages per instruction; several instructions per line add their rounding.
      assert.ok(
        Math.abs(got - expected) <= 0.06 + expected * 0.01,
        `line ${r.line}: shows ${shown.text}, perf report gives ${expected.toFixed(3)}%`,
      );
    }
    const hottest = [...applied.lines].sort(
      (x, y) => Number(y.text.replace('%', '')) - Number(x.text.replace('%', '')),
    )[0];
    assert.equal(hottest.level, 10, 'the hottest line gets the strongest colour');
    // tree-sitter loses this function in its #if blocks; its total still sits on its definition line.
    const pop = applied.functions.find((f) => f.name === 'mh3_owner_stash_pop');
    assert.ok(pop, `the hot function has a total (functions: ${JSON.stringify(applied.functions)})`);
    const doc = await vscode.workspace.openTextDocument(inc);
    assert.match(doc.lineAt(pop.line).text, /mh3_owner_stash_pop\s*\(/);
  });

  test('the inlined header helper is heated in its own file', async () => {
    const root = workspaceRoot();
    const a = await api();
    await configuredProfile(a);
    const header = vscode.Uri.file(join(root, 'include/mh3_inline.h'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(header));
    const applied = await heatOn(a, header);
    const report = correctRows(
      parseReportSrclineCounts(readFileSync(join(root, 'profiles/report-srcline-n.txt'), 'utf8')),
    );
    const headerLines = new Set(report.filter((r) => r.file === 'mh3_inline.h').map((r) => r.line));
    assert.ok(applied.lines.length > 0);
    for (const l of applied.lines)
      assert.ok(headerLines.has(l.line + 1), `heated line ${l.line + 1} of mh3_inline.h is one perf report lists`);
  });

  test('Toggle Heat hides and shows the heat; Clear Heat removes it', async () => {
    const root = workspaceRoot();
    const a = await api();
    const inc = vscode.Uri.file(join(root, 'src/mh3_owner_stash_pop.inc'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(inc));
    await heatOn(a, inc);
    await vscode.commands.executeCommand('perfHeat.toggleHeat');
    assert.equal(a.appliedHeat(inc), undefined, 'toggled off: nothing drawn');
    await vscode.commands.executeCommand('perfHeat.toggleHeat');
    assert.ok((await heatOn(a, inc)).lines.length > 0, 'toggled on again');
    await vscode.commands.executeCommand('perfHeat.clearHeat');
    assert.equal(a.appliedHeat(inc), undefined, 'cleared');
    assert.equal(a.activeProfile(), undefined);
    // Reload for any test that follows.
    await a.loadProfile(join(root, 'profiles/annotate-l.txt'));
    await heatOn(a, inc);
  });

  test('a file that is not a profile gets an error naming it', async () => {
    const a = await api();
    const bad = join(workspaceRoot(), 'Makefile');
    await assert.rejects(
      a.loadProfile(bad),
      (e: Error) => e.message.includes('Makefile') && /not a profile/.test(e.message),
    );
  });
});

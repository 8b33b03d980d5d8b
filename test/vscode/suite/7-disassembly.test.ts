/**
 * Inside a real VS Code: from the hottest source line of the demo, Show Disassembly opens the function's
 * instructions beside it with that line's instructions selected; the hottest instruction carries perf annotate's
 * count (perf run live on the same recording) and its share as perf prints it; Go to Source leads back.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { api, freshState, heatOn, loadAndWait, workspaceRoot } from './helpers';
import { parseAnnotateValues, runPerfAnnotate } from '../../perf-oracle';

suite('Disassembly beside the source', () => {
  suiteSetup(freshState);

  test("Show Disassembly from the hottest line: its instructions, with perf annotate's count, and back to the source", async () => {
    const a = await api();
    // Run alone, this test activates the extension, whose configured profile starts loading just after activate()
    // (a timer): that load supersedes one started before it, so let it start first, and load again if superseded.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await loadAndWait(a, 'profiles/cpu-clock.perf.data').catch((e: Error) => {
      if (!/superseded/.test(e.message)) throw e;
      return loadAndWait(a, 'profiles/cpu-clock.perf.data');
    });
    const root = workspaceRoot();
    const recording = join(root, 'profiles/cpu-clock.perf.data');
    // perf's answer: the hottest instruction of the hottest function, its samples and period; addr2line's line.
    const [samples] = parseAnnotateValues(
      runPerfAnnotate(recording, ['-n', 'mh3_owner_stash_pop'], join(root, 'build')),
    );
    const [period] = parseAnnotateValues(
      runPerfAnnotate(recording, ['--show-total-period', 'mh3_owner_stash_pop'], join(root, 'build')),
    );
    const [hot] = [...samples.values.entries()].reduce((x, y) => (y[1] > x[1] ? y : x));
    const [file, lineText] = execFileSync(
      'addr2line',
      ['-e', join(root, 'build/mini-hz3-bench'), `0x${hot.toString(16)}`],
      { encoding: 'utf8' },
    )
      .trim()
      .split(':');
    const line = Number.parseInt(lineText, 10) - 1;
    const uri = vscode.Uri.file(join(root, 'src', basename(file)));

    const source = await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One });
    await heatOn(a, uri);
    source.selection = new vscode.Selection(line, 0, line, 0);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      new vscode.Range(line, 0, line, 0),
    );
    assert.ok(
      actions.some((x) => x.title === 'Perf Heat: Show Disassembly'),
      'the hot line offers Show Disassembly',
    );

    await vscode.commands.executeCommand('perfHeat.showDisassembly');
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.scheme, 'perf-heat-disasm');
    const view = a.lastDisassembly();
    assert.ok(view, 'the server answered');
    assert.equal(view.function, 'mh3_owner_stash_pop');
    const selected = editor.selections.map((s) => s.active.line);
    const row = selected.find((n) => view.lines[n].address === hot);
    assert.ok(
      row !== undefined,
      `0x${hot.toString(16)} is among the selected instructions (${selected.map((n) => view.lines[n].text).join(' / ')})`,
    );
    assert.equal(view.lines[row].counts![0], period.values.get(hot), 'period as perf annotate --show-total-period');
    // The row's share, as the document shows it, is perf's Percent (local period) to the digits shown.
    const text = editor.document.lineAt(row).text;
    const shown = /^\s*([\d.]+)%/.exec(text)![1];
    const perfPercent = (100 * period.values.get(hot)!) / [...period.values.values()].reduce((s, v) => s + v, 0);
    assert.equal(shown, perfPercent.toFixed(shown.split('.')[1]?.length ?? 0), text);
    assert.ok(text.includes(`${hot.toString(16)}:`), text);

    // By name, as the hotspot panel's Functions rows ask: the document of that function.
    await vscode.commands.executeCommand('perfHeat.showDisassembly', { function: 'mh3_alloc' });
    assert.equal(a.lastDisassembly()?.function, 'mh3_alloc');
    assert.match(vscode.window.activeTextEditor!.document.uri.path, /\/mh3_alloc\.s$/);
    const again = await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn });
    again.selection = new vscode.Selection(row, 0, row, 0);

    await vscode.commands.executeCommand('perfHeat.goToSource');
    const back = vscode.window.activeTextEditor!;
    assert.equal(back.document.uri.fsPath, uri.fsPath);
    assert.equal(back.selection.active.line, line);
  });
});

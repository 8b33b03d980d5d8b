/**
 * Inside a real VS Code: the demo recorded with -g (profiles/callgraph.perf.data) puts a Callers / Callees section in
 * the hotspot panel; it shows who calls the owner-stash pop, through which line, and what the pop costs inclusive.
 * Oracle: perf report --children and perf's folded chains of the same recording
 * (test/fixtures/callgraph/demo-callgraph.*.txt, written by scripts/record-callgraph-fixtures.sh), and the source.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { api, freshState, loadAndWait, next, workspaceRoot } from './helpers';
import { parseChildrenSym, parseFoldedChains } from '../../perf-oracle';

const FIX = join(__dirname, '../../../../test/fixtures/callgraph');

suite('Callers / Callees in the hotspot panel', () => {
  suiteSetup(freshState);

  test('the -g demo: who calls mh3_owner_stash_pop, at which line, and its inclusive share as perf --children', async () => {
    const a = await api();
    // The workspace's configured profile loads just after activation: let it land first, or it supersedes this load.
    if (!a.activeProfile()) await next(a.onDidRefreshHotspots, (h) => !!h, 'the configured profile', 60_000);
    await loadAndWait(a, 'profiles/callgraph.perf.data');
    const fixtures = [FIX, join(workspaceRoot(), '../../test/fixtures/callgraph')].find((d) => {
      try {
        readFileSync(join(d, 'demo-callgraph.children-sym.txt'));
        return true;
      } catch {
        return false;
      }
    })!;
    const perf = parseChildrenSym(readFileSync(join(fixtures, 'demo-callgraph.children-sym.txt'), 'utf8'));
    const pop = a.callGraphFunctions().find((f) => f.name === 'mh3_owner_stash_pop');
    assert.ok(
      pop,
      `the section lists the pop: ${a
        .callGraphFunctions()
        .map((f) => f.name)
        .join(', ')}`,
    );
    const expected = perf.find((r) => r.symbol === 'mh3_owner_stash_pop')!;
    assert.ok(
      Math.abs(pop.inclusive - expected.children) <= 0.0051,
      `inclusive ${pop.inclusive}% vs perf ${expected.children}%`,
    );
    assert.ok(Math.abs(pop.self - expected.self) <= 0.0051, `self ${pop.self}% vs perf ${expected.self}%`);

    // The caller: alloc_slow, inlined into mh3_alloc (perf, without inline frames, says mh3_alloc), at the call's line.
    const callers = a.callGraphRows('mh3_owner_stash_pop', 'callers');
    assert.equal(callers[0]?.name, 'alloc_slow', callers.map((c) => c.name).join(', '));
    const src = join(workspaceRoot(), 'src/mh3_alloc.c');
    const callLine = readFileSync(src, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('mh3_owner_stash_pop('));
    assert.equal(callers[0]!.site?.uri, vscode.Uri.file(src).toString());
    assert.equal(callers[0]!.site?.line, callLine);
    // What went through that call: perf's chains with mh3_alloc directly above the pop, as a share of the total.
    const chains = parseFoldedChains(readFileSync(join(fixtures, 'demo-callgraph.folded.txt'), 'utf8'));
    const total = chains.reduce((s, c) => s + c.period, 0);
    const viaAlloc = chains
      .filter((c) => c.frames.some((f, i) => f === 'mh3_owner_stash_pop' && c.frames[i - 1] === 'mh3_alloc'))
      .reduce((s, c) => s + c.period, 0);
    assert.ok(
      Math.abs(callers[0]!.share - (100 * viaAlloc) / total) <= 0.01,
      `${callers[0]!.share}% vs ${(100 * viaAlloc) / total}%`,
    );

    // A click on the caller goes to the call site.
    await vscode.commands.executeCommand('perfHeat.revealLine', callers[0]!.site!.uri, callers[0]!.site!.line);
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.fsPath, src);
    assert.equal(editor?.selection.active.line, callLine);
  });
});

/**
 * Inside a real VS Code: the A/B pair of the demo as diff heat. Expected values come from perf report of each
 * build (profiles/report-srcline.txt for A, report-srcline-b.txt for B).
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { api, freshState, heatWhere, hoverText, workspaceRoot } from './helpers';

const root = workspaceRoot;

function reportShare(file: string, key: string): number {
  const m = new RegExp(`^\\s+([\\d.]+)%\\s+${key.replace(/\./g, '\\.')}\\s*$`, 'm').exec(
    readFileSync(join(root(), 'profiles', file), 'utf8'),
  );
  return m ? Number(m[1]) : 0;
}

suite('Comparing an A/B pair', () => {
  suiteSetup(freshState);

  test('B against baseline A: lines that gained and lost share, in points, as perf report of each build gives', async () => {
    const a = await api();
    await a.loadProfile(join(root(), 'profiles/cpu-clock-b.perf.data'));
    await vscode.commands.executeCommand(
      'perfHeat.compareWithBaseline',
      vscode.Uri.file(join(root(), 'profiles/cpu-clock.perf.data')),
    );
    const header = vscode.Uri.file(join(root(), 'include/mh3_inline.h'));
    await vscode.window.showTextDocument(header);
    const heat = await heatWhere(
      a,
      header,
      (h) => h.mode.kind === 'diff' && h.lines.length > 0,
      'diff heat on mh3_inline.h',
    );
    assert.match(a.baselineProfile()?.source ?? '', /cpu-clock\.perf\.data$/);
    const line78 = heat.lines.find((l) => l.line === 77)!;
    const expected =
      reportShare('report-srcline-b.txt', 'mh3_inline.h:78') - reportShare('report-srcline.txt', 'mh3_inline.h:78');
    assert.equal(line78.tone, expected > 0 ? 'more' : 'less');
    const shown = Number(line78.text.replace('−', '-').replace(/ pts.*$/, ''));
    assert.ok(
      Math.abs(shown - expected) <= 0.06,
      `mh3_inline.h:78 shows ${line78.text}, perf report gives ${expected.toFixed(2)} points`,
    );
    assert.ok(
      heat.lines.some((l) => l.tone === 'less'),
      'some lines lost share',
    );
    const hover = await hoverText(header, new vscode.Position(77, 4));
    assert.match(
      hover,
      /Against the baseline cpu-clock.perf.data:[\s\S]*\| cpu-clock \| 15\.7% \| 26\.4% \| \+10\.7 pts \|/,
      hover,
    );

    const body = vscode.Uri.file(join(root(), 'src/mh3_pop_std_body.inc'));
    await vscode.window.showTextDocument(body);
    const bodyHeat = await heatWhere(
      a,
      body,
      (h) => h.mode.kind === 'diff' && h.lines.length > 0,
      'diff heat on the std body',
    );
    const onlyB = bodyHeat.lines.find((l) => l.line === 31);
    assert.ok(
      onlyB && /new in this build/.test(onlyB.text),
      `line 32 runs in B only: ${JSON.stringify(bodyHeat.lines)}`,
    );

    // Block-level diffs: each #if block's share in both builds (the S121 blocks flip between A and B).
    const inc = vscode.Uri.file(join(root(), 'src/mh3_owner_stash_pop.inc'));
    await vscode.window.showTextDocument(inc);
    await a.flags.refresh();
    const blocks = a.flags.current()!.blocks.filter((b) => b.baseline);
    assert.ok(blocks.length > 0, 'blocks carry the baseline share while comparing');
    const prefetch = blocks.find((b) => b.line === 188)!;
    const before = reportShare('report-srcline.txt', 'mh3_owner_stash_pop.inc:195');
    assert.ok(
      Math.abs((prefetch.baseline!.inclusiveShares[0] ?? NaN) - before) < 0.5,
      `the prefetch block held ~${before}% in A: ${JSON.stringify(prefetch.baseline)}`,
    );

    // The analysis report of the pair, as "Export Analysis Report" writes it.
    const out = join(tmpdir(), `perf-heat-report-${process.pid}.md`);
    const written = await a.exportReport(out, [
      join(root(), 'profiles/stat-a.csv'),
      join(root(), 'profiles/stat-b.csv'),
    ]);
    const md = readFileSync(written.output, 'utf8');
    assert.match(md, /^# Performance analysis: cpu-clock-b\.perf\.data vs cpu-clock\.perf\.data/);
    assert.match(md, /## 1\. Basic metrics \(perf stat\)/);
    assert.match(md, /\| 1 \| `mh3_owner_stash_pop` \|/);
    assert.match(md, /by `#if` block/);

    await vscode.commands.executeCommand('perfHeat.stopComparing');
    await heatWhere(a, inc, (h) => h.mode.kind === 'event', 'plain heat after comparing stops');
    assert.equal(a.baselineProfile(), undefined);
  });
});

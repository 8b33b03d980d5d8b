/**
 * The report's rows carry perf's names, clones included; what maps them to source takes the base name: a function's
 * breakdown covers all its parts, and a clone in one build only is paired with the other build's whole function.
 * Inputs are written here: which symbol is a clone of which function is GCC's naming rule, not our output.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ProfileBuilder, type Profile } from '../model/profile';
import { chooseFunction, functionLines } from './report-function';
import { topFunctionsSection } from './report-profile';
import type { SourceFiles } from './report-sources';

function profile(source: string, rows: { symbol: string; line: number; n: number }[]): Profile {
  const b = new ProfileBuilder(source, [{ name: 'cpu-clock', unit: 'period' }], { format: 't', binaries: [] });
  rows.forEach((r, i) =>
    b.addAddress({
      dso: '/b/bench',
      address: 0x1000 + i,
      symbol: r.symbol,
      counts: [r.n],
      inlineChain: [{ function: 'scan', file: 'scan.c', line: r.line }],
    }),
  );
  return b.build();
}

const everyFile = { lines: () => ['x'] } as unknown as SourceFiles;

test("a function breakdown covers every part of the source function; rows keep perf's names", () => {
  const p = profile('a.data', [
    { symbol: 'scan.part.0', line: 10, n: 6 },
    { symbol: 'scan', line: 3, n: 2 },
    { symbol: 'scan.cold', line: 20, n: 1 },
    { symbol: 'mix.constprop.0', line: 40, n: 7 },
  ]);
  assert.deepEqual(
    p.functions.map((f) => f.name),
    ['scan.part.0', 'scan', 'scan.cold', 'mix.constprop.0'],
  );
  // scan's parts together (9) are hotter than mix (7), though no one row of scan is.
  assert.deepEqual(chooseFunction(p, everyFile), { name: 'scan' });
  assert.deepEqual(chooseFunction(p, everyFile, 'scan.part.0'), { name: 'scan' });
  assert.deepEqual(
    functionLines(p, 'scan')
      .lines.map((l) => l.line)
      .sort((a, b) => a - b),
    [3, 10, 20],
  );
});

test("a clone in one build only is paired with the other build's function of the same source", () => {
  const mine = profile('b.data', [
    { symbol: 'scan.part.0', line: 10, n: 3 },
    { symbol: 'main', line: 1, n: 1 },
  ]);
  const base = profile('a.data', [
    { symbol: 'scan', line: 10, n: 1 },
    { symbol: 'main', line: 1, n: 3 },
  ]);
  const md = topFunctionsSection({ name: 'b.data', profile: mine }, { name: 'a.data', profile: base }, 10).join('\n');
  // One row for scan: B's 75% beside A's 25%, not two one-sided rows.
  assert.match(md, /`scan\.part\.0` \| bench \| 75\.00% \| 25\.00% \|/);
  assert.doesNotMatch(md, /`scan` \|/);
});

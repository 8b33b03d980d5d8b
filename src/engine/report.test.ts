/**
 * Regression snapshots of `perf-heat report` (test/fixtures/report/*.snapshot.md): any difference fails, so a change
 * of the report is seen and reviewed. A snapshot is not an oracle: it was written by the code under test. The
 * numbers in each one are checked here against perf's (or cachegrind's) own output of the same recordings, through
 * test/report-oracle.ts (and in src/engine/report-oracle.test.ts). After a deliberate change, regenerate with
 * `UPDATE_SNAPSHOTS=1 node --import tsx --test src/engine/report.test.ts` and review the diff.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { reportCommand } from '../cli/report-command';
import { ProfileBuilder } from '../model/profile';
import { buildReport } from './report';
import { SourceFiles } from './report-sources';
import { fn, near, num, parseSymSrcline, pct, perfSymbols, runReport, sum, tableAfter } from '../../test/report-oracle';

const ROOT = resolve(__dirname, '../..');
const FIX = join(ROOT, 'test/fixtures/report');
const HZ10 = join(FIX, 'hz10');
const DEMO = join(ROOT, 'demo/mini-hz3');
const P = (f: string): string => join(DEMO, 'profiles', f);

function snapshot(name: string, actual: string): void {
  const path = join(FIX, name);
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(path)) {
    writeFileSync(path, actual);
    if (process.env.UPDATE_SNAPSHOTS !== '1') assert.fail(`${name} did not exist: written, review it and run again`);
    return;
  }
  const expected = readFileSync(path, 'utf8');
  if (actual === expected) return;
  const a = actual.split('\n');
  const e = expected.split('\n');
  const at = a.findIndex((l, i) => l !== e[i]);
  assert.fail(
    `regression snapshot ${name} differs at line ${at + 1}:\n  expected: ${e[at]}\n  actual:   ${a[at]}\n(UPDATE_SNAPSHOTS=1 regenerates the snapshots)`,
  );
}

/** Every user-space row of a "By EVENT" table against perf report --sort sym,dso (-n) of the same recording. */
function checkTopTable(md: string, event: string, perfFile: string, withSamples: boolean): void {
  const rows = perfSymbols(perfFile, event);
  const t = tableAfter(md, `### By \`${event}\``).rows.filter((r) => !r.Binary?.startsWith('['));
  assert.ok(t.length >= 3, `${event}: functions listed`);
  for (const r of t) {
    const want = sum(rows, (p) => p.symbol === r.Function && p.dso === r.Binary);
    near(pct(r[`% of ${event}`]), want, `${event} ${r.Function}`);
    if (withSamples) assert.equal(num(r.Samples), want.samples, `${event} ${r.Function}: samples as perf report -n`);
  }
}

function noMachinePaths(md: string): void {
  for (const p of [ROOT, tmpdir(), '/home/', '/work/'])
    assert.ok(!md.includes(p), `the report names a machine path (${p})`);
}

test('regression snapshot: hz10 vs glibc profiles, perf stat of glibc (base), hz10 and mimalloc; function shares as perf printed them', async () => {
  const md = await runReport([
    join(HZ10, 'hz10.report'),
    '--baseline',
    join(HZ10, 'glibc.report'),
    ...['glibc', 'hz10', 'mimalloc'].flatMap((n) => ['--stat', join(HZ10, `${n}.stat`)]),
    '--source-root',
    HZ10,
  ]);
  noMachinePaths(md);
  assert.match(md, /\| Cycles \| 28\.8B ±0\.29% \| 15\.6B ±0\.26% \| 7\.77B ±0\.42% \| -46\.1% \| -13\.3B \|/);
  const [hz, gl] = [perfSymbols(join(HZ10, 'hz10.report')), perfSymbols(join(HZ10, 'glibc.report'))];
  for (const r of tableAfter(md, '### By `cycles:P`').rows)
    near(
      pct(r['% of cycles:P']),
      sum(hz, (p) => p.symbol === r.Function && p.dso === r.Binary),
      r.Function,
    );
  for (const r of tableAfter(md, '### Against glibc.report').rows) {
    near(
      pct(r['hz10.report']),
      sum(hz, (p) => p.symbol === r.Function && p.dso === r.Binary),
      `hz10 ${r.Function}`,
    );
    // The glibc side of a row: the same function in the binary of the same name, else the one binary of each side
    // that has a function of that name.
    const dsos = (rows: typeof gl) => new Set(rows.filter((p) => p.symbol === r.Function).map((p) => p.dso));
    const [mine, theirs] = [dsos(hz), dsos(gl)];
    const from = theirs.has(r.Binary) ? r.Binary : mine.size === 1 && theirs.size === 1 ? [...theirs][0] : undefined;
    near(
      pct(r['glibc.report']),
      sum(gl, (p) => p.symbol === r.Function && p.dso === from),
      `glibc ${r.Function}`,
    );
  }
  snapshot('hz10.snapshot.md', md);
});

test('regression snapshot: the demo A/B pair (perf.data, B against baseline A) with perf stat of both builds; top functions as perf report', async () => {
  const args = [
    P('cpu-clock-b.perf.data'),
    '--baseline',
    P('cpu-clock.perf.data'),
    '--stat',
    P('stat-a.csv'),
    '--stat',
    P('stat-b.csv'),
    '--source-root',
    DEMO,
  ];
  const md = await runReport(args);
  noMachinePaths(md);
  assert.match(md, /## \d+\. Hottest function by `#if` block: `mh3_owner_stash_pop`/);
  assert.match(
    md,
    /195 │ +\d+\.\d% │ +__builtin_prefetch\(ahead, 1, 3\);/,
    'the hot prefetch line is quoted from the source',
  );
  assert.equal(await runReport(args), md, 'deterministic');
  checkTopTable(md, 'cpu-clock', P('report-sym-cpu-clock-b.txt'), true);
  snapshot('demo-perf.snapshot.md', md);
});

test('regression snapshot: the demo cachegrind profile (D1mr/DLmr miss hotspots and density), checked against cg_annotate', async (t) => {
  const md = await runReport([P('cachegrind.out'), '--source-root', DEMO]);
  noMachinePaths(md);
  assert.match(md, /Densest function with at least 1% of the misses: `mh3_owner_stash_pop`/);
  // cachegrind's own per-function counts (cg_annotate, file:function rows summed by function).
  let annotated = '';
  try {
    annotated = execFileSync('cg_annotate', [P('cachegrind.out')], { encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch {
    t.skip('cg_annotate is not installed');
  }
  if (annotated) {
    const lines = annotated.split('\n');
    const head = lines.findIndex((l) => / file:function$/.test(l));
    const events = lines[head].trim().split(/\s+/).slice(0, -1);
    const d1mr = events.indexOf('D1mr');
    const values = (l: string): number[] =>
      [...l.matchAll(/([\d,]+)(?: \( *[\d.]+%\))?|\./g)].slice(0, events.length).map((m) => (m[1] ? num(m[1]) : 0));
    const perFunction = new Map<string, number>();
    for (const l of lines.slice(head + 2)) {
      if (l.startsWith('---') || !l.trim()) break;
      const name = l.slice(l.lastIndexOf(':') + 1).trim();
      perFunction.set(name, (perFunction.get(name) ?? 0) + values(l)[d1mr]);
    }
    const total = values(lines.find((l) => l.endsWith('PROGRAM TOTALS'))!)[d1mr];
    const rows = tableAfter(md, '### By `D1mr`').rows.filter(
      (r) => perFunction.has(r.Function) && (perFunction.get(r.Function) ?? 0) > total / 100,
    );
    assert.ok(rows.length >= 3, 'the hot functions are in cg_annotate');
    for (const r of rows)
      assert.equal(num(r['D1mr (count)']), perFunction.get(r.Function), `${r.Function}: D1mr as cg_annotate counts it`);
  }
  snapshot('demo-cachegrind.snapshot.md', md);
});

test('recorded paths from another machine are re-rooted under --source-root by suffix; names are escaped', () => {
  const b = new ProfileBuilder(
    '/elsewhere/prof.data',
    [
      { name: 'cycles', unit: 'samples' },
      { name: 'cache-misses', unit: 'samples' },
    ],
    { format: 'test', binaries: [] },
  );
  const file = '/build/machine/mini-hz3/src/mh3_pop_std_body.inc';
  b.addSourceLine({ dso: '/build/machine/bench', symbol: 'pop', file, line: 32, counts: [60, 9] });
  b.addSourceLine({ dso: '/build/machine/bench', symbol: 'pop', file, line: 8, counts: [30, 1] });
  b.addSourceLine({
    dso: '/build/machine/bench',
    symbol: 'operator delete[]|x',
    file: '/nowhere/gone.c',
    line: 3,
    counts: [10, 5],
  });
  const md = buildReport({ profile: { name: 'prof.data', profile: b.build() }, sources: new SourceFiles(DEMO) });
  noMachinePaths(md);
  assert.ok(!md.includes('/build/machine'), md);
  assert.match(md, /### `src\/mh3_pop_std_body\.inc`/);
  // Line 32 (60 cycles, 9 misses) of pop (90 cycles) out of 100 cycles and 15 misses: 66.7% of the function,
  // 60.00% of the cycles, 60.00% of the misses, so as many misses as cycles (1.00).
  assert.match(md, /\| `#if HZ3_S99_POISON_CHECK` \| 31-33 \| 60 \| 66\.7% \| 60\.00% \| 60\.00% \| 1\.00 \|/);
  assert.match(md, /`operator delete\[\]\\\|x`/, 'a | in a name cannot split the table');
  assert.match(md, /`…\/nowhere\/gone\.c:3`/, 'a file outside the root is shortened, not printed whole');
});

test('usage errors exit 2, unreadable inputs exit 1 naming the file', async () => {
  const errors: string[] = [];
  const err = (s: string) => errors.push(s);
  assert.equal(await reportCommand([], () => undefined, err), 2);
  assert.equal(
    await reportCommand(['a', 'b'], () => undefined, err),
    1,
    'two profiles are two recordings to merge: the first is missing',
  );
  assert.match(errors.pop()!, /^perf-heat: a: no such file/);
  assert.equal(await reportCommand([join(HZ10, 'hz10.report'), '--group', 'allocator'], () => undefined, err), 2);
  assert.match(errors.pop()!, /--group takes NAME=PREFIX/);
  assert.equal(await reportCommand(['--stat', join(HZ10, 'hz10.stat'), '--base', '2'], () => undefined, err), 2);
  assert.equal(await reportCommand(['--stat', join(HZ10, 'missing.stat')], () => undefined, err), 1);
  assert.match(errors.pop()!, /missing\.stat: no such file/);
  assert.equal(await reportCommand([join(HZ10, 'hz10.stat')], () => undefined, err), 1);
  assert.match(errors.pop()!, /hz10\.stat: this is perf stat output/);
  let out = '';
  assert.equal(
    await reportCommand(['--stat', join(HZ10, 'hz10.stat')], (s) => (out += s), err),
    0,
    'stat files alone make a report, on stdout',
  );
  assert.match(out, /^# Performance analysis: hz10\n/);
});

test("regression snapshot: two recordings of one build (cpu-clock, page-faults) with perf stat of A and B, as the seed's §4-§6; tables as perf report", async () => {
  const md = await runReport([
    P('cpu-clock.perf.data'),
    P('page-faults.perf.data'),
    '--stat',
    P('stat-a.csv'),
    '--stat',
    P('stat-b.csv'),
    '--group',
    'allocator=mh3_',
    '--source-root',
    DEMO,
    '--top',
    '8',
  ]);
  noMachinePaths(md);
  assert.match(
    md,
    /- Profile: 2 recordings of one build, merged: `cpu-clock\.perf\.data` \(`cpu-clock`\), `page-faults\.perf\.data` \(`page-faults`\)/,
  );
  checkTopTable(md, 'cpu-clock', P('report-sym-cpu-clock.txt'), true);
  checkTopTable(md, 'page-faults', P('report-sym-page-faults.txt'), true);
  const [cpu, pf] = [perfSymbols(P('report-sym-cpu-clock.txt')), perfSymbols(P('report-sym-page-faults.txt'))];
  const g = tableAfter(md, 'Allocator and program').rows.find((r) => r.Group === 'allocator')!;
  near(
    pct(g['% of cpu-clock']),
    sum(cpu, (p) => fn(p.symbol).startsWith('mh3_')),
    'allocator cpu-clock',
  );
  near(
    pct(g['% of page-faults']),
    sum(pf, (p) => fn(p.symbol).startsWith('mh3_')),
    'allocator page-faults',
  );
  const c = tableAfter(md, '### `page-faults` above its share of `cpu-clock`').rows[0];
  near(
    pct(c['% of page-faults']),
    sum(pf, (p) => p.symbol === c.Function && p.dso === c.Binary),
    'page-faults above cpu-clock',
  );
  near(
    pct(c['% of cpu-clock']),
    sum(cpu, (p) => p.symbol === c.Function && p.dso === c.Binary),
    'its cpu-clock',
  );
  // The hottest function by #if block: each block's share of each event is perf's sum over the function's lines in it.
  const fnName = /## \d+\. Hottest function by `#if` block: `(\w+)`/.exec(md)![1];
  const perLine = {
    'cpu-clock': parseSymSrcline(P('report-sym-srcline-cpu-clock.txt')),
    'page-faults': parseSymSrcline(P('report-sym-srcline-page-faults.txt')),
  };
  let blocks = 0;
  for (const file of [...md.matchAll(/^### `([^`]+)`$/gm)].map((m) => m[1])) {
    const t = tableAfter(md, `### \`${file}\``);
    if (!t.header.includes('Block')) continue;
    for (const r of t.rows.filter((x) => /^\d+-\d+$/.test(x.Lines))) {
      const [from, to] = r.Lines.split('-').map(Number);
      for (const [event, rows] of Object.entries(perLine)) {
        const want = sum(
          rows,
          (q) => fn(q.symbol) === fnName && q.file === file.split('/').pop() && q.line > from && q.line <= to,
        );
        near(pct(r[`% of ${event}`]), want, `${file} ${r.Block} (${r.Lines}) ${event}`);
      }
      blocks++;
    }
  }
  assert.ok(blocks >= 10, `blocks checked (${blocks})`);
  snapshot('demo-merged.snapshot.md', md);
});

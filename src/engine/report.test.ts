/**
 * Regression snapshots of `perf-heat report` (test/fixtures/report/*.golden.md): the code's own output, kept so
 * any change of wording or layout is seen; any difference fails. They are not an oracle: their numbers are checked
 * against perf's and cg_annotate's own output in report-oracle.test.ts. After a deliberate change, regenerate them
 * with `UPDATE_GOLDEN=1 node scripts/run-node-tests.mjs report.test`, review the diff, and run report-oracle.test.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { reportCommand } from '../cli/report-command';
import { ProfileBuilder } from '../model/profile';
import { buildReport } from './report';
import { SourceFiles } from './report-sources';

const ROOT = resolve(__dirname, '../..');
const FIX = join(ROOT, 'test/fixtures/report');
const HZ10 = join(FIX, 'hz10');
const DEMO = join(ROOT, 'demo/mini-hz3');

async function runReport(args: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'perf-heat-report-'));
  try {
    const errors: string[] = [];
    const code = await reportCommand([...args, '-o', join(dir, 'report.md')], () => undefined, (s) => errors.push(s));
    assert.equal(code, 0, errors.join('\n'));
    return readFileSync(join(dir, 'report.md'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function golden(name: string, actual: string): void {
  const path = join(FIX, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    writeFileSync(path, actual);
    if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`${name} did not exist: written, review it and run again`);
    return;
  }
  const expected = readFileSync(path, 'utf8');
  if (actual === expected) return;
  const a = actual.split('\n');
  const e = expected.split('\n');
  const at = a.findIndex((l, i) => l !== e[i]);
  assert.fail(`${name} differs at line ${at + 1}:\n  expected: ${e[at]}\n  actual:   ${a[at]}\n(UPDATE_GOLDEN=1 regenerates the golden files)`);
}

function noMachinePaths(md: string): void {
  for (const p of [ROOT, tmpdir(), '/home/', '/work/']) assert.ok(!md.includes(p), `the report names a machine path (${p})`);
}

test('golden: hz10 vs glibc profiles, perf stat of glibc (base), hz10 and mimalloc', async () => {
  const md = await runReport([join(HZ10, 'hz10.report'), '--baseline', join(HZ10, 'glibc.report'), ...['glibc', 'hz10', 'mimalloc'].flatMap((n) => ['--stat', join(HZ10, `${n}.stat`)]), '--source-root', HZ10]);
  noMachinePaths(md);
  assert.match(md, /\| Cycles \| 28\.8B ±0\.29% \| 15\.6B ±0\.26% \| 7\.77B ±0\.42% \| -46\.1% \| -13\.3B \|/);
  golden('hz10.golden.md', md);
});

test('golden: the demo A/B pair (perf.data, B against baseline A) with perf stat of both builds', async () => {
  const args = [join(DEMO, 'profiles/cpu-clock-b.perf.data'), '--baseline', join(DEMO, 'profiles/cpu-clock.perf.data'), '--stat', join(DEMO, 'profiles/stat-a.csv'), '--stat', join(DEMO, 'profiles/stat-b.csv'), '--source-root', DEMO];
  const md = await runReport(args);
  noMachinePaths(md);
  assert.match(md, /## 4\. Hottest function by `#if` block: `mh3_owner_stash_pop`/);
  assert.match(md, /195 │ +\d+\.\d% │ +__builtin_prefetch\(ahead, 1, 3\);/, 'the hot prefetch line is quoted from the source');
  assert.equal(await runReport(args), md, 'deterministic');
  golden('demo-perf.golden.md', md);
});

test('golden: the demo cachegrind profile (D1mr/DLmr miss hotspots and density)', async () => {
  const md = await runReport([join(DEMO, 'profiles/cachegrind.out'), '--source-root', DEMO]);
  noMachinePaths(md);
  assert.match(md, /Densest function with at least 1% of the misses: `mh3_owner_stash_pop`/);
  golden('demo-cachegrind.golden.md', md);
});

test('recorded paths from another machine are re-rooted under --source-root by suffix; names are escaped', () => {
  const b = new ProfileBuilder('/elsewhere/prof.data', [{ name: 'cycles', unit: 'samples' }, { name: 'cache-misses', unit: 'samples' }], { format: 'test', binaries: [] });
  const file = '/build/machine/mini-hz3/src/mh3_pop_std_body.inc';
  b.addSourceLine({ dso: '/build/machine/bench', symbol: 'pop', file, line: 32, counts: [60, 9] });
  b.addSourceLine({ dso: '/build/machine/bench', symbol: 'pop', file, line: 8, counts: [30, 1] });
  b.addSourceLine({ dso: '/build/machine/bench', symbol: 'operator delete[]|x', file: '/nowhere/gone.c', line: 3, counts: [10, 5] });
  const md = buildReport({ profile: { name: 'prof.data', profile: b.build() }, sources: new SourceFiles(DEMO) });
  noMachinePaths(md);
  assert.ok(!md.includes('/build/machine'), md);
  assert.match(md, /### `src\/mh3_pop_std_body\.inc`/);
  assert.match(md, /\| `#if HZ3_S99_POISON_CHECK` \| 31-33 \| 60 \| 66\.7% \| 60\.00% \| 90\.0% \|/);
  assert.match(md, /`operator delete\[\]\\\|x`/, 'a | in a name cannot split the table');
  assert.match(md, /`…\/nowhere\/gone\.c:3`/, 'a file outside the root is shortened, not printed whole');
});

test('usage errors exit 2, unreadable inputs exit 1 naming the file', async () => {
  const errors: string[] = [];
  const err = (s: string) => errors.push(s);
  assert.equal(await reportCommand([], () => undefined, err), 2);
  assert.equal(await reportCommand(['a', 'b'], () => undefined, err), 2);
  assert.equal(await reportCommand(['--stat', join(HZ10, 'hz10.stat'), '--base', '2'], () => undefined, err), 2);
  assert.equal(await reportCommand(['--stat', join(HZ10, 'missing.stat')], () => undefined, err), 1);
  assert.match(errors.pop()!, /missing\.stat: no such file/);
  assert.equal(await reportCommand([join(HZ10, 'hz10.stat')], () => undefined, err), 1);
  assert.match(errors.pop()!, /hz10\.stat: this is perf stat output/);
  let out = '';
  assert.equal(await reportCommand(['--stat', join(HZ10, 'hz10.stat')], (s) => (out += s), err), 0, 'stat files alone make a report, on stdout');
  assert.match(out, /^# Performance analysis: hz10\n/);
});

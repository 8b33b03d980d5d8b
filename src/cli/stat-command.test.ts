import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { statCommand } from './stat-command';

const HZ10 = join(__dirname, '../../test/fixtures/report/hz10');
const PROBE = join(__dirname, '../../test/fixtures/perf-probe');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await statCommand(
    args,
    (s) => (out += s + '\n'),
    (s) => (err += s + '\n'),
  );
  return { code, out, err };
}

test('table: one column per run, change and difference vs the base, ± variance, <not supported> as such', async () => {
  const r = await run([join(HZ10, 'glibc.stat'), join(HZ10, 'hz10.stat'), join(PROBE, 'stat_csv_hw_unsupported.txt')]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  assert.match(lines[0], /^Metric +glibc \(base\) +hz10 +vs glibc +Δ +stat_csv_hw_unsupported +vs glibc +Δ$/);
  const row = (label: string) =>
    lines
      .find((l) => l.startsWith(label + ' '))!
      .trim()
      .split(/\s{2,}/);
  assert.deepEqual(row('Cycles'), ['Cycles', '28.8B ±0.29%', '15.6B ±0.26%', '-46.1%', '-13.3B', '<not supported>']);
  assert.deepEqual(row('Cache-miss rate').slice(0, 5), [
    'Cache-miss rate',
    '8.08% ±1.45%',
    '26.17% ±0.24%',
    '+223.7%',
    '+18.08 pts',
  ]);
  assert.deepEqual(row('L1-dcache miss rate'), ['L1-dcache miss rate', 'n/a', 'n/a', '<not supported>']);
  assert.match(r.out, /Cycle gap hz10 vs glibc: -13\.3B cycles \(-46\.1%\)/);
  assert.match(
    r.out,
    /Cycle gap stat_csv_hw_unsupported vs glibc: not computable \(stat_csv_hw_unsupported: cycles is <not supported>\)/,
  );
});

test('--json: every raw counter and derived metric per run, the comparison unrounded', async () => {
  const r = await run(['--json', '--base', '2', join(HZ10, 'glibc.stat'), join(HZ10, 'mimalloc.stat')]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.base, 1);
  assert.deepEqual(Object.keys(j.runs[0].counters), [
    'cycles',
    'instructions',
    'cache-references',
    'cache-misses',
    'branches',
    'branch-misses',
  ]);
  assert.deepEqual(j.runs[1].counters['branch-misses'], {
    value: 9278804,
    unit: '',
    status: 'ok',
    rows: 1,
    line: 6,
    variancePct: 8.73,
    pctRunning: 83,
    perfMetric: { value: 0.29, unit: 'of all branches' },
  });
  assert.equal(j.runs[1].metrics.ipc.value, 13239167153 / 7771731903);
  assert.equal(j.runs[0].metrics.time.status, 'absent');
  const cycles = j.comparison.metrics.find((m: { id: string }) => m.id === 'cycles');
  assert.equal(cycles.cells[0].ratio, 28841787724 / 7771731903);
  assert.equal(j.comparison.cycleGaps[0].run, 0);
  assert.equal(j.comparison.cycleGaps[0].base, 1);
});

test('usage errors exit 2; a missing or malformed file exits 1 naming it', async () => {
  assert.equal((await run([])).code, 2);
  assert.equal((await run(['--base', '0', join(HZ10, 'hz10.stat')])).code, 2);
  assert.equal((await run(['--bogus', join(HZ10, 'hz10.stat')])).code, 2);
  const missing = await run([join(HZ10, 'hz10.stat'), join(HZ10, 'nope.stat')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nope\.stat: no such file/);
  const bad = await run([join(HZ10, 'PROVENANCE.md')]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /PROVENANCE\.md(:\d+)?: /);
});

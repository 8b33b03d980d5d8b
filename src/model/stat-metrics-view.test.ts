import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePerfStat } from '../parsers/perf-stat';
import { statRun } from './stat-metrics';
import { viewModel } from './stat-metrics-view';

const HZ10 = join(__dirname, '../../test/fixtures/report/hz10');
const run = (name: string) =>
  statRun(parsePerfStat(readFileSync(join(HZ10, `${name}.stat`), 'utf8'), `${name}.stat`), `${name}.stat`);

test('the view model: visible rows only, texts as the CLI writes them, numbers for the charts, gaps and notes', () => {
  const m = viewModel([run('glibc'), run('hz10'), run('tcmalloc')], 2);
  assert.equal(m.base, 2);
  assert.deepEqual(
    m.runs.map((r) => r.label),
    ['glibc', 'hz10', 'tcmalloc'],
  );
  assert.ok(!m.rows.some((r) => r.id === 'time'), 'no run has an elapsed time');
  const ipc = m.rows.find((r) => r.id === 'ipc')!;
  assert.equal(ipc.how, 'instructions ÷ cycles');
  assert.equal(ipc.better, 'higher');
  assert.deepEqual(ipc.cells[2], {
    status: 'ok',
    value: '1.98',
    variance: '±0.20%',
    change: '',
    delta: '',
    number: 18310462332 / 9234857585,
    changePct: null,
  });
  assert.equal(m.rows.find((r) => r.id === 'cycles')!.cells[0].change, '+212.3%');
  assert.equal(m.gaps.length, 2);
  assert.match(m.gaps[0].title, /^Cycle gap glibc vs tcmalloc: \+19\.6B cycles \(\+212\.3%\)$/);
  assert.equal(m.gaps[0].rows.length, 3);
  assert.equal(m.notes.length, 3);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(m)), 'plain data: it crosses the webview boundary');
});

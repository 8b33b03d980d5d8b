import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { looksLikePerfStat, parsePerfStat, type StatCounter } from './perf-stat';
import { ProfileFormatError } from './errors';

const FIX = join(__dirname, '../../test/fixtures');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');
const parse = (p: string) => parsePerfStat(read(p), p);
const byEvent = (cs: StatCounter[]): Record<string, StatCounter> => Object.fromEntries(cs.map((c) => [c.event, c]));
const pick = (c: StatCounter) => [
  c.event,
  c.value,
  c.unit,
  c.variancePct,
  c.runtimeNs,
  c.pctRunning,
  c.metricValue,
  c.metricUnit,
];

test('CSV (-x,): values, units, run time, metrics; <not supported> is null, not 0', () => {
  const f = parse('perf-probe/stat_csv_default.txt');
  assert.equal(f.format, 'csv');
  assert.equal(f.hasVariance, false);
  assert.deepEqual(f.counters.map(pick), [
    ['task-clock', 2807.84, 'msec', undefined, 2807842431, 100, 0.995, 'CPUs utilized'],
    ['context-switches', 43, '', undefined, 2807842431, 100, 15.314, '/sec'],
    ['cpu-migrations', 0, '', undefined, 2807842431, 100, 0, '/sec'],
    ['page-faults', 8249, '', undefined, 2807842431, 100, 2.938, 'K/sec'],
    ['cycles', null, '', undefined, 0, 100, undefined, undefined],
    ['instructions', null, '', undefined, 0, 100, undefined, undefined],
    ['branches', null, '', undefined, 0, 100, undefined, undefined],
    ['branch-misses', null, '', undefined, 0, 100, undefined, undefined],
  ]);
  assert.ok(f.counters.slice(4).every((c) => c.unsupported && !c.notCounted));
  assert.ok(parse('perf-probe/stat_csv_hw_unsupported.txt').counters.every((c) => c.unsupported && c.value === null));
  assert.deepEqual(
    parse('perf-probe/stat_csv_sw.txt').counters.map((c) => [c.event, c.value]),
    [
      ['task-clock', 2798.64],
      ['cpu-clock', 2798.67],
      ['context-switches', 22],
      ['cpu-migrations', 0],
      ['page-faults', 8252],
      ['minor-faults', 8252],
      ['major-faults', 0],
    ],
  );
});

test('CSV with -r: 6.1 puts the variance right after the event name', () => {
  const f = parse('perf-probe/stat_csv_repeat3.txt');
  assert.equal(f.hasVariance, true);
  assert.deepEqual(f.counters.map(pick), [
    ['task-clock', 2832.37, 'msec', 2.88, 2832368741, 100, 0.948, 'CPUs utilized'],
    ['page-faults', 8249, '', 0.01, 2832368741, 100, 2.772, 'K/sec'],
  ]);
  // The order the man page describes (variance after the percentage) reads the same.
  const manPage = parsePerfStat('2832.37,msec,task-clock,2832368741,100.00,2.88%,0.948,CPUs utilized\n', 'm.csv');
  assert.deepEqual(manPage.counters.map(pick), [
    ['task-clock', 2832.37, 'msec', 2.88, 2832368741, 100, 0.948, 'CPUs utilized'],
  ]);
});

test('hz10 -x, -r 5 files: every value, and the metrics agree with the raw counts', () => {
  const cycles: Record<string, [number, number, number]> = {
    'glibc.stat': [28841787724, 0.29, 12052503667],
    'hz10.stat': [15553408722, 0.26, 6489819465],
    'mimalloc.stat': [7771731903, 0.42, 3227736870],
    'mstress_hz10.stat': [2999379056, 0.18, 831954788],
    'mstress_mimalloc.stat': [3012466443, 2.78, 721776185],
    'mstress_tcmalloc.stat': [2369194134, 0.25, 646945658],
    'tcmalloc.stat': [9234857585, 0.18, 3877863367],
  };
  const names = readdirSync(join(FIX, 'hz10')).filter((n) => n.endsWith('.stat'));
  assert.deepEqual(names.sort(), Object.keys(cycles).sort());
  for (const name of names) {
    const f = parse(`hz10/${name}`);
    assert.equal(f.format, 'csv');
    assert.equal(f.hasVariance, true);
    assert.deepEqual(
      f.counters.map((c) => c.event),
      ['cycles', 'instructions', 'cache-references', 'cache-misses', 'branches', 'branch-misses'],
      name,
    );
    const c = byEvent(f.counters);
    assert.deepEqual(
      [c.cycles.value, c.cycles.variancePct, c.cycles.runtimeNs, c.cycles.metricValue],
      [...cycles[name], undefined],
      name,
    );
    assert.ok(
      f.counters.every((x) => x.pctRunning! >= 82 && x.pctRunning! <= 84 && x.variancePct! >= 0),
      name,
    );
    // perf's metrics, rounded to 2 decimals, recomputed from the values: the columns were read in the right order.
    const near = (metric: number | undefined, v: number): boolean => Math.abs(metric! - v) <= 0.005 + 1e-9;
    assert.ok(near(c.instructions.metricValue, c.instructions.value! / c.cycles.value!), `${name} IPC`);
    assert.ok(
      near(c['cache-misses'].metricValue, (100 * c['cache-misses'].value!) / c['cache-references'].value!),
      `${name} cache miss %`,
    );
    assert.ok(
      near(c['branch-misses'].metricValue, (100 * c['branch-misses'].value!) / c.branches.value!),
      `${name} branch miss %`,
    );
  }
  assert.deepEqual(
    parse('hz10/hz10.stat').counters.map((x) => [x.value, x.variancePct]),
    [
      [15553408722, 0.26],
      [32158211887, 0.01],
      [452122626, 0.22],
      [118302356, 0.09],
      [7967705727, 0.04],
      [17473417, 0.26],
    ],
  );
});

test("-x';', -I intervals, aggregation columns, hybrid events, <not counted>, extra metric rows", () => {
  const semi = parsePerfStat(read('perf-probe/stat_csv_default.txt').replace(/,/g, ';'), 'semi.txt');
  assert.deepEqual(semi.counters.map(pick), parse('perf-probe/stat_csv_default.txt').counters.map(pick));
  const text = [
    '     1.001004123,CPU0,1,1003.95,msec,cpu-clock,1003951234,100.00,1.004,CPUs utilized',
    '     1.001004123,CPU0,1,1234567,,cpu_core/cycles/,1003951234,99.52,,',
    '     1.001004123,CPU0,1,<not counted>,,cpu_atom/cycles/,0,0.00,,',
    ',,,,,,,0.45,frontend cycles idle',
  ].join('\n');
  const f = parsePerfStat(text, 'i.csv');
  assert.deepEqual(
    f.counters.map((c) => [c.interval, c.aggregate, c.aggregateCount, c.event, c.value, c.notCounted, c.pctRunning]),
    [
      [1.001004123, 'CPU0', 1, 'cpu-clock', 1003.95, false, 100],
      [1.001004123, 'CPU0', 1, 'cpu_core/cycles/', 1234567, false, 99.52],
      [1.001004123, 'CPU0', 1, 'cpu_atom/cycles/', null, true, 0],
    ],
  );
});

test('-j JSON lines', () => {
  const f = parse('perf-probe/stat_json.txt');
  assert.equal(f.format, 'json');
  assert.deepEqual(f.counters.map(pick), [
    ['task-clock', 2637.230398, 'msec', undefined, 2637230398, 100, 0.998216, 'CPUs utilized'],
    ['page-faults', 8249, '', undefined, 2637230398, 100, 3.127903, 'K/sec'],
    ['cycles', null, '', undefined, 0, 100, undefined, undefined],
  ]);
  assert.equal(f.counters[2].unsupported, true);
});

test('human format: metrics after #, elapsed, user and sys times', () => {
  const f = parse('perf-probe/stat_human_default.txt');
  assert.deepEqual(
    [f.format, f.command, f.repeat, f.elapsedSeconds, f.userSeconds, f.sysSeconds],
    ['human', './prog', undefined, 2.662522622, 2.627797, 0.027967],
  );
  assert.deepEqual(f.counters.map(pick), [
    ['task-clock', 2656.33, 'msec', undefined, undefined, undefined, 0.998, 'CPUs utilized'],
    ['context-switches', 27, '', undefined, undefined, undefined, 10.164, '/sec'],
    ['cpu-migrations', 0, '', undefined, undefined, undefined, 0, '/sec'],
    ['page-faults', 8249, '', undefined, undefined, undefined, 3.105, 'K/sec'],
    ['cycles', null, '', undefined, undefined, undefined, undefined, undefined],
    ['instructions', null, '', undefined, undefined, undefined, undefined, undefined],
    ['branches', null, '', undefined, undefined, undefined, undefined, undefined],
    ['branch-misses', null, '', undefined, undefined, undefined, undefined, undefined],
  ]);
  assert.equal(parse('perf-probe/stat_human_hw_unsupported.txt').counters.filter((c) => c.unsupported).length, 8);
  const r = parse('perf-probe/stat_human_repeat3.txt');
  assert.deepEqual([r.repeat, r.hasVariance, r.elapsedSeconds, r.elapsedStddevSeconds], [3, true, 2.8713, 0.0453]);
  assert.deepEqual(r.counters.map(pick), [
    ['task-clock', 2794.7, 'msec', 1.65, undefined, undefined, 0.973, 'CPUs utilized'],
    ['page-faults', 8249, '', 0, undefined, undefined, 2.897, 'K/sec'],
  ]);
});

test('human format: thousands separators, hybrid rows, multiplexing, interval mode', () => {
  const text = [
    '',
    " Performance counter stats for 'system wide':",
    '',
    '          1,234.56 msec cpu-clock                        #    2.000 CPUs utilized',
    '     1,234,567,890      cpu_core/cycles/                 #    1.000 GHz                         (99.52%)',
    '     <not counted>      cpu_atom/cycles/                                                        (0.00%)',
    '     2,345,678,901      cpu_core/instructions/           #    1.90  insn per cycle              (99.52%)',
    '                                                  #    0.12  stalled cycles per insn',
    '',
    '       0.617283950 seconds time elapsed',
  ].join('\n');
  const f = parsePerfStat(text, 'h.txt');
  assert.equal(f.command, 'system wide');
  assert.deepEqual(
    f.counters.map((c) => [c.event, c.value, c.unit, c.notCounted, c.pctRunning, c.metricValue, c.metricUnit]),
    [
      ['cpu-clock', 1234.56, 'msec', false, undefined, 2, 'CPUs utilized'],
      ['cpu_core/cycles/', 1234567890, '', false, 99.52, 1, 'GHz'],
      ['cpu_atom/cycles/', null, '', true, 0, undefined, undefined],
      ['cpu_core/instructions/', 2345678901, '', false, 99.52, 1.9, 'insn per cycle'],
    ],
  );
  const interval = [
    '#           time             counts unit events',
    '     1.001004123           1,003.95 msec cpu-clock   #    1.004 CPUs utilized',
    '     1.001004123                 12      context-switches  #   11.953 /sec',
  ].join('\n');
  assert.deepEqual(
    parsePerfStat(interval, 'i.txt').counters.map((c) => [c.interval, c.event, c.value, c.unit]),
    [
      [1.001004123, 'cpu-clock', 1003.95, 'msec'],
      [1.001004123, 'context-switches', 12, ''],
    ],
  );
});

test('format sniffing: every stat fixture, and nothing else', () => {
  for (const dir of ['perf-probe', 'hz10']) {
    for (const name of readdirSync(join(FIX, dir))) {
      assert.equal(
        looksLikePerfStat(read(`${dir}/${name}`).slice(0, 65536)),
        /^stat_|\.stat$/.test(name),
        `${dir}/${name}`,
      );
    }
  }
});

test('bad input: errors name the file, the line and the problem', () => {
  const throwsMessage = (text: string, re: RegExp): void =>
    assert.throws(
      () => parsePerfStat(text, 's.txt'),
      (e: Error) => e instanceof ProfileFormatError && re.test(e.message),
    );
  throwsMessage('1,,cycles,5,100.00,,\nhello,world\n', /^s\.txt:2: not a perf stat CSV row/);
  throwsMessage('1,,cycles,abc,100.00,,\n', /^s\.txt:1: run time "abc" is not a number/);
  throwsMessage('{"counter-value" : "1", "event" : "cycles"}\n{"counter-value" : \n', /^s\.txt:2: not a JSON object/);
  throwsMessage('{"counter-value" : "x1", "event" : "cycles"}\n', /^s\.txt:1: "counter-value" "x1" is not a number/);
  throwsMessage(" Performance counter stats for 'x':\n\n   12,34,5      \n", /^s\.txt:3: not a perf stat counter line/);
  throwsMessage('\n\n', /^s\.txt: no counters/);
});

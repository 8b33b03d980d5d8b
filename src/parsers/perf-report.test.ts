import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { looksLikePerfReport, parsePerfReport, type ReportRow } from './perf-report';
import { ProfileFormatError } from './errors';

const FIX = join(__dirname, '../../test/fixtures');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');
const parse = (p: string) => parsePerfReport(read(p), p);
const sum = (rows: ReportRow[], f: (r: ReportRow) => number): number => rows.reduce((a, r) => a + f(r), 0);
/** Rows whose srcline is `sym+N` with N ≥ 2^32, counted in the text itself. */
const bogusInText = (p: string): number =>
  read(p)
    .split('\n')
    .filter((l) => /\+\d{10,}$/.test(l)).length;

test('--no-children -g none --sort srcline: header, rows, unresolved kernel rows as text', () => {
  const f = parse('perf-probe/report_sort_srcline_nochildren_nocallgraph.txt');
  assert.equal(f.lostSamples, 0);
  assert.equal(f.sections.length, 1);
  const s = f.sections[0];
  assert.deepEqual(
    [s.events, s.samples, s.samplesExact, s.eventCount, s.columns, s.childrenMode],
    [['cpu-clock'], 5000, false, 2824500000, ['Overhead', 'Source:Line'], false],
  );
  assert.equal(s.rows.length, 60);
  assert.deepEqual(
    [s.rows[0].overhead, s.rows[0].srcline, s.rows[0].line],
    [[91.84], { file: 'hot.inc', line: 21 }, 12],
  );
  assert.deepEqual([s.rows[2].overhead, s.rows[2].srcline], [[1.13], { file: 'helper.h', line: 10 }]);
  assert.deepEqual(
    [s.rows[4].overhead, s.rows[4].srcline, s.rows[4].srclineText, s.rows[4].bogus],
    [[0.41], undefined, 'clear_page_erms+7', false],
  );
  assert.ok(Math.abs(sum(s.rows, (r) => r.overhead![0]) - 100) < 0.5);
});

test('children mode: Children and Self columns, bogus sym+<absolute address> rows flagged', () => {
  const s = parse('perf-probe/report_sort_srcline.txt').sections[0];
  assert.deepEqual([s.columns, s.childrenMode], [['Children', 'Self', 'Source:Line'], true]);
  assert.deepEqual(
    [s.rows[0].children, s.rows[0].overhead, s.rows[0].srclineText, s.rows[0].bogus],
    [[92.58], [0], 'hot_loop+94578221826162', true],
  );
  assert.deepEqual(
    [s.rows[1].children, s.rows[1].overhead, s.rows[1].srcline, s.rows[1].bogus],
    [[91.84], [91.84], { file: 'hot.inc', line: 21 }, false],
  );
  assert.equal(s.rows.filter((r) => r.bogus).length, bogusInText('perf-probe/report_sort_srcline.txt'));
  assert.equal(s.rows.filter((r) => r.bogus).length, 23);
  // Without the Children column (-F overhead,sym,srcline on -g data) the bogus rows still come, at 0.00%.
  const F = parse('perf-probe/report_F_overhead_sym_srcline.txt').sections[0];
  assert.deepEqual(F.columns, ['Overhead', 'Symbol', 'Source:Line']);
  assert.equal(F.rows.filter((r) => r.bogus).length, 23);
  assert.ok(F.rows.filter((r) => r.bogus).every((r) => r.overhead![0] === 0));
});

test('--group -n --show-total-period: one value per event; the Samples column gives exact counts', () => {
  const s = parse('perf-probe/report_group_n_period.txt').sections[0];
  assert.deepEqual(
    [s.events, s.samples, s.samplesExact, s.eventCount],
    [['cpu-clock', 'task-clock'], 12000, false, 6384500000],
  );
  assert.deepEqual(s.columns, ['Overhead', 'Samples', 'Period', 'Symbol', 'Source:Line']);
  const r = s.rows[0];
  assert.deepEqual(
    [r.overhead, r.samples, r.period, r.symbolLevel, r.symbol, r.srcline],
    [[91.73, 91.87], [5859, 5863], [2929500000, 2931500000], '.', 'hot_loop', { file: 'hot.inc', line: 21 }],
  );
  assert.deepEqual([sum(s.rows, (x) => x.samples![0]), sum(s.rows, (x) => x.samples![1])], [6387, 6382]);
  assert.equal(
    sum(s.rows, (x) => x.period![0] + x.period![1]),
    s.eventCount,
  );
  const k = s.rows.find((x) => x.symbolLevel === 'k')!;
  assert.deepEqual([k.symbol, k.srclineText], ['finish_task_switch.isra.0', 'finish_task_switch.isra.0+147']);
});

test("-t ';' with and without --group: the same rows as the column layout", () => {
  const columns = parse('perf-probe/report_group_n_period.txt').sections[0];
  const sep = parse('perf-probe/report_group_fieldsep.txt').sections[0];
  assert.deepEqual(sep.columns, columns.columns);
  const strip = (rows: ReportRow[]) => rows.map((r) => ({ ...r, line: 0 }));
  assert.deepEqual(strip(sep.rows), strip(columns.rows));
  const f = parse('perf-probe/report_nogroup_fieldsep.txt');
  assert.deepEqual(
    f.sections.map((x) => [x.events, x.samples, x.eventCount, x.columns, x.line]),
    [
      [['cpu-clock'], 6000, 3193500000, ['Samples', 'Period', 'Source:Line'], 6],
      [['task-clock'], 6000, 3191000000, ['Samples', 'Period', 'Source:Line'], 74],
    ],
  );
  assert.deepEqual(
    f.sections.map((x) => sum(x.rows, (r) => r.samples![0])),
    [6387, 6382],
  );
  assert.deepEqual(
    f.sections.map((x) => sum(x.rows, (r) => r.period![0])),
    [3193500000, 3191000000],
  );
  assert.deepEqual(f.sections[0].rows[0], {
    overhead: undefined,
    children: undefined,
    samples: [5859],
    period: [2929500000],
    symbol: undefined,
    symbolLevel: undefined,
    srcline: { file: 'hot.inc', line: 21 },
    srclineText: undefined,
    dso: undefined,
    command: undefined,
    other: {},
    bogus: false,
    line: 10,
  });
});

test('one section per event without --group; --sort sym,srcline --group in children mode', () => {
  const two = parse('perf-probe/report_sort_srcline_two_events_nogroup.txt');
  assert.deepEqual(
    two.sections.map((s) => [s.events[0], s.rows.length, s.rows[0].overhead![0]]),
    [
      ['cpu-clock', 62, 91.73],
      ['task-clock', 68, 91.87],
    ],
  );
  const g = parse('perf-probe/report_sort_sym_srcline_group_two_events.txt').sections[0];
  assert.deepEqual(g.columns, ['Children', 'Self', 'Symbol', 'Source:Line']);
  assert.deepEqual(
    [g.rows[1].children, g.rows[1].overhead, g.rows[1].symbol, g.rows[1].srcline],
    [[91.73, 91.87], [91.73, 91.87], 'hot_loop', { file: 'hot.inc', line: 21 }],
  );
  assert.equal(
    g.rows.filter((r) => r.bogus).length,
    bogusInText('perf-probe/report_sort_sym_srcline_group_two_events.txt'),
  );
  const nc = parse('perf-probe/report_sort_sym_srcline_group_nochildren.txt').sections[0];
  // helper.h:12 inlined into hot_loop and into cold_init are separate rows with --sort sym,srcline.
  assert.deepEqual(
    nc.rows.filter((r) => r.srcline?.file === 'helper.h' && r.srcline.line === 12).map((r) => [r.symbol, r.overhead]),
    [
      ['hot_loop', [0.83, 0.83]],
      ['cold_init', [0.09, 0.09]],
    ],
  );
});

test('--full-source-path and the Shared Object column', () => {
  const s = parse('perf-probe/report_sort_srcline_fullpath.txt').sections[0];
  assert.deepEqual(s.columns, ['Overhead', 'Shared Object', 'Symbol', 'Source:Line']);
  assert.deepEqual(
    [s.rows[0].dso, s.rows[0].symbol, s.rows[0].srcline],
    ['prog', 'hot_loop', { file: '/home/dev/probe/src/hot.inc', line: 21 }],
  );
  assert.deepEqual(
    [s.rows[4].dso, s.rows[4].symbolLevel, s.rows[4].srclineText],
    ['[kernel.kallsyms]', 'k', 'clear_page_erms+7'],
  );
});

test('call graphs under rows are skipped, caller-mode continuation lines included', () => {
  const a = parse('perf-probe/report_callchain_address_inline.txt').sections[0];
  assert.equal(a.rows.length, 39);
  assert.deepEqual(
    a.rows.slice(0, 2).map((r) => [r.overhead![0], r.symbol]),
    [
      [97.7, 'hot_loop'],
      [0.41, 'clear_page_erms'],
    ],
  );
  const d = parse('perf-probe/report_dwarf_callgraph_srcline_inline.txt').sections[0];
  assert.deepEqual(
    d.rows.map((r) => [r.overhead![0], r.symbol]),
    [[98.32, 'hot_loop']],
  );
});

test('hz10 symbol reports (real cycles:P data): command, dso, C++ symbols with spaces', () => {
  const h = parse('hz10/hz10.report');
  const s = h.sections[0];
  assert.deepEqual(
    [s.events, s.samples, s.eventCount, s.columns, s.rows.length],
    [['cycles:P'], 30000, 15347425738, ['Overhead', 'Command', 'Shared Object', 'Symbol'], 270],
  );
  assert.deepEqual(
    [s.rows[0].overhead, s.rows[0].command, s.rows[0].dso, s.rows[0].symbolLevel, s.rows[0].symbol],
    [[34.78], 'sh6bench', 'libhz10.so', '.', 'hz10_free'],
  );
  const tc = parse('hz10/mstress_tcmalloc.report').sections[0].rows.find((r) => r.line === 23)!;
  assert.deepEqual(
    [tc.overhead, tc.dso, tc.symbol],
    [
      [0.71],
      'libtcmalloc_minimal.so.4.5.9',
      'tcmalloc::ThreadCache::ReleaseToCentralCache(tcmalloc::ThreadCache::FreeList*, unsigned int, int)',
    ],
  );
  for (const name of readdirSync(join(FIX, 'hz10')).filter((n) => n.endsWith('.report'))) {
    const rows = parse(`hz10/${name}`).sections[0].rows;
    assert.ok(Math.abs(sum(rows, (r) => r.overhead![0]) - 100) < 1.5, name);
  }
});

test('recorded groups, exact sample counts, other sort keys', () => {
  const text = [
    "# Samples: 999  of events 'anon group { cycles, instructions }'",
    '# Overhead          Data Symbol',
    '# ..............  ...........',
    '#',
    '    60.00%  40.00%  [.] buf+0x10',
    '',
  ].join('\n');
  const s = parsePerfReport(text, 'g.txt').sections[0];
  assert.deepEqual([s.events, s.samples, s.samplesExact], [['cycles', 'instructions'], 999, true]);
  assert.deepEqual([s.rows[0].overhead, s.rows[0].other], [[60, 40], { 'Data Symbol': '[.] buf+0x10' }]);
});

test('format sniffing: every report fixture, and nothing else', () => {
  for (const dir of ['perf-probe', 'hz10']) {
    for (const name of readdirSync(join(FIX, dir))) {
      const expected = (name.startsWith('report_') && !name.includes('pitfall')) || name.endsWith('.report');
      assert.equal(looksLikePerfReport(read(`${dir}/${name}`).slice(0, 65536)), expected, `${dir}/${name}`);
    }
  }
});

test('bad input: errors name the file, the line and the problem', () => {
  const throwsMessage = (fn: () => unknown, re: RegExp): void =>
    assert.throws(fn, (e: Error) => e instanceof ProfileFormatError && re.test(e.message));
  const head = "# Samples: 5K of events 'a, b'\n#       Overhead  Symbol\n# ..............  ......\n";
  throwsMessage(
    () => parsePerfReport(head + '1.00%'.padStart(16) + '  [.] f\n', 'r.txt'),
    /^r\.txt:4: Overhead column has 1 value\(s\) \("1.00%"\), expected 2/,
  );
  throwsMessage(
    () => parsePerfReport(head + '1.0x%  2.00%'.padStart(16) + '  [.] f\n', 'r.txt'),
    /^r\.txt:4: Overhead value "1.0x%" is not a percentage/,
  );
  throwsMessage(
    () => parsePerfReport("# Samples: 5K of event 'a'\n    1.00%  f\n", 'r.txt'),
    /^r\.txt:2: row before any column title line/,
  );
  throwsMessage(
    () => parsePerfReport('    91.91%  /home/dev/probe/prog  0x12a2\n', 'q.txt'),
    /^q\.txt: no "# Samples: … of event '…'" header/,
  );
  throwsMessage(
    () => parsePerfReport("# Samples: 1 of event 'a'\n#  Samples;Period\n1;2;3\n", 's.txt'),
    /^s\.txt:3: row has 3 field\(s\), the column titles 2/,
  );
});

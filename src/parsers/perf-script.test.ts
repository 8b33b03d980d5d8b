import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ipToNumber, looksLikePerfScript, parsePerfScript, type PerfScriptFile } from './perf-script';
import { aggregatePerfScript, type PerfScriptAggregate } from './perf-script-aggregate';
import { looksLikePerfReport, parsePerfReport } from './perf-report';
import { looksLikePerfAnnotate } from './perf-annotate';
import { looksLikePerfStat } from './perf-stat';
import { looksLikeCachegrind } from './cachegrind';
import { ProfileFormatError } from './errors';

const FIX = join(__dirname, '../../test/fixtures');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');
const count = (text: string, re: RegExp): number => text.split('\n').filter((l) => re.test(l)).length;

/** What the aggregate must equal: the leaf srclines counted from fully parsed samples. */
function leafSrclines(f: PerfScriptFile): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of f.samples) {
    const loc = s.frames[0]?.srcline;
    if (loc) m.set(`${s.event} ${loc.file}:${loc.line}`, (m.get(`${s.event} ${loc.file}:${loc.line}`) ?? 0) + 1);
  }
  return m;
}
const aggregateSrclines = (a: PerfScriptAggregate): Map<string, number> =>
  new Map(a.srclines.map((l) => [`${a.events[l.event].name} ${l.file}:${l.line}`, l.samples]));

test('default fields: comm, tid, time, period, event, callchain frames with sym+off and dso', () => {
  const text = read('perf-probe/script_default.txt');
  const f = parsePerfScript(text, 'default.txt');
  // Every sample line starts with the comm at column 0: 5649 of them, all cpu-clock, 500000 each.
  assert.equal(f.samples.length, count(text, /^prog /));
  assert.equal(f.samples.length, 5649);
  assert.deepEqual(f.events, ['cpu-clock']);
  const [first, , third] = f.samples;
  assert.deepEqual(
    { ...first, frames: first.frames.length },
    {
      comm: 'prog',
      pid: undefined,
      tid: 9779,
      cpu: undefined,
      time: 354.709411,
      event: 'cpu-clock',
      period: 500000,
      frames: 8,
      absoluteIps: false,
      line: 1,
    },
  );
  assert.deepEqual(first.frames[0], {
    ip: 'ffffffff821d242a',
    symbol: 'mas_wr_bnode',
    symbolOffset: 0x126a,
    dso: '[kernel.kallsyms]',
    srcline: undefined,
    srclineText: undefined,
    inlined: false,
  });
  assert.deepEqual(first.frames[7], {
    ip: '20ca3',
    symbol: 'mmap64',
    symbolOffset: 0x13,
    dso: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
    srcline: undefined,
    srclineText: undefined,
    inlined: false,
  });
  assert.deepEqual(third.frames, [
    {
      ip: '130a',
      symbol: 'cold_init',
      symbolOffset: 0x4a,
      dso: '/srv/prog',
      srcline: undefined,
      srclineText: undefined,
      inlined: false,
    },
  ]);
  assert.equal(
    f.samples.reduce((a, s) => a + s.period!, 0),
    2824500000,
    "= report's Event count (approx.)",
  );
});

test('-F …,srcline: srcline under each frame, kernel frames keep their [dso][addr] text', () => {
  const f = parsePerfScript(read('perf-probe/script_F_fields_srcline.txt'), 'F.txt');
  assert.equal(f.samples.length, 5649);
  const first = f.samples[0];
  assert.deepEqual(first.frames[0], {
    ip: 'ffffffff821d242a',
    symbol: 'mas_wr_bnode',
    symbolOffset: undefined,
    dso: undefined,
    srcline: undefined,
    srclineText: '[kernel.kallsyms][ffffffff821d242a]',
    inlined: false,
  });
  assert.deepEqual(first.frames[7].srcline, { file: 'mmap64.c', line: 58 });
  assert.deepEqual(
    f.samples[2].frames.map((x) => [x.ip, x.symbol, x.srcline]),
    [['130a', 'cold_init', { file: 'main.c', line: 10 }]],
  );
  // +srcline (default fields plus srcline) reads the same frames, with offsets and dsos.
  const plus = parsePerfScript(read('perf-probe/script_F_plus_srcline.txt'), 'plus.txt');
  assert.equal(plus.samples.length, 5649);
  assert.deepEqual(plus.samples[0].frames[7], {
    ip: '20ca3',
    symbol: 'mmap64',
    symbolOffset: 0x13,
    dso: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
    srcline: { file: 'mmap64.c', line: 58 },
    srclineText: undefined,
    inlined: false,
  });
  assert.deepEqual(leafSrclines(plus), leafSrclines(f));
});

test('two events: right-aligned names; the aggregate equals perf report -F sample,period,srcline per event', () => {
  const text = read('perf-probe/script_two_events_srcline.txt');
  const f = parsePerfScript(text, 'two.txt');
  assert.deepEqual(f.events, ['cpu-clock', 'task-clock']);
  // " cpu-clock:" is padded to the width of "task-clock".
  assert.equal(f.samples.filter((s) => s.event === 'cpu-clock').length, count(text, / cpu-clock: $/));
  assert.equal(f.samples.filter((s) => s.event === 'task-clock').length, count(text, / task-clock: $/));
  const a = aggregatePerfScript(text, 'two.txt');
  assert.deepEqual(a.events, [
    { name: 'cpu-clock', samples: 6387, period: 3193500000, periodPrinted: true },
    { name: 'task-clock', samples: 6382, period: 3191000000, periodPrinted: true },
  ]);
  assert.deepEqual(aggregateSrclines(a), leafSrclines(f));
  const hot = a.srclines.filter((l) => l.file === 'hot.inc' && l.line === 21).map((l) => l.samples);
  assert.deepEqual(hot, [5859, 5863]);
  // perf's own numbers for the same perf.data: every resolved line, and the unresolved rest.
  const report = parsePerfReport(read('perf-probe/report_nogroup_fieldsep.txt'), 'r.txt');
  report.sections.forEach((sec, e) => {
    const fromReport = sec.rows
      .filter((r) => r.srcline)
      .map((r) => `${r.srcline!.file}:${r.srcline!.line} ${r.samples![0]} ${r.period![0]}`)
      .sort();
    const fromScript = a.srclines
      .filter((l) => l.event === e)
      .map((l) => `${l.file}:${l.line} ${l.samples} ${l.period}`)
      .sort();
    assert.deepEqual(fromScript, fromReport);
    assert.equal(
      a.unattributed[e].samples,
      sec.rows.filter((r) => !r.srcline).reduce((acc, r) => acc + r.samples![0], 0),
    );
  });
});

test('-G: one frame on the sample line with an absolute ip; same counts as the callchain form', () => {
  const text = read('perf-probe/script_two_events_hide_callgraph.txt');
  const f = parsePerfScript(text, 'G.txt');
  assert.equal(f.samples.length, 12769);
  assert.deepEqual(
    { ...f.samples[0], frames: undefined },
    {
      comm: 'prog',
      pid: undefined,
      tid: 9907,
      cpu: undefined,
      time: 358.893066,
      event: 'cpu-clock',
      period: 500000,
      frames: undefined,
      absoluteIps: true,
      line: 1,
    },
  );
  assert.deepEqual(f.samples[0].frames, [
    {
      ip: '7f73c35dac52',
      symbol: '_dl_new_object',
      symbolOffset: undefined,
      dso: undefined,
      srcline: { file: 'dl-object.c', line: 59 },
      srclineText: undefined,
      inlined: false,
    },
  ]);
  const a = aggregatePerfScript(text, 'G.txt');
  assert.deepEqual(
    aggregateSrclines(a),
    aggregateSrclines(aggregatePerfScript(read('perf-probe/script_two_events_srcline.txt'), 'two.txt')),
  );
  assert.ok(a.leaves.every((l) => l.absoluteIp));
  const hot = a.leaves.find((l) => l.event === 0 && l.ip === '5643d2b1c2a2')!;
  assert.equal(hot.symbol, 'hot_loop');
});

test('-G -F event,ip,sym,symoff,dso,srcline,period: no comm, tid or time', () => {
  const f = parsePerfScript(read('perf-probe/script_two_events_symoff_dso.txt'), 'symoff.txt');
  assert.equal(f.samples.length, 12769);
  const s = f.samples[0];
  assert.deepEqual([s.comm, s.tid, s.time, s.period, s.event], [undefined, undefined, undefined, 500000, 'cpu-clock']);
  assert.deepEqual(s.frames[0], {
    ip: '7f73c35dac52',
    symbol: '_dl_new_object',
    symbolOffset: 2,
    dso: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
    srcline: { file: 'dl-object.c', line: 59 },
    srclineText: undefined,
    inlined: false,
  });
  const kernel = f.samples.find((x) => x.frames[0].dso === '[kernel.kallsyms]')!;
  assert.equal(kernel.frames[0].srclineText, `[kernel.kallsyms][${kernel.frames[0].ip}]`);
  const a = aggregatePerfScript(read('perf-probe/script_two_events_symoff_dso.txt'), 'symoff.txt');
  assert.equal(a.leaves.find((l) => l.ip === '5643d2b1c2a2' && l.event === 0)!.dso, '/srv/prog');
});

test('--call-graph dwarf: (inlined) frames share the ip of their caller, ??:0 and :0 stay text', () => {
  const text = read('perf-probe/script_dwarf_callgraph_inline.txt');
  const f = parsePerfScript(text, 'dwarf.txt');
  assert.equal(f.samples.length, count(text, /^prog /));
  const frames = f.samples[0].frames;
  assert.deepEqual(
    frames.slice(7, 9).map((x) => [x.ip, x.symbol, x.srcline, x.inlined]),
    [
      ['1e620', 'elf_get_dynamic_info', { file: 'get-dynamic-info.h', line: 85 }, true],
      ['1e620', 'dl_main', { file: 'rtld.c', line: 1766 }, false],
    ],
  );
  assert.equal(frames.at(-1)!.srclineText, ':0');
  assert.equal(f.samples[1].frames.at(-1)!.srclineText, '??:0');
  // The leaf of an inlined helper is the helper's line (the innermost location, as every flat perf view uses).
  const mix = f.samples.find((s) => s.line === 275)!;
  assert.deepEqual(
    mix.frames.slice(0, 2).map((x) => [x.symbol, x.srcline, x.inlined]),
    [
      ['mix64', { file: 'helper.h', line: 12 }, true],
      ['cold_init', { file: 'main.c', line: 11 }, false],
    ],
  );
  const a = aggregatePerfScript(text, 'dwarf.txt');
  assert.deepEqual(aggregateSrclines(a), leafSrclines(f));
  assert.equal(
    a.srclines.find((l) => l.file === 'hot.inc' && l.line === 21)!.samples,
    count(text.replace(/ cpu-clock: \n\t\s+[0-9a-f]+ \S+\n {2}hot\.inc:21\n/g, '@\n'), /@$/),
  );
});

test('big -G run: comm padded to 16, kernel ips beyond 2^53 stay exact', () => {
  const text = read('perf-probe/script_big_srcline_head2000.txt');
  const f = parsePerfScript(text, 'big.txt');
  assert.equal(f.samples.length, 1000);
  assert.equal(f.samples[0].comm, 'big');
  assert.equal(f.samples[0].frames[0].ip, 'ffffffff8156beed');
  assert.equal(ipToNumber('ffffffff8156beed'), undefined);
  assert.equal(ipToNumber('12a2'), 0x12a2);
  assert.equal(ipToNumber('7f5209f6a9eb'), 0x7f5209f6a9eb);
  const a = aggregatePerfScript(text, 'big.txt');
  assert.equal(a.samples, 1000);
  assert.equal(a.unattributed[0].samples, count(text, /^ {2}\[kernel\.kallsyms\]/));
  assert.equal(a.srclines.reduce((acc, l) => acc + l.samples, 0) + a.unattributed[0].samples, 1000);
});

test('comm with spaces, pid/tid, cpu, an event name with colons, side-band records and CRLF', () => {
  const text = [
    'Web Content  1234/1240 [003] 100.000001:     250000 cycles:u: ',
    '\t    7f00 foo+0x1 (/lib/x.so)',
    '  x.c:3',
    '\t    7f10 bar (/lib/x.so)',
    '',
    'Web Content  1234/1240 [003] 100.000002: PERF_RECORD_MMAP2 1234/1240: [0x1000(0x1000) @ 0 00:00 0 0]: r-xp /lib/x.so',
    'Web Content  1234/1240 [001] 100.000003:     250000 sched:sched_switch: ',
    '\t    7f20 (anonymous namespace)::run(int, char) (/lib/x.so)',
    '',
  ].join('\r\n');
  const f = parsePerfScript(text, 'x.txt');
  assert.equal(f.sidebandLines, 1);
  assert.deepEqual(f.events, ['cycles:u', 'sched:sched_switch']);
  const [a, b] = f.samples;
  assert.deepEqual([a.comm, a.pid, a.tid, a.cpu, a.time, a.period], ['Web Content', 1234, 1240, 3, 100.000001, 250000]);
  assert.deepEqual(
    a.frames.map((x) => [x.ip, x.symbol, x.symbolOffset, x.dso, x.srcline]),
    [
      ['7f00', 'foo', 1, '/lib/x.so', { file: 'x.c', line: 3 }],
      ['7f10', 'bar', undefined, '/lib/x.so', undefined],
    ],
  );
  assert.equal(b.frames[0].symbol, '(anonymous namespace)::run(int, char)');
  const agg = aggregatePerfScript(text, 'x.txt');
  assert.deepEqual(
    agg.srclines.map((l) => [l.file, l.line, l.period]),
    [['x.c', 3, 250000]],
  );
  assert.deepEqual(
    agg.unattributed.map((u) => u.samples),
    [0, 1],
  );
});

test('period not printed: samples count 1 each, period 0', () => {
  const a = aggregatePerfScript('p 1 1.5: cpu-clock: \n\t 10 f\n\np 1 1.6: cpu-clock: \n\t 10 f\n\n', 'x');
  assert.deepEqual(a.events, [{ name: 'cpu-clock', samples: 2, period: 0, periodPrinted: false }]);
  assert.deepEqual(
    a.leaves.map((l) => [l.ip, l.symbol, l.samples]),
    [['10', 'f', 2]],
  );
});

test('format sniffing: every script fixture, and nothing else', () => {
  for (const dir of ['perf-probe', 'hz10']) {
    for (const name of readdirSync(join(FIX, dir))) {
      const head = read(`${dir}/${name}`).slice(0, 65536);
      assert.equal(looksLikePerfScript(head), name.startsWith('script_'), `${dir}/${name}`);
    }
  }
});

test("the five sniffers never claim the same file, and perf stderr is nobody's", () => {
  const sniffers = {
    annotate: looksLikePerfAnnotate,
    script: looksLikePerfScript,
    report: looksLikePerfReport,
    stat: looksLikePerfStat,
    cachegrind: looksLikeCachegrind,
  };
  for (const dir of ['perf-probe', 'hz10']) {
    for (const name of readdirSync(join(FIX, dir))) {
      const head = read(`${dir}/${name}`).slice(0, 65536);
      const claims = Object.entries(sniffers)
        .filter(([, sniff]) => sniff(head))
        .map(([k]) => k);
      assert.ok(claims.length <= 1, `${dir}/${name}: ${claims.join(', ')}`);
    }
  }
  // `build id event received for [kernel.kallsyms]: 48dc… [20]` looks like `comm event: ip sym` without a tid.
  assert.deepEqual(
    Object.values(sniffers).map((s) => s(read('perf-probe/report_pitfall_tmp_perf_prefix_no_symbols.txt'))),
    [false, false, false, false, false],
  );
});

test('bad input: errors name the file, the line and the problem', () => {
  const expect = (text: string, re: RegExp): void => {
    for (const fn of [parsePerfScript, aggregatePerfScript])
      assert.throws(
        () => fn(text, 'bad.txt'),
        (e: ProfileFormatError) => e instanceof ProfileFormatError && re.test(e.message),
      );
  };
  expect('\t 12a2 hot_loop\n', /^bad\.txt:1: callchain frame line outside a sample/);
  expect('p 1 1.0: cpu-clock: \n\t 12zz hot_loop\n', /^bad\.txt:2: frame address "12zz hot_loop" is not hexadecimal/);
  expect('p 1 1.0: cpu-clock: \n\t 12a2 f\n\nhello world\n', /^bad\.txt:4: not a perf script sample line/);
  expect('', /^bad\.txt: no samples/);
});

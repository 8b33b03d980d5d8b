/**
 * The report's function and group tables against perf's own numbers for the same recordings: the hz10 corpus
 * (`perf report` of hardware `cycles:P` recordings, copied from the hz3 authors' machine into test/fixtures/hz10)
 * and the demo's recordings of one build (cpu-clock and page-faults, each with perf's `--sort sym,dso -n` beside
 * it). The expected numbers are read from perf's text here, never from the report code.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import type { SymbolRow } from '../../test/perf-oracle';
import { fn, near, num, pct, perfSymbols as perf, runReport, sum, tableAfter } from '../../test/report-oracle';

const ROOT = resolve(__dirname, '../..');
const HZ10 = join(ROOT, 'test/fixtures/hz10');
const DEMO = join(ROOT, 'demo/mini-hz3');

test('hz10 vs mimalloc (cycles:P, hardware): top functions, groups by name prefix and binaries by role equal perf report', async () => {
  const md = await runReport([
    join(HZ10, 'hz10.report'),
    '--baseline',
    join(HZ10, 'mimalloc.report'),
    '--group',
    'allocator=hz10_',
    '--group',
    'allocator=mi_',
    '--group',
    'remote drain=hz10_page_drain_',
    '--top',
    '12',
  ]);
  const [hz, mi] = [perf(join(HZ10, 'hz10.report')), perf(join(HZ10, 'mimalloc.report'))];
  const top = tableAfter(md, '### By `cycles:P`');
  assert.equal(top.rows.length, 12);
  for (const r of top.rows)
    near(
      pct(r['% of cycles:P']),
      sum(hz, (p) => p.symbol === r.Function && p.dso === r.Binary),
      `${r.Function} (${r.Binary})`,
    );
  assert.equal(top.rows[0].Function, 'hz10_free', 'hz10_free, as perf ranks it');

  const groups = tableAfter(md, 'Allocator and program');
  const alloc = groups.rows.find((r) => r.Group === 'allocator')!;
  const program = groups.rows.find((r) => r.Group === 'program')!;
  const isAlloc = (p: SymbolRow): boolean => fn(p.symbol).startsWith('hz10_') || fn(p.symbol).startsWith('mi_');
  near(pct(alloc['% of cycles:P']), sum(hz, isAlloc), 'hz10 allocator');
  near(
    pct(program['% of cycles:P']),
    sum(hz, (p) => !isAlloc(p)),
    'hz10 program',
  );
  near(pct(alloc['mimalloc.report % of cycles:P']), sum(mi, isAlloc), 'mimalloc allocator');
  // Groups may overlap (the seed's remote-stash pair inside its allocator overhead).
  const drain = groups.rows.find((r) => r.Group === 'remote drain')!;
  near(
    pct(drain['% of cycles:P']),
    sum(hz, (p) => fn(p.symbol).startsWith('hz10_page_drain_')),
    'remote drain',
  );
  assert.ok(pct(drain['% of cycles:P']) > 1, 'hz10_page_drain_remote has 1.37% and its PLT stub more');
  assert.match(
    md,
    new RegExp(
      `Allocator overhead in hz10\\.report: ${alloc['% of cycles:P'].replace('.', '\\.')} of \`cycles:P\`; mimalloc\\.report: ${alloc['mimalloc.report % of cycles:P'].replace('.', '\\.')}`,
    ),
  );

  // The allocator libraries share no symbol name (hz10_malloc vs mi_malloc): they pair as the one allocator library of each side.
  const bins = tableAfter(md, '### By binary');
  const lib = bins.rows.find((r) => r.Binary === 'libhz10.so ↔ libmimalloc.so.2.2');
  assert.ok(lib, bins.rows.map((r) => r.Binary).join(', '));
  near(
    pct(lib['hz10.report']),
    sum(hz, (p) => p.dso === 'libhz10.so'),
    'libhz10.so',
  );
  near(
    pct(lib['mimalloc.report']),
    sum(mi, (p) => p.dso === 'libmimalloc.so.2.2'),
    'libmimalloc.so.2.2',
  );
  const bench = bins.rows.find((r) => r.Binary === 'sh6bench')!;
  near(
    pct(bench['mimalloc.report']),
    sum(mi, (p) => p.dso === 'sh6bench'),
    'sh6bench in mimalloc.report',
  );
});

test('hz10 against glibc, groups by binary (no --group): allocator = the LD_PRELOADed library, as perf report sums it', async () => {
  const md = await runReport([join(HZ10, 'hz10.report'), '--baseline', join(HZ10, 'glibc.report')]);
  const [hz, gl] = [perf(join(HZ10, 'hz10.report')), perf(join(HZ10, 'glibc.report'))];
  const g = tableAfter(md, 'Allocator and program');
  const row = (n: string) => g.rows.find((r) => r.Group === n)!;
  near(
    pct(row('allocator')['% of cycles:P']),
    sum(hz, (p) => p.dso === 'libhz10.so'),
    'allocator',
  );
  near(
    pct(row('program')['% of cycles:P']),
    sum(hz, (p) => p.dso === 'sh6bench'),
    'program',
  );
  near(
    pct(row('kernel')['% of cycles:P']),
    sum(hz, (p) => p.dso.startsWith('[')),
    'kernel',
  );
  near(
    pct(row('system libraries')['glibc.report % of cycles:P']),
    sum(gl, (p) => /^(libc|ld-linux)/.test(p.dso)),
    'glibc: libc is a system library',
  );
  // libc.so.6 is in both processes, so it pairs with itself; glibc has no allocator library to pair libhz10.so with.
  const bins = tableAfter(md, '### By binary').rows;
  assert.equal(bins.find((r) => r.Binary === 'libhz10.so')?.['glibc.report'], '0.00%');
  near(
    pct(bins.find((r) => r.Binary === 'libc.so.6')!['glibc.report']),
    sum(gl, (p) => p.dso === 'libc.so.6'),
    'libc.so.6 in glibc.report',
  );
  assert.match(md, /glibc\.report has no allocator library of its own/);
});

test('demo: cpu-clock and page-faults recordings of one build, top functions with samples, page-faults above cpu-clock, as perf report', async () => {
  const P = (f: string) => join(DEMO, 'profiles', f);
  const md = await runReport([
    P('cpu-clock.perf.data'),
    P('page-faults.perf.data'),
    '--group',
    'allocator=mh3_',
    '--source-root',
    DEMO,
    '--top',
    '6',
  ]);
  const cpu = perf(P('report-sym-cpu-clock.txt'), 'cpu-clock');
  const pf = perf(P('report-sym-page-faults.txt'), 'page-faults');
  const user = (p: SymbolRow) => !p.dso.startsWith('[');
  for (const [event, rows] of [
    ['cpu-clock', cpu],
    ['page-faults', pf],
  ] as const) {
    const t = tableAfter(md, `### By \`${event}\``);
    const shown = t.rows.filter((r) => !r.Binary.startsWith('['));
    assert.ok(shown.length >= 3, `${event}: user-space functions listed`);
    for (const r of shown) {
      const want = sum(rows, (p) => user(p) && p.symbol === r.Function && p.dso === r.Binary);
      near(pct(r[`% of ${event}`]), want, `${event} ${r.Function}`);
      assert.equal(num(r.Samples), want.samples, `${event} ${r.Function}: samples as perf report -n`);
    }
  }
  const conc = tableAfter(md, '### `page-faults` above its share of `cpu-clock`');
  assert.equal(conc.rows[0].Function, 'mh3_alloc');
  for (const r of conc.rows) {
    const [m, c] = [
      sum(pf, (p) => p.symbol === r.Function && p.dso === r.Binary),
      sum(cpu, (p) => p.symbol === r.Function && p.dso === r.Binary),
    ];
    near(pct(r['% of page-faults']), m, `${r.Function} page-faults`);
    near(pct(r['% of cpu-clock']), c, `${r.Function} cpu-clock`);
    assert.ok(
      Math.abs(num(r.Ratio) - m.percent / c.percent) <= 0.02 * (m.percent / c.percent),
      `${r.Function} ratio ${r.Ratio} vs perf ${m.percent / c.percent}`,
    );
  }
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
});

test("demo A/B: the B build's binary pairs with A's by the functions they hold, and each side is perf report's", async () => {
  const P = (f: string) => join(DEMO, 'profiles', f);
  const md = await runReport([
    P('cpu-clock-b.perf.data'),
    '--baseline',
    P('cpu-clock.perf.data'),
    '--source-root',
    DEMO,
  ]);
  const row = tableAfter(md, '### By binary').rows.find((r) => r.Binary === 'mini-hz3-bench-b ↔ mini-hz3-bench');
  assert.ok(row, md);
  near(
    pct(row['cpu-clock-b.perf.data']),
    sum(perf(P('report-sym-cpu-clock-b.txt')), (p) => p.dso === 'mini-hz3-bench-b'),
    'B',
  );
  near(
    pct(row['cpu-clock.perf.data']),
    sum(perf(P('report-sym-cpu-clock.txt')), (p) => p.dso === 'mini-hz3-bench'),
    'A',
  );
});

test("demo A/B with two recordings on each side: the groups' shares of both events beside the baseline's, as perf report", async () => {
  const P = (f: string) => join(DEMO, 'profiles', f);
  const md = await runReport([
    P('cpu-clock-b.perf.data'),
    P('page-faults-b.perf.data'),
    '--baseline',
    P('cpu-clock.perf.data'),
    '--baseline',
    P('page-faults.perf.data'),
    '--group',
    'allocator=mh3_',
    '--group',
    'stash=mh3_owner_stash_',
    '--source-root',
    DEMO,
  ]);
  const oracle = {
    b: { 'cpu-clock': perf(P('report-sym-cpu-clock-b.txt')), 'page-faults': perf(P('report-sym-page-faults-b.txt')) },
    a: { 'cpu-clock': perf(P('report-sym-cpu-clock.txt')), 'page-faults': perf(P('report-sym-page-faults.txt')) },
  };
  const base = 'cpu-clock.perf.data + page-faults.perf.data';
  const groups = tableAfter(md, 'Allocator and program').rows;
  for (const [group, prefix] of [
    ['allocator', 'mh3_'],
    ['stash', 'mh3_owner_stash_'],
  ]) {
    const r = groups.find((x) => x.Group === group)!;
    for (const event of ['cpu-clock', 'page-faults'] as const) {
      near(
        pct(r[`% of ${event}`]),
        sum(oracle.b[event], (p) => fn(p.symbol).startsWith(prefix)),
        `B ${group} ${event}`,
      );
      near(
        pct(r[`${base} % of ${event}`]),
        sum(oracle.a[event], (p) => fn(p.symbol).startsWith(prefix)),
        `A ${group} ${event}`,
      );
    }
  }
  assert.match(
    md,
    /Allocator overhead in cpu-clock-b\.perf\.data \+ page-faults-b\.perf\.data: [\d.]+% of `cpu-clock`, [\d.]+% of `page-faults`; cpu-clock\.perf\.data \+ page-faults\.perf\.data: [\d.]+% of `cpu-clock`, [\d.]+% of `page-faults` \([+-][\d.]+ points of `cpu-clock`\)\./,
  );
});

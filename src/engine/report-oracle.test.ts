/**
 * The numbers of `perf-heat report` against the tools' own output of the same recordings, never against our
 * parsers: the report is generated and its Markdown tables read back, and every figure is compared with
 *   - perf report of the demo's perf.data (test/fixtures/report/oracle/*.report-dso*.txt, from
 *     scripts/record-report-oracles.sh) and the hz10 corpus's perf report files (perf's Overhead column),
 *   - perf stat's own printed values, variances and metric column (the hz10 .stat files),
 *   - cg_annotate's per-function totals of the demo's cachegrind.out (oracle/cachegrind.cg_annotate.txt).
 * The golden files (report.test.ts) pin the wording; this file pins the numbers, so a golden refresh cannot
 * quietly change one.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { reportCommand } from '../cli/report-command';

const ROOT = resolve(__dirname, '../..');
const HZ10 = join(ROOT, 'test/fixtures/report/hz10');
const ORACLE = join(ROOT, 'test/fixtures/report/oracle');
const DEMO = join(ROOT, 'demo/mini-hz3');
const read = (p: string): string => readFileSync(p, 'utf8');

async function report(args: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'perf-heat-report-oracle-'));
  try {
    const errors: string[] = [];
    const code = await reportCommand(
      [...args, '-o', join(dir, 'report.md')],
      () => undefined,
      (s) => errors.push(s),
    );
    assert.equal(code, 0, errors.join('\n'));
    return read(join(dir, 'report.md'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- Reading the report back -------------------------------------------------------------------------------

interface Table {
  header: string[];
  rows: Map<string, string>[];
}

/** Every Markdown table of the report, cells unescaped (`\|`, `\#`, `\[`), rows as column → cell. */
function tables(md: string): Table[] {
  const out: Table[] = [];
  const cells = (l: string): string[] =>
    l
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replace(/\\(.)/g, '$1'));
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('|') || !lines[i + 1]?.startsWith('| ---')) continue;
    const header = cells(lines[i]);
    const rows: Map<string, string>[] = [];
    for (i += 2; i < lines.length && lines[i].startsWith('|'); i++)
      rows.push(new Map(cells(lines[i]).map((c, k) => [header[k], c])));
    out.push({ header, rows });
  }
  return out;
}

function tableWith(md: string, ...columns: string[]): Table {
  // `!Name`: a column the table must not have.
  const t = tables(md).find((x) =>
    columns.every((c) => (c.startsWith('!') ? !x.header.includes(c.slice(1)) : x.header.includes(c))),
  );
  assert.ok(t, `the report has a table with columns ${columns.join(', ')}`);
  return t;
}

/** `28.8B`, `896M`, `751,122`, `1,527.96 ms`, `-46.1%`, `+18.08 pts` → the number (suffixes K/M/B = 1e3/1e6/1e9). */
function num(cell: string): number {
  const m = /^([+\-−]?)([\d,]*\.?\d+)\s*([KMB])?/.exec(cell.trim());
  assert.ok(m, `a number in "${cell}"`);
  const scale = { K: 1e3, M: 1e6, B: 1e9 }[m[3] as 'K' | 'M' | 'B'] ?? 1;
  return (m[1] === '-' || m[1] === '−' ? -1 : 1) * Number(m[2].replace(/,/g, '')) * scale;
}

const stripName = (backticked: string): string => backticked.replace(/^`|`$/g, '');

// ---- The oracles, read here (not by src/parsers) ------------------------------------------------------------

/** perf report --stdio rows: overhead %, and the dso and symbol columns (any of comm/dso/sym sorts). */
function perfReport(text: string): { total: number; rows: { share: number; dso: string; symbol?: string }[] } {
  const total = Number(/^# Event count \(approx\.\): (\d+)/m.exec(text)?.[1]);
  const header = /^# Overhead\s+(.*)$/m.exec(text)![1];
  const hasCommand = header.startsWith('Command');
  const rows = [];
  for (const l of text.split('\n')) {
    const m = /^\s+([\d.]+)%\s+(.*?)\s*$/.exec(l);
    if (!m) continue;
    let rest = m[2];
    if (hasCommand) rest = rest.replace(/^\S+\s+/, '');
    const s = /^(.*?)\s+\[[.k]\]\s+(.*)$/.exec(rest);
    rows.push(s ? { share: Number(m[1]), dso: s[1].trim(), symbol: s[2] } : { share: Number(m[1]), dso: rest.trim() });
  }
  return { total, rows };
}

/**
 * A symbol as the report names its row: as perf report prints it, clone suffixes and symbol versions kept
 * (`f.part.0`, `cfree@GLIBC_2.2.5`, `free@plt`), so a row reads against perf's row of the same name.
 */
const functionName = (symbol: string): string => symbol;

/** perf's shares summed per (function, binary). */
function perfByFunction(
  rows: { share: number; dso: string; symbol?: string }[],
): Map<string, { share: number; n: number }> {
  const out = new Map<string, { share: number; n: number }>();
  for (const r of rows) {
    if (!r.symbol) continue;
    const k = `${functionName(r.symbol)} ${r.dso}`;
    const prev = out.get(k) ?? { share: 0, n: 0 };
    out.set(k, { share: prev.share + r.share, n: prev.n + 1 });
  }
  return out;
}

/** perf stat -x, (-r): event → mean value, variance column, printed metric. */
function perfStat(path: string): Map<string, { value: number; variance: string; metric: string }> {
  const rows = read(path)
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('#') && l.trim())
    .map((l) => l.split(','));
  return new Map(rows.map((f) => [f[2], { value: Number(f[0]), variance: f[3], metric: f[6] }]));
}

/** cg_annotate's function rows: events, and per `file:function` the counts (`.`/absent = 0). */
function cgAnnotate(text: string): { events: string[]; total: number[]; functions: Map<string, number[]> } {
  const events = /^Events shown:\s+(.*)$/m.exec(text)![1].trim().split(/\s+/);
  const functions = new Map<string, number[]>();
  let total: number[] = [];
  for (const l of text.split('\n')) {
    const plain = l.replace(/\(\s*[\d.]+%\)/g, ' ').trim();
    const parts = plain.split(/\s+/);
    if (
      parts.length < events.length + 1 ||
      !/^[\d,.]+$/.test(parts[0]) ||
      !parts.slice(0, events.length).every((c) => /^[\d,.]+$/.test(c))
    )
      continue;
    const counts = parts.slice(0, events.length).map((c) => (c === '.' ? 0 : Number(c.replace(/,/g, ''))));
    const where = parts.slice(events.length).join(' ');
    if (where === 'PROGRAM TOTALS') continue;
    // `file:function`; the function as the report names it.
    const fn = functionName(where.slice(where.indexOf(':') + 1));
    const prev = functions.get(fn) ?? events.map(() => 0);
    functions.set(
      fn,
      prev.map((v, i) => v + counts[i]),
    );
  }
  const totals = /^([\d,]+ \(100\.0%\).*)PROGRAM TOTALS$/m.exec(text);
  if (totals)
    total = totals[1]
      .replace(/\(\s*[\d.]+%\)/g, ' ')
      .trim()
      .split(/\s+/)
      .map((c) => Number(c.replace(/,/g, '')));
  return { events, total, functions };
}

/** Rounded to `digits` decimals, within one unit of the last digit (the report and perf may round a .5 apart). */
function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance + 1e-9,
    `${what}: the report gives ${actual}, the oracle ${expected}`,
  );
}

// ---- The tests ----------------------------------------------------------------------------------------------

test("hz10 vs glibc (real cycles:P perf report files and perf stat -r 5): every number equals perf's", async () => {
  const md = await report([
    join(HZ10, 'hz10.report'),
    '--baseline',
    join(HZ10, 'glibc.report'),
    ...['glibc', 'hz10', 'mimalloc'].flatMap((n) => ['--stat', join(HZ10, `${n}.stat`)]),
    '--source-root',
    HZ10,
  ]);
  const hz10 = perfReport(read(join(HZ10, 'hz10.report')));
  const glibc = perfReport(read(join(HZ10, 'glibc.report')));
  assert.match(
    md,
    new RegExp(`Profile: \`hz10\\.report\`.*\`cycles:P\` ${hz10.total.toLocaleString('en-US')}`),
    "the profile total is perf's event count",
  );
  assert.match(md, new RegExp(`Baseline: \`glibc\\.report\`.*\`cycles:P\` ${glibc.total.toLocaleString('en-US')}`));

  // perf stat: values (3 significant digits), perf's ± as printed, IPC and rates as perf's metric column.
  const runs = ['glibc', 'hz10', 'mimalloc'];
  const stats = runs.map((n) => perfStat(join(HZ10, `${n}.stat`)));
  const metrics = tableWith(md, 'Metric', 'glibc (base)', 'hz10', 'mimalloc');
  const row = (name: string): Map<string, string> => metrics.rows.find((r) => r.get('Metric') === name)!;
  const counters: [string, string][] = [
    ['Cycles', 'cycles'],
    ['Instructions', 'instructions'],
    ['Cache references', 'cache-references'],
    ['Cache misses', 'cache-misses'],
    ['Branches', 'branches'],
    ['Branch misses', 'branch-misses'],
  ];
  runs.forEach((run, i) => {
    const col = i === 0 ? 'glibc (base)' : run;
    for (const [metric, event] of counters) {
      const cell = row(metric).get(col)!;
      const want = stats[i].get(event)!;
      close(num(cell) / want.value, 1, 0.005, `${run} ${metric} (${cell})`);
      assert.ok(cell.endsWith(`±${want.variance}`), `${run} ${metric}: perf's ±${want.variance} in "${cell}"`);
    }
    assert.equal(
      row('IPC').get(col)!.split(' ')[0],
      stats[i].get('instructions')!.metric,
      `${run} IPC as perf printed it`,
    );
    assert.equal(
      row('Cache-miss rate').get(col)!.split(' ')[0],
      `${stats[i].get('cache-misses')!.metric}%`,
      `${run} cache-miss rate`,
    );
    assert.equal(
      row('Branch-miss rate').get(col)!.split(' ')[0],
      `${stats[i].get('branch-misses')!.metric}%`,
      `${run} branch-miss rate`,
    );
    if (i === 0) return;
    for (const [metric, event] of counters) {
      const ratio = 100 * (stats[i].get(event)!.value / stats[0].get(event)!.value - 1);
      close(num(row(metric).get(`Ratio (${run}/glibc)`)!), Number(ratio.toFixed(1)), 0.1, `${run}/glibc ${metric}`);
    }
  });

  // Top functions and binaries: perf's Overhead column, summed per function name and binary.
  const top = tableWith(md, 'Function', 'Binary', 'hz10.report', 'glibc.report');
  const mine = perfByFunction(hz10.rows);
  const base = perfByFunction(glibc.rows);
  assert.ok(top.rows.length >= 10);
  for (const r of top.rows) {
    const k = `${stripName(r.get('Function')!)} ${r.get('Binary')}`;
    for (const [col, perf] of [
      ['hz10.report', mine],
      ['glibc.report', base],
    ] as const) {
      // The other side's row is the same function in the same binary, else, when each side has that name in one
      // binary only, in its own binary (the A/B builds' allocators live in differently named libraries).
      const name = stripName(r.get('Function')!);
      const named = (m: typeof mine) => [...m].filter(([key]) => key.startsWith(`${name} `));
      const p =
        perf.get(k) ?? (named(mine).length === 1 && named(perf).length === 1 ? named(perf)[0][1] : { share: 0, n: 1 });
      close(num(r.get(col)!), p.share, 0.005 * p.n + 0.005, `${k} in ${col}`);
    }
  }
  const hottest = [...mine].sort((a, b) => b[1].share - a[1].share)[0];
  assert.equal(
    `${stripName(top.rows[0].get('Function')!)} ${top.rows[0].get('Binary')}`,
    hottest[0],
    "the first row is perf's hottest function",
  );
  const binaries = tableWith(md, 'Binary', 'hz10.report', 'glibc.report', '!Function');
  for (const r of binaries.rows) {
    const dso = r.get('Binary')!;
    const rows = hz10.rows.filter((x) => x.dso === dso);
    close(
      num(r.get('hz10.report')!),
      rows.reduce((s, x) => s + x.share, 0),
      0.005 * rows.length + 0.005,
      `${dso} in hz10.report`,
    );
  }
});

test('demo A/B perf.data: totals, top functions and binaries equal perf report of each recording', async () => {
  const md = await report([
    join(DEMO, 'profiles/cpu-clock-b.perf.data'),
    '--baseline',
    join(DEMO, 'profiles/cpu-clock.perf.data'),
    '--source-root',
    DEMO,
  ]);
  const perf = {
    b: perfReport(read(join(ORACLE, 'cpu-clock-b.report-dso-sym.txt'))),
    a: perfReport(read(join(ORACLE, 'cpu-clock.report-dso-sym.txt'))),
  };
  const dsos = {
    b: perfReport(read(join(ORACLE, 'cpu-clock-b.report-dso.txt'))),
    a: perfReport(read(join(ORACLE, 'cpu-clock.report-dso.txt'))),
  };
  assert.match(
    md,
    new RegExp(`Profile: \`cpu-clock-b\\.perf\\.data\`.*\`cpu-clock\` ${perf.b.total.toLocaleString('en-US')}`),
  );
  assert.match(
    md,
    new RegExp(`Baseline: \`cpu-clock\\.perf\\.data\`.*\`cpu-clock\` ${perf.a.total.toLocaleString('en-US')}`),
  );

  const top = tableWith(md, 'Function', 'Binary', 'cpu-clock-b.perf.data', 'cpu-clock.perf.data');
  const byFn = { b: perfByFunction(perf.b.rows), a: perfByFunction(perf.a.rows) };
  let checked = 0;
  for (const r of top.rows) {
    const binary = r.get('Binary')!;
    // Kernel rows are named from the recorded kernel's kallsyms (engine/kernel-samples.ts), as perf names them.
    const name = stripName(r.get('Function')!);
    for (const [col, which] of [
      ['cpu-clock-b.perf.data', 'b'],
      ['cpu-clock.perf.data', 'a'],
    ] as const) {
      // A/B are two binaries (mini-hz3-bench-b, mini-hz3-bench): the function's row in the other recording is
      // the same function in its own binary.
      const own = [...byFn[which]].filter(
        ([k]) =>
          k.startsWith(`${name} `) &&
          (binary.startsWith('mini-hz3-bench') ? k.includes(' mini-hz3-bench') : k.endsWith(` ${binary}`)),
      );
      const share = own.reduce((s, [, v]) => s + v.share, 0);
      close(num(r.get(col)!), share, 0.005 * Math.max(1, own.length) + 0.005, `${name} (${binary}) in ${col}`);
    }
    checked++;
  }
  assert.ok(checked >= 5, `${checked} user-space functions checked`);
  const binaries = tableWith(md, 'Binary', 'cpu-clock-b.perf.data', 'cpu-clock.perf.data', '!Function');
  for (const r of binaries.rows) {
    // The two builds' binaries are paired by role: `mini-hz3-bench-b ↔ mini-hz3-bench` (B's first).
    const [bDso, aDso = bDso] = r.get('Binary')!.split(' ↔ ');
    for (const [col, which] of [
      ['cpu-clock-b.perf.data', 'b'],
      ['cpu-clock.perf.data', 'a'],
    ] as const) {
      const dso = which === 'b' ? bDso : aDso;
      const p = dsos[which].rows.find((x) => x.dso === dso)?.share ?? 0;
      close(num(r.get(col)!), p, 0.01, `${dso} in ${col}`);
    }
  }
});

test("demo cachegrind.out: function totals, miss shares and density equal cg_annotate's", async () => {
  const md = await report([join(DEMO, 'profiles/cachegrind.out'), '--source-root', DEMO]);
  const cg = cgAnnotate(read(join(ORACLE, 'cachegrind.cg_annotate.txt')));
  const ev = (name: string): number => cg.events.indexOf(name);
  const [ir, d1, dl] = [ev('Ir'), ev('D1mr'), ev('DLmr')];
  for (const [i, name] of cg.events.entries())
    assert.match(md, new RegExp(`\`${name}\` ${cg.total[i].toLocaleString('en-US')}`), `${name} total`);

  const top = tableWith(md, 'Function', 'Ir (count)', '% of Ir');
  assert.ok(top.rows.length >= 5);
  for (const r of top.rows) {
    const fn = stripName(r.get('Function')!);
    const want = cg.functions.get(fn);
    assert.ok(want, `cg_annotate has ${fn}`);
    assert.equal(num(r.get('Ir (count)')!), want[ir], `${fn} Ir`);
    close(num(r.get('% of Ir')!), Number(((100 * want[ir]) / cg.total[ir]).toFixed(2)), 0.01, `${fn} share of Ir`);
  }
  const hottest = [...cg.functions].sort((a, b) => b[1][ir] - a[1][ir])[0][0];
  assert.equal(stripName(top.rows[0].get('Function')!), hottest, "the first row is cg_annotate's largest Ir");

  const misses = tableWith(md, 'Function', 'D1mr', '% of D1mr', '% of Ir', 'Density');
  for (const r of misses.rows) {
    const fn = stripName(r.get('Function')!);
    const want = cg.functions.get(fn)!;
    assert.equal(num(r.get('D1mr')!), want[d1], `${fn} D1mr`);
    const missShare = (100 * want[d1]) / cg.total[d1];
    const irShare = (100 * want[ir]) / cg.total[ir];
    close(num(r.get('% of D1mr')!), Number(missShare.toFixed(2)), 0.01, `${fn} % of D1mr`);
    close(num(r.get('% of DLmr')!), Number(((100 * want[dl]) / cg.total[dl]).toFixed(2)), 0.01, `${fn} % of DLmr`);
    close(num(r.get('% of Ir')!), Number(irShare.toFixed(2)), 0.01, `${fn} % of Ir`);
    close(num(r.get('Density')!), Number((missShare / irShare).toFixed(2)), 0.01, `${fn} density`);
  }
});

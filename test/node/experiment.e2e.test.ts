/**
 * `perf-heat experiment` end to end on the demo: its .vscode/perf-heat-experiments.json (the default lane, and the
 * lane with HZ3_S154_SPILL_PREFETCH=0) built for real with make, the benchmark run for real under perf stat -r and
 * perf record (cpu-clock: this machine's perf has software events only). The report it writes is checked against
 * the tools' own numbers of the recordings it made: make's record of each build's -D set (defs.txt), perf report
 * --sort sym,dso -n of each perf.data (shares, sample counts, event totals), and the values and variances perf stat
 * wrote in its CSV. Nothing expected here comes from Perf Heat's code.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { experimentCommand } from '../../src/cli/experiment-command';
import { parseReportSymbols, type SymbolRow } from '../perf-oracle';
import { near, num, pct, sum, tableAfter } from '../report-oracle';

const ROOT = join(__dirname, '../..');
const DEMO = join(ROOT, 'demo/mini-hz3');
const CONFIG = join(DEMO, '.vscode/perf-heat-experiments.json');
const has = (tool: string): boolean => {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const missing = ['perf', 'make', 'gcc'].filter((t) => !has(t));

/** perf's own per-symbol answer and event total for a recording. */
function perfReport(data: string): { rows: SymbolRow[]; total: number; event: string } {
  const text = execFileSync(
    'perf',
    ['report', '--stdio', '--no-children', '-g', 'none', '--sort', 'sym,dso', '-n', '-i', data],
    { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const [[event, rows]] = [...parseReportSymbols(text)];
  const total = Number(/^# Event count \(approx\.\): (\d+)/m.exec(text)?.[1]);
  return { rows, total, event };
}

/** perf stat -x, CSV: value and variance per event, as perf printed them. */
function statCsv(file: string): Map<string, { value: string; variance: string }> {
  const out = new Map<string, { value: string; variance: string }>();
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    if (!l || l.startsWith('#')) continue;
    const [value, , event, variance] = l.split(',');
    out.set(event, { value, variance });
  }
  return out;
}

test(
  "perf-heat experiment on the demo: two builds differing in S154, recorded, and a report whose numbers are perf's",
  { skip: missing.length ? `needs ${missing.join(', ')}` : false, timeout: 600_000 },
  async () => {
    // Under the repository (never /tmp/perf-*, where perf drops the binaries' symbols), in the ignored out/.
    mkdirSync(join(ROOT, 'out'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, 'out/experiment-e2e-'));
    try {
      const out: string[] = [];
      const err: string[] = [];
      const code = await experimentCommand(
        [CONFIG, '--out', dir],
        (s) => out.push(s),
        (s) => err.push(s),
      );
      assert.equal(code, 0, err.join('\n').slice(-3000));
      const reportLine = out.find((l) => l.startsWith('report: '));
      assert.ok(reportLine, out.join('\n'));
      const reportPath = reportLine.slice('report: '.length);
      assert.equal(reportPath, join(dir, 's154-off-vs-base.md'));
      const md = readFileSync(reportPath, 'utf8');
      // Every command was printed before it ran.
      for (const what of ['build base', 'build s154-off', 'perf stat base', 'perf record s154-off'])
        assert.ok(
          err.some((l) => l.includes(what)),
          what,
        );

      // make's own record of each build's -D set: the same, but for the flipped flag (the -U before the -D).
      const defs = (v: string): string[] =>
        readFileSync(join(dir, v, 'obj/defs.txt'), 'utf8')
          .trim()
          .split(/\s+(?=-[DU])/);
      const [a, b] = [defs('base'), defs('s154-off')];
      assert.deepEqual(
        b.filter((x) => !a.includes(x)),
        ['-UHZ3_S154_SPILL_PREFETCH', '-DHZ3_S154_SPILL_PREFETCH=0'],
      );
      assert.deepEqual(
        a.filter((x) => !b.includes(x)),
        [],
      );
      for (const v of ['base', 's154-off'])
        assert.ok(existsSync(join(dir, v, 'mini-hz3-bench')), `${v}'s binary is in its own folder`);
      // The report's flags that differ, as make's -D sets have them (the last -D of the flag wins, as in cc).
      const last = (words: string[]): string =>
        words
          .filter((w) => w.startsWith('-DHZ3_S154_SPILL_PREFETCH='))
          .pop()!
          .split('=')[1];
      const flags = tableAfter(md, 'Flags that differ').rows;
      assert.deepEqual(
        flags.map((r) => [r.Flag, r.A, r.B, r['Flipped by the experiment']]),
        [['HZ3_S154_SPILL_PREFETCH', last(a), last(b), 'yes']],
      );
      const manifest = JSON.parse(readFileSync(join(dir, 'experiment.json'), 'utf8'));
      assert.deepEqual(
        manifest.variants.map((v: { name: string; changes: object }) => [v.name, v.changes]),
        [
          ['base', {}],
          ['s154-off', { HZ3_S154_SPILL_PREFETCH: '0' }],
        ],
      );

      const base = perfReport(join(dir, 'base/base.perf.data'));
      const off = perfReport(join(dir, 's154-off/s154-off.perf.data'));
      assert.equal(base.event, 'cpu-clock');
      // Absolute totals, as perf counts them.
      assert.match(
        md,
        new RegExp(`Profile: \`s154-off\\.perf\\.data\`: .*\`cpu-clock\` ${off.total.toLocaleString('en-US')}`),
      );
      assert.match(
        md,
        new RegExp(`Baseline: \`base\\.perf\\.data\`: .*\`cpu-clock\` ${base.total.toLocaleString('en-US')}`),
      );

      // Top functions of the variant: share and samples as perf report -n; the comparison table: both sides' shares.
      const user = (p: SymbolRow): boolean => !p.dso.startsWith('[');
      const top = tableAfter(md, '### By `cpu-clock`').rows.filter((r) => !r.Binary.startsWith('['));
      assert.ok(top.length >= 3, 'user-space functions listed');
      for (const r of top) {
        const want = sum(off.rows, (p) => user(p) && p.symbol === r.Function && p.dso === r.Binary);
        near(pct(r['% of cpu-clock']), want, `s154-off ${r.Function}`);
        assert.equal(num(r.Samples), want.samples, `s154-off ${r.Function}: samples as perf report -n`);
      }
      const against = tableAfter(md, '### Against base.perf.data').rows.filter((r) => !r.Binary.startsWith('['));
      assert.ok(
        against.some((r) => r.Function === 'mh3_owner_stash_pop'),
        'the pop, whose S154 block the flag removes, is compared',
      );
      for (const r of against) {
        near(
          pct(r['s154-off.perf.data']),
          sum(off.rows, (p) => user(p) && p.symbol === r.Function),
          `s154-off ${r.Function}`,
        );
        near(
          pct(r['base.perf.data']),
          sum(base.rows, (p) => user(p) && p.symbol === r.Function),
          `base ${r.Function}`,
        );
      }

      // perf stat: each run's value and -r variance as perf wrote them in the CSV.
      const stats = {
        base: statCsv(join(dir, 'base/base.csv')),
        's154-off': statCsv(join(dir, 's154-off/s154-off.csv')),
      };
      const metrics = tableAfter(md, 'Basic metrics (perf stat)');
      for (const [label, event] of [
        ['Task clock', 'task-clock'],
        ['context-switches', 'context-switches'],
        ['page-faults', 'page-faults'],
      ]) {
        const row = metrics.rows.find((r) => r.Metric === label);
        assert.ok(row, `${label} in ${metrics.rows.map((r) => r.Metric).join(', ')}`);
        for (const [run, column] of [
          ['base', 'base (base)'],
          ['s154-off', 's154-off'],
        ] as const) {
          const want = stats[run].get(event)!;
          const cell: string = row[column];
          const [value, variance] = cell.split(/\s+(?=±)/);
          assert.equal(
            num(value.replace(/ ms$/, '')),
            Number(want.value),
            `${label} ${run}: ${cell} vs perf stat ${want.value}`,
          );
          assert.equal(variance, `±${want.variance}`, `${label} ${run}: -r 3 variance as perf stat printed it`);
        }
        const ratio = Number(stats['s154-off'].get(event)!.value) / Number(stats.base.get(event)!.value);
        const shown = Number(row['Ratio (s154-off/base)'].replace(/%$/, '')) / 100 + 1;
        assert.ok(
          Math.abs(shown - ratio) < 0.0006,
          `${label}: ratio ${row['Ratio (s154-off/base)']} vs perf's values ${ratio}`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'perf-heat experiment: --variant and --ab choose what runs; a bad file is one line; --dry-run runs nothing',
  { skip: missing.length ? `needs ${missing.join(', ')}` : false },
  async () => {
    const run = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await experimentCommand(
        args,
        (s) => out.push(s),
        (s) => err.push(s),
      );
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const ab = await run([
      CONFIG,
      '--ab',
      'HZ3_S121_PAGE_LOCAL_REMOTE=1',
      '--dry-run',
      '--out',
      join(ROOT, 'out/never-written'),
    ]);
    assert.equal(ab.code, 0, ab.err);
    assert.match(
      ab.out,
      /build S121_PAGE_LOCAL_REMOTE-1: make .*'DEFS_EXTRA=-UHZ3_S121_PAGE_LOCAL_REMOTE -DHZ3_S121_PAGE_LOCAL_REMOTE=1'/,
    );
    assert.match(ab.out, /report: .*\/S121_PAGE_LOCAL_REMOTE-1-vs-base\.md/);
    assert.ok(!existsSync(join(ROOT, 'out/never-written')), 'a dry run writes nothing');
    const unknown = await run([CONFIG, '--variant', 'nope', '--dry-run']);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.err,
      /^perf-heat: .*perf-heat-experiments\.json: experiment "s154-spill-prefetch" has no variant "nope" \(its variants: s154-off\)$/,
    );
    const usage = await run([CONFIG, '--ab', 'no equals']);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--ab takes FLAG=VALUE/);
    const none = await run([join(ROOT, 'out/no-such/.vscode/perf-heat-experiments.json')]);
    assert.equal(none.code, 1);
    assert.match(
      none.err,
      /no-such\/\.vscode\/perf-heat-experiments\.json: not found \(perf-heat experiment --init FILE writes a starting one\)$/,
    );
  },
);

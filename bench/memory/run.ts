/**
 * The memory benchmark (`npm run bench:memory`): peak RSS of loading a 700 MB perf script text and a 400 MB
 * round-less pipe-mode perf.data with `perf-heat lines` (the same pipeline the language server uses), against a
 * target of 400 MB each; beside them, perf report's own peak RSS on the same perf.data, from the same run.
 *
 *   node --import tsx bench/memory/run.ts [--script-mb 700] [--pipe-mb 400]
 *
 * The inputs are generated into a temporary folder (bench/memory/generate.ts) and removed afterwards. Peak RSS comes
 * from GNU time (wait4's rusage; bench/ingest/measure.ts). Exits 1 when a target is missed. Expects dist/ built.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { GNU_TIME, measure, type Measurement } from '../ingest/measure';
import { writePerfScriptText, writeRoundlessPipe } from './generate';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const TARGET_MB = 400;

const { values: opts } = parseArgs({
  options: { 'script-mb': { type: 'string', default: '700' }, 'pipe-mb': { type: 'string', default: '400' } },
});

async function main(): Promise<number> {
  if (!existsSync(CLI)) {
    console.error('dist/cli.js is missing: run npm run build first');
    return 1;
  }
  if (!GNU_TIME) console.log('(GNU time not found: peak RSS is polled from /proc, the direct child only)');
  // Not under /tmp/perf-*: perf treats such paths as JIT maps.
  const dir = mkdtempSync(join(tmpdir(), 'ph-bench-memory-'));
  try {
    const scriptPath = join(dir, 'big.perf-script.txt');
    const pipePath = join(dir, 'roundless.pipe.data');
    const mb = (n: number) => n / 1e6;
    let t0 = Date.now();
    const script = writePerfScriptText(scriptPath, Number(opts['script-mb']) * 1e6);
    console.log(
      `generated ${scriptPath}: ${mb(script.bytes).toFixed(0)} MB, ${script.samples} samples (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
    t0 = Date.now();
    const pipe = writeRoundlessPipe(pipePath, Number(opts['pipe-mb']) * 1e6);
    console.log(
      `generated ${pipePath}: ${mb(pipe.bytes).toFixed(0)} MB, ${pipe.samples} samples, no FINISHED_ROUND (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );

    const scratch = join(dir, 'time.txt');
    const lines = (file: string) =>
      measure([process.execPath, CLI, 'lines', file, '--top', '5'], join(dir, 'out.txt'), dir, scratch);
    const ok = (m: Measurement, what: string) => {
      if (m.exitCode !== 0) throw new Error(`${what} exited ${m.exitCode}: ${m.stderr.slice(0, 400)}`);
      return m;
    };
    const rows: [string, string, string][] = [];
    const scriptRun = ok(await lines(scriptPath), 'perf-heat lines (script)');
    rows.push([
      `perf-heat lines, ${mb(script.bytes).toFixed(0)} MB perf script text`,
      `${scriptRun.peakRssMB.toFixed(0)} MB peak RSS (${scriptRun.wallS.toFixed(1)} s)`,
      `≤ ${TARGET_MB} MB`,
    ]);
    const pipeRun = ok(await lines(pipePath), 'perf-heat lines (pipe)');
    rows.push([
      `perf-heat lines, ${mb(pipe.bytes).toFixed(0)} MB round-less pipe perf.data`,
      `${pipeRun.peakRssMB.toFixed(0)} MB peak RSS (${pipeRun.wallS.toFixed(1)} s)`,
      `≤ ${TARGET_MB} MB`,
    ]);
    const perfOk = spawnSync('perf', ['--version']).status === 0;
    if (perfOk) {
      const report = await measure(
        ['perf', 'report', '-i', pipePath, '--stdio', '--sort', 'sym'],
        join(dir, 'report.txt'),
        dir,
        scratch,
      );
      if (report.exitCode === 0) {
        rows.push([
          `perf report --stdio, the same perf.data`,
          `${report.peakRssMB.toFixed(0)} MB peak RSS (${report.wallS.toFixed(1)} s)`,
          '(anchor)',
        ]);
        rows.push(['perf-heat ÷ perf report, peak RSS', `${(pipeRun.peakRssMB / report.peakRssMB).toFixed(2)}×`, '']);
      } else rows.push(['perf report --stdio, the same perf.data', `failed (${report.stderr.split('\n')[0]})`, '']);
    } else rows.push(['perf report', 'skipped: perf is not installed', '']);
    rows.push([
      'perf-heat peak RSS ÷ input size, script / pipe',
      `${(scriptRun.peakRssMB / mb(script.bytes)).toFixed(2)}× / ${(pipeRun.peakRssMB / mb(pipe.bytes)).toFixed(2)}×`,
      '',
    ]);
    const w = [0, 1, 2].map((k) => rows.reduce((m, r) => Math.max(m, r[k].length), 0));
    for (const r of rows) console.log(`${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2]}`);
    const missed = [scriptRun, pipeRun].some((m) => m.peakRssMB > TARGET_MB);
    console.log(missed ? 'target missed' : 'targets met');
    return missed ? 1 : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

/**
 * The ingest benchmark (`npm run bench:ingest`): on one recording of a 4,000-function program (≥ 150K samples over
 * ≥ 20K unique addresses, the workload of docs/perf-formats.md §5), it times `perf-heat lines` against
 * `perf report --sort srcline`, checks that both give the same top-20 lines, and measures the perf script parser.
 *
 *   node --import tsx bench/ingest/run.ts [--fresh] [--runs N] [--heat-runs N] [--freq HZ] [--cpu-prof] [--no-real | --only-real]
 *
 * The build and the recording are cached in bench/ingest/out/ (rebuilt when the generator, the compiler or perf
 * change; `--fresh` forces both). perf report runs `--runs` times (3), perf-heat `--heat-runs` times (5), alternating;
 * medians are compared. `--cpu-prof` also profiles one perf-heat run and prints its hot functions.
 * Without perf (or gcc, or permission to record) it prints why and "skipped", and exits 0. It exits 1 when a
 * target is missed. Expects dist/ to be built (`npm run build`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { aggregatePerfScript } from '../../src/parsers/perf-script-aggregate';
import { BINARY_NAME, DEFAULT_PARAMS, generateProgram } from './gen-program';
import { GNU_TIME, measure, median, summarizeCpuProfile, type Measurement } from './measure';
import { compareTop20, type HeatRow } from './agreement';
import { realShapedCase } from './real-shaped';

const ROOT = resolve(__dirname, '../..');
const OUT = join(__dirname, 'out');
const CFLAGS = ['-O2', '-g'];
const TARGET = {
  samples: 150_000,
  uniqueAddresses: 20_000,
  speedup: 100,
  cpuSpeedup: 60,
  rssMB: 150,
  agreePP: 0.05,
  parseMBs: 50,
};
const SCRIPT_FIELDS = 'comm,tid,time,event,ip,sym,dso,period';
const SCRIPT_MB = 50;
const PARSE_PASSES = 5;

const { values: opts } = parseArgs({
  options: {
    fresh: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    'heat-runs': { type: 'string', default: '5' },
    freq: { type: 'string', default: '25000' },
    'cpu-prof': { type: 'boolean', default: false },
    'no-real': { type: 'boolean', default: false },
    'only-real': { type: 'boolean', default: false },
  },
});
const RUNS = Math.max(1, Number(opts.runs));
// perf-heat takes half a second: extra runs make its median robust against neighbours on a shared machine.
const HEAT_RUNS = Math.max(1, Number(opts['heat-runs']));
const FREQ = Number(opts.freq);

interface Row {
  figure: string;
  value: string;
  target: string;
  pass?: boolean;
}

const log = (s: string): void => console.log(s);
const sha = (...parts: (string | Buffer)[]): string =>
  parts
    .reduce((h, p) => h.update(p).update('\0'), createHash('sha256'))
    .digest('hex')
    .slice(0, 16);
const rel = (p: string): string => relative(ROOT, p) || '.';
const fmtInt = (n: number): string => n.toLocaleString('en-US');
const secs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

function toolVersion(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : undefined;
}

function skip(reason: string): never {
  log(`bench:ingest: ${reason}`);
  log('skipped');
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'results.json'), JSON.stringify({ skipped: reason }, null, 2) + '\n');
  process.exit(0);
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function exec(cmd: string, args: string[], cwd = ROOT): Promise<{ code: number; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', rej);
    child.on('close', (code) => res({ code: code ?? -1, stderr: Buffer.concat(err).toString('utf8') }));
  });
}

// ── 1. the program ───────────────────────────────────────────────────────────────────────────────────────────────
async function buildProgram(gccVersion: string): Promise<{ binary: string; cached: boolean; seconds: number }> {
  const binary = join(OUT, BINARY_NAME);
  const stampPath = join(OUT, 'build.json');
  const key = sha(
    readFileSync(join(__dirname, 'gen-program.ts')),
    JSON.stringify(DEFAULT_PARAMS),
    CFLAGS.join(' '),
    gccVersion,
  );
  if (!opts.fresh && readJson<{ key: string }>(stampPath)?.key === key && existsSync(binary))
    return { binary, cached: true, seconds: 0 };
  const t0 = process.hrtime.bigint();
  const src = join(OUT, 'src');
  const obj = join(OUT, 'obj');
  for (const p of [src, obj, binary, stampPath]) rmSync(p, { recursive: true, force: true });
  mkdirSync(obj, { recursive: true });
  const sources = generateProgram(src, DEFAULT_PARAMS);
  log(
    `  generated ${DEFAULT_PARAMS.functions} functions in ${sources.length} files; compiling with gcc ${CFLAGS.join(' ')} (${availableParallelism()} jobs)…`,
  );
  const queue = [...sources];
  const worker = async (): Promise<void> => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const r = await exec('gcc', [...CFLAGS, '-c', join(src, f), '-o', join(obj, f.replace(/\.c$/, '.o'))]);
      if (r.code !== 0) throw new Error(`gcc failed on ${f}: ${r.stderr}`);
    }
  };
  await Promise.all(Array.from({ length: availableParallelism() }, worker));
  const link = await exec('gcc', ['-o', binary, ...sources.map((f) => join(obj, f.replace(/\.c$/, '.o'))), '-lm']);
  if (link.code !== 0) throw new Error(`linking failed: ${link.stderr}`);
  writeFileSync(stampPath, JSON.stringify({ key }) + '\n');
  return { binary, cached: false, seconds: secs(t0) };
}

// ── 2. the recording ─────────────────────────────────────────────────────────────────────────────────────────────
interface Recording {
  key: string;
  cpuSeconds: number;
  samples: number;
  uniqueAddresses: number;
  uniqueAddressesInBinary: number;
  perfDataMB: number;
  scriptMB: number;
  scriptSeconds: number;
}

/** Samples and distinct ips of `perf script -F …,ip,sym,dso,…` text, counted without the parser under test. */
function countScript(text: string): { samples: number; unique: number; uniqueInBinary: number } {
  const all = new Set<string>();
  const inBinary = new Set<string>();
  let samples = 0;
  const re = /\d+\.\d{6}: +\d+ +\S+: +([0-9a-f]+) .*\(([^()]*)\)$/; // time: period event: ip sym (dso)
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    samples++;
    all.add(`${m[2]} ${m[1]}`);
    if (basename(m[2]) === BINARY_NAME) inBinary.add(m[1]);
  }
  return { samples, unique: all.size, uniqueInBinary: inBinary.size };
}

async function record(
  binary: string,
  perfVersion: string,
): Promise<Recording & { cached: boolean; attempts: string[] }> {
  const perfData = join(OUT, 'perf.data');
  const script = join(OUT, 'script.txt');
  const stampPath = join(OUT, 'record.json');
  const key = sha(readFileSync(binary), String(FREQ), perfVersion);
  const old = readJson<Recording>(stampPath);
  if (!opts.fresh && old?.key === key && existsSync(perfData) && existsSync(script))
    return { ...old, cached: true, attempts: [] };
  for (const p of [perfData, script, stampPath]) rmSync(p, { force: true });
  // cpu-clock ticks on the task's CPU time, and the program runs for CPU seconds: samples ≈ seconds × frequency.
  let cpuSeconds = Math.ceil(((TARGET.samples * 1.03) / FREQ) * 10) / 10;
  const attempts: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const r = await exec('perf', [
      'record',
      '-N',
      '-e',
      'cpu-clock',
      '-F',
      String(FREQ),
      '-o',
      perfData,
      '--',
      binary,
      String(cpuSeconds),
    ]);
    if (r.code !== 0 || !existsSync(perfData)) skip(`perf record failed (exit ${r.code}):\n${r.stderr.trim()}`);
    const t0 = process.hrtime.bigint();
    const s = spawnSync('perf', ['script', '-F', SCRIPT_FIELDS, '-i', perfData], { maxBuffer: 1 << 30 });
    const scriptSeconds = secs(t0);
    if (s.status !== 0) skip(`perf script failed (exit ${s.status}):\n${s.stderr.toString().trim()}`);
    writeFileSync(script, s.stdout);
    const c = countScript(s.stdout.toString('utf8'));
    attempts.push(`${cpuSeconds} CPU s at ${FREQ} Hz: ${fmtInt(c.samples)} samples`);
    const rec: Recording = {
      key,
      cpuSeconds,
      samples: c.samples,
      uniqueAddresses: c.unique,
      uniqueAddressesInBinary: c.uniqueInBinary,
      perfDataMB: statSync(perfData).size / 1e6,
      scriptMB: s.stdout.length / 1e6,
      scriptSeconds,
    };
    if (c.samples >= TARGET.samples || attempt === 4) {
      writeFileSync(stampPath, JSON.stringify(rec, null, 2) + '\n');
      return { ...rec, cached: false, attempts };
    }
    cpuSeconds = Math.ceil(((cpuSeconds * TARGET.samples * 1.05) / Math.max(1, c.samples)) * 10) / 10;
    log(`  only ${fmtInt(c.samples)} samples; recording again for ${cpuSeconds} CPU s`);
  }
}

// ── 5. perf script parse rate ────────────────────────────────────────────────────────────────────────────────────
function parseRate(
  script: string,
  samples: number,
): {
  readS: number;
  textMB: number;
  copies: number;
  wallS: number;
  cpuS: number;
  mbPerS: number;
  mbPerCpuS: number;
  correct: boolean;
} {
  const t0 = process.hrtime.bigint();
  const one = readFileSync(script, 'utf8');
  const readS = secs(t0);
  const copies = Math.max(1, Math.round((SCRIPT_MB * 1e6) / one.length));
  const text = one.repeat(copies); // whole samples: one per line without callchains
  aggregatePerfScript(one, script); // warm-up: compile the parser
  const walls: number[] = [];
  const cpusS: number[] = [];
  let correct = true;
  for (let i = 0; i < PARSE_PASSES; i++) {
    const c0 = process.cpuUsage();
    const p0 = process.hrtime.bigint();
    const agg = aggregatePerfScript(text, script);
    walls.push(secs(p0));
    const c = process.cpuUsage(c0);
    cpusS.push((c.user + c.system) / 1e6);
    correct &&= agg.samples === samples * copies;
  }
  const textMB = text.length / 1e6;
  return {
    readS,
    textMB,
    copies,
    wallS: median(walls),
    cpuS: median(cpusS),
    mbPerS: textMB / median(walls),
    mbPerCpuS: textMB / median(cpusS),
    correct,
  };
}

const range = (ms: Measurement[], digits: number): string =>
  `(${Math.min(...ms.map((m) => m.wallS)).toFixed(digits)}–${Math.max(...ms.map((m) => m.wallS)).toFixed(digits)})`;
const summary = (m: Measurement): Omit<Measurement, 'stderr'> => ({
  wallS: m.wallS,
  cpuS: m.cpuS,
  peakRssMB: m.peakRssMB,
  exitCode: m.exitCode,
});

// ── main ─────────────────────────────────────────────────────────────────────────────────────────────────────────
async function main(): Promise<number> {
  const started = process.hrtime.bigint();
  if (OUT.startsWith('/tmp/perf-'))
    throw new Error(`${OUT}: perf drops every symbol of binaries under /tmp/perf-*; move the repository`);
  mkdirSync(OUT, { recursive: true });
  const cli = join(ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const newestSrc = Math.max(
    ...readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).map(
      (f) => statSync(join(ROOT, 'src', f)).mtimeMs,
    ),
  );
  if (newestSrc > statSync(cli).mtimeMs)
    log('warning: src/ is newer than dist/cli.js: this measures the last build (`npm run build` first)');

  const perfVersion = toolVersion('perf', ['--version']);
  if (!perfVersion) skip('perf is not installed (Debian: apt-get install linux-perf)');
  const gccVersion = toolVersion('gcc', ['--version']);
  if (!gccVersion) skip('gcc is not installed');
  const machine = {
    cpu: cpus()[0]?.model,
    cores: availableParallelism(),
    node: process.version,
    perf: perfVersion,
    gcc: gccVersion,
    addr2line: toolVersion('addr2line', ['--version']),
  };

  if (opts['only-real']) {
    const real = await realShapedCase(ROOT, join(OUT, 'time.txt'), HEAT_RUNS, log);
    for (const r of real.rows)
      log(
        `${r.figure.padEnd(66)}  ${r.value.padStart(16)}  ${r.target.padEnd(10)}  ${r.pass === undefined ? '' : r.pass ? 'met' : 'NOT MET'}`,
      );
    writeFileSync(join(OUT, 'results-real.json'), JSON.stringify(real.results, null, 2) + '\n');
    return real.rows.every((r) => r.pass !== false) ? 0 : 1;
  }
  log(`[1/6] program (${DEFAULT_PARAMS.functions} noinline functions, gcc ${CFLAGS.join(' ')})`);
  const build = await buildProgram(gccVersion);
  log(
    build.cached ? `  cached: ${rel(build.binary)}` : `  built ${rel(build.binary)} in ${build.seconds.toFixed(1)} s`,
  );

  log(`[2/6] recording (perf record -e cpu-clock -F ${FREQ})`);
  const rec = await record(build.binary, perfVersion);
  for (const a of rec.attempts) log(`  ${a}`);
  log(
    `  ${rec.cached ? 'cached: ' : ''}${rel(join(OUT, 'perf.data'))}: ${fmtInt(rec.samples)} samples, ${fmtInt(rec.uniqueAddressesInBinary)} unique addresses in ${BINARY_NAME} (${fmtInt(rec.uniqueAddresses)} in all), ${rec.perfDataMB.toFixed(1)} MB`,
  );
  log(
    `  perf script -F ${SCRIPT_FIELDS} (no srcline): ${rec.scriptSeconds.toFixed(2)} s, ${rec.scriptMB.toFixed(1)} MB`,
  );

  const perfData = join(OUT, 'perf.data');
  const heatOut = join(OUT, 'perf-heat-top20.json');
  const reportOut = join(OUT, 'perf-report-srcline.txt');
  const heatCmd = [
    process.execPath,
    'bin/perf-heat.js',
    'lines',
    rel(perfData),
    '--top',
    '20',
    '--json',
    '--binary-path',
    rel(OUT) + '/',
  ];
  const reportCmd = [
    'perf',
    'report',
    '--stdio',
    '--no-children',
    '-g',
    'none',
    '--sort',
    'srcline',
    '-i',
    rel(perfData),
  ];
  log(
    `[3/6] timing: perf-heat ${HEAT_RUNS} runs, perf report ${RUNS}, alternating (RSS ${GNU_TIME ? `from ${GNU_TIME}` : 'polled from /proc: main process only'})`,
  );
  log(`  perf-heat:   ${heatCmd.slice(1).join(' ')}`);
  log(`  perf report: ${reportCmd.join(' ')}`);
  const heat: Measurement[] = [];
  const report: Measurement[] = [];
  // Node's own start-up in the same loop: the floor under perf-heat's figure.
  const floor: Measurement[] = [];
  const loadBefore = loadavg()[0];
  for (let i = 0; i < Math.max(RUNS, HEAT_RUNS); i++) {
    if (i < HEAT_RUNS) {
      // Cold: an empty symbol cache for every run (the cached load is timed below).
      const coldDir = join(OUT, 'cache-cold');
      rmSync(coldDir, { recursive: true, force: true });
      const h = await measure(heatCmd, heatOut, ROOT, join(OUT, 'time.txt'), {
        ...process.env,
        PERF_HEAT_CACHE_DIR: coldDir,
      });
      if (h.exitCode !== 0) throw new Error(`perf-heat exited with ${h.exitCode}:\n${h.stderr}`);
      heat.push(h);
      log(
        `  run ${i + 1}: perf-heat   ${h.wallS.toFixed(3)} s wall, ${h.cpuS.toFixed(2)} s CPU, ${h.peakRssMB.toFixed(0)} MB peak RSS`,
      );
      floor.push(await measure([process.execPath, '-e', '0'], '/dev/null', ROOT, join(OUT, 'time.txt')));
    }
    if (i >= RUNS) continue;
    const r = await measure(reportCmd, reportOut, ROOT, join(OUT, 'time.txt'));
    if (r.exitCode !== 0) skip(`perf report failed (exit ${r.exitCode}):\n${r.stderr.trim()}`);
    report.push(r);
    log(
      `  run ${i + 1}: perf report ${r.wallS.toFixed(3)} s wall, ${r.cpuS.toFixed(2)} s CPU, ${r.peakRssMB.toFixed(0)} MB peak RSS`,
    );
  }
  const loadAfter = loadavg()[0];
  const busy = Math.max(loadBefore, loadAfter) > machine.cores * 0.75;
  if (busy)
    log(
      `  note: the machine was busy (1-min load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${machine.cores} cores): wall times are inflated; compare the CPU ratio and the best runs`,
    );
  const warnings = heat[0].stderr.split('\n').filter((l) => l.trim());
  for (const w of warnings) log(`  perf-heat said: ${w}`);
  const heatWall = median(heat.map((m) => m.wallS));
  const reportWall = median(report.map((m) => m.wallS));
  const heatCpu = median(heat.map((m) => m.cpuS));
  const reportCpu = median(report.map((m) => m.cpuS));
  const heatRss = median(heat.map((m) => m.peakRssMB));
  const speedup = reportWall / heatWall;
  const cpuSpeedup = reportCpu / heatCpu;
  // The second load of the same perf.data: the symbol cache the first one filled.
  const warmDir = join(OUT, 'cache-warm');
  rmSync(warmDir, { recursive: true, force: true });
  await measure(heatCmd, '/dev/null', ROOT, join(OUT, 'time.txt'), { ...process.env, PERF_HEAT_CACHE_DIR: warmDir });
  const cachedRuns: Measurement[] = [];
  for (let i = 0; i < Math.min(3, HEAT_RUNS); i++)
    cachedRuns.push(
      await measure(heatCmd, '/dev/null', ROOT, join(OUT, 'time.txt'), {
        ...process.env,
        PERF_HEAT_CACHE_DIR: warmDir,
      }),
    );
  const cachedWall = median(cachedRuns.map((m) => m.wallS));
  log(`  cached (second) load: ${cachedRuns.map((m) => m.wallS.toFixed(3)).join(', ')} s`);

  log('[4/6] top-20 agreement (perf-heat vs perf report, by file basename:line)');
  const agree = compareTop20(
    JSON.parse(readFileSync(heatOut, 'utf8')) as HeatRow[],
    readFileSync(reportOut, 'utf8'),
    TARGET.agreePP,
    true,
  ); // kernel rows: no source line in either tool
  for (const t of agree.table) log(t);
  log(
    agree.ok
      ? `  OK: the 20 lines agree, largest difference ${agree.maxDiff.toFixed(4)} percentage points`
      : `  MISMATCH:\n${agree.details.map((d) => `    ${d}`).join('\n')}`,
  );

  log(`[5/6] perf script parse rate (aggregatePerfScript, ${PARSE_PASSES} passes, median)`);
  const parse = parseRate(join(OUT, 'script.txt'), rec.samples);
  log(
    `  ${rec.scriptMB.toFixed(1)} MB read in ${parse.readS.toFixed(3)} s, repeated ×${parse.copies} to ${parse.textMB.toFixed(1)} MB: ${parse.wallS.toFixed(3)} s wall = ${parse.mbPerS.toFixed(0)} MB/s (${parse.mbPerCpuS.toFixed(0)} MB/CPU-s)${parse.correct ? '' : '; WRONG sample count'}`,
  );

  let cpuProfile: ReturnType<typeof summarizeCpuProfile> | undefined;
  if (opts['cpu-prof']) {
    const dir = join(OUT, 'cpu-prof');
    rmSync(dir, { recursive: true, force: true });
    await exec(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...heatCmd.slice(1)]);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      cpuProfile = summarizeCpuProfile(join(dir, file));
      log(
        `  node --cpu-prof of one perf-heat run (${rel(join(dir, file))}), ${cpuProfile.totalMs.toFixed(0)} ms sampled:`,
      );
      log('    self ms   function');
      for (const [k, ms] of cpuProfile.self) log(`    ${ms.toFixed(1).padStart(7)}   ${k}`);
      log('    incl ms   function');
      for (const [k, ms] of cpuProfile.inclusive) log(`    ${ms.toFixed(1).padStart(7)}   ${k}`);
    }
  }

  let real: Awaited<ReturnType<typeof realShapedCase>> | undefined;
  if (!opts['no-real']) {
    log(`[6/6] real-shaped case: the demo allocator recorded now (perf record -F 10000 -g), cold and cached`);
    real = await realShapedCase(ROOT, join(OUT, 'time.txt'), HEAT_RUNS, log);
  }

  const rows: Row[] = [
    {
      figure: 'samples in perf.data',
      value: fmtInt(rec.samples),
      target: `≥ ${fmtInt(TARGET.samples)}`,
      pass: rec.samples >= TARGET.samples,
    },
    {
      figure: `unique addresses in ${BINARY_NAME}`,
      value: fmtInt(rec.uniqueAddressesInBinary),
      target: `≥ ${fmtInt(TARGET.uniqueAddresses)}`,
      pass: rec.uniqueAddressesInBinary >= TARGET.uniqueAddresses,
    },
    {
      figure: `perf report --sort srcline, wall (median of ${RUNS})`,
      value: `${reportWall.toFixed(2)} s ${range(report, 2)}`,
      target: '',
    },
    {
      figure: `perf-heat lines, wall (median of ${HEAT_RUNS})`,
      value: `${heatWall.toFixed(3)} s ${range(heat, 3)}`,
      target: '',
    },
    {
      figure: `node -e 0 (start-up floor), wall / CPU (median of ${floor.length})`,
      value: `${median(floor.map((m) => m.wallS)).toFixed(3)} s / ${median(floor.map((m) => m.cpuS)).toFixed(3)} s`,
      target: '',
    },
    {
      figure: `${TARGET.speedup}× / ${TARGET.cpuSpeedup}× perf report needs perf-heat ≤ (wall / CPU, info)`,
      value: `${(reportWall / TARGET.speedup).toFixed(3)} s / ${(reportCpu / TARGET.cpuSpeedup).toFixed(3)} s`,
      target: '',
    },
    {
      figure: 'speed-up, wall (perf report / perf-heat)',
      value: `${speedup.toFixed(1)}×`,
      target: `≥ ${TARGET.speedup}×`,
      pass: speedup >= TARGET.speedup,
    },
    {
      figure: 'speed-up, best run of each (info)',
      value: `${(Math.min(...report.map((m) => m.wallS)) / Math.min(...heat.map((m) => m.wallS))).toFixed(1)}×`,
      target: '',
    },
    {
      figure: 'speed-up, CPU user+sys, medians',
      value: `${cpuSpeedup.toFixed(1)}×`,
      target: `≥ ${TARGET.cpuSpeedup}×`,
      pass: cpuSpeedup >= TARGET.cpuSpeedup,
    },
    {
      figure: `perf-heat lines, cached second load (median of ${cachedRuns.length}, info)`,
      value: `${cachedWall.toFixed(3)} s`,
      target: '',
    },
    {
      figure: 'perf-heat peak RSS (median)',
      value: `${heatRss.toFixed(0)} MB`,
      target: `≤ ${TARGET.rssMB} MB`,
      pass: heatRss <= TARGET.rssMB,
    },
    {
      figure: 'perf report peak RSS (median)',
      value: `${median(report.map((m) => m.peakRssMB)).toFixed(0)} MB`,
      target: '',
    },
    {
      figure: 'top-20 lines agree with perf report',
      value: `${agree.ok ? 'OK' : 'MISMATCH'}, max Δ ${agree.maxDiff.toFixed(3)} pp`,
      target: `≤ ${TARGET.agreePP} pp`,
      pass: agree.ok,
    },
    {
      figure: 'perf script parse rate (aggregatePerfScript)',
      value: `${parse.mbPerS.toFixed(0)} MB/s`,
      target: `≥ ${TARGET.parseMBs} MB/s`,
      pass: parse.mbPerS >= TARGET.parseMBs && parse.correct,
    },
    { figure: 'perf script without srcline (info)', value: `${rec.scriptSeconds.toFixed(2)} s`, target: '' },
    ...(real?.rows ?? []),
  ];
  const pass = rows.every((r) => r.pass !== false);
  const total = secs(started);
  const w = [
    Math.max(...rows.map((r) => r.figure.length)),
    Math.max(...rows.map((r) => r.value.length)),
    Math.max(6, ...rows.map((r) => r.target.length)),
  ];
  log('');
  log(
    `Perf Heat ingest benchmark — ${machine.cores} × ${machine.cpu}, ${machine.perf}, node ${machine.node}, load ${loadBefore.toFixed(1)}→${loadAfter.toFixed(1)}${busy ? ' (busy)' : ''}`,
  );
  log(`${'figure'.padEnd(w[0])}  ${'value'.padStart(w[1])}  ${'target'.padEnd(w[2])}  result`);
  log('─'.repeat(w[0] + w[1] + w[2] + 14));
  for (const r of rows)
    log(
      `${r.figure.padEnd(w[0])}  ${r.value.padStart(w[1])}  ${r.target.padEnd(w[2])}  ${r.pass === undefined ? '' : r.pass ? 'met' : 'NOT MET'}`,
    );
  log(
    `${pass ? 'ALL TARGETS MET' : 'SOME TARGETS NOT MET'} (benchmark took ${total.toFixed(0)} s; build ${build.cached ? 'cached' : `${build.seconds.toFixed(0)} s`}, recording ${rec.cached ? 'cached' : 'made'}); results in ${rel(join(OUT, 'results.json'))}`,
  );

  const results = {
    date: new Date().toISOString(),
    machine: { ...machine, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter, busy },
    pass,
    benchmarkSeconds: total,
    workload: {
      program: DEFAULT_PARAMS,
      cflags: CFLAGS,
      frequencyHz: FREQ,
      cpuSeconds: rec.cpuSeconds,
      samples: rec.samples,
      uniqueAddressesInBinary: rec.uniqueAddressesInBinary,
      uniqueAddresses: rec.uniqueAddresses,
      perfDataMB: rec.perfDataMB,
      buildCached: build.cached,
      recordingCached: rec.cached,
    },
    perfHeat: {
      command: heatCmd.slice(1).join(' '),
      runs: heat.map(summary),
      medianWallS: heatWall,
      medianCpuS: heatCpu,
      medianPeakRssMB: heatRss,
      warnings,
    },
    nodeFloor: {
      runs: floor.map(summary),
      medianWallS: median(floor.map((m) => m.wallS)),
      medianCpuS: median(floor.map((m) => m.cpuS)),
    },
    perfReport: {
      command: reportCmd.join(' '),
      runs: report.map(summary),
      medianWallS: reportWall,
      medianCpuS: reportCpu,
      medianPeakRssMB: median(report.map((m) => m.peakRssMB)),
    },
    speedupWall: speedup,
    speedupCpu: cpuSpeedup,
    cachedLoad: { runs: cachedRuns.map(summary), medianWallS: cachedWall },
    realShaped: real?.results,
    agreement: { ok: agree.ok, maxDiffPP: agree.maxDiff, details: agree.details },
    scriptParse: { fields: SCRIPT_FIELDS, perfScriptSeconds: rec.scriptSeconds, fileMB: rec.scriptMB, ...parse },
    cpuProfile,
    targets: rows,
  };
  writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  return pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`bench:ingest: ${e.message}`);
    process.exit(2);
  },
);

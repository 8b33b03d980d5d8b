// Runs the Node tests (src/**/*.test.ts, test/node/**/*.test.ts) with node:test through tsx, and prints
// `N passed, N failed` last so the caller can add tiers up.
//
//   node scripts/run-node-tests.mjs [--tier unit|fuzz|e2e|all] [--isolated] [filter…]
//
// Tiers: `unit` is every test file except `*.fuzz.test.ts` and `*.e2e.test.ts`, `fuzz` is the first, `e2e` the second
// (tests that build and record for real: make, perf stat -r, perf record, tens of seconds each), `all` (the default)
// is every file.
// A filter keeps the files whose path contains it.
//
// Files run in-process in PERF_HEAT_TEST_SHARDS worker processes (default 2, the cores of these machines), which
// take the next file from a queue (slowest first, by the last run's times in out/node-test-times.json) as they go:
// starting Node with the tsx loader costs about half a second of CPU per process, which with one process per file
// was a third of the tier's time; in one process the modules and fixtures that several files share are also loaded
// and built once. `--isolated` runs one process per file instead (node --test's own mode), to rule out one file's
// state leaking into another's.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
const tier = flag('--tier') ?? 'all';
if (!['unit', 'fuzz', 'e2e', 'all'].includes(tier)) {
  console.error(`run-node-tests: --tier must be unit, fuzz, e2e or all, not "${tier}"`);
  process.exit(2);
}
const isolated = args.includes('--isolated');
const filters = args.filter((a) => a !== '--isolated');

const files = [];
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) walk(join(d, e.name));
    else if (e.name.endsWith('.test.ts')) files.push(relative(root, join(d, e.name)));
  }
};
walk(join(root, 'src'));
walk(join(root, 'test/node'));
const isFuzz = (f) => f.endsWith('.fuzz.test.ts');
const isE2e = (f) => f.endsWith('.e2e.test.ts');
const tierOf = (f) => (isFuzz(f) ? 'fuzz' : isE2e(f) ? 'e2e' : 'unit');
const inTier = (f) => tier === 'all' || tierOf(f) === tier;
const chosen = files
  .filter(inTier)
  .filter((f) => !filters.length || filters.some((x) => f.includes(x)))
  .sort();

const TIMES = join(root, 'out/node-test-times.json');
// A fresh clone has no times of its own yet: it starts from the ones committed beside this script (refresh them with
// `cp out/node-test-times.json scripts/ && npx prettier --write scripts/node-test-times.json`). Without any, files ran in name order and a long file could start last,
// leaving one worker alone at the end (unit tier 73 s on a fresh clone, 58 s once the times existed).
const SEED_TIMES = join(root, 'scripts/node-test-times.json');
let times = {};
for (const file of [TIMES, SEED_TIMES]) {
  try {
    times = JSON.parse(readFileSync(file, 'utf8'));
    break;
  } catch {
    // Not there (first run) or unreadable: try the next, else name order.
  }
}
// The slowest files first (by the last run's times; files never timed before that), so that no worker is left
// with one long file at the end while the other idles.
const queue = [...chosen].sort((a, b) => (times[b] ?? Infinity) - (times[a] ?? Infinity) || a.localeCompare(b));

/** One worker process; resolves with its whole output (printed in one piece, not interleaved) and exit code. */
function worker() {
  const argv = ['--import', 'tsx', '--test-reporter=spec', join(root, 'scripts/node-test-entry.mjs')];
  return new Promise((resolve) => {
    // The builtin symbolizer's cache goes to a folder of this worker: tests start cold and leave ~/.cache alone.
    const cacheDir = mkdtempSync(join(tmpdir(), 'ph-test-cache-'));
    const child = spawn(process.execPath, argv, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, PERF_HEAT_CACHE_DIR: cacheDir },
    });
    child.on('close', () => rmSync(cacheDir, { recursive: true, force: true }));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('message', (m) => {
      if (m.type === 'next') child.send({ file: queue.shift() ?? null });
      else if (m.type === 'done') times[m.file] = Math.round(m.ms);
    });
    child.on('close', (code, signal) => resolve({ out, code: code ?? (signal ? 1 : 0) }));
  });
}

/** `--isolated`: node --test's own mode, one process per file. */
function isolatedRun() {
  return new Promise((resolve) => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'ph-test-cache-'));
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...chosen], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PERF_HEAT_CACHE_DIR: cacheDir },
    });
    child.on('close', () => rmSync(cacheDir, { recursive: true, force: true }));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code, signal) => resolve({ out, code: code ?? (signal ? 1 : 0) }));
  });
}

const count = (text, k) => Number((new RegExp(`^ℹ ${k} (\\d+)`, 'm').exec(text) ?? [])[1] ?? 0);
const t0 = Date.now();
let passed = 0;
let failed = 0;
let status = 0;
if (chosen.length) {
  const workers = isolated ? 1 : Math.max(1, Math.min(chosen.length, Number(process.env.PERF_HEAT_TEST_SHARDS ?? 2)));
  const results = isolated ? [await isolatedRun()] : await Promise.all(Array.from({ length: workers }, worker));
  for (const r of results) {
    process.stdout.write(r.out);
    const p = count(r.out, 'pass');
    const f = count(r.out, 'fail');
    passed += p;
    failed += f;
    // A process that died before its summary (or failed outside any test) still counts as a failure.
    if (r.code !== 0 && f === 0) failed += 1;
    if (r.code !== 0) status = 1;
  }
  if (!isolated) {
    mkdirSync(dirname(TIMES), { recursive: true });
    writeFileSync(
      TIMES,
      JSON.stringify(Object.fromEntries(files.filter((f) => f in times).map((f) => [f, times[f]])), null, 1),
    );
  }
}
console.log(`node tests (${tier}): ${chosen.length} files in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
// exitCode, not process.exit(): stdout is a pipe to tee in npm test, and exiting at once cut the workers' output
// (with this `N passed, N failed` line) off mid-line, so the tier was counted as one check instead of its tests.
process.exitCode = status;

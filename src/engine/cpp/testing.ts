/**
 * Helpers shared by the `#if` engine's tests: views from plain objects, "live content" lines of our result and of
 * the compiler's, a concurrency-limited pool for compiler runs (the machines have 2 cores), and whether a C
 * compiler is there at all (tests that need one say so and skip when it is not).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { compilerTruth } from './compiler';
import { emptyView, type FlagView, type FlagViewEngine } from './flag-view';
import { LINE_CODE, LINE_DIRECTIVE } from './scanner';
import type { Simulation } from './simulate';

let hasCc: boolean | undefined;

/** True when `cc` runs (the gcc-checking tests skip otherwise). */
export function compilerAvailable(): boolean {
  hasCc ??= spawnSync('cc', ['--version'], { encoding: 'utf8' }).status === 0;
  return hasCc;
}

/** A view with these `-D`s (null value: `-U`) and include folders. */
export function viewOf(
  defines: Record<string, string | null>,
  includeDirs: string[] = [],
  configHeaders: string[] = [],
): FlagView {
  return {
    ...emptyView(),
    base: Object.entries(defines).map(([name, value]) =>
      value === null ? { op: 'U' as const, name } : { op: 'D' as const, name, value },
    ),
    paths: { quote: [], angled: includeDirs, system: [] },
    configHeaders,
  };
}

/** Per file, the lines our simulation says hold live code (active, not a directive, code outside comments). */
export function liveContent(sim: Simulation): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const [file, fo] of sim.files) {
    if (fo.liveVisits === 0) continue;
    const inactive = new Uint8Array(fo.scan.lineCount + 2);
    for (const b of fo.scan.branches)
      if (fo.reached[b.index] && !fo.taken[b.index]) inactive.fill(1, b.line + 1, b.endLine + 1);
    const live = new Set<number>();
    for (let l = 1; l <= fo.scan.lineCount; l++) {
      const f = fo.scan.lineFlags[l - 1];
      if (!inactive[l] && !(f & LINE_DIRECTIVE) && f & LINE_CODE) live.add(l);
    }
    out.set(file, live);
  }
  return out;
}

/** `/*@name*\/` markers on the given lines of a file's text. */
export function markersOn(text: string, lines: Iterable<number>): string[] {
  const all = text.split(/\r\n|\n|\r/);
  const out: string[] = [];
  for (const l of lines) for (const m of (all[l - 1] ?? '').matchAll(/\/\*@(\w+)\*\//g)) out.push(m[1]);
  return out.sort();
}

export interface Comparison {
  /** file:line lists where the two disagree. */
  onlyOurs: string[];
  onlyCompiler: string[];
  ourErrors: string[];
  compilerErrors: string[];
}

/** Runs the compiler on `unit` under `view` and compares live lines (of files we visit) and `#error`s. */
export async function compareWithCompiler(
  engine: FlagViewEngine,
  unit: string,
  view: FlagView,
  cwd: string,
  mode?: 'verbatim' | 'tokens',
): Promise<Comparison> {
  const sim = engine.simulate(unit, view);
  const truth = await compilerTruth(unit, view, { allowExternalPrograms: true, cwd, mode });
  const ours = liveContent(sim);
  const onlyOurs: string[] = [];
  const onlyCompiler: string[] = [];
  for (const [file, live] of ours) {
    const theirs = truth.codeLines.get(file) ?? new Set<number>();
    for (const l of live) if (!theirs.has(l)) onlyOurs.push(`${file}:${l}`);
    for (const l of theirs) if (!live.has(l)) onlyCompiler.push(`${file}:${l}`);
  }
  // Files the compiler read that we did not (other than system headers) are disagreements too.
  for (const [file, live] of truth.codeLines)
    if (!ours.has(file) && !file.startsWith('/usr/')) for (const l of live) onlyCompiler.push(`${file}:${l}`);
  return {
    onlyOurs,
    onlyCompiler,
    ourErrors: sim.errors.map((e) => `${e.file}:${e.line}: ${e.message}`),
    compilerErrors: truth.errors.map((e) => `${e.file}:${e.line}: ${e.message}`),
  };
}

/** Runs `jobs` with at most `limit` at a time, results in order. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  job: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await job(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The command make prints for compiling `unit`, as the shell would run it (continuations joined). */
export function makeCommand(
  dir: string,
  target: string | undefined,
  vars: Record<string, string>,
  unit: string,
): string {
  const r = spawnSync(
    'make',
    ['-n', '-B', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`), ...(target ? [target] : [])],
    { cwd: dir, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.replace(/\\\n/g, ' ').split('\n');
  const line = lines.find((l) => l.includes(unit) && /\s(gcc|cc)\s/.test(` ${l} `) && !l.includes('-shared'));
  assert.ok(line, `make -n ${target ?? ''} compiles ${unit}:\n${r.stdout}`);
  return line;
}

/** Lines of `file` that produce output when the shell runs `command` with -E instead of -c (no -o). */
export function ccLive(command: string, cwd: string, file: string): number[] {
  const pre = command.includes(' -c ') ? command.replace(/ -c /, ' -E ') : command.replace(/^(\S+)/, '$1 -E');
  const sh = spawnSync('sh', ['-c', pre.replace(/ -o \S+/, ' -o -')], { cwd, encoding: 'utf8' });
  assert.equal(sh.status, 0, sh.stderr);
  const live = new Set<number>();
  let cur = '';
  let line = 0;
  for (const l of sh.stdout.split('\n')) {
    const m = /^# (\d+) "([^"]*)"/.exec(l);
    if (m) {
      [line, cur] = [Number(m[1]), m[2]];
      continue;
    }
    if (l.trim() && (cur === file || cur.endsWith(`/${file.split('/').pop()}`))) live.add(line);
    line++;
  }
  return [...live].sort((a, b) => a - b);
}

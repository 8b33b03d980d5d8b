/**
 * One `perf stat` run as the numbers an allocator engineer compares: every raw counter, and the derived metrics
 * (IPC, miss rates, CPUs utilized) recomputed from that run's raw values. perf's own metric column is kept only as a
 * cross-check: it is rounded, absent in some formats, and computed by perf from whatever it happened to pair.
 *
 * Event names vary with the command line and the machine (docs/perf-formats.md §6):
 * - aliases: `cycles` / `cpu-cycles`, `branches` / `branch-instructions`;
 * - modifiers: `cycles:u`, `cycles:P`. Only u/k/h/G/H change what is counted; precise-level letters do not. When a
 *   file has several scopes of one event (`cycles` and `cycles:u`), the unrestricted one is used, else the first
 *   in the file, and the others are named in `notes`.
 * - hybrid CPUs: `cpu_core/cycles/` and `cpu_atom/cycles/` each count the threads while they ran on that core type,
 *   so the process total is their SUM (as are per-CPU `-A` rows and `-I` interval rows of one event).
 *
 * A metric whose input is `<not supported>` is unsupported, never 0; one with an input missing from the file is
 * absent. Reads the parser's output types (type-only imports: no parser code in the model).
 */

import type { PerfStatFile, StatCounter } from '../parsers/perf-stat';
import { minOf } from './extremes';

export type CounterStatus = 'ok' | 'unsupported' | 'not-counted' | 'absent';

/** The parser's counters and file, by the fields this module reads (tests build them by hand). */
export type StatCounterInput = Pick<
  StatCounter,
  | 'event'
  | 'value'
  | 'unit'
  | 'unsupported'
  | 'notCounted'
  | 'variancePct'
  | 'pctRunning'
  | 'metricValue'
  | 'metricUnit'
  | 'line'
>;
export type StatFileInput = Pick<
  PerfStatFile,
  | 'format'
  | 'repeat'
  | 'hasVariance'
  | 'elapsedSeconds'
  | 'elapsedStddevSeconds'
  | 'userSeconds'
  | 'sysSeconds'
  | 'command'
> & { counters: readonly StatCounterInput[] };

/** Every row of one event name, summed (per-CPU, interval and repeated rows of one name are one counter). */
export interface RawCounter {
  event: string;
  value: number | null;
  unit: string;
  status: CounterStatus;
  /** perf's ± (with `-r`): the standard error of the mean over the runs, in % of the mean. */
  variancePct?: number;
  /** Lowest share of time on the PMU over the rows; below 100 perf scaled the count (multiplexing). */
  pctRunning?: number;
  /** perf's printed metric, for cross-checks only (first row). */
  perfMetric?: { value: number; unit: string };
  rows: number;
  /** 1-based line of the first row. */
  line: number;
}

export type MetricUnit = 'seconds' | 'msec' | 'count' | 'ratio' | 'percent' | 'cpus';

export type MetricId =
  | 'time'
  | 'cycles'
  | 'instructions'
  | 'ipc'
  | 'user'
  | 'sys'
  | 'taskClock'
  | 'cpusUtilized'
  | 'cacheReferences'
  | 'cacheMisses'
  | 'cacheMissRate'
  | 'l1dLoads'
  | 'l1dMisses'
  | 'l1dMissRate'
  | 'branches'
  | 'branchMisses'
  | 'branchMissRate';

export interface MetricDef {
  id: MetricId;
  label: string;
  unit: MetricUnit;
  /** Which direction is an improvement, for colouring; undefined when neither is. */
  better?: 'lower' | 'higher';
  /** How it is obtained, for tooltips and the report's notes. */
  how: string;
}

/** Table order: the seed analysis's (time, cycles, instructions, IPC, user/sys), then caches, L1, branches. */
export const METRICS: readonly MetricDef[] = [
  {
    id: 'time',
    label: 'Time',
    unit: 'seconds',
    better: 'lower',
    how: 'seconds time elapsed, or the duration_time event',
  },
  {
    id: 'cycles',
    label: 'Cycles',
    unit: 'count',
    better: 'lower',
    how: 'cycles (cpu-cycles), summed over hybrid core types',
  },
  { id: 'instructions', label: 'Instructions', unit: 'count', better: 'lower', how: 'instructions' },
  { id: 'ipc', label: 'IPC', unit: 'ratio', better: 'higher', how: 'instructions ÷ cycles' },
  { id: 'user', label: 'User time', unit: 'seconds', better: 'lower', how: 'seconds user, or the user_time event' },
  { id: 'sys', label: 'Sys time', unit: 'seconds', better: 'lower', how: 'seconds sys, or the system_time event' },
  { id: 'taskClock', label: 'Task clock', unit: 'msec', better: 'lower', how: 'task-clock' },
  { id: 'cpusUtilized', label: 'CPUs utilized', unit: 'cpus', how: 'task-clock ÷ time elapsed' },
  { id: 'cacheReferences', label: 'Cache references', unit: 'count', how: 'cache-references' },
  { id: 'cacheMisses', label: 'Cache misses', unit: 'count', better: 'lower', how: 'cache-misses' },
  {
    id: 'cacheMissRate',
    label: 'Cache-miss rate',
    unit: 'percent',
    better: 'lower',
    how: 'cache-misses ÷ cache-references',
  },
  { id: 'l1dLoads', label: 'L1-dcache loads', unit: 'count', how: 'L1-dcache-loads' },
  { id: 'l1dMisses', label: 'L1-dcache misses', unit: 'count', better: 'lower', how: 'L1-dcache-load-misses' },
  {
    id: 'l1dMissRate',
    label: 'L1-dcache miss rate',
    unit: 'percent',
    better: 'lower',
    how: 'L1-dcache-load-misses ÷ L1-dcache-loads',
  },
  { id: 'branches', label: 'Branches', unit: 'count', how: 'branches (branch-instructions)' },
  { id: 'branchMisses', label: 'Branch misses', unit: 'count', better: 'lower', how: 'branch-misses' },
  {
    id: 'branchMissRate',
    label: 'Branch-miss rate',
    unit: 'percent',
    better: 'lower',
    how: 'branch-misses ÷ branches',
  },
];

export interface MetricValue {
  /** null unless status is 'ok'. */
  value: number | null;
  status: CounterStatus;
  /** ± in % of the value. Raw metrics: perf's. Derived: the inputs' combined as independent errors (√(a²+b²)). */
  variancePct?: number;
  /** Why there is no value ("cycles is <not supported>"), or which row variant was used. */
  note?: string;
}

export interface StatRun {
  /** As given (the CLI's argument, the view's workspace-relative path). */
  file: string;
  /** Short column title: the file name without its extension, unless two runs share it. */
  label: string;
  format: string;
  repeat: number | undefined;
  hasVariance: boolean;
  /** Every event of the file, in file order. */
  counters: RawCounter[];
  metrics: Record<MetricId, MetricValue>;
  /** Events used by no metric (context-switches, page-faults, cpu-clock …), in file order. */
  otherCounters: string[];
  /** Things to know: multiplexed counters, ignored event variants. */
  notes: string[];
}

/** Canonical counter → accepted names (lower case, without PMU and modifiers). */
const ALIASES: Record<string, readonly string[]> = {
  cycles: ['cycles', 'cpu-cycles'],
  instructions: ['instructions'],
  cacheReferences: ['cache-references'],
  cacheMisses: ['cache-misses'],
  l1dLoads: ['l1-dcache-loads'],
  l1dMisses: ['l1-dcache-load-misses'],
  branches: ['branches', 'branch-instructions'],
  branchMisses: ['branch-misses'],
  taskClock: ['task-clock'],
  duration: ['duration_time'],
  userTime: ['user_time'],
  systemTime: ['system_time'],
};

/** `cpu_core/cycles/u` → cycles + "u"; `cycles:uP` → cycles + "u" (P is precision, not scope). */
export function splitEventName(event: string): { pmu: string; name: string; scope: string } {
  let pmu = '';
  let name = event;
  let mods = '';
  const slashed = /^([\w.-]+)\/([^/]+)\/([a-zA-Z]*)$/.exec(event);
  if (slashed) [pmu, name, mods] = [slashed[1], slashed[2], slashed[3]];
  const colon = /^(.*?):([a-zA-Z]+)$/.exec(name);
  if (colon) [name, mods] = [colon[1], mods + colon[2]];
  const scope = [...new Set(mods.replace(/[^ukhGH]/g, ''))].sort().join('');
  return { pmu, name: name.toLowerCase(), scope };
}

/** Sums rows of one event name; a `<not supported>` row among counted ones (an idle core type) adds nothing. */
function mergeRows(event: string, rows: readonly StatCounterInput[]): RawCounter {
  const counted = rows.filter((r) => r.value !== null);
  const first = rows[0];
  const c: RawCounter = { event, value: null, unit: first.unit, status: 'ok', rows: rows.length, line: first.line };
  if (counted.length === 0) {
    c.status = rows.some((r) => r.unsupported) ? 'unsupported' : 'not-counted';
  } else {
    c.value = counted.reduce((s, r) => s + r.value!, 0);
    c.variancePct =
      counted.length === 1 ? counted[0].variancePct : combineSum(counted.map((r) => [r.value!, r.variancePct]));
  }
  const running = rows.map((r) => r.pctRunning).filter((p): p is number => p !== undefined);
  if (running.length) c.pctRunning = minOf(running, (p) => p);
  if (first.metricValue !== undefined && first.metricUnit)
    c.perfMetric = { value: first.metricValue, unit: first.metricUnit };
  return c;
}

/** ± of a sum of independent terms, in % of the sum; undefined when no term has one. */
function combineSum(terms: readonly [number, number | undefined][]): number | undefined {
  if (terms.every(([, p]) => p === undefined)) return undefined;
  const total = terms.reduce((s, [v]) => s + v, 0);
  if (total === 0) return undefined;
  return (100 * Math.sqrt(terms.reduce((s, [v, p]) => s + ((v * (p ?? 0)) / 100) ** 2, 0))) / Math.abs(total);
}

/** ± of a product or quotient of independent terms, first order. */
function combineRatio(...pcts: (number | undefined)[]): number | undefined {
  if (pcts.every((p) => p === undefined)) return undefined;
  return Math.sqrt(pcts.reduce<number>((s, p) => s + (p ?? 0) ** 2, 0));
}

interface Chosen {
  counter: RawCounter | undefined;
  /** Event names this canonical counter consumed (so they are not listed again as other counters). */
  used: string[];
}

function choose(canonical: string, counters: readonly RawCounter[], notes: string[]): Chosen {
  const names = ALIASES[canonical];
  const matching = counters.filter((c) => names.includes(splitEventName(c.event).name));
  if (matching.length === 0) return { counter: undefined, used: [] };
  const scopes = [...new Set(matching.map((c) => splitEventName(c.event).scope))];
  const scope = scopes.includes('') ? '' : scopes[0];
  const picked = matching.filter((c) => splitEventName(c.event).scope === scope);
  const ignored = matching.filter((c) => !picked.includes(c)).map((c) => c.event);
  if (ignored.length)
    notes.push(`${picked.map((c) => c.event).join(' + ')} used; also in the file: ${ignored.join(', ')}`);
  if (picked.length === 1) return { counter: picked[0], used: matching.map((c) => c.event) };
  // Hybrid PMUs (or aliases printed side by side): the process total is the sum.
  const merged: RawCounter = {
    ...mergeRows(
      picked.map((c) => c.event).join(' + '),
      picked.map((c) => ({
        event: c.event,
        value: c.value,
        unit: c.unit,
        unsupported: c.status === 'unsupported',
        notCounted: c.status === 'not-counted',
        variancePct: c.variancePct,
        pctRunning: c.pctRunning,
        metricValue: undefined,
        metricUnit: undefined,
        line: c.line,
      })),
    ),
    rows: picked.reduce((s, c) => s + c.rows, 0),
  };
  return { counter: merged, used: matching.map((c) => c.event) };
}

const absent = (what: string): MetricValue => ({ value: null, status: 'absent', note: `${what} is not in the file` });

function fromCounter(c: RawCounter | undefined, what: string, scale = 1): MetricValue {
  if (!c) return absent(what);
  if (c.status !== 'ok')
    return {
      value: null,
      status: c.status,
      note: `${c.event} is <${c.status === 'unsupported' ? 'not supported' : 'not counted'}>`,
    };
  return { value: c.value! * scale, status: 'ok', variancePct: c.variancePct };
}

/** a ÷ b × scale, unsupported when an input is, absent when an input is missing or b is 0. */
function quotient(a: MetricValue, b: MetricValue, scale = 1): MetricValue {
  for (const s of ['unsupported', 'not-counted', 'absent'] as const) {
    const bad = [a, b].find((m) => m.status === s);
    if (bad) return { value: null, status: s, note: bad.note };
  }
  if (b.value === 0) return { value: null, status: 'absent', note: 'the divisor is 0' };
  return {
    value: (a.value! / b.value!) * scale,
    status: 'ok',
    variancePct: combineRatio(a.variancePct, b.variancePct),
  };
}

/** Seconds per unit of a time counter; perf prints the tool events (duration_time …) in ns. */
function secondsPer(unit: string): number {
  switch (unit.toLowerCase()) {
    case 's':
    case 'sec':
      return 1;
    case 'ms':
    case 'msec':
      return 1e-3;
    case 'us':
    case 'usec':
      return 1e-6;
    default:
      return 1e-9;
  }
}

function timeMetric(
  seconds: number | undefined,
  stddev: number | undefined,
  counter: RawCounter | undefined,
  what: string,
): MetricValue {
  if (seconds !== undefined)
    return {
      value: seconds,
      status: 'ok',
      variancePct: stddev !== undefined && seconds > 0 ? (100 * stddev) / seconds : undefined,
    };
  if (counter) return fromCounter(counter, counter.event, secondsPer(counter.unit));
  return absent(what);
}

/** Every event of the file, rows of one name summed, in first-seen order. */
export function rawCounters(stat: StatFileInput): RawCounter[] {
  const byName = new Map<string, StatCounterInput[]>();
  for (const c of stat.counters) {
    const list = byName.get(c.event);
    if (list) list.push(c);
    else byName.set(c.event, [c]);
  }
  return [...byName].map(([event, rows]) => mergeRows(event, rows));
}

export function statRun(stat: StatFileInput, file: string, label = defaultLabel(file)): StatRun {
  const counters = rawCounters(stat);
  const notes: string[] = [];
  const used = new Set<string>();
  const pick = (canonical: string): RawCounter | undefined => {
    const r = choose(canonical, counters, notes);
    r.used.forEach((u) => used.add(u));
    return r.counter;
  };
  const cycles = fromCounter(pick('cycles'), 'cycles');
  const instructions = fromCounter(pick('instructions'), 'instructions');
  const cacheReferences = fromCounter(pick('cacheReferences'), 'cache-references');
  const cacheMisses = fromCounter(pick('cacheMisses'), 'cache-misses');
  const l1dLoads = fromCounter(pick('l1dLoads'), 'L1-dcache-loads');
  const l1dMisses = fromCounter(pick('l1dMisses'), 'L1-dcache-load-misses');
  const branches = fromCounter(pick('branches'), 'branches');
  const branchMisses = fromCounter(pick('branchMisses'), 'branch-misses');
  const taskClockCounter = pick('taskClock');
  const taskClock = fromCounter(
    taskClockCounter,
    'task-clock',
    taskClockCounter && secondsPer(taskClockCounter.unit || 'msec') * 1e3,
  );
  const time = timeMetric(
    stat.elapsedSeconds,
    stat.elapsedStddevSeconds,
    pick('duration'),
    'elapsed time (CSV and JSON output have none; add -e duration_time)',
  );
  const user = timeMetric(stat.userSeconds, undefined, pick('userTime'), 'user time');
  const sys = timeMetric(stat.sysSeconds, undefined, pick('systemTime'), 'sys time');
  const metrics: Record<MetricId, MetricValue> = {
    time,
    cycles,
    instructions,
    ipc: quotient(instructions, cycles),
    user,
    sys,
    taskClock,
    cpusUtilized: quotient(taskClock, time, 1e-3),
    cacheReferences,
    cacheMisses,
    cacheMissRate: quotient(cacheMisses, cacheReferences, 100),
    l1dLoads,
    l1dMisses,
    l1dMissRate: quotient(l1dMisses, l1dLoads, 100),
    branches,
    branchMisses,
    branchMissRate: quotient(branchMisses, branches, 100),
  };
  const multiplexed = counters.filter((c) => c.status === 'ok' && c.pctRunning !== undefined && c.pctRunning < 100);
  if (multiplexed.length) {
    const low = minOf(multiplexed, (c) => c.pctRunning!);
    notes.push(
      `${multiplexed.length} counters were multiplexed (on the PMU ${fmtPct(low)} of the time at least): perf scaled their counts`,
    );
  }
  return {
    file,
    label,
    format: stat.format,
    repeat: stat.repeat,
    hasVariance: stat.hasVariance,
    counters,
    metrics,
    otherCounters: counters.map((c) => c.event).filter((e) => !used.has(e)),
    notes,
  };
}

const fmtPct = (p: number): string => `${Number(p.toFixed(2))}%`;

/** `profiles/glibc.stat` → `glibc`. */
export function defaultLabel(file: string): string {
  const base = file.replace(/\\/g, '/').split('/').pop() ?? file;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Column titles for a set of files: names without extension, or with it (then with folders) where they collide. */
export function uniqueLabels(files: readonly string[]): string[] {
  const tries = [defaultLabel, (f: string) => f.replace(/\\/g, '/').split('/').pop() ?? f, (f: string) => f];
  let labels = files.map(tries[0]);
  for (const t of tries.slice(1)) {
    if (new Set(labels).size === labels.length) break;
    labels = labels.map((l, i) => (labels.indexOf(l) !== labels.lastIndexOf(l) ? t(files[i]) : l));
  }
  return labels.map((l, i) => (labels.indexOf(l) !== i ? `${l} (${i + 1})` : l));
}

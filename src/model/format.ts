/**
 * How every number Perf Heat shows is written — editor labels, hover, hotspot panel, status bar, stat webview and
 * CLI — so a count always carries its unit and the same value reads the same everywhere:
 *
 * - counts: `28,811`, `9.28M`, `744M`, `7.77B`, `189.7B` (as the seed analysis writes perf stat counts);
 * - a profile event's value in its unit: `1,113 samples`, `≈1,113 samples` where perf annotate's percentages were
 *   scaled back to samples, `278.25 ms` for clock events (cpu-clock and task-clock periods are nanoseconds),
 *   `1.23M cycles` for other periods, `1.23M D1mr` for cachegrind counts;
 * - shares: `32.1%`, `2.97%`, `<0.01%` for a share too small to print, and `0%` only for an exact zero;
 * - share points: `+1.23 pts`, `−<0.01 pts`, `0 pts`;
 * - ratios `×2.31`, and rates by their real denominator: `0.0123 D1mr per Ir`, `4.1 cache-misses per ms`.
 *
 * Pure: no `vscode`, no Node built-ins (the stat webview's model uses it too).
 */
import type { EventUnit } from './profile';

/** What the formatter needs to know of an event. */
export interface EventLike {
  name: string;
  unit: EventUnit;
}

/** `1234567` → `1,234,567` (the integer part only; a fraction is kept as written). */
export function group(digits: string): string {
  const [int, frac] = digits.split('.');
  const sign = int.startsWith('-') ? '-' : '';
  const g = int.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return sign + g + (frac !== undefined ? `.${frac}` : '');
}

/** 189.7B, 7.77B, 744M, 72.4M, 9.28M, 28,811, 2.50. */
export function formatCount(n: number): string {
  const a = Math.abs(n);
  const sign = n < 0 ? '-' : '';
  if (a >= 1e9) return `${sign}${(a / 1e9).toFixed(a >= 1e10 ? 1 : 2)}B`;
  if (a >= 1e6) return `${sign}${a >= 1e8 ? group((a / 1e6).toFixed(0)) : (a / 1e6).toFixed(a >= 1e7 ? 1 : 2)}M`;
  return sign + group(Number.isInteger(a) ? String(a) : a.toFixed(2));
}

/** Events whose period is a time in nanoseconds: perf's software clocks. */
export function isClockEvent(name: string): boolean {
  return /^(cpu-clock|task-clock)(:[a-zA-Z]+)?$/.test(name);
}

/** A time in milliseconds: `278.25 ms`, `1,204 ms`, `0.250 ms`, `0 ms`. */
export function formatMs(ms: number): string {
  if (ms === 0) return '0 ms';
  const a = Math.abs(ms);
  return `${a >= 1000 ? group(ms.toFixed(0)) : ms.toFixed(a >= 1 ? 2 : 3)} ms`;
}

/** One event's value in its unit (see the module comment). */
export function formatEventValue(value: number, event: EventLike): string {
  if (event.unit === 'samples') return `${formatEventNumber(value, event)} ${value === 1 ? 'sample' : 'samples'}`;
  if (event.unit === 'period' && isClockEvent(event.name)) return formatMs(value / 1e6);
  return `${formatEventNumber(value, event)} ${event.name}`;
}

/** The number of formatEventValue without its unit, for table cells under a heading naming it (eventUnitName). */
export function formatEventNumber(value: number, event: EventLike): string {
  if (event.unit === 'samples') {
    if (Number.isInteger(value)) return formatCount(value);
    // perf annotate without -n prints percentages; the samples are those percentages times the header's count.
    return `≈${group(Math.round(value).toString())}`;
  }
  if (event.unit === 'period' && isClockEvent(event.name)) return formatMs(value / 1e6).replace(/ ms$/, '');
  return formatCount(Number.isInteger(value) ? value : Number(value.toFixed(2)));
}

/** The unit a column of one event's values is in, for table headings: `samples`, `ms`, `cycles`, `D1mr`. */
export function eventUnitName(event: EventLike): string {
  if (event.unit === 'samples') return 'samples';
  if (event.unit === 'period' && isClockEvent(event.name)) return 'ms';
  return event.name;
}

/** A share in percent. Exact zero is `0%`; a nonzero share below what two decimals show is `<0.01%`. */
export function formatShare(percent: number): string {
  if (percent === 0) return '0%';
  if (percent >= 10) return `${percent.toFixed(1)}%`;
  if (percent >= 0.01) return `${percent.toFixed(2)}%`;
  return '<0.01%';
}

/** A difference of shares in percentage points: `+1.23 pts`, `−12.5 pts`, `+<0.01 pts`, `0 pts`. */
export function formatPoints(delta: number): string {
  if (delta === 0) return '0 pts';
  const a = Math.abs(delta);
  const sign = delta > 0 ? '+' : '−';
  return `${sign}${a >= 10 ? a.toFixed(1) : a >= 0.005 ? a.toFixed(2) : '<0.01'} pts`;
}

/** How many times: `×2.31`, `×12`, `×0.50`. */
export function formatRatio(x: number): string {
  return `×${x >= 10 ? x.toFixed(0) : x.toFixed(2)}`;
}

/** A number to three significant digits without an exponent: `0.0123`, `4.10`, `123`. */
function significant(x: number): string {
  if (x === 0) return '0';
  if (x >= 100) return group(x.toFixed(0));
  return x.toPrecision(3);
}

/**
 * A rate by its real denominator: how many of `num` per one of `den` (per ms for clock events, per 1,000 or per
 * million when the rate is small): `0.0123 D1mr per Ir`, `2.31 D1mr per 1,000 Ir`, `4.10 cache-misses per ms`.
 */
export function formatRate(numCount: number, denCount: number, num: EventLike, den: EventLike): string {
  if (!(denCount > 0)) return `no ${den.name}`;
  if (den.unit === 'period' && isClockEvent(den.name))
    return `${significant(numCount / (denCount / 1e6))} ${num.name} per ms`;
  const r = numCount / denCount;
  if (r === 0 || r >= 0.01) return `${significant(r)} ${num.name} per ${den.name}`;
  if (r * 1e3 >= 0.01) return `${significant(r * 1e3)} ${num.name} per 1,000 ${den.name}`;
  return `${significant(r * 1e6)} ${num.name} per million ${den.name}`;
}

/**
 * What an event counts, in words, for the names a user meets raw: cachegrind's columns (valgrind's manual, "Cache
 * and branch simulation") and perf's common events. Undefined for names not listed.
 */
const MEANINGS: Record<string, string> = {
  Ir: 'instructions executed',
  I1mr: 'L1 instruction read misses',
  ILmr: 'last-level instruction read misses',
  Dr: 'data reads (memory reads)',
  D1mr: 'L1 data read misses',
  DLmr: 'last-level data read misses',
  Dw: 'data writes (memory writes)',
  D1mw: 'L1 data write misses',
  DLmw: 'last-level data write misses',
  Bc: 'conditional branches executed',
  Bcm: 'conditional branches mispredicted',
  Bi: 'indirect branches executed',
  Bim: 'indirect branches mispredicted',
  'cpu-clock': 'CPU time, sampled by a timer (ns)',
  'task-clock': 'time the task ran on a CPU (ns)',
  cycles: 'CPU cycles',
  'cpu-cycles': 'CPU cycles',
  instructions: 'instructions retired',
  'cache-misses': 'cache misses (usually last-level)',
  'cache-references': 'cache accesses (usually last-level)',
  'branch-misses': 'mispredicted branches',
  'page-faults': 'page faults',
  'L1-dcache-load-misses': 'L1 data load misses',
  'LLC-load-misses': 'last-level cache load misses',
};

export function eventMeaning(name: string): string | undefined {
  return MEANINGS[name] ?? MEANINGS[name.replace(/:[a-zA-Z]+$/, '')];
}

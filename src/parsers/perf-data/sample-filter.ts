/**
 * Which samples a summary keeps: perf report's `--tid`, `--comm`, `--cpu` and `--time START,END`. A sample the
 * filter drops is not read at all (not in the totals either), so every share is of what the filter keeps, as perf
 * report's default `--percentage relative` shows it.
 *
 * The comm is the thread's at the sample's time in perf's replay order: set by PERF_RECORD_COMM, inherited by a
 * forked thread from its parent (perf's thread__fork), so "the owner thread vs the remote freers" can be told apart
 * by the names a benchmark gives its threads.
 */

export interface SampleFilter {
  tids?: readonly number[];
  comms?: readonly string[];
  cpus?: readonly number[];
  /** Nanoseconds of perf's clock (perf script's timestamps × 1e9); either end may be open. Both ends kept, as perf. */
  time?: { start?: number; end?: number };
}

export function isEmptyFilter(f: SampleFilter | undefined): boolean {
  return (
    !f ||
    (!f.tids?.length && !f.comms?.length && !f.cpus?.length && f.time?.start === undefined && f.time?.end === undefined)
  );
}

/** `1703.642,1704` (seconds, as perf script prints them) → ns; `START,` and `,END` leave one end open. */
export function parseTimeRange(text: string): { start?: number; end?: number } {
  const parts = text.split(',');
  if (parts.length !== 2)
    throw new Error(`--time takes START,END in seconds as perf script prints them (1703.642,1704.5), got "${text}"`);
  const [start, end] = parts.map((p) => (p.trim() === '' ? undefined : secondsToNs(p.trim(), text)));
  if (start !== undefined && end !== undefined && end < start)
    throw new Error(`--time ${text}: the end is before the start`);
  return { ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) };
}

/** Exact decimal seconds → ns (no float rounding of the fraction: perf's parse_nsec_time does the same). */
function secondsToNs(s: string, whole: string): number {
  const m = /^(\d+)(?:\.(\d{0,9}))?$/.exec(s);
  if (!m) throw new Error(`--time ${whole}: "${s}" is not a time in seconds`);
  return Number(m[1]) * 1e9 + Number((m[2] ?? '').padEnd(9, '0'));
}

/** `1,3-5` → [1, 3, 4, 5] (perf's cpu list syntax); `what` names the option in the error. */
export function parseIdList(text: string, what: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) throw new Error(`${what} takes numbers or ranges (1,3-5), got "${text}"`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b - a > 65536) throw new Error(`${what}: bad range "${part.trim()}"`);
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

/** One line for status bars, panels and CLI warnings: `tid 4242, comm worker, CPU 0-1, time 1703.64–1704 s`. */
export function describeFilter(f: SampleFilter | undefined): string {
  if (isEmptyFilter(f)) return 'all samples';
  const parts: string[] = [];
  if (f!.tids?.length) parts.push(`tid ${f!.tids.join(',')}`);
  if (f!.comms?.length) parts.push(`comm ${f!.comms.join(',')}`);
  if (f!.cpus?.length) parts.push(`CPU ${f!.cpus.join(',')}`);
  const t = f!.time;
  if (t && (t.start !== undefined || t.end !== undefined)) {
    const s = (ns: number | undefined) => (ns === undefined ? '' : String(ns / 1e9));
    parts.push(`time ${s(t.start)},${s(t.end)} s`);
  }
  return parts.join(', ');
}

/** The filter while records are replayed: comms follow COMM and FORK records in order. */
export class SampleFilterState {
  private readonly tids?: Set<number>;
  private readonly comms?: Set<string>;
  private readonly cpus?: Set<number>;
  private readonly start: number;
  private readonly end: number;
  private readonly commOf = new Map<number, string>();
  /** The sample fields the filter reads: a fast path that skips them must decode them when set. */
  readonly needsTid: boolean;
  readonly needsCpu: boolean;
  readonly needsTime: boolean;
  readonly needsComm: boolean;

  constructor(f: SampleFilter) {
    if (f.tids?.length) this.tids = new Set(f.tids);
    if (f.comms?.length) this.comms = new Set(f.comms);
    if (f.cpus?.length) this.cpus = new Set(f.cpus);
    this.start = f.time?.start ?? -Infinity;
    this.end = f.time?.end ?? Infinity;
    this.needsComm = this.comms !== undefined;
    this.needsTid = this.tids !== undefined || this.needsComm;
    this.needsCpu = this.cpus !== undefined;
    this.needsTime = this.start > -Infinity || this.end < Infinity;
  }

  comm(tid: number, comm: string): void {
    this.commOf.set(tid, comm);
  }

  fork(tid: number, ptid: number): void {
    const c = this.commOf.get(ptid);
    if (c !== undefined) this.commOf.set(tid, c);
  }

  /** `time` undefined (not sampled) fails a time filter, as perf cannot place such a sample either. */
  accepts(tid: number | undefined, cpu: number | undefined, time: number | undefined): boolean {
    if (this.tids && (tid === undefined || !this.tids.has(tid))) return false;
    if (this.cpus && (cpu === undefined || !this.cpus.has(cpu))) return false;
    if (this.needsTime && (time === undefined || time < this.start || time > this.end)) return false;
    if (this.comms) {
      const c = tid === undefined ? undefined : this.commOf.get(tid);
      if (c === undefined || !this.comms.has(c)) return false;
    }
    return true;
  }
}

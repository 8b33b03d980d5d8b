/**
 * `perf stat` output in its three shapes: CSV (`-x,`, `-x';'`, with or without `-r`, `-I`, aggregation columns), JSON
 * lines (`-j`) and the human format (thousands separators, `# 0.998 CPUs utilized`, `( +-  1.65% )`, elapsed, user
 * and sys times).
 *
 * CSV columns are `[time],[aggr],[nr],value,unit,event,[variance],run-time,pct-running,metric-value,metric-unit`, and
 * 6.1 puts `-r`'s variance right after the event name, not where the man page says (docs/perf-formats.md §6). Rather than
 * trusting either order, each row is anchored on its `value,unit,event` triple and the variance is recognised by its
 * `%`.
 */
import { ProfileFormatError } from './errors';

export interface StatCounter {
  event: string;
  /** null when perf printed `<not supported>` or `<not counted>`. Multiplexed counts are already scaled by perf. */
  value: number | null;
  /** `msec` for task-clock; '' for plain counts. */
  unit: string;
  unsupported: boolean;
  notCounted: boolean;
  /** `-r`: the run-to-run standard deviation, in % of the mean. */
  variancePct: number | undefined;
  /** Time the counter ran, in ns (CSV and JSON only). */
  runtimeNs: number | undefined;
  /** Share of the time the counter was on the PMU; below 100 means multiplexed. */
  pctRunning: number | undefined;
  /** perf's derived metric (`0.998` `CPUs utilized`, `2.07` `insn per cycle`), as printed. */
  metricValue: number | undefined;
  metricUnit: string | undefined;
  /** `-I`: seconds since the start, at the end of the interval. */
  interval: number | undefined;
  /** `-a -A`, `--per-core` …: `CPU0`, `S0-D0-C1`; with the number of CPUs aggregated when printed. */
  aggregate: string | undefined;
  aggregateCount: number | undefined;
  /** 1-based line in the stat file. */
  line: number;
}

export interface PerfStatFile {
  format: 'csv' | 'json' | 'human';
  counters: StatCounter[];
  /** From `Performance counter stats for './prog' (3 runs):` (human format only). */
  command: string | undefined;
  /** `-r N`: N from the human header; in CSV and JSON only the variance column says that -r was used. */
  repeat: number | undefined;
  hasVariance: boolean;
  elapsedSeconds: number | undefined;
  /** `-r`: `2.8713 +- 0.0453 seconds time elapsed`. */
  elapsedStddevSeconds: number | undefined;
  userSeconds: number | undefined;
  sysSeconds: number | undefined;
}

const NOT_SUPPORTED = '<not supported>';
const NOT_COUNTED = '<not counted>';
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
/** en_US grouping (`1,234,567.89`), the only grouping perf's `%'` can print in a C-like locale with separators. */
const GROUPED = /^\d{1,3}(,\d{3})+(\.\d+)?$/;

const isValue = (v: string): boolean => v === NOT_SUPPORTED || v === NOT_COUNTED || NUMBER.test(v);
const isName = (v: string): boolean => v !== '' && !NUMBER.test(v) && !v.startsWith('<');

function newCounter(event: string, raw: string, unit: string, line: number): StatCounter {
  return {
    event,
    value:
      raw === NOT_SUPPORTED || raw === NOT_COUNTED ? null : Number(GROUPED.test(raw) ? raw.replace(/,/g, '') : raw),
    unit,
    unsupported: raw === NOT_SUPPORTED,
    notCounted: raw === NOT_COUNTED,
    variancePct: undefined,
    runtimeNs: undefined,
    pctRunning: undefined,
    metricValue: undefined,
    metricUnit: undefined,
    interval: undefined,
    aggregate: undefined,
    aggregateCount: undefined,
    line,
  };
}

function optionalNumber(v: string | undefined, what: string, file: string, line: number): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const t = v.trim();
  if (!NUMBER.test(t)) throw new ProfileFormatError(file, { line }, `${what} "${t}" is not a number`);
  return Number(t);
}

/** The first plausible line decides: CSV needs a `value<sep>unit<sep>event` triple, JSON a `"counter-value"` key. */
export function looksLikePerfStat(head: string): boolean {
  const lines = head.split('\n', 200).map((l) => l.replace(/\r$/, ''));
  if (lines.some((l) => HUMAN_HEADER.test(l) || INTERVAL_TITLES.test(l))) return true;
  const first = lines.find((l) => l.trim() !== '' && !l.startsWith('#'));
  if (!first) return false;
  if (first.startsWith('{')) return first.includes('"counter-value"');
  const sep = separatorOf(first);
  // Five fields at least (value, unit, event, run time, percentage): three could be anyone's CSV.
  return sep !== undefined && fields(first, sep).length - anchor(fields(first, sep)) >= 5;
}

function separatorOf(line: string): string | undefined {
  return [',', ';', '\t', '|'].find((s) => anchor(fields(line, s)) >= 0);
}

/** perf pads the -I timestamp even in CSV. */
const fields = (line: string, sep: string): string[] => line.split(sep).map((f) => f.trim());

/** Index of the value in `[time],[aggr],[nr],value,unit,event,…`: the value column is numeric, unit and event not. */
function anchor(f: string[]): number {
  for (let k = 0; k <= 3 && k + 2 < f.length; k++) {
    if (isValue(f[k]) && (f[k + 1] === '' || isName(f[k + 1])) && isName(f[k + 2])) return k;
  }
  return -1;
}

function parseCsv(lines: string[], file: string, out: PerfStatFile): void {
  let sep: string | undefined;
  let last: StatCounter | undefined;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const lineNo = i + 1;
    if (line.trim() === '' || line.startsWith('#')) return;
    sep ??= separatorOf(line);
    const f = fields(line, sep ?? ',');
    const k = anchor(f);
    if (k < 0) {
      // More than one metric per counter comes as `,,,,,,0.45,frontend cycles idle`: the previous counter's.
      if (last && f.length >= 5 && f.slice(0, -2).every((v) => v === '') && NUMBER.test(f[f.length - 2])) return;
      throw new ProfileFormatError(
        file,
        { line: lineNo },
        `not a perf stat CSV row: no "value${sep ?? ','}unit${sep ?? ','}event" fields ("${line.slice(0, 60)}")`,
      );
    }
    const c = newCounter(f[k + 2], f[k], f[k + 1], lineNo);
    if (k >= 1) {
      // Before the value: the -I timestamp and/or the aggregation id and its CPU count.
      const pre = f.slice(0, k);
      if (NUMBER.test(pre[0]) && pre[0].includes('.')) c.interval = Number(pre.shift());
      if (pre.length > 0) c.aggregate = pre.shift();
      if (pre.length > 0) c.aggregateCount = optionalNumber(pre[0], 'aggregation CPU count', file, lineNo);
    }
    // 6.1 prints the variance right after the event, the man page after the percentage: take it where it is.
    const rest = f.slice(k + 3);
    const v = rest.slice(0, 3).findIndex((x) => x.endsWith('%'));
    if (v >= 0) {
      c.variancePct = optionalNumber(rest.splice(v, 1)[0].slice(0, -1), 'variance', file, lineNo);
      out.hasVariance = true;
    }
    c.runtimeNs = optionalNumber(rest[0], 'run time', file, lineNo);
    c.pctRunning = optionalNumber(rest[1], 'running percentage', file, lineNo);
    c.metricValue = optionalNumber(rest[2], 'metric value', file, lineNo);
    c.metricUnit = rest[3] ? rest.slice(3).join(sep) : undefined;
    if (c.metricUnit === undefined) c.metricValue = undefined;
    out.counters.push((last = c));
  });
}

function parseJson(lines: string[], file: string, out: PerfStatFile): void {
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new ProfileFormatError(file, { line: i + 1 }, `not a JSON object: ${(e as Error).message}`);
    }
    if (typeof o !== 'object' || o === null || typeof o.event !== 'string' || o.event === '') {
      throw new ProfileFormatError(file, { line: i + 1 }, 'JSON line without an "event" name');
    }
    const str = (key: string): string | undefined =>
      o[key] === undefined || o[key] === null ? undefined : String(o[key]);
    const value = str('counter-value') ?? '';
    if (!isValue(value))
      throw new ProfileFormatError(file, { line: i + 1 }, `"counter-value" "${value}" is not a number`);
    const c = newCounter(o.event, value, str('unit') ?? '', i + 1);
    const variance = str('variance');
    c.variancePct = optionalNumber(variance, 'variance', file, i + 1);
    if (variance !== undefined) out.hasVariance = true;
    c.runtimeNs = optionalNumber(str('event-runtime'), 'event-runtime', file, i + 1);
    c.pctRunning = optionalNumber(str('pcnt-running'), 'pcnt-running', file, i + 1);
    c.interval = optionalNumber(str('interval'), 'interval', file, i + 1);
    c.metricUnit = str('metric-unit') || undefined;
    c.metricValue = c.metricUnit ? optionalNumber(str('metric-value'), 'metric-value', file, i + 1) : undefined;
    c.aggregate = str('cpu') ?? str('core') ?? str('die') ?? str('socket') ?? str('node') ?? str('thread');
    c.aggregateCount = optionalNumber(str('aggregate-number'), 'aggregate-number', file, i + 1);
    out.counters.push(c);
  });
}

const HUMAN_HEADER = /^\s*Performance counter stats for (.*?)(?: \((\d+) runs\))?:\s*$/;
const SECONDS = /^\s*([\d.]+)(?: \+- ([\d.]+))? seconds (time elapsed|user|sys)\b/;
const VARIANCE = /\(\s*\+-\s*([\d.]+)\s*%\s*\)/;
const MULTIPLEX = /\(\s*([\d.]+)\s*%\s*\)\s*$/;
/** A counter line: [interval] value-or-<not …> then [unit] event, then `# metric` and parentheses. */
const HUMAN_COUNTER =
  /^\s*(?:(\d+\.\d+)\s+)?(<not supported>|<not counted>|[\d,]+(?:\.\d+)?)\s+(?:(\S+)\s+)??(\S+)(?:\s+(?:#(.*))?)?$/;
const INTERVAL_TITLES = /^#\s+time\s+(?:counts|CPU)/;

/**
 * perf prints human counts with `%'`, so the locale's digit grouping and decimal mark appear: de_DE `1.161,28`,
 * fr_FR `1\u202f161,28`. A decimal comma is known from the elapsed-seconds line (always 9 decimals) or from a number
 * whose comma cannot be grouping; then `.` and spaces between digit groups are grouping. Returns the line with
 * plain numbers (`1161.28`), or the line itself in a C or en_US-like locale.
 */
function decimalComma(lines: readonly string[]): boolean {
  for (const l of lines) {
    if (HUMAN_HEADER.test(l)) continue;
    if (/^\s*\d+,\d+(?: \+- \d+,\d+)? seconds /.test(l)) return true;
    if (/^\s*\d+\.\d+(?: \+- [\d.]+)? seconds /.test(l)) return false;
    if (/(?:^|\s)\d{1,3}(?:[.\u202f\u00a0 ]\d{3})*,(?:\d{1,2}|\d{4,})(?=\s|$)/.test(l)) return true;
  }
  return false;
}

function plainNumbers(line: string, comma: boolean): string {
  if (HUMAN_HEADER.test(line)) return line;
  // Grouping by (narrow) no-break spaces, in any locale.
  let s = line.replace(/(\d)[\u202f\u00a0](?=\d{3}(?!\d))/g, '$1');
  if (comma) s = s.replace(/(\d)\.(?=\d{3}(?!\d))/g, '$1').replace(/(\d),(?=\d)/g, '$1.');
  return s;
}

function parseHuman(lines: string[], file: string, out: PerfStatFile): void {
  const comma = decimalComma(lines);
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = plainNumbers(raw.replace(/\r$/, ''), comma);
    const header = HUMAN_HEADER.exec(line);
    if (header) {
      out.command = header[1].replace(/^'(.*)'$/, '$1');
      out.repeat = header[2] ? Number(header[2]) : undefined;
      return;
    }
    const seconds = SECONDS.exec(line);
    if (seconds) {
      const v = Number(seconds[1]);
      if (seconds[3] === 'user') out.userSeconds = v;
      else if (seconds[3] === 'sys') out.sysSeconds = v;
      else [out.elapsedSeconds, out.elapsedStddevSeconds] = [v, seconds[2] ? Number(seconds[2]) : undefined];
      return;
    }
    const body = line.replace(VARIANCE, '').replace(MULTIPLEX, '').trimEnd();
    const m = /^\s*#/.test(body) || body.trim() === '' ? null : HUMAN_COUNTER.exec(body);
    if (!m) {
      if (/^\s*[\d<]/.test(line) && !/^\s*\d+\.\d+\s*$/.test(line))
        throw new ProfileFormatError(
          file,
          { line: lineNo },
          `not a perf stat counter line: "${line.trim().slice(0, 60)}"`,
        );
      return; // prose (`Some events weren't counted …`), `#` continuation metrics
    }
    const c = newCounter(m[4], m[2], m[3] ?? '', lineNo);
    if (c.value !== null && Number.isNaN(c.value))
      throw new ProfileFormatError(file, { line: lineNo }, `counter value "${m[2]}" is not a number`);
    c.interval = m[1] !== undefined ? Number(m[1]) : undefined;
    const metric = m[5] ? /^([-\d.,]+)\s+(.+)$/.exec(m[5].trim()) : null;
    if (metric) [c.metricValue, c.metricUnit] = [Number(metric[1].replace(/,/g, '')), metric[2].trim()];
    const variance = VARIANCE.exec(line);
    if (variance) [c.variancePct, out.hasVariance] = [Number(variance[1]), true];
    const multiplex = MULTIPLEX.exec(line.replace(VARIANCE, ''));
    if (multiplex) c.pctRunning = Number(multiplex[1]);
    out.counters.push(c);
  });
}

export function parsePerfStat(text: string, file: string): PerfStatFile {
  const lines = text.split('\n');
  const first = lines.find((l) => l.trim() !== '' && !l.startsWith('#'))?.replace(/\r$/, '') ?? '';
  const out: PerfStatFile = {
    format: lines.some((l) => HUMAN_HEADER.test(l) || INTERVAL_TITLES.test(l))
      ? 'human'
      : first.trim().startsWith('{')
        ? 'json'
        : separatorOf(first) !== undefined
          ? 'csv'
          : 'human',
    counters: [],
    command: undefined,
    repeat: undefined,
    hasVariance: false,
    elapsedSeconds: undefined,
    elapsedStddevSeconds: undefined,
    userSeconds: undefined,
    sysSeconds: undefined,
  };
  if (out.format === 'json') parseJson(lines, file, out);
  else if (out.format === 'human') parseHuman(lines, file, out);
  else parseCsv(lines, file, out);
  if (out.counters.length === 0) throw new ProfileFormatError(file, undefined, 'no counters: not perf stat output');
  return out;
}

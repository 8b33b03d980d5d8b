/**
 * `perf report --stdio` text: any `--sort`/`-F` of overhead, children/self, samples, period, comm, dso, sym, srcline;
 * `--group` (one value per event in each numeric column); `-t <sep>`; one section per event without `--group`.
 *
 * Columns are found from the layout perf prints, not from spacing in the rows: the `# ....` line under the titles gives
 * each column's start (perf truncates every value to its column width), and with `-t` the separator splits both titles
 * and rows. Symbols with spaces (C++) and `--group`'s space-separated values then need no guessing.
 *
 * docs/perf-formats.md §1: children mode with `-g` data adds rows whose srcline is `sym+<absolute address>`; they are kept,
 * flagged `bogus`, since a source line can only be trusted with `--no-children`.
 */
import { ProfileFormatError } from './errors';
import type { SourceLocation } from '../model/profile';

export interface ReportRow {
  /** One value per event of the section: Overhead, or Self in children mode (both are the flat share), in %. */
  overhead: number[] | undefined;
  /** Children mode: the share including callees, in %. */
  children: number[] | undefined;
  /** `-n` / `-F sample`. */
  samples: number[] | undefined;
  /** `--show-total-period` / `-F period`. */
  period: number[] | undefined;
  symbol: string | undefined;
  /** What perf prints between brackets before the symbol: `.` user, `k` kernel, `g`/`u` guest, `H` hypervisor. */
  symbolLevel: string | undefined;
  srcline: SourceLocation | undefined;
  /** The srcline when it names no file and line: `clear_page_erms+7` (no debug info), `??:0`. */
  srclineText: string | undefined;
  dso: string | undefined;
  command: string | undefined;
  /** Other sort keys, by column title. */
  other: Record<string, string>;
  /** A children-mode artefact: srcline `sym+N` with N beyond any function's size. Not a place in the code. */
  bogus: boolean;
  /** 1-based line in the report file. */
  line: number;
}

export interface ReportSection {
  /** One event, or the members of a `--group` (leader first). */
  events: string[];
  /** `# Samples: 5K`: perf divides by 1000 and truncates, so 5K is 5000–5999; exact only without a K/M/G suffix. */
  samples: number;
  samplesExact: boolean;
  /** `# Event count (approx.)`: the sum of periods. */
  eventCount: number | undefined;
  /** Column titles as printed: `Overhead`, `Children`, `Self`, `Samples`, `Period`, `Symbol`, `Source:Line`… */
  columns: string[];
  childrenMode: boolean;
  rows: ReportRow[];
  /** 1-based line of the `# Samples:` header. */
  line: number;
}

export interface PerfReportFile {
  sections: ReportSection[];
  /** `# Total Lost Samples:`. */
  lostSamples: number | undefined;
}

const SAMPLES = /^# Samples: (\d+)([KMG]?)\s+of events? '(.*)'\s*$/;
const EVENT_COUNT = /^# Event count \(approx\.\): (\d+)\s*$/;
const LOST = /^# Total Lost Samples: (\d+)\s*$/;
const DOTS = /^#\s*\.+(\s+\.+)*\s*$/;
const PERCENT = /^\d+(\.\d+)?%$/;
const INTEGER = /^\d+$/;
const KNOWN_TITLE = /^(Overhead|Children|Self|Samples|Period|Command|Shared Object|Symbol|Source:Line)$/;
/** No function is 4 GiB long: a larger offset is an absolute address minus the symbol's start. */
const BOGUS_OFFSET = 2 ** 32;

interface Layout {
  titles: string[];
  /** Column starts in the row (first is 0), or undefined with a separator. */
  starts: number[] | undefined;
  separator: string | undefined;
}

/** Content sniff: the `# Samples: … of event '…'` header sits within the first lines. */
export function looksLikePerfReport(head: string): boolean {
  return head.split('\n', 200).some((l) => SAMPLES.test(l.replace(/\r$/, '')));
}

/** `cpu-clock, task-clock` (forced group) or `anon group { cycles, instructions }` (recorded group). */
function groupEvents(desc: string): string[] {
  const braces = /^.*?\{\s*(.*?)\s*\}$/.exec(desc);
  return (braces ? braces[1] : desc).split(/,\s+/).filter((e) => e !== '');
}

function layoutFromDots(title: string, dots: string): Layout {
  const starts: number[] = [];
  for (const m of dots.matchAll(/\.+/g)) starts.push(m.index);
  const titles = starts.map((s, i) => title.slice(i === 0 ? 1 : s, starts[i + 1]).trim());
  starts[0] = 0; // the `# ` of the title line sits over the first column's padding
  return { titles, starts, separator: undefined };
}

/** `-t ';'`: the separator is the first character after the first title that is not part of a title. */
function layoutFromSeparator(title: string): Layout | undefined {
  const body = title.slice(1);
  const m = /^\s*[A-Za-z][A-Za-z: ]*?\s*([^A-Za-z0-9:\s])/.exec(body);
  const separator = m?.[1];
  const titles = separator ? body.split(separator).map((t) => t.trim()) : [body.trim()];
  // One title and no separator: a single column, the whole row.
  return titles.some((t) => KNOWN_TITLE.test(t))
    ? { titles, starts: separator ? undefined : [0], separator }
    : undefined;
}

function splitRow(line: string, layout: Layout): string[] {
  if (layout.separator) return line.split(layout.separator).map((v) => v.trim());
  const s = layout.starts!;
  return s.map((start, i) => line.slice(start, i + 1 < s.length ? s[i + 1] : undefined).trim());
}

function numbers(value: string, n: number, pattern: RegExp, what: string, file: string, line: number): number[] {
  const parts = value.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== n)
    throw new ProfileFormatError(
      file,
      { line },
      `${what} column has ${parts.length} value(s) ("${value}"), expected ${n} (one per event)`,
    );
  return parts.map((p) => {
    if (!pattern.test(p))
      throw new ProfileFormatError(
        file,
        { line },
        `${what} value "${p}" is not ${pattern === PERCENT ? 'a percentage' : 'a whole number'}`,
      );
    return parseFloat(p);
  });
}

/** `hot.inc:21`, `/home/dev/probe/src/hot.inc:21`; anything else (`clear_page_erms+7`, `??:0`) stays text. */
function readSrcline(value: string): { loc?: SourceLocation; bogus: boolean } {
  const m = /^(.*[^:]):(\d+)$/.exec(value);
  if (m && m[1] !== '??' && Number(m[2]) > 0) return { loc: { file: m[1], line: Number(m[2]) }, bogus: false };
  const off = /\+(\d+)$/.exec(value);
  return { bogus: off !== null && Number(off[1]) >= BOGUS_OFFSET };
}

function readRow(line: string, lineNo: number, file: string, section: ReportSection, layout: Layout): ReportRow {
  const values = splitRow(line, layout);
  if (values.length !== layout.titles.length) {
    throw new ProfileFormatError(
      file,
      { line: lineNo },
      `row has ${values.length} field(s), the column titles ${layout.titles.length}`,
    );
  }
  const row: ReportRow = {
    overhead: undefined,
    children: undefined,
    samples: undefined,
    period: undefined,
    symbol: undefined,
    symbolLevel: undefined,
    srcline: undefined,
    srclineText: undefined,
    dso: undefined,
    command: undefined,
    other: {},
    bogus: false,
    line: lineNo,
  };
  const n = section.events.length;
  layout.titles.forEach((title, i) => {
    const v = values[i];
    switch (title) {
      case 'Overhead':
      case 'Self':
        row.overhead = numbers(v, n, PERCENT, title, file, lineNo);
        break;
      case 'Children':
        row.children = numbers(v, n, PERCENT, title, file, lineNo);
        break;
      case 'Samples':
        row.samples = numbers(v, n, INTEGER, title, file, lineNo);
        break;
      case 'Period':
        row.period = numbers(v, n, INTEGER, title, file, lineNo);
        break;
      case 'Symbol': {
        const m = /^\[(.)\] (.*)$/.exec(v);
        row.symbolLevel = m?.[1];
        row.symbol = m ? m[2] : v;
        break;
      }
      case 'Source:Line': {
        const src = readSrcline(v);
        row.srcline = src.loc;
        row.srclineText = src.loc ? undefined : v;
        row.bogus = src.bogus;
        break;
      }
      case 'Shared Object':
        row.dso = v;
        break;
      case 'Command':
        row.command = v;
        break;
      default:
        row.other[title] = v;
    }
  });
  return row;
}

export function parsePerfReport(text: string, file: string): PerfReportFile {
  const lines = text.split('\n');
  const sections: ReportSection[] = [];
  let lostSamples: number | undefined;
  let section: ReportSection | undefined;
  let layout: Layout | undefined;
  let title: string | undefined; // the last `#` line that may hold column titles
  let inCallchain = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    const lineNo = i + 1;
    if (line.trim() === '') {
      inCallchain = false;
      continue;
    }
    if (line.startsWith('#')) {
      const samples = SAMPLES.exec(line);
      const count = EVENT_COUNT.exec(line);
      const lost = LOST.exec(line);
      if (samples) {
        const mult = { '': 1, K: 1e3, M: 1e6, G: 1e9 }[samples[2]]!;
        const events = samples[0].includes("of events '") ? groupEvents(samples[3]) : [samples[3]];
        section = {
          events,
          samples: Number(samples[1]) * mult,
          samplesExact: mult === 1,
          eventCount: undefined,
          columns: [],
          childrenMode: false,
          rows: [],
          line: lineNo,
        };
        sections.push(section);
        layout = title = undefined;
      } else if (count && section) section.eventCount = Number(count[1]);
      else if (lost) lostSamples = Number(lost[1]);
      else if (DOTS.test(line) && section && title !== undefined) layout = layoutFromDots(title, line);
      else if (line.trim() !== '#') title = line;
      inCallchain = false;
      continue;
    }
    if (!section) continue; // perf's stderr (`build id event received …`) before the first header
    if (inCallchain) continue;
    const first = line.trimStart()[0];
    if ((first === '|' || first === '-') && section.rows.length > 0) {
      inCallchain = true; // the call graph under a row, up to the next blank line
      continue;
    }
    if (!layout) {
      layout = title !== undefined ? layoutFromSeparator(title) : undefined;
      if (!layout)
        throw new ProfileFormatError(
          file,
          { line: lineNo },
          'row before any column title line ("# Overhead  Symbol …"): was the report made with -q or --no-header?',
        );
    }
    if (section.columns.length === 0) {
      section.columns = layout.titles;
      section.childrenMode = layout.titles.includes('Children');
    }
    section.rows.push(readRow(line, lineNo, file, section, layout));
  }
  if (sections.length === 0)
    throw new ProfileFormatError(
      file,
      undefined,
      `no "# Samples: … of event '…'" header: not perf report --stdio output`,
    );
  return { sections, lostSamples };
}

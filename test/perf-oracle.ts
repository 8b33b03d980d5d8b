/**
 * Reads perf's own answers for cross-checks (Node tests and the tests inside VS Code). Kept deliberately separate from src/parsers: a test must not use the
 * code it checks as its oracle.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export interface ReportRow {
  file: string;
  line: number;
  samples: number;
}

/** `perf report --stdio --no-children -g none --sort srcline -n`: `  12.34%   567  file.inc:123`. */
export function parseReportSrclineCounts(text: string): ReportRow[] {
  const rows: ReportRow[] = [];
  for (const l of text.split('\n')) {
    const m = /^\s+[\d.]+%\s+(\d+)\s+(\S+):(\d+)\s*$/.exec(l);
    if (m) rows.push({ samples: Number(m[1]), file: m[2].split('/').pop()!, line: Number(m[3]) });
  }
  return rows;
}

/** Sum of the per-symbol sample counts in annotate headers: the denominator of every share an annotate file gives. */
export function annotateSampleTotal(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/Source code & Disassembly of .+ for .+ \((\d+) samples/g)) total += Number(m[1]);
  return total;
}

/**
 * Where perf itself is wrong, named: binutils 2.40 (perf's addr2line) reads the first rows of a function compiled
 * from an .inc included into a .c as the .c's lines under DWARF 5 (docs/perf-formats.md §2.4). mh3_owner_stash.c has 11
 * lines, so `mh3_owner_stash.c:83` cannot exist; readelf --debug-dump=decodedline and llvm-symbolizer give
 * mh3_owner_stash_pop.inc at the same line, and so does Perf Heat (src/symbolize/dwarf corrects addr2line).
 * The expected share of the .inc line is perf's for both keys.
 */
export const PERF_IS_WRONG = [
  { wrong: 'mh3_owner_stash.c', right: 'mh3_owner_stash_pop.inc', lines: [83, 85, 87, 92, 148, 165, 169] },
  // The same binutils error inside glibc's dynamic loader: dl-get-cpu-features.c includes dl-cacheinfo.h.
  { wrong: 'dl-get-cpu-features.c', right: 'dl-cacheinfo.h', lines: [321] },
];

export function correctPerf(report: Map<string, number>): Map<string, number> {
  for (const { wrong, right, lines } of PERF_IS_WRONG) {
    for (const n of lines) {
      const w = report.get(`${wrong}:${n}`);
      if (w === undefined) continue;
      report.delete(`${wrong}:${n}`);
      report.set(`${right}:${n}`, (report.get(`${right}:${n}`) ?? 0) + w);
    }
  }
  return report;
}

/** perf report rows with perf's known errors moved to the right file (see PERF_IS_WRONG). */
export function correctRows(rows: ReportRow[]): ReportRow[] {
  const out = new Map<string, ReportRow>();
  for (const r of rows) {
    const fix = PERF_IS_WRONG.find((w) => w.wrong === r.file && w.lines.includes(r.line));
    const file = fix ? fix.right : r.file;
    const key = `${file}:${r.line}`;
    const prev = out.get(key);
    out.set(key, { file, line: r.line, samples: (prev?.samples ?? 0) + r.samples });
  }
  return [...out.values()];
}

export interface SymbolRow {
  /** perf's Overhead column, in percent as printed (two decimals). */
  percent: number;
  /** The Samples column when the report had `-n`. */
  samples?: number;
  dso: string;
  symbol: string;
}

/**
 * `perf report --stdio --no-children -g none` sorted by symbol (default sort comm,dso,sym, or `--sort sym,dso`),
 * with or without `-n`: one list per `# Samples: … of event 'X'` section, keyed by event name.
 */
export function parseReportSymbols(text: string): Map<string, SymbolRow[]> {
  const out = new Map<string, SymbolRow[]>();
  let rows: SymbolRow[] | undefined;
  let columns: string[] = [];
  for (const l of text.split('\n')) {
    const h = /^# Samples: .* of event '(.*)'/.exec(l);
    if (h) out.set(h[1], (rows = []));
    if (/^# Overhead/.test(l))
      columns = l
        .slice(1)
        .trim()
        .split(/\s{2,}/);
    if (!rows || l.startsWith('#') || !l.trim()) continue;
    // The symbol column is `[.] name` or `[k] name`, names may hold spaces (`operator delete[]`).
    const m = /^\s+([\d.]+)%\s+(.*)$/.exec(l);
    if (!m) continue;
    const rest = m[2];
    const at = rest.search(/\[[.kgu]\] /);
    if (at < 0) continue;
    const before = rest.slice(0, at).trim().split(/\s+/).filter(Boolean);
    const after = rest.slice(at + 4);
    const samples = columns.includes('Samples') ? Number(before.shift()) : undefined;
    let symbol: string;
    let dso: string;
    if (columns.indexOf('Symbol') < columns.indexOf('Shared Object')) {
      // --sort sym,dso: the binary is the last column
      const parts = after.trimEnd().split(/\s{2,}/);
      dso = parts.pop()!.trim();
      symbol = parts.join('  ').trim();
    } else {
      dso = before[before.length - 1];
      symbol = after.trim();
    }
    rows.push({ percent: Number(m[1]), ...(samples !== undefined ? { samples } : {}), dso, symbol });
  }
  return out;
}

/** One symbol of `perf annotate --stdio` (with `-n` or `--show-total-period`): its value column per instruction. */
export interface AnnotatedSymbol {
  /** The binary's base name, as the header names it. */
  binary: string;
  event: string;
  symbol: string;
  /** The header's `(N samples, …)`: the symbol's sample count for the event. */
  samples: number;
  /** Address → the printed value (samples with `-n`, period with `--show-total-period`), every instruction listed. */
  values: Map<number, number>;
}

/**
 * `perf annotate --stdio -n` / `--show-total-period` output, every symbol it prints. Named perf quirks: perf 6.1
 * refuses `-n` and `--show-total-period` together (two runs are needed); its default Percent column is
 * `--percent-type local-period` (period share of the symbol, not sample share); each event of a multi-event file
 * is its own section, even for the same symbol; the instructions are objdump's, so their addresses are objdump's
 * instruction boundaries; a symbol whose binary perf cannot find (its --symfs lacks it) is left out silently.
 */
export function parseAnnotateValues(text: string): AnnotatedSymbol[] {
  const out: AnnotatedSymbol[] = [];
  let cur: AnnotatedSymbol | undefined;
  for (const l of text.split('\n')) {
    const h = /Source code & Disassembly of (\S+) for (\S+) \((\d+) samples/.exec(l);
    if (h) {
      cur = { binary: h[1], event: h[2], symbol: '', samples: Number(h[3]), values: new Map() };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const s = /^\s*:\s+\d+\s+[0-9a-f]+ <(.+)>:\s*$/.exec(l);
    if (s && !cur.symbol) {
      cur.symbol = s[1];
      continue;
    }
    const r = /^\s*(\d+)\s+:\s+([0-9a-f]+):\s/.exec(l);
    if (r) cur.values.set(Number.parseInt(r[2], 16), Number(r[1]));
  }
  return out;
}

/**
 * Runs `perf annotate --stdio ARGS -i RECORDING` live. perf finds a binary by the path recorded in the file (the
 * demo was recorded in another checkout), so a --symfs folder gives it the binary of `buildDir` with that base
 * name at that path, or the file at the recorded path itself (libc); the build-id perf checks is the recording's.
 * The folder is not under /tmp/perf-*: perf takes such paths for JIT maps and drops their symbols.
 */
export function runPerfAnnotate(recording: string, args: string[], buildDir: string): string {
  const symfs = mkdtempSync(join(tmpdir(), 'ph-annotate-symfs-'));
  try {
    const list = execFileSync('perf', ['buildid-list', '-i', recording], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    for (const m of list.matchAll(/^[0-9a-f]+ (\/\S+)$/gm)) {
      const local = [join(buildDir, basename(m[1])), m[1]].find((p) => existsSync(p));
      if (!local) continue;
      mkdirSync(join(symfs, dirname(m[1])), { recursive: true });
      symlinkSync(local, join(symfs, m[1]));
    }
    return execFileSync('perf', ['annotate', '--stdio', '--symfs', symfs, '-i', recording, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } finally {
    rmSync(symfs, { recursive: true, force: true });
  }
}

/** perf and objdump are on PATH (tests that run them live skip, saying so, where they are not). */
export function havePerfTools(): boolean {
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
    execFileSync('objdump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One chain of `perf report --no-children -g folded,0,caller,period`: its period and frames, outermost first. */
export interface FoldedChain {
  period: number;
  frames: string[];
}

/** Every `period a;b;c` line of folded callchain output (the `  12.34%  [.] sym` entry lines are skipped). */
export function parseFoldedChains(text: string): FoldedChain[] {
  const out: FoldedChain[] = [];
  for (const l of text.split('\n')) {
    const m = /^(\d+) (.+)$/.exec(l);
    if (m) out.push({ period: Number(m[1]), frames: m[2]!.split(';') });
  }
  return out;
}

export interface ChildrenRow {
  children: number;
  self: number;
  /** `.` user space, `k` kernel. */
  kind: string;
  symbol: string;
}

/** `perf report --children --sort sym -g none`: `    93.08%     0.00%  [.] start_thread`. */
export function parseChildrenSym(text: string): ChildrenRow[] {
  const out: ChildrenRow[] = [];
  for (const l of text.split('\n')) {
    const m = /^\s+([\d.]+)%\s+([\d.]+)%\s+\[([.kgu])\] (.+?)\s*$/.exec(l);
    if (m) out.push({ children: Number(m[1]), self: Number(m[2]), kind: m[3]!, symbol: m[4]! });
  }
  return out;
}

export interface PeriodRow {
  period: number;
  /** The `Pid:Command` column when the report sorted by pid. */
  tid?: number;
  kind: string;
  symbol: string;
}

/** `perf report -F period,[pid,]sym`: `      250000      693:cg-owner  [k] __schedule`. */
export function parsePeriodRows(text: string): PeriodRow[] {
  const out: PeriodRow[] = [];
  for (const l of text.split('\n')) {
    if (l.startsWith('#')) continue;
    const m = /^\s+(\d+)\s+(?:(\d+):\S+\s+)?\[([.kgu])\] (.+?)\s*$/.exec(l);
    if (m) out.push({ period: Number(m[1]), ...(m[2] ? { tid: Number(m[2]) } : {}), kind: m[3]!, symbol: m[4]! });
  }
  return out;
}

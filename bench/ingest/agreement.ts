/**
 * perf-heat's top lines against perf report's rows (`--sort srcline`, keyed by basename:line as perf prints them).
 */
import { basename } from 'node:path';

export interface HeatRow {
  file: string;
  line: number;
  percent: Record<string, number>;
}

/** `    4.06%  helpers.h:57` rows of `perf report --stdio --sort srcline`, in order. */
export function parseReport(text: string): { key: string; pct: number }[] {
  const rows: { key: string; pct: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s+(\d+\.\d+)%\s+(.+?)\s*$/.exec(line);
    if (m) rows.push({ key: m[2], pct: Number(m[1]) });
  }
  return rows;
}

export function compareTop20(
  heat: HeatRow[],
  reportText: string,
  agreePP: number,
  kernelRowsOk = false,
): { ok: boolean; maxDiff: number; details: string[]; table: string[]; notes: string[] } {
  const report = parseReport(reportText);
  const reportPct = new Map<string, number>();
  for (const r of report) reportPct.set(r.key, (reportPct.get(r.key) ?? 0) + r.pct);
  const details: string[] = [];
  const notes: string[] = [];
  const table: string[] = [];
  let maxDiff = 0;
  const heatKeys = new Map<string, number>();
  for (const [i, h] of heat.entries()) {
    const key = `${basename(h.file)}:${h.line}`;
    const pct = Object.values(h.percent)[0];
    heatKeys.set(key, pct);
    const theirs = reportPct.get(key);
    const misread = theirs === undefined ? includingFileRow(h, pct, report, heat, agreePP) : undefined;
    const diff = Math.abs(pct - (theirs ?? misread?.pct ?? 0));
    maxDiff = Math.max(maxDiff, diff);
    table.push(
      `  ${String(i + 1).padStart(2)}. ${key.padEnd(18)} perf-heat ${pct.toFixed(4).padStart(8)}%   perf report ${theirs === undefined ? '   absent' : theirs.toFixed(2).padStart(6) + '%'}`,
    );
    if (misread) {
      // The named perf error: binutils 2.40 (perf's addr2line) reads DWARF 5 file numbers one off, so lines of an
      // included .inc are named after the .c including them (src/server/flags.test.ts names the same lines).
      notes.push(
        `${key} is perf report's ${misread.key} (${misread.pct}%): binutils 2.40 misreads the DWARF 5 file number`,
      );
      table.push(`      ${''.padEnd(18)} (perf report names it ${misread.key})`);
      continue;
    }
    if (theirs === undefined) details.push(`${key} (${pct.toFixed(2)}%) is not in perf report's output`);
    else if (diff > agreePP) details.push(`${key}: perf-heat ${pct.toFixed(4)}% vs perf report ${theirs.toFixed(2)}%`);
  }
  // perf report's own top 20 must be there too, unless a row ties with perf-heat's 20th at the cut.
  const cut = Math.min(...heatKeys.values());
  const named = new Set(notes.map((n) => /is perf report's (\S+)/.exec(n)![1]));
  for (const r of report.slice(0, heat.length)) {
    if (heatKeys.has(r.key) || named.has(r.key)) continue;
    // perf report names kernel samples symbol+offset (no source line); perf-heat keeps them unattributed.
    if (!/:\d+$/.test(r.key)) {
      if (!kernelRowsOk) details.push(`perf report's ${r.key} (${r.pct}%) is not a source line`);
    } else if (r.pct > cut + agreePP)
      details.push(
        `perf report's ${r.key} (${r.pct}%) is missing from perf-heat's top ${heat.length} (its last is ${cut.toFixed(4)}%)`,
      );
  }
  if (heat.length < 20) details.push(`perf-heat printed ${heat.length} lines, not 20`);
  return {
    ok: details.length === 0,
    maxDiff,
    details: [...details, ...notes.map((n) => `(named perf error) ${n}`)],
    table,
    notes,
  };
}

/**
 * For a `.inc` line perf report lacks: perf's row for the same line number in a `.c` file, with the same share, that
 * no line of perf-heat's claims.
 */
function includingFileRow(
  h: HeatRow,
  pct: number,
  report: { key: string; pct: number }[],
  heat: HeatRow[],
  agreePP: number,
): { key: string; pct: number } | undefined {
  if (!h.file.endsWith('.inc')) return undefined;
  const ours = new Set(heat.map((x) => `${basename(x.file)}:${x.line}`));
  return report.find((r) => r.key.endsWith(`.c:${h.line}`) && !ours.has(r.key) && Math.abs(r.pct - pct) <= agreePP);
}

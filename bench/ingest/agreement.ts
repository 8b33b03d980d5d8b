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

export function compareTop20(heat: HeatRow[], reportText: string, agreePP: number, kernelRowsOk = false): { ok: boolean; maxDiff: number; details: string[]; table: string[] } {
  const report = parseReport(reportText);
  const reportPct = new Map<string, number>();
  for (const r of report) reportPct.set(r.key, (reportPct.get(r.key) ?? 0) + r.pct);
  const details: string[] = [];
  const table: string[] = [];
  let maxDiff = 0;
  const heatKeys = new Map<string, number>();
  for (const [i, h] of heat.entries()) {
    const key = `${basename(h.file)}:${h.line}`;
    const pct = Object.values(h.percent)[0];
    heatKeys.set(key, pct);
    const theirs = reportPct.get(key);
    const diff = Math.abs(pct - (theirs ?? 0));
    maxDiff = Math.max(maxDiff, diff);
    table.push(`  ${String(i + 1).padStart(2)}. ${key.padEnd(18)} perf-heat ${pct.toFixed(4).padStart(8)}%   perf report ${theirs === undefined ? '   absent' : theirs.toFixed(2).padStart(6) + '%'}`);
    if (theirs === undefined) details.push(`${key} (${pct.toFixed(2)}%) is not in perf report's output`);
    else if (diff > agreePP) details.push(`${key}: perf-heat ${pct.toFixed(4)}% vs perf report ${theirs.toFixed(2)}%`);
  }
  // perf report's own top 20 must be there too, unless a row ties with perf-heat's 20th at the cut.
  const cut = Math.min(...heatKeys.values());
  for (const r of report.slice(0, heat.length)) {
    if (heatKeys.has(r.key)) continue;
    // perf report names kernel samples symbol+offset (no source line); perf-heat keeps them unattributed.
    if (!/:\d+$/.test(r.key)) {
      if (!kernelRowsOk) details.push(`perf report's ${r.key} (${r.pct}%) is not a source line`);
    } else if (r.pct > cut + agreePP) details.push(`perf report's ${r.key} (${r.pct}%) is missing from perf-heat's top ${heat.length} (its last is ${cut.toFixed(4)}%)`);
  }
  if (heat.length < 20) details.push(`perf-heat printed ${heat.length} lines, not 20`);
  return { ok: details.length === 0, maxDiff, details, table };
}


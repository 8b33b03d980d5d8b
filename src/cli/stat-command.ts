/**
 * `perf-heat stat <file>… [--base N] [--json]`: perf stat runs side by side, each against the base run (the first
 * unless --base says otherwise), with the derived metrics recomputed from raw counts and the cycle-gap
 * decomposition of each run against the base.
 */
import { parseArgs } from 'node:util';
import { loadStatRuns } from '../engine/report-stat';
import type { StatRun } from '../model/stat-metrics';
import { compareRuns, visibleMetrics, type CycleGapResult, type StatComparison } from '../model/stat-metrics-compare';
import { cellText, cycleGapRows } from '../model/stat-metrics-format';
import { maxOf } from '../model/extremes';

export const STAT_USAGE = `  stat <file>…      compare perf stat runs (perf stat -x, / -j / plain output, with or without -r)
      --base N            the run the others are compared with, 1-based (default 1)
      --json              JSON: {base, runs: [{file, label, counters: {event: …}, metrics: {id: …}}],
                            comparison: {metrics: [{id, cells: [{value, ratio, changePct, delta}]}], cycleGaps}}`;

class StatUsageError extends Error {}

export async function statCommand(args: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let files: string[];
  let base: number;
  let json: boolean;
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { base: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    files = positionals;
    json = values.json;
    if (files.length === 0) throw new StatUsageError('stat takes one or more perf stat files');
    base = values.base === undefined ? 1 : Number(values.base);
    if (!Number.isInteger(base) || base < 1 || base > files.length)
      throw new StatUsageError(`--base takes a run number from 1 to ${files.length}, got "${values.base}"`);
  } catch (e) {
    err(`perf-heat: ${(e as Error).message}\n\nusage: perf-heat stat <file>… [--base N] [--json]\n${STAT_USAGE}`);
    return 2;
  }
  let runs: StatRun[];
  try {
    runs = await loadStatRuns(files);
  } catch (e) {
    err(`perf-heat: ${(e as Error).message}`);
    return 1;
  }
  const comparison = compareRuns(runs, base - 1);
  out(json ? JSON.stringify(statJson(runs, comparison), null, 2) : statTable(runs, comparison).join('\n'));
  return 0;
}

/** Every raw counter and every derived metric per run, and the comparison, unrounded. */
export function statJson(runs: readonly StatRun[], c: StatComparison): unknown {
  return {
    base: c.baseIndex,
    runs: runs.map((r) => ({
      file: r.file,
      label: r.label,
      format: r.format,
      repeat: r.repeat ?? null,
      counters: Object.fromEntries(r.counters.map(({ event, ...rest }) => [event, rest])),
      metrics: r.metrics,
      notes: r.notes,
    })),
    comparison: { metrics: c.metrics, cycleGaps: c.cycleGaps },
  };
}

/** The text table: metric rows; per run its value (±), and for the others the change and difference vs the base. */
export function statTable(runs: readonly StatRun[], c: StatComparison): string[] {
  const b = c.baseIndex;
  const header: string[] = ['Metric'];
  for (const [i, r] of runs.entries()) {
    header.push(i === b ? `${r.label} (base)` : r.label);
    if (i !== b) header.push(`vs ${runs[b].label}`, 'Δ');
  }
  const rows: string[][] = [header];
  for (const m of visibleMetrics(c)) {
    const row = [m.label];
    m.cells.forEach((cell, i) => {
      const t = cellText(m.unit, cell);
      row.push(t.variance ? `${t.value} ${t.variance}` : t.value);
      if (i !== b) row.push(t.change, t.delta);
    });
    rows.push(row);
  }
  const widths = header.map((_, k) => maxOf(rows, (r) => r[k].length));
  const lines = rows.map((r) =>
    r
      .map((s, k) => (k === 0 ? s.padEnd(widths[k]) : s.padStart(widths[k])))
      .join('  ')
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const missing = c.metrics.filter((m) => m.cells.every((x) => x.status === 'absent') && !m.id.startsWith('counter:'));
  const notes = [...c.notes];
  if (missing.length) notes.push(`not in any file: ${missing.map((m) => m.label).join(', ')}`);
  const time = c.metrics.find((m) => m.id === 'time')!;
  if (time.cells.every((x) => x.status === 'absent'))
    notes.push('perf stat -x and -j print no elapsed time: add -e duration_time for Time and CPUs utilized');
  lines.push('', ...notes.map((n) => `note: ${n}`));
  for (const g of c.cycleGaps) lines.push('', ...cycleGapText(runs, g));
  return lines.filter((l, i, a) => !(l === '' && (i === a.length - 1 || a[i + 1] === '')));
}

/** The §10 decomposition in words. */
export function cycleGapText(runs: readonly StatRun[], g: CycleGapResult): string[] {
  const [a, b] = [runs[g.run].label, runs[g.base].label];
  if ('unavailable' in g) return [`Cycle gap ${a} vs ${b}: not computable (${g.unavailable})`];
  const { title, rows } = cycleGapRows(
    g,
    runs.map((r) => r.label),
  );
  const w = [0, 1, 2].map((k) => maxOf(rows, (r) => r[k].length));
  return [
    title,
    ...rows.map((r) => `  ${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])} cycles  ${r[2].padStart(w[2])} of the gap`),
  ];
}

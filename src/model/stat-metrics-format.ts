/**
 * How perf stat numbers are written, in one place so the CLI table, the Markdown report and the webview agree:
 * counts the way the seed analysis writes them (189.7B, 744M, 72.4M), times in seconds (6.90s), rates in percent,
 * changes against the base as `+27.8%`, differences of rates in percentage points. Ratios and differences are
 * computed from unrounded values, so they may differ from what the rounded cells would give.
 */
import type { CounterStatus, MetricUnit } from './stat-metrics';
import type { ComparedCell, CycleGap } from './stat-metrics-compare';
import { formatCount, group } from './format';

export const STATUS_TEXT: Record<Exclude<CounterStatus, 'ok'>, string> = {
  unsupported: '<not supported>',
  'not-counted': '<not counted>',
  absent: 'n/a',
};

// Counts are written by the one formatter (format.ts); re-exported for the CLI and the report.
export { formatCount, group };

export function formatValue(unit: MetricUnit, v: number): string {
  switch (unit) {
    case 'seconds':
      return `${v.toFixed(Math.abs(v) >= 1 ? 2 : 3)}s`;
    case 'msec':
      return `${group(v.toFixed(2))} ms`;
    case 'count':
      return formatCount(v);
    case 'ratio':
      return v.toFixed(2);
    case 'percent':
      return `${v.toFixed(2)}%`;
    case 'cpus':
      return v.toFixed(3);
  }
}

/** A run's cell: the value, or `<not supported>` / `<not counted>` / `n/a`. */
export function formatCell(unit: MetricUnit, c: { value: number | null; status: CounterStatus }): string {
  return c.status === 'ok' && c.value !== null
    ? formatValue(unit, c.value)
    : STATUS_TEXT[c.status === 'ok' ? 'absent' : c.status];
}

/** `+27.8%`, `-25.0%`, `0.0%`. */
export function formatChange(pct: number, digits = 1): string {
  const r = Number(pct.toFixed(digits));
  if (r === 0) return `${(0).toFixed(digits)}%`;
  return `${r > 0 ? '+' : '-'}${Math.abs(r).toFixed(digits)}%`;
}

/** A difference in the metric's unit: `+63.6B`, `+1.50s`, `-5.41 pts` (rates), `-0.13` (IPC). */
export function formatDelta(unit: MetricUnit, d: number): string {
  const sign = d > 0 ? '+' : d < 0 ? '-' : '';
  const a = Math.abs(d);
  if (unit === 'percent') return `${sign}${a.toFixed(2)} pts`;
  const text = formatValue(unit, a);
  return /^0(\.0+)?(s| ms)?$/.test(text) ? text : sign + text;
}

export function formatVariance(pct: number | undefined): string {
  return pct === undefined ? '' : `±${pct.toFixed(2)}%`;
}

/** The texts of one compared cell, as every view shows them. */
export interface CellText {
  value: string;
  variance: string;
  change: string;
  delta: string;
}

export function cellText(unit: MetricUnit, c: ComparedCell): CellText {
  return {
    value: formatCell(unit, c),
    variance: formatVariance(c.variancePct),
    change: c.changePct !== undefined ? formatChange(c.changePct) : '',
    delta: c.delta !== undefined ? formatDelta(unit, c.delta) : '',
  };
}

/** The §10 decomposition as rows (what, cycles, share of the gap), for the CLI and the view. */
export function cycleGapRows(
  g: CycleGap,
  labels: readonly string[],
): { title: string; rows: [string, string, string][] } {
  const [a, b] = [labels[g.run], labels[g.base]];
  const sign = (n: number): string => (n > 0 ? '+' : '') + formatCount(n);
  const pct = (f: number | undefined): string => (f === undefined ? 'n/a' : `${(f * 100).toFixed(1)}%`);
  return {
    title: `Cycle gap ${a} vs ${b}: ${sign(g.actualGap)} cycles (${formatChange((g.cycles[0] / g.cycles[1] - 1) * 100)})`,
    rows: [
      [
        `extra instructions ${sign(g.extraInstructions)} at ${b}'s IPC ${g.ipc[1].toFixed(2)}`,
        sign(g.extraInstructionCycles),
        pct(g.instructionShare),
      ],
      [`IPC ${g.ipc[0].toFixed(2)} instead of ${g.ipc[1].toFixed(2)}`, sign(g.ipcPenaltyCycles), pct(g.ipcShare)],
      ['together', sign(g.explainedCycles), pct(g.actualGap !== 0 ? g.explainedCycles / g.actualGap : undefined)],
    ],
  };
}

/**
 * What the perf stat comparison webview shows, computed here (pure) and sent to it as one message: every metric row
 * with each run's texts formatted as in the CLI and the report, the numbers for the charts, the cycle-gap rows and
 * the notes. Rows no run has are left out (CSV has no elapsed time, for instance).
 */
import { METRICS, type CounterStatus, type MetricUnit, type StatRun } from './stat-metrics';
import { compareRuns, visibleMetrics } from './stat-metrics-compare';
import { cellText, cycleGapRows } from './stat-metrics-format';

export interface StatViewCell {
  status: CounterStatus;
  /** Formatted as everywhere else (CLI, report). */
  value: string;
  variance: string;
  change: string;
  delta: string;
  /** For the charts. */
  number: number | null;
  changePct: number | null;
  /** Why there is no value. */
  note?: string;
}

export interface StatViewRow {
  /** MetricId or `counter:<event>`. */
  id: string;
  label: string;
  unit: MetricUnit;
  better?: 'lower' | 'higher';
  how?: string;
  cells: StatViewCell[];
}

export interface StatViewModel {
  runs: { label: string; file: string }[];
  base: number;
  rows: StatViewRow[];
  gaps: { title: string; rows: [string, string, string][] }[];
  notes: string[];
}

export function viewModel(runs: readonly StatRun[], base: number): StatViewModel {
  const c = compareRuns(runs, base);
  const how = new Map(METRICS.map((m) => [m.id as string, m.how]));
  const labels = runs.map((r) => r.label);
  return {
    runs: runs.map((r) => ({ label: r.label, file: r.file })),
    base,
    rows: visibleMetrics(c).map((m) => ({
      id: m.id,
      label: m.label,
      unit: m.unit,
      ...(m.better ? { better: m.better } : {}),
      ...(how.has(m.id) ? { how: how.get(m.id) } : {}),
      cells: m.cells.map((cell) => ({
        status: cell.status,
        ...cellText(m.unit, cell),
        number: cell.value,
        changePct: cell.changePct ?? null,
        ...(cell.note ? { note: cell.note } : {}),
      })),
    })),
    gaps: c.cycleGaps.map((g) =>
      'unavailable' in g
        ? { title: `Cycle gap ${labels[g.run]} vs ${labels[g.base]}: not computable (${g.unavailable})`, rows: [] }
        : cycleGapRows(g, labels),
    ),
    notes: c.notes,
  };
}

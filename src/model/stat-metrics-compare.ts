/**
 * Several perf stat runs side by side against one of them (the base): per metric, each run's value, its ratio to
 * the base (`+27.8%` is the seed analysis's "Ratio (hz3/mi)", i.e. run ÷ base − 1) and its difference, plus the
 * cycle-gap decomposition of the seed's §10 between each run and the base.
 *
 * The decomposition splits the cycle gap C_a − C_b into
 *   extra instructions at the base's IPC:   (I_a − I_b) ÷ IPC_b
 *   the IPC penalty:                        I_a ÷ IPC_a − I_a ÷ IPC_b
 * With exact IPCs the two add up to the gap exactly (it is an identity). Hand analyses round the IPCs to two
 * decimals first (0.39 vs 0.52) and then find a residual ("60.6B explained, actual gap 63.6B"): `ipcDigits`
 * reproduces that arithmetic so the report can say the residual is rounding, not a third cause.
 */
import { METRICS, type CounterStatus, type MetricId, type MetricUnit, type StatRun } from './stat-metrics';

export interface ComparedCell {
  value: number | null;
  status: CounterStatus;
  variancePct?: number;
  note?: string;
  /** value ÷ base value; undefined for the base itself and where either has no value or the base is 0. */
  ratio?: number;
  /** (ratio − 1) × 100: the "+27.8%" column. */
  changePct?: number;
  /** value − base value, in the metric's unit (percentage points for rates). */
  delta?: number;
}

export interface ComparedMetric {
  /** A MetricId, or `counter:<event>` for an event no metric uses (page-faults, context-switches …). */
  id: MetricId | `counter:${string}`;
  label: string;
  unit: MetricUnit;
  better?: 'lower' | 'higher';
  /** One per run, in run order. */
  cells: ComparedCell[];
}

export interface CycleGap {
  run: number;
  base: number;
  cycles: [number, number];
  instructions: [number, number];
  /** As used in the arithmetic (rounded when ipcDigits was given). */
  ipc: [number, number];
  extraInstructions: number;
  /** Cycles the extra instructions cost at the base's IPC. */
  extraInstructionCycles: number;
  /** Cycles lost to the lower (or won by the higher) IPC. */
  ipcPenaltyCycles: number;
  /** extraInstructionCycles + ipcPenaltyCycles. */
  explainedCycles: number;
  /** C_a − C_b as measured. */
  actualGap: number;
  /** ipcPenaltyCycles ÷ actualGap (a fraction; the seed's "IPC degradation accounts for 73.6% of the gap"). */
  ipcShare: number | undefined;
  instructionShare: number | undefined;
}

export type CycleGapResult = CycleGap | { run: number; base: number; unavailable: string };

export interface StatComparison {
  baseIndex: number;
  runs: { file: string; label: string }[];
  metrics: ComparedMetric[];
  /** One per run other than the base. */
  cycleGaps: CycleGapResult[];
  /** Per run, prefixed by its label. */
  notes: string[];
}

export interface GapInput {
  cycles: number;
  instructions: number;
}

const roundTo = (x: number, digits: number | undefined): number =>
  digits === undefined ? x : Number(x.toFixed(digits));

export function decomposeCycleGap(
  a: GapInput,
  b: GapInput,
  options: { ipcDigits?: number } = {},
): Omit<CycleGap, 'run' | 'base'> {
  const ipcA = roundTo(a.instructions / a.cycles, options.ipcDigits);
  const ipcB = roundTo(b.instructions / b.cycles, options.ipcDigits);
  const extraInstructions = a.instructions - b.instructions;
  const extraInstructionCycles = extraInstructions / ipcB;
  const ipcPenaltyCycles = a.instructions / ipcA - a.instructions / ipcB;
  const actualGap = a.cycles - b.cycles;
  return {
    cycles: [a.cycles, b.cycles],
    instructions: [a.instructions, b.instructions],
    ipc: [ipcA, ipcB],
    extraInstructions,
    extraInstructionCycles,
    ipcPenaltyCycles,
    explainedCycles: extraInstructionCycles + ipcPenaltyCycles,
    actualGap,
    ipcShare: actualGap !== 0 ? ipcPenaltyCycles / actualGap : undefined,
    instructionShare: actualGap !== 0 ? extraInstructionCycles / actualGap : undefined,
  };
}

/** The decomposition between two runs, or why it cannot be made (an input unsupported or missing). */
export function cycleGap(
  runs: readonly StatRun[],
  run: number,
  base: number,
  options: { ipcDigits?: number } = {},
): CycleGapResult {
  for (const id of ['cycles', 'instructions'] as const) {
    for (const r of [run, base]) {
      const m = runs[r].metrics[id];
      if (m.status !== 'ok') return { run, base, unavailable: `${runs[r].label}: ${m.note ?? `${id} has no value`}` };
      if (m.value === 0) return { run, base, unavailable: `${runs[r].label}: ${id} is 0` };
    }
  }
  const input = (r: number): GapInput => ({
    cycles: runs[r].metrics.cycles.value!,
    instructions: runs[r].metrics.instructions.value!,
  });
  return { run, base, ...decomposeCycleGap(input(run), input(base), options) };
}

function cell(
  value: number | null,
  status: CounterStatus,
  variancePct: number | undefined,
  note: string | undefined,
  base: ComparedCell | undefined,
): ComparedCell {
  const c: ComparedCell = { value, status };
  if (variancePct !== undefined) c.variancePct = variancePct;
  if (note !== undefined) c.note = note;
  if (base && value !== null && base.value !== null) {
    c.delta = value - base.value;
    if (base.value !== 0) {
      c.ratio = value / base.value;
      c.changePct = (c.ratio - 1) * 100;
    }
  }
  return c;
}

/** Unit of an event no metric uses, from perf's unit column. */
function counterUnit(unit: string): MetricUnit {
  return unit === 'msec' ? 'msec' : 'count';
}

export function compareRuns(runs: readonly StatRun[], baseIndex = 0): StatComparison {
  if (runs.length === 0) throw new RangeError('compareRuns needs at least one run');
  if (!Number.isInteger(baseIndex) || baseIndex < 0 || baseIndex >= runs.length)
    throw new RangeError(`base ${baseIndex} is not one of the ${runs.length} runs`);
  const metrics: ComparedMetric[] = METRICS.map((def) => {
    const baseCell = cell(
      runs[baseIndex].metrics[def.id].value,
      runs[baseIndex].metrics[def.id].status,
      undefined,
      undefined,
      undefined,
    );
    const cells = runs.map((r, i) => {
      const m = r.metrics[def.id];
      return cell(m.value, m.status, m.variancePct, m.note, i === baseIndex ? undefined : baseCell);
    });
    return { id: def.id, label: def.label, unit: def.unit, ...(def.better ? { better: def.better } : {}), cells };
  });
  // Other events in first-seen order over the runs, so page-faults of every run share one row.
  const others: string[] = [];
  for (const r of runs) for (const e of r.otherCounters) if (!others.includes(e)) others.push(e);
  for (const event of others) {
    const raw = runs.map((r) => r.counters.find((c) => c.event === event));
    const baseRaw = raw[baseIndex];
    const baseCell = baseRaw ? cell(baseRaw.value, baseRaw.status, undefined, undefined, undefined) : undefined;
    const cells = raw.map((c, i) =>
      c
        ? cell(
            c.value,
            c.status,
            c.variancePct,
            c.status === 'ok'
              ? undefined
              : `${event} is <${c.status === 'unsupported' ? 'not supported' : 'not counted'}>`,
            i === baseIndex ? undefined : baseCell,
          )
        : { value: null, status: 'absent' as const, note: `${event} is not in the file` },
    );
    metrics.push({ id: `counter:${event}`, label: event, unit: counterUnit(raw.find((c) => c)!.unit), cells });
  }
  return {
    baseIndex,
    runs: runs.map((r) => ({ file: r.file, label: r.label })),
    metrics,
    cycleGaps: runs
      .map((_, i) => i)
      .filter((i) => i !== baseIndex)
      .map((i) => cycleGap(runs, i, baseIndex)),
    notes: runs.flatMap((r) => r.notes.map((n) => `${r.label}: ${n}`)),
  };
}

/** Rows worth showing: a metric some run has a value (or an explicit <not supported>) for. */
export function visibleMetrics(c: StatComparison): ComparedMetric[] {
  return c.metrics.filter((m) => m.cells.some((x) => x.status !== 'absent'));
}

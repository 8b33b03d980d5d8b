/**
 * What each line of a file shows in a heat mode, ready to draw: the colour step, the palette, the label. The
 * language server answers perfHeat/fileHeat with this (server/file-heat.ts); the extension only maps it to
 * decorations. Pure: Node tests cover it (heat-modes.test.ts).
 */
import { formatEventValue, formatPoints, formatRate, formatShare, type EventLike } from './format';
import { missDensity } from './events';
import { heatLevel } from './heat-scale';

/**
 * What the heat shows: one event's share, miss density (miss share ÷ cycle share), or the change against a
 * baseline profile (`event` indexes the comparison's common events) in share points or normalised counts.
 */
export type HeatMode =
  | { kind: 'event'; event: number }
  | { kind: 'density'; miss: number; cycles: number }
  | { kind: 'diff'; event: number; by: 'share' | 'normalized' }
  /** Each line's inclusive share: what it costs with the calls made from it (needs callchains, perf record -g). */
  | { kind: 'inclusive'; event: number };

/** Which palette a line is drawn with. */
export type HeatTone = 'heat' | 'density' | 'more' | 'less';

/** What event modes write after a line (the `perfHeat.heat.lineText` setting). */
export type LineText = 'share' | 'shareOfFunction' | 'count' | 'none';

/** Density counts a line on its scale only with at least this share of the cycles (percent). */
export const DENSITY_MIN_CYCLE_SHARE = 0.05;

/** One line's heat in a file (0-based line), per event of the profile. */
export interface FileLineHeat {
  line: number;
  counts: readonly number[];
  /** Percent of the profile's total. */
  shares: readonly number[];
  /** Percent of its function's total, when the profile knows the function. */
  functionShares?: readonly number[];
}

/** A function's total, placed on the line of its name (0-based). */
export interface FunctionTotal {
  name: string;
  line: number;
  counts: readonly number[];
  shares: readonly number[];
}

/** One line of a comparison with the baseline, per common event. */
export interface LineChange {
  line: number;
  base: readonly number[];
  other: readonly number[];
  /** Share points, other − base. */
  delta: readonly number[];
  /** other scaled to the baseline's total, minus base. */
  normalizedDelta: readonly number[];
  only?: 'base' | 'other';
}

/** What a file's heat is drawn from. */
export interface HeatSource {
  /** The profile's events with their units. */
  events: readonly EventLike[];
  lines: readonly FileLineHeat[];
  functions: readonly FunctionTotal[];
  /** The hottest line's share per event over the whole profile: one colour scale across files. */
  maxShares: readonly number[];
  /** With callchains: each line's inclusive cost (call sites included) and the largest inclusive share of the profile. */
  inclusive?: { lines: readonly FileLineHeat[]; maxShares: readonly number[] };
  /** While comparing: this file's changed lines, and the largest change per common event over the comparison. */
  diff?: {
    events: readonly EventLike[];
    lines: readonly LineChange[];
    maxAbsDelta: readonly number[];
    maxAbsNormalized: readonly number[];
  };
}

export interface DrawnLine {
  /** 0-based. */
  line: number;
  /** Colour step, 1 (faintest) to HEAT_LEVELS. */
  step: number;
  tone: HeatTone;
  /** The label after the line ('' for none). */
  text: string;
  /** The magnitude the step was taken from: a share, a density (×average), or a change. */
  value: number;
  /** Drawn, but not on the scale and never "the hottest" (a density line with too few cycles to count). */
  offScale?: boolean;
}

export interface DrawnFunction {
  /** 0-based line of the function's name. */
  line: number;
  name: string;
  /** The total written after the name: its share, or in density mode its own rate. */
  text: string;
}

export interface DrawnHeat {
  lines: DrawnLine[];
  /** Empty where the mode has no function totals (comparisons). */
  functions: DrawnFunction[];
  /** The value that gets the strongest colour. */
  scale: number;
  /** The line with the strongest colour (0-based): where "Go to Hottest Line" and a file's first open go. */
  hottest?: number;
}

/**
 * A file's heat in one mode. Event modes are scaled by the hottest line of the whole profile, so colours compare
 * across files; density by the densest line of the file, counting only lines with at least 0.05% of the cycles (a
 * single miss on a cold line would otherwise dominate the scale); comparisons by the largest change of the whole
 * comparison.
 */
export function drawHeat(src: HeatSource, mode: HeatMode, text: LineText = 'share'): DrawnHeat {
  const { lines, scale } =
    mode.kind === 'event'
      ? eventLines(src, mode.event, text)
      : mode.kind === 'density'
        ? densityLines(src, mode)
        : mode.kind === 'inclusive'
          ? inclusiveLines(src, mode.event)
          : diffLines(src, mode);
  // Built field by field (no object spread per line): a file has thousands of lines, and this runs per request.
  const drawn: DrawnLine[] = new Array<DrawnLine>(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const d: DrawnLine = { line: l.line, step: heatLevel(l.value, scale), tone: l.tone, text: l.text, value: l.value };
    if (l.offScale) d.offScale = true;
    drawn[i] = d;
  }
  const hottest = hottestOf(drawn);
  return { lines: drawn, functions: functionTotals(src, mode), scale, ...(hottest ? { hottest: hottest.line } : {}) };
}

type Unscaled = Omit<DrawnLine, 'step'>;

function eventLines(src: HeatSource, event: number, text: LineText): { lines: Unscaled[]; scale: number } {
  const e = Math.max(0, Math.min(event, src.events.length - 1));
  const label = (l: FileLineHeat): string => {
    if (text === 'count') return formatEventValue(l.counts[e], src.events[e]);
    if (text === 'shareOfFunction' && l.functionShares) return `${formatShare(l.functionShares[e])} of fn`;
    return text === 'none' ? '' : formatShare(l.shares[e]);
  };
  const lines = src.lines
    .filter((l) => l.counts[e] > 0)
    .map((l) => ({ line: l.line, value: l.shares[e], text: label(l), tone: 'heat' as const }));
  return { lines, scale: src.maxShares[e] ?? 0 };
}

/** Inclusive mode: the colour is the line's inclusive share, the label both values (`50.3% incl · 0.1% self`). */
function inclusiveLines(src: HeatSource, event: number): { lines: Unscaled[]; scale: number } {
  const inc = src.inclusive;
  if (!inc) return { lines: [], scale: 0 };
  const e = Math.max(0, Math.min(event, src.events.length - 1));
  const self = new Map<number, number>();
  for (const l of src.lines) self.set(l.line, l.shares[e] ?? 0);
  const lines = inc.lines
    .filter((l) => l.counts[e] > 0)
    .map((l) => ({
      line: l.line,
      value: l.shares[e],
      text: `${formatShare(l.shares[e])} incl · ${formatShare(self.get(l.line) ?? 0)} self`,
      tone: 'heat' as const,
    }));
  return { lines, scale: inc.maxShares[e] ?? 0 };
}

function densityLines(
  src: HeatSource,
  mode: Extract<HeatMode, { kind: 'density' }>,
): { lines: Unscaled[]; scale: number } {
  const lines: Unscaled[] = [];
  let scale = 0;
  let any = 0;
  for (const l of src.lines) {
    const d = missDensity(l.shares[mode.miss], l.shares[mode.cycles]);
    if (d === undefined || !(l.counts[mode.miss] > 0)) continue;
    // The density is the line's miss-per-cycle rate over the profile's average: the label writes the rate with
    // its real denominator (D1mr per Ir, not "misses/cycles"); the colour says how far above the average it is.
    const rate = formatRate(l.counts[mode.miss], l.counts[mode.cycles], src.events[mode.miss], src.events[mode.cycles]);
    const onScale = l.shares[mode.cycles] >= DENSITY_MIN_CYCLE_SHARE;
    lines.push({ line: l.line, value: d, text: rate, tone: 'density', ...(onScale ? {} : { offScale: true }) });
    if (onScale && d > scale) scale = d;
    if (d > any) any = d;
  }
  // Every line below the cycle floor: the densest of them sets the scale rather than none.
  return { lines, scale: scale || any };
}

function diffLines(src: HeatSource, mode: Extract<HeatMode, { kind: 'diff' }>): { lines: Unscaled[]; scale: number } {
  const d = src.diff;
  if (!d || d.events.length === 0) return { lines: [], scale: 0 };
  const e = Math.max(0, Math.min(mode.event, d.events.length - 1));
  const byShare = mode.by === 'share';
  const lines: Unscaled[] = [];
  for (const l of d.lines) {
    const v = byShare ? l.delta[e] : l.normalizedDelta[e];
    if (v === 0 || (l.base[e] === 0 && l.other[e] === 0)) continue;
    const magnitude = Math.abs(v);
    const amount = byShare
      ? formatPoints(v)
      : `${v > 0 ? '+' : '−'}${formatEventValue(magnitude, d.events[e])} (normalised)`;
    const note = l.only === 'other' ? ' · new in this build' : l.only === 'base' ? ' · baseline only' : '';
    lines.push({ line: l.line, value: magnitude, text: `${amount}${note}`, tone: v > 0 ? 'more' : 'less' });
  }
  return { lines, scale: (byShare ? d.maxAbsDelta[e] : d.maxAbsNormalized[e]) ?? 0 };
}

/**
 * Function totals after each function's name: its share of the mode's event, or in density mode its own rate,
 * with its real denominator. A comparison shows none (a function's change is in the hotspot panel).
 */
function functionTotals(src: HeatSource, mode: HeatMode): DrawnFunction[] {
  if (mode.kind === 'diff') return [];
  const e =
    mode.kind === 'event' || mode.kind === 'inclusive'
      ? Math.max(0, Math.min(mode.event, src.events.length - 1))
      : mode.cycles;
  const out: DrawnFunction[] = [];
  for (const f of src.functions) {
    if (!(f.counts[e] > 0)) continue;
    const text =
      mode.kind === 'density'
        ? formatRate(f.counts[mode.miss], f.counts[mode.cycles], src.events[mode.miss], src.events[mode.cycles])
        : formatShare(f.shares[e]);
    out.push({ line: f.line, name: f.name, text });
  }
  return out;
}

/** The line drawn with the strongest colour; a line off the scale only when every line is. */
export function hottestOf<L extends Pick<DrawnLine, 'value' | 'offScale'>>(lines: readonly L[]): L | undefined {
  let best: L | undefined;
  for (const l of lines) if (!l.offScale && (!best || l.value > best.value)) best = l;
  return best ?? lines[0];
}

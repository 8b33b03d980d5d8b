/**
 * What each line shows in a heat mode, as pure functions (no `vscode`), so Node tests cover them.
 */
import type { FileHeat } from '../protocol';
import { formatEventValue, formatPoints, formatRate, formatShare, type EventLike } from '../model/format';
import { missDensity } from '../model/events';
import { maxOf } from '../model/extremes';

/**
 * What the heat shows: one event's share, miss density (miss share ÷ cycle share), or the change against a
 * baseline profile (`event` indexes the comparison's common events) in share points or normalised counts.
 */
export type HeatMode =
  | { kind: 'event'; event: number }
  | { kind: 'density'; miss: number; cycles: number }
  | { kind: 'diff'; event: number; by: 'share' | 'normalized' };

/** Which palette a line is drawn with. */
export type Tone = 'heat' | 'density' | 'more' | 'less';

export interface ShownLine {
  line: number;
  /** Magnitude that picks the colour step. */
  value: number;
  text: string;
  tone: Tone;
  /** Not a candidate for "hottest line" (a density line with too few cycles to count on the scale). */
  offScale?: boolean;
}

/**
 * The value each line shows in a mode, and the value that gets the strongest colour. Event modes use the hottest
 * line of the whole profile, so colours compare across files; density uses the densest line of the file, counting
 * only lines with at least 0.05% of the cycles (a single miss on a cold line would otherwise dominate the scale).
 */
/** What event modes write after a line (the `perfHeat.heat.lineText` setting). */
export type LineText = 'share' | 'shareOfFunction' | 'count' | 'none';

export function lineValues(heat: FileHeat, mode: HeatMode, text: LineText = 'share', units?: readonly EventLike[]): { lines: ShownLine[]; max: number } {
  // The events with their units (from the profile's summary); without them a value is written as a bare count.
  const ev = (i: number): EventLike => units?.[i] ?? { name: heat.events[i] ?? '', unit: 'count' };
  if (mode.kind === 'event') {
    const e = Math.min(mode.event, heat.events.length - 1);
    const label = (l: FileHeat['lines'][number]): string => {
      if (text === 'count') return formatEventValue(l.counts[e], ev(e));
      if (text === 'shareOfFunction' && l.functionShares) return `${formatShare(l.functionShares[e])} of fn`;
      return text === 'none' ? '' : formatShare(l.shares[e]);
    };
    const lines = heat.lines.filter((l) => l.counts[e] > 0).map((l) => ({ line: l.line, value: l.shares[e], text: label(l), tone: 'heat' as const }));
    return { lines, max: heat.maxShares[e] };
  }
  if (mode.kind === 'diff') return diffValues(heat, mode, units);
  const lines: ShownLine[] = [];
  let max = 0;
  for (const l of heat.lines) {
    const d = missDensity(l.shares[mode.miss], l.shares[mode.cycles]);
    if (d === undefined || l.counts[mode.miss] <= 0) continue;
    // The density is the line's miss-per-cycle rate over the profile's average: the label writes the rate with
    // its real denominator (D1mr per Ir, not "misses/cycles"); the colour says how far above the average it is.
    const rate = formatRate(l.counts[mode.miss], l.counts[mode.cycles], ev(mode.miss), ev(mode.cycles));
    const onScale = l.shares[mode.cycles] >= 0.05;
    lines.push({ line: l.line, value: d, text: rate, tone: 'density', ...(onScale ? {} : { offScale: true }) });
    if (onScale) max = Math.max(max, d);
  }
  return { lines, max: max || maxOf(lines, (l) => l.value, 0) };
}

/** The line drawn with the strongest colour: the one "Go to Hottest Line" and the first open take the user to. */
export function hottestOf(lines: readonly ShownLine[]): ShownLine | undefined {
  let best: ShownLine | undefined;
  for (const l of lines) if (!l.offScale && (!best || l.value > best.value)) best = l;
  return best ?? lines[0];
}

/** One edit, in the shape of a VS Code content change, reduced to lines. */
export interface LineEdit {
  startLine: number;
  endLine: number;
  /** Newlines in the inserted text. */
  insertedLines: number;
}

/**
 * Moves heat with edits, so it stays on the code it belongs to: lines below an edit shift by the lines it added or
 * removed; lines an edit deleted lose their heat (the code is gone); the edit's first line keeps its own.
 * Edits are applied in the order given, as VS Code reports them.
 */
export function shiftHeat(heat: FileHeat, edits: readonly LineEdit[]): FileHeat {
  let lines = heat.lines;
  let functions = heat.functions;
  for (const e of edits) {
    const delta = e.insertedLines - (e.endLine - e.startLine);
    if (delta === 0 && e.startLine === e.endLine) continue;
    const move = (line: number): number | undefined => (line <= e.startLine ? line : line > e.endLine ? line + delta : undefined);
    lines = lines.flatMap((l) => {
      const to = move(l.line);
      return to === undefined ? [] : [{ ...l, line: to }];
    });
    functions = functions.flatMap((f) => {
      const to = move(f.line);
      return to === undefined ? [] : [{ ...f, line: to }];
    });
  }
  return { ...heat, lines, functions };
}

/**
 * Comparison with the baseline: more in one palette, less in the other, scaled by the largest change of the whole
 * comparison so colours compare across files. Lines run in one build only say so.
 */
function diffValues(heat: FileHeat, mode: Extract<HeatMode, { kind: 'diff' }>, units?: readonly EventLike[]): { lines: ShownLine[]; max: number } {
  const d = heat.diff;
  if (!d) return { lines: [], max: 0 };
  const e = Math.min(mode.event, d.events.length - 1);
  const byShare = mode.by === 'share';
  const unit: EventLike = units?.find((u) => u.name === d.events[e]) ?? { name: d.events[e], unit: 'count' };
  const lines: ShownLine[] = [];
  for (const l of d.lines) {
    const v = byShare ? l.delta[e] : l.normalizedDelta[e];
    if (v === 0 || (l.base[e] === 0 && l.other[e] === 0)) continue;
    const magnitude = Math.abs(v);
    const amount = byShare ? formatPoints(v) : `${v > 0 ? '+' : '−'}${formatEventValue(magnitude, unit)} (normalised)`;
    const note = l.only === 'other' ? ' · new in this build' : l.only === 'base' ? ' · baseline only' : '';
    lines.push({ line: l.line, value: magnitude, text: `${amount}${note}`, tone: v > 0 ? 'more' : 'less' });
  }
  return { lines, max: byShare ? d.maxAbsDelta[e] : d.maxAbsNormalized[e] };
}

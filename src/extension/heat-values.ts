/**
 * What each line shows in a heat mode, as pure functions (no `vscode`), so Node tests cover them.
 */
import type { FileHeat } from '../protocol';
import { formatShare } from '../model/heat-scale';
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
}

/**
 * The value each line shows in a mode, and the value that gets the strongest colour. Event modes use the hottest
 * line of the whole profile, so colours compare across files; density uses the densest line of the file, counting
 * only lines with at least 0.05% of the cycles (a single miss on a cold line would otherwise dominate the scale).
 */
/** What event modes write after a line (the `perfHeat.heat.lineText` setting). */
export type LineText = 'share' | 'shareOfFunction' | 'count' | 'none';

export function lineValues(heat: FileHeat, mode: HeatMode, text: LineText = 'share'): { lines: ShownLine[]; max: number } {
  if (mode.kind === 'event') {
    const e = Math.min(mode.event, heat.events.length - 1);
    const label = (l: FileHeat['lines'][number]): string => {
      if (text === 'count') return formatCount(l.counts[e]);
      if (text === 'shareOfFunction' && l.functionShares) return `${formatShare(l.functionShares[e])} of fn`;
      return text === 'none' ? '' : formatShare(l.shares[e]);
    };
    const lines = heat.lines.filter((l) => l.counts[e] > 0).map((l) => ({ line: l.line, value: l.shares[e], text: label(l), tone: 'heat' as const }));
    return { lines, max: heat.maxShares[e] };
  }
  if (mode.kind === 'diff') return diffValues(heat, mode);
  const lines: ShownLine[] = [];
  let max = 0;
  for (const l of heat.lines) {
    const d = missDensity(l.shares[mode.miss], l.shares[mode.cycles]);
    if (d === undefined || l.counts[mode.miss] <= 0) continue;
    lines.push({ line: l.line, value: d, text: `×${d >= 10 ? d.toFixed(0) : d.toFixed(2)} misses/cycles`, tone: 'density' });
    if (l.shares[mode.cycles] >= 0.05) max = Math.max(max, d);
  }
  return { lines, max: max || maxOf(lines, (l) => l.value, 0) };
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
function diffValues(heat: FileHeat, mode: Extract<HeatMode, { kind: 'diff' }>): { lines: ShownLine[]; max: number } {
  const d = heat.diff;
  if (!d) return { lines: [], max: 0 };
  const e = Math.min(mode.event, d.events.length - 1);
  const byShare = mode.by === 'share';
  const lines: ShownLine[] = [];
  for (const l of d.lines) {
    const v = byShare ? l.delta[e] : l.normalizedDelta[e];
    if (v === 0 || (l.base[e] === 0 && l.other[e] === 0)) continue;
    const sign = v > 0 ? '+' : '−';
    const magnitude = Math.abs(v);
    const points = magnitude >= 10 ? magnitude.toFixed(1) : magnitude >= 0.005 ? magnitude.toFixed(2) : '<0.01';
    const amount = byShare ? `${sign}${points} pts` : `${sign}${formatCount(magnitude)} norm.`;
    const note = l.only === 'other' ? ' · new in this build' : l.only === 'base' ? ' · baseline only' : '';
    lines.push({ line: l.line, value: magnitude, text: `${amount}${note}`, tone: v > 0 ? 'more' : 'less' });
  }
  return { lines, max: byShare ? d.maxAbsDelta[e] : d.maxAbsNormalized[e] };
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}K`;
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

/**
 * What each line shows in a heat mode, as pure functions (no `vscode`), so Node tests cover them.
 */
import type { FileHeat } from '../protocol';
import { formatShare } from '../model/heat-scale';
import { missDensity } from '../model/events';

/** What the heat shows: one event's share, or miss density (miss share ÷ cycle share). */
export type HeatMode = { kind: 'event'; event: number } | { kind: 'density'; miss: number; cycles: number };

interface ShownLine {
  line: number;
  value: number;
  text: string;
}

/**
 * The value each line shows in a mode, and the value that gets the strongest colour. Event modes use the hottest
 * line of the whole profile, so colours compare across files; density uses the densest line of the file, counting
 * only lines with at least 0.05% of the cycles (a single miss on a cold line would otherwise dominate the scale).
 */
export function lineValues(heat: FileHeat, mode: HeatMode): { lines: ShownLine[]; max: number } {
  if (mode.kind === 'event') {
    const e = Math.min(mode.event, heat.events.length - 1);
    const lines = heat.lines.filter((l) => l.counts[e] > 0).map((l) => ({ line: l.line, value: l.shares[e], text: formatShare(l.shares[e]) }));
    return { lines, max: heat.maxShares[e] };
  }
  const lines: ShownLine[] = [];
  let max = 0;
  for (const l of heat.lines) {
    const d = missDensity(l.shares[mode.miss], l.shares[mode.cycles]);
    if (d === undefined || l.counts[mode.miss] <= 0) continue;
    lines.push({ line: l.line, value: d, text: `×${d >= 10 ? d.toFixed(0) : d.toFixed(2)} misses/cycles` });
    if (l.shares[mode.cycles] >= 0.05) max = Math.max(max, d);
  }
  return { lines, max: max || Math.max(0, ...lines.map((l) => l.value)) };
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

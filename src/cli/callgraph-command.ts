/**
 * `perf-heat callers FUNCTION <profile>…` and `perf-heat callees FUNCTION <profile>…`: who calls a function and what
 * it calls, each with what went through that call (inclusive, once per sample), from the callchains of a
 * `perf record -g` recording. Also the inclusive columns of `perf-heat functions`.
 */
import { buildCallGraph, findFunctions, neighbours, type CallGraph } from '../model/call-graph';
import type { Profile } from '../model/profile';
import { formatEventNumber, formatShare } from '../model/format';

export const CALLGRAPH_USAGE = `  callers FUNCTION <profile>…  the functions that call FUNCTION, each with the cost of the samples that went
                    through that call (inclusive, counted once per sample), hottest first; needs perf record -g
      --event, --top, --binary-path, --remap, filters as for lines
      --no-inline         inlined functions are not functions of their own (as perf report --no-inline)
      --json              JSON: [{function, dso, counts: {event: n}, percent: {event: p}, sites: [{file, line, counts}]}]

  callees FUNCTION <profile>…  what FUNCTION calls, the same way (options as for callers)`;

export class NoCallchainsError extends Error {}

export function callGraphOf(profile: Profile, inline: boolean): CallGraph {
  if (!profile.callchains) {
    throw new NoCallchainsError(
      `${profile.source} has no callchains: record with \`perf record -g\` (and build with -fno-omit-frame-pointer) for callers, callees and inclusive cost`,
    );
  }
  return buildCallGraph(profile.callchains, profile.events.length, { inline });
}

export interface NeighbourRow {
  function: string;
  dso: string;
  counts: Record<string, number>;
  percent: Record<string, number>;
  sites: { file: string; line: number; counts: Record<string, number> }[];
}

export function neighbourRows(
  profile: Profile,
  name: string,
  direction: 'callers' | 'callees',
  event: number,
  top: number,
  inline: boolean,
): NeighbourRow[] {
  const g = callGraphOf(profile, inline);
  const matches = findFunctions(g, name);
  if (matches.length === 0) throw new NoCallchainsError(`no function "${name}" on any callchain of ${profile.source}`);
  const names = profile.events.map((e) => e.name);
  const byEvent = (v: readonly number[], digits: number) =>
    Object.fromEntries(names.map((n, e) => [n, round(v[e] ?? 0, digits)]));
  // A name in several binaries (a static function twice): their neighbours together, one row per neighbour.
  const merged = new Map<
    number,
    { index: number; counts: number[]; sites: Map<string, { file: string; line: number; counts: number[] }> }
  >();
  for (const fn of matches) {
    for (const n of neighbours(g, fn, direction, event)) {
      let m = merged.get(n.index);
      if (!m) merged.set(n.index, (m = { index: n.index, counts: names.map(() => 0), sites: new Map() }));
      n.edge.counts.forEach((c, e) => (m!.counts[e] += c));
      for (const s of n.edge.sites) {
        const key = `${s.file}\0${s.line}`;
        let ms = m.sites.get(key);
        if (!ms) m.sites.set(key, (ms = { file: s.file, line: s.line, counts: names.map(() => 0) }));
        s.counts.forEach((c, e) => (ms!.counts[e] += c));
      }
    }
  }
  const rows = [...merged.values()].sort(
    (a, b) =>
      b.counts[event]! - a.counts[event]! || g.functions[a.index]!.name.localeCompare(g.functions[b.index]!.name),
  );
  return (top > 0 ? rows.slice(0, top) : rows).map((r) => ({
    function: g.functions[r.index]!.name,
    dso: g.functions[r.index]!.dso,
    counts: byEvent(r.counts, 3),
    percent: byEvent(
      r.counts.map((c, e) => (profile.totals[e]! > 0 ? (100 * c) / profile.totals[e]! : 0)),
      4,
    ),
    sites: [...r.sites.values()]
      .sort((a, b) => b.counts[event]! - a.counts[event]! || a.line - b.line)
      .map((s) => ({ file: s.file, line: s.line, counts: byEvent(s.counts, 3) })),
  }));
}

/** Inclusive counts per (dso, function) at the ELF-symbol level: the functions list's rows, as perf --children. */
export function inclusiveByFunction(profile: Profile): Map<string, number[]> | undefined {
  if (!profile.callchains) return undefined;
  const g = buildCallGraph(profile.callchains, profile.events.length, { inline: false });
  return new Map(g.functions.map((f) => [`${f.dso}\0${f.name}`, f.inclusive]));
}

export function printNeighbours(
  rows: NeighbourRow[],
  profile: Profile,
  direction: 'callers' | 'callees',
  name: string,
  out: (s: string) => void,
): void {
  out(`${direction === 'callers' ? 'callers of' : 'callees of'} ${name} (cost through each call, inclusive)`);
  for (const r of rows) {
    const cols = profile.events.map(
      (ev) =>
        `${formatEventNumber(r.counts[ev.name]!, ev).padStart(14)} ${formatShare(r.percent[ev.name]!).padStart(7)}`,
    );
    const site = r.sites[0]
      ? `  at ${r.sites[0].file}:${r.sites[0].line}${r.sites.length > 1 ? ` (+${r.sites.length - 1} more)` : ''}`
      : '';
    out(`${cols.join(' ')}  ${r.function} (${r.dso})${site}`);
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

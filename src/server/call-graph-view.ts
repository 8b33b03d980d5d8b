/**
 * The active profile's call graph as the server's features use it: the graph (inline frames as functions), its
 * functions' and call sites' places in the workspace, and inclusive cost per workspace line. Made once per loaded
 * profile (memoised on the Profile object), pure: no connection, no state of its own.
 */
import { pathToFileURL } from 'node:url';
import { buildCallGraph, type CallGraph, type CallGraphFunction, type CallSite } from '../model/call-graph';
import type { PathMapper } from '../model/path-map';
import type { Profile } from '../model/profile';
import type { HeatMap } from '../model/heat-map';
import type { CallGraphFunctionInfo, CallGraphNeighbour, HotspotLine } from '../protocol';
import { neighbours } from '../model/call-graph';
import { formatShare } from '../model/format';

export interface CallGraphView {
  graph: CallGraph;
  /** Workspace path → 1-based line → inclusive counts. */
  inclusiveByFile: Map<string, Map<number, number[]>>;
  /** Workspace path → 1-based line → the calls made there (callee index, what went through the call). */
  callsByFile: Map<string, Map<number, { callee: number; counts: number[] }[]>>;
  place(file: string, line: number, counts: number[]): HotspotLine;
  info(fn: number): CallGraphFunctionInfo;
  neighbours(fn: number, direction: 'callers' | 'callees', event: number, limit: number): CallGraphNeighbour[];
}

const views = new WeakMap<Profile, CallGraphView>();

export function callGraphView(heatMap: HeatMap | undefined, mapper: PathMapper | undefined): CallGraphView | undefined {
  const profile = heatMap?.profile;
  if (!profile?.callchains || !mapper || !heatMap) return undefined;
  let v = views.get(profile);
  if (!v) views.set(profile, (v = makeView(profile, heatMap, mapper)));
  return v;
}

function makeView(profile: Profile, heatMap: HeatMap, mapper: PathMapper): CallGraphView {
  const graph = buildCallGraph(profile.callchains!, profile.events.length, { inline: true });
  const shares = (counts: readonly number[]): number[] => counts.map((c, e) => heatMap.share(c, e));
  const inclusiveByFile = new Map<string, Map<number, number[]>>();
  for (const l of graph.lines) {
    const r = mapper.resolve(l.file);
    if (r.kind !== 'mapped') continue;
    let m = inclusiveByFile.get(r.path);
    if (!m) inclusiveByFile.set(r.path, (m = new Map()));
    const prev = m.get(l.line);
    m.set(l.line, prev ? prev.map((c, e) => c + (l.counts[e] ?? 0)) : l.counts.slice());
  }
  const callsByFile = new Map<string, Map<number, { callee: number; counts: number[] }[]>>();
  for (const e of graph.edges) {
    for (const site of e.sites) {
      const r = mapper.resolve(site.file);
      if (r.kind !== 'mapped') continue;
      let m = callsByFile.get(r.path);
      if (!m) callsByFile.set(r.path, (m = new Map()));
      const list = m.get(site.line);
      if (list) list.push({ callee: e.callee, counts: site.counts });
      else m.set(site.line, [{ callee: e.callee, counts: site.counts }]);
    }
  }
  const place = (file: string, line: number, counts: number[]): HotspotLine => {
    const r = mapper.resolve(file);
    const path = r.kind === 'mapped' ? r.path : file;
    return {
      ...(r.kind === 'mapped' ? { uri: pathToFileURL(r.path).toString() } : {}),
      path,
      line: line - 1,
      counts,
      shares: shares(counts),
    };
  };
  const info = (fn: number): CallGraphFunctionInfo => {
    const f: CallGraphFunction = graph.functions[fn]!;
    return {
      name: f.name,
      dso: f.dso,
      self: f.self,
      inclusive: f.inclusive,
      selfShares: shares(f.self),
      inclusiveShares: shares(f.inclusive),
      inlineOnly: f.inlineOnly,
      ...(f.location ? { location: place(f.location.file, f.location.line, f.inclusive) } : {}),
    };
  };
  return {
    graph,
    inclusiveByFile,
    callsByFile,
    place,
    info,
    neighbours: (fn, direction, event, limit) =>
      neighbours(graph, fn, direction, event)
        .slice(0, limit)
        .map((n) => ({
          function: info(n.index),
          counts: n.edge.counts,
          shares: shares(n.edge.counts),
          sites: n.edge.sites.map((s: CallSite) => place(s.file, s.line, s.counts)),
        })),
  };
}

/** Hover lines for a workspace line: its inclusive cost and the calls made from it, hottest first (Markdown). */
export function inclusiveHover(
  view: CallGraphView,
  heatMap: HeatMap,
  path: string,
  line: number,
  esc: (s: string) => string,
): string[] {
  const inclusive = view.inclusiveByFile.get(path)?.get(line);
  if (!inclusive) return [];
  const events = heatMap.profile.events;
  const out = [
    '',
    `**Inclusive** (this line and the calls made from it): ${events.map((e, i) => `${formatShare(heatMap.share(inclusive[i] ?? 0, i))} of ${esc(e.name)}`).join(', ')}`,
  ];
  const calls = (view.callsByFile.get(path)?.get(line) ?? [])
    .slice()
    .sort((a, b) => (b.counts[0] ?? 0) - (a.counts[0] ?? 0))
    .slice(0, 5);
  for (const c of calls)
    out.push(
      `- calls \`${esc(view.graph.functions[c.callee]!.name).replace(/`/g, "'")}\` here: ${formatShare(heatMap.share(c.counts[0] ?? 0, 0))}`,
    );
  return out;
}

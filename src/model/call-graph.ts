/**
 * Who calls what, and what it costs inclusive: the call graph of a profile whose samples carried callchains
 * (`perf record -g`), as `perf report --children` counts it.
 *
 * A profile keeps its callchains symbolized but not yet a graph (`ProfileCallchains`: each distinct chain once, with
 * its counts); `buildCallGraph` turns them into functions, edges and per-line inclusive cost in one pass over the
 * distinct chains. Memory is the distinct chains, functions, (caller, callee) edges and call sites, never samples.
 *
 * Counting, as perf's children:
 * - a function's *inclusive* cost is that of every sample with the function anywhere on its chain, counted once per
 *   sample however often it recurses; its *self* cost is that of the samples in its own code (the ELF symbol of the
 *   sampled address, as `perf report` and the function list count it);
 * - an edge (caller → callee) costs what the samples that went through that call cost, once per sample;
 * - a line's inclusive cost is that of every sample that was executing it or was inside a call made from it: the
 *   call-site line carries what its callees cost (perf's children for srcline).
 *
 * Inline frames: with `inline` (the default) a function inlined into another is a function of its own, between its
 * caller and what it calls, its call site being the line in the caller it was inlined at. With `inline: false` only
 * ELF symbols are functions (`perf report --no-inline`, and what `perf report --children --sort sym` shows).
 */
import {
  addCounts,
  functionKeyName,
  sourceFunctionName,
  type InlineFrame,
  type LineHeat,
  type SourceLocation,
} from './profile';

/** One distinct frame of the profile's callchains: an address, symbolized. */
export interface CallchainFrame {
  dso: string;
  /** The ELF symbol (perf's), or a name perf would print for code without one. */
  symbol: string;
  /** Innermost first; empty when no line is known. For a caller's frame, the call instruction's (ip − 1). */
  inlineChain: InlineFrame[];
}

export interface ProfileCallchains {
  frames: CallchainFrame[];
  /** Each distinct chain once: frame indexes leaf first, counts per event in the profile's units. */
  chains: { frames: number[]; counts: number[] }[];
}

export interface CallGraphFunction {
  name: string;
  dso: string;
  self: number[];
  inclusive: number[];
  /** Only ever seen as an inline frame (no ELF symbol of its own was sampled). */
  inlineOnly: boolean;
  /** A line of the function's own code to go to: its lowest sampled line in the file it has most samples in. */
  location?: SourceLocation;
}

export interface CallSite extends SourceLocation {
  counts: number[];
}

export interface CallEdge {
  /** Indexes into CallGraph.functions. */
  caller: number;
  callee: number;
  counts: number[];
  /** Where in the caller the call is, each with what went through it; hottest first by the first event. */
  sites: CallSite[];
}

export interface CallGraph {
  inline: boolean;
  functions: CallGraphFunction[];
  edges: CallEdge[];
  /** Inclusive cost per source line (recorded paths), once per sample: see the file comment. */
  lines: LineHeat[];
}

interface Expanded {
  node: number;
  loc?: InlineFrame;
}

interface NodeAcc extends CallGraphFunction {
  stamp: number;
  files: Map<string, { weight: number; line: number }>;
}

interface EdgeAcc extends CallEdge {
  stamp: number;
  siteOf: Map<string, CallSite & { stamp: number }>;
}

const cache = new WeakMap<ProfileCallchains, Map<boolean, CallGraph>>();

/** The call graph of a profile's callchains; memoised per callchains object and inline mode. */
export function buildCallGraph(chains: ProfileCallchains, nEvents: number, opts: { inline?: boolean } = {}): CallGraph {
  const inline = opts.inline ?? true;
  let byMode = cache.get(chains);
  if (!byMode) cache.set(chains, (byMode = new Map()));
  let g = byMode.get(inline);
  if (!g) byMode.set(inline, (g = computeCallGraph(chains, nEvents, inline)));
  return g;
}

function computeCallGraph(chains: ProfileCallchains, nEvents: number, inline: boolean): CallGraph {
  const zeros = (): number[] => new Array<number>(nEvents).fill(0);
  const nodes: NodeAcc[] = [];
  const nodeOf = new Map<string, number>();
  const edges: EdgeAcc[] = [];
  const edgeOf = new Map<number, Map<number, number>>();
  const lineOf = new Map<string, LineHeat & { stamp: number }>();
  const lines: (LineHeat & { stamp: number })[] = [];

  const node = (dso: string, name: string, inlineFrame: boolean): number => {
    const key = `${dso}\0${name}`;
    let id = nodeOf.get(key);
    if (id === undefined) {
      id = nodes.length;
      nodeOf.set(key, id);
      nodes.push({
        name,
        dso,
        self: zeros(),
        inclusive: zeros(),
        inlineOnly: inlineFrame,
        stamp: -1,
        files: new Map(),
      });
    } else if (!inlineFrame) nodes[id]!.inlineOnly = false;
    return id;
  };

  // Each frame's expansion (outermost function first), computed once per distinct frame.
  const expansions: Expanded[][] = chains.frames.map((f) => {
    const outer = node(f.dso, functionKeyName(f.dso, f.symbol), false);
    const chain = f.inlineChain;
    if (!inline || chain.length <= 1) return [{ node: outer, loc: chain[0] }];
    const out: Expanded[] = [{ node: outer, loc: chain[chain.length - 1] }];
    for (let i = chain.length - 2; i >= 0; i--) {
      const fr = chain[i]!;
      out.push({ node: node(f.dso, fr.function || '[inlined]', true), loc: fr });
    }
    return out;
  });
  // Every location of every frame (the whole inline chain, in either mode), for line inclusive cost.
  const frameLines: InlineFrame[][] = chains.frames.map((f) => f.inlineChain);

  for (let c = 0; c < chains.chains.length; c++) {
    const { frames, counts } = chains.chains[c]!;
    if (frames.length === 0) continue;
    const leaf = expansions[frames[0]!]!;
    addCounts(nodes[leaf[0]!.node]!.self, counts);
    // Root first: the caller of each expanded frame is the one before it.
    let prev: Expanded | undefined;
    for (let i = frames.length - 1; i >= 0; i--) {
      const fid = frames[i]!;
      for (const x of expansions[fid]!) {
        const n = nodes[x.node]!;
        if (n.stamp !== c) {
          n.stamp = c;
          addCounts(n.inclusive, counts);
        }
        if (x.loc) {
          const w = counts[0] ?? 0;
          const f = n.files.get(x.loc.file);
          if (!f) n.files.set(x.loc.file, { weight: w, line: x.loc.line });
          else {
            f.weight += w;
            if (x.loc.line < f.line) f.line = x.loc.line;
          }
        }
        if (prev) edge(prev, x.node, c, counts);
        prev = x;
      }
      for (const l of frameLines[fid]!) {
        const key = `${l.file}\0${l.line}`;
        let lh = lineOf.get(key);
        if (!lh) {
          lineOf.set(key, (lh = { file: l.file, line: l.line, counts: zeros(), stamp: -1 }));
          lines.push(lh);
        }
        if (lh.stamp !== c) {
          lh.stamp = c;
          addCounts(lh.counts, counts);
        }
      }
    }
  }

  function edge(from: Expanded, callee: number, c: number, counts: number[]): void {
    let m = edgeOf.get(from.node);
    if (!m) edgeOf.set(from.node, (m = new Map()));
    let id = m.get(callee);
    if (id === undefined) {
      id = edges.length;
      m.set(callee, id);
      edges.push({ caller: from.node, callee, counts: zeros(), sites: [], stamp: -1, siteOf: new Map() });
    }
    const e = edges[id]!;
    if (e.stamp !== c) {
      e.stamp = c;
      addCounts(e.counts, counts);
    }
    if (!from.loc) return;
    const key = `${from.loc.file}\0${from.loc.line}`;
    let s = e.siteOf.get(key);
    if (!s) e.siteOf.set(key, (s = { file: from.loc.file, line: from.loc.line, counts: zeros(), stamp: -1 }));
    if (s.stamp !== c) {
      s.stamp = c;
      addCounts(s.counts, counts);
    }
  }

  return {
    inline,
    functions: nodes.map(({ name, dso, self, inclusive, inlineOnly, files }) => {
      let best: { file: string; weight: number; line: number } | undefined;
      for (const [file, f] of files) if (!best || f.weight > best.weight) best = { file, ...f };
      return {
        name,
        dso,
        self,
        inclusive,
        inlineOnly,
        ...(best ? { location: { file: best.file, line: best.line } } : {}),
      };
    }),
    edges: edges.map(({ caller, callee, counts, siteOf }) => ({
      caller,
      callee,
      counts,
      sites: [...siteOf.values()]
        .map(({ file, line, counts: sc }) => ({ file, line, counts: sc }))
        .sort((a, b) => (b.counts[0] ?? 0) - (a.counts[0] ?? 0) || a.line - b.line),
    })),
    lines: lines.map(({ file, line, counts }) => ({ file, line, counts })),
  };
}

export interface CallNeighbour {
  function: CallGraphFunction;
  index: number;
  edge: CallEdge;
}

/** Callers (or callees) of a function, hottest first by `event`. */
export function neighbours(g: CallGraph, fn: number, direction: 'callers' | 'callees', event = 0): CallNeighbour[] {
  const out: CallNeighbour[] = [];
  for (const e of g.edges) {
    if (direction === 'callers' ? e.callee !== fn : e.caller !== fn) continue;
    const index = direction === 'callers' ? e.caller : e.callee;
    out.push({ function: g.functions[index]!, index, edge: e });
  }
  return out.sort(
    (a, b) =>
      (b.edge.counts[event] ?? 0) - (a.edge.counts[event] ?? 0) || a.function.name.localeCompare(b.function.name),
  );
}

/**
 * Functions named `name` as perf names them (`pop.part.0`, `cfree@GLIBC_2.2.5`); when none is, those whose source
 * function it is (`pop` finds `pop.part.0`). `dso` narrows by binary path or its base name.
 */
export function findFunctions(g: CallGraph, name: string, dso?: string): number[] {
  const exact = matching(g, dso, (f) => f === name);
  return exact.length ? exact : matching(g, dso, (f) => sourceFunctionName(f) === name);
}

function matching(g: CallGraph, dso: string | undefined, test: (name: string) => boolean): number[] {
  const out: number[] = [];
  g.functions.forEach((f, i) => {
    if (!test(f.name)) return;
    if (dso && f.dso !== dso && !f.dso.endsWith(`/${dso}`)) return;
    out.push(i);
  });
  return out;
}

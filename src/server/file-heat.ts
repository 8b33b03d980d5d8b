/**
 * perfHeat/fileHeat: one workspace file's heat in one heat mode, ready to draw — each line's colour step, palette
 * and label, the function totals on their name lines, the mode's scale and its hottest line (model/heat-modes.ts).
 * What a file's heat is drawn from (its lines, function placement) is worked out once per file, document version
 * and profile; each mode is then a pass over it.
 */
import { fileURLToPath } from 'node:url';
import { FileHeatRequest, type FileHeat } from '../protocol';
import type { HeatedFunction, HeatedLine, HeatMap } from '../model/heat-map';
import { drawHeat, type FunctionTotal, type HeatSource } from '../model/heat-modes';
import type { EventLike } from '../model/format';
import type { FunctionSpan } from '../engine/c-syntax';
import type { ProfileService } from './profile-service';
import type { ServerContext } from './context';
import { onRequest } from './rpc';
import { callGraphView, type CallGraphView } from './call-graph-view';
import { maxOf } from '../model/extremes';
import { readFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { sourceFunctionName } from '../model/profile';

/** A file's heat before any mode is applied. */
interface FileSource {
  source: Omit<HeatSource, 'diff'>;
  /** The same lines with their share of their function, worked out when a mode first asks for it. */
  withFunctionShares: () => Omit<HeatSource, 'diff'>;
  stale: boolean;
  lineCount: number;
}

/** Files kept per profile: the visible editors and a few recent ones. */
const FILES_PER_PROFILE = 64;

export function register({ connection, documents, profiles, syntax }: ServerContext): void {
  // Per heat map (one per load), the files asked for, keyed by URI and document version: dropped with the map.
  const sources = new WeakMap<HeatMap, Map<string, Promise<FileSource | null>>>();
  onRequest(connection, FileHeatRequest, async ({ uri, mode, lineText }): Promise<FileHeat | null> => {
    const heatMap = profiles.heatMap;
    const summary = profiles.summary;
    if (!heatMap || !summary || !uri.startsWith('file:')) return null;
    const path = fileURLToPath(uri);
    const diff = profiles.diff;
    const view = mode.kind === 'inclusive' ? callGraphView(heatMap, profiles.mapper) : undefined;
    if (!heatMap.has(path) && !diff?.byFile.has(path) && !view?.inclusiveByFile.has(path)) return null;
    const doc = documents.get(uri);
    let perMap = sources.get(heatMap);
    if (!perMap) sources.set(heatMap, (perMap = new Map()));
    const key = `${uri}@${doc?.version ?? 'disk'}`;
    let pending = perMap.get(key);
    if (!pending) {
      if (perMap.size >= FILES_PER_PROFILE) perMap.delete(perMap.keys().next().value!);
      pending = fileSource(profiles, heatMap, path, doc?.getText(), doc ? `${uri}@${doc.version}` : undefined, syntax);
      perMap.set(key, pending);
    }
    const base = await pending;
    if (!base || profiles.heatMap !== heatMap) return null;
    const events: EventLike[] = summary.events;
    const unit = (name: string): EventLike => events.find((e) => e.name === name) ?? { name, unit: 'count' };
    const d = diff && {
      events: diff.diff.events.map(unit),
      lines: (diff.byFile.get(path) ?? [])
        .filter((l) => l.line <= base.lineCount)
        .map((l) => ({ ...l, line: l.line - 1 })),
      maxAbsDelta: diff.diff.maxAbsDelta,
      maxAbsNormalized: diff.diff.maxAbsNormalized,
    };
    const source = lineText === 'shareOfFunction' && mode.kind === 'event' ? base.withFunctionShares() : base.source;
    const inclusive = view && inclusiveSource(view, heatMap, path, base.lineCount);
    const drawn = drawHeat(
      { ...source, ...(d ? { diff: d } : {}), ...(inclusive ? { inclusive } : {}) },
      mode,
      lineText,
    );
    return {
      uri,
      profileId: summary.id,
      stale: base.stale,
      mode,
      events: events.map((e) => e.name),
      ...drawn,
      ...(diff ? { baseline: diff.baseline.source } : {}),
    };
  });
}

async function fileSource(
  profiles: ProfileService,
  heatMap: HeatMap,
  path: string,
  unsaved: string | undefined,
  version: string | undefined,
  syntax: ServerContext['syntax'],
): Promise<FileSource | null> {
  const summary = profiles.summary;
  if (!summary) return null;
  const text = unsaved ?? (await readFile(path, 'utf8').catch(() => ''));
  const lineCount = text.split('\n').length;
  const lines = heatMap.linesOf(path).filter((l) => l.line <= lineCount);
  const spans = (await syntax)?.functionSpans(text, version) ?? [];
  // Only "share of function" labels need the index: built then, not on the way to every file's first heat.
  const index = profiles.lazyIndex;
  const source: FileSource['source'] = {
    events: summary.events,
    lines: lines.map((l) => ({ line: l.line - 1, counts: l.counts, shares: l.shares })),
    functions: placeFunctions(heatMap.functionsOf(path), spans, text) ?? functionTotals(spans, lines, lineCount),
    maxShares: heatMap.maxShares,
  };
  let withFunctionShares: FileSource['source'] | undefined;
  return {
    source,
    withFunctionShares: () =>
      (withFunctionShares ??= {
        ...source,
        lines: lines.map((l) => ({
          line: l.line - 1,
          counts: l.counts,
          shares: l.shares,
          functionShares: index?.().functionShares(path, l.line, l.counts),
        })),
      }),
    stale: newerThanBinaries(
      path,
      summary.binaries.map((b) => b.foundAt).filter((b): b is string => !!b && profiles.inWorkspace(b)),
    ),
    lineCount,
  };
}

/** A file's inclusive cost per line (0-based), with the profile's largest inclusive share per event. */
function inclusiveSource(
  view: CallGraphView,
  heatMap: HeatMap,
  path: string,
  lineCount: number,
): HeatSource['inclusive'] {
  const byLine = view.inclusiveByFile.get(path);
  return {
    lines: [...(byLine ?? [])]
      .filter(([line]) => line <= lineCount)
      .map(([line, counts]) => ({ line: line - 1, counts, shares: counts.map((c, e) => heatMap.share(c, e)) })),
    maxShares: maxInclusiveShares(view, heatMap),
  };
}

const maxInclusive = new WeakMap<CallGraphView, number[]>();
function maxInclusiveShares(view: CallGraphView, heatMap: HeatMap): number[] {
  let m = maxInclusive.get(view);
  if (!m) {
    const all = [...view.inclusiveByFile.values()].flatMap((byLine) => [...byLine.values()]);
    m = heatMap.profile.events.map((_, e) => maxOf(all, (c) => heatMap.share(c[e] ?? 0, e), 0));
    maxInclusive.set(view, m);
  }
  return m;
}

const STALE_SLACK_MS = 10_000;

/**
 * A source edited after the workspace's binaries were built: its line numbers may no longer match the profile.
 * Only binaries inside the workspace count: a system library or another checkout says nothing about this file.
 */
function newerThanBinaries(source: string, binaries: string[]): boolean {
  if (binaries.length === 0) return false;
  try {
    const src = statSync(source).mtimeMs;
    // A fresh checkout writes sources and committed binaries seconds apart in any order: only a clear gap counts.
    return binaries.every((b) => statSync(b).mtimeMs + STALE_SLACK_MS < src);
  } catch {
    return false;
  }
}

/**
 * Functions named by the debug info, placed on their header line: tree-sitter's span of that name when it has one
 * (its header line holds even in an error-recovered tree), else the first line that reads like a definition of it.
 * tree-sitter loses hz3's hottest function entirely (hz3-patterns.md), which is the one that matters most.
 * Undefined when the profile names no functions, so the caller sums spans instead.
 */
export function placeFunctions(
  named: HeatedFunction[],
  spans: FunctionSpan[],
  text: string,
): FunctionTotal[] | undefined {
  if (named.length === 0) return undefined;
  const lines = text.split('\n');
  const out: FunctionTotal[] = [];
  for (const f of named) {
    // The source function's name (`scan` for a frame a symbol table named `scan.part.0`) is the one in the text.
    const base = sourceFunctionName(f.name);
    const span = spans.find((s) => s.name === base);
    const line = span ? span.line - 1 : definitionLine(lines, base);
    if (line !== undefined) out.push({ name: f.name, line, counts: f.counts, shares: f.shares });
  }
  return out.sort((a, b) => a.line - b.line);
}

/** `static void *name(` at the start of a line, with only type words and stars before it, not a declaration. */
function definitionLine(lines: string[], name: string): number | undefined {
  const re = new RegExp(`^(?:[A-Za-z_][\\w\\s*]*[\\s*])?${name.replace(/[^\w]/g, '')}\\s*\\(`);
  for (let i = 0; i < lines.length; i++) {
    if (
      re.test(lines[i]) &&
      !/;\s*(\/\/.*|\/\*.*)?$/.test(lines[i]) &&
      !/^\s*(return|else|if|while|for|switch)\b/.test(lines[i])
    )
      return i;
  }
  return undefined;
}

/**
 * Sums line heat per function. A clean span ends at its closing brace; an unclean one (tree-sitter lost in `#if`
 * blocks) is taken to run until the next function starts, which is right for hz3's one-function-per-file layout.
 * `lines` are in line order (HeatMap.linesOf), so each span's lines are one slice, found by binary search: a filter
 * of every line per span was the largest part of a heat request on a file of a hundred functions.
 */
export function functionTotals(
  spans: FunctionSpan[],
  lines: readonly HeatedLine[],
  lineCount: number,
): FunctionTotal[] {
  const firstFrom = (line: number): number => {
    let lo = 0;
    let hi = lines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (lines[mid].line < line) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const out: FunctionTotal[] = [];
  spans.forEach((s, i) => {
    const end = s.clean ? s.endLine : (spans[i + 1]?.line ?? lineCount + 1) - 1;
    const from = firstFrom(s.line);
    const to = firstFrom(end + 1);
    if (from >= to) return;
    const counts = lines[from].counts.map(() => 0);
    const shares = lines[from].shares.map(() => 0);
    for (let k = from; k < to; k++) {
      const l = lines[k];
      for (let e = 0; e < counts.length; e++) counts[e] += l.counts[e];
      for (let e = 0; e < shares.length; e++) shares[e] += l.shares[e];
    }
    out.push({ name: s.name, line: s.line - 1, counts, shares });
  });
  return out;
}

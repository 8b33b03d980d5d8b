/**
 * perfHeat/fileHeat: the heat of one workspace file, with per-function totals placed on each function's name line.
 */
import { fileURLToPath } from 'node:url';
import { FileHeatRequest, type FileDiff, type FileHeat, type FunctionHeatInfo } from '../protocol';
import type { HeatedFunction, HeatedLine } from '../model/heat-map';
import type { FunctionSpan } from '../engine/c-syntax';
import type { ProfileService } from './profile-service';
import type { ServerContext } from './context';
import { onRequest } from './rpc';
import { readFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { maxOf } from '../model/extremes';
import { sourceFunctionName } from '../model/profile';
import type { ProfileDiff } from '../model/profile-diff';

export function register({ connection, documents, profiles, syntax }: ServerContext): void {
  onRequest(connection, FileHeatRequest, async ({ uri }): Promise<FileHeat | null> => {
    const heatMap = profiles.heatMap;
    const summary = profiles.summary;
    if (!heatMap || !summary || !uri.startsWith('file:')) return null;
    const path = fileURLToPath(uri);
    const lines = heatMap.linesOf(path);
    if (lines.length === 0 && !profiles.diff?.byFile.has(path)) return null;
    const doc = documents.get(uri);
    const text = doc?.getText() ?? (await readFile(path, 'utf8').catch(() => ''));
    const spans = (await syntax)?.functionSpans(text, doc ? `${uri}@${doc.version}` : undefined) ?? [];
    return {
      uri,
      profileId: summary.id,
      stale: newerThanBinaries(path, summary.binaries.map((b) => b.foundAt).filter((b): b is string => !!b && profiles.inWorkspace(b))),
      events: summary.events.map((e) => e.name),
      lines: lines.map((l) => ({ line: l.line - 1, counts: l.counts, shares: l.shares, functionShares: profiles.index?.functionShares(path, l.line, l.counts) })),
      functions: placeFunctions(heatMap.functionsOf(path), spans, text) ?? functionTotals(spans, lines, text.split('\n').length),
      maxShares: heatMap.maxShares,
      diff: fileDiff(profiles, path),
    };
  });
}

const STALE_SLACK_MS = 10_000;

/** Per event, the largest normalized change of the comparison: over every line, so worked out once per diff. */
const largestChangeCache = new WeakMap<ProfileDiff, number[]>();
function largestChanges(diff: ProfileDiff): number[] {
  let m = largestChangeCache.get(diff);
  if (!m) largestChangeCache.set(diff, (m = diff.events.map((_, e) => maxOf(diff.lines, (l) => Math.abs(l.normalizedDelta[e]), 0))));
  return m;
}

function fileDiff(profiles: ProfileService, path: string): FileDiff | undefined {
  const d = profiles.diff;
  if (!d) return undefined;
  const maxAbsNormalized = largestChanges(d.diff);
  return {
    baseline: d.baseline.source,
    events: d.diff.events,
    lines: (d.byFile.get(path) ?? []).map((l) => ({
      line: l.line - 1,
      base: l.base,
      other: l.other,
      baseShares: l.baseShares,
      otherShares: l.otherShares,
      delta: l.delta,
      normalizedDelta: l.normalizedDelta,
      only: l.only,
    })),
    maxAbsDelta: d.diff.maxAbsDelta,
    maxAbsNormalized,
  };
}

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
export function placeFunctions(named: HeatedFunction[], spans: FunctionSpan[], text: string): FunctionHeatInfo[] | undefined {
  if (named.length === 0) return undefined;
  const lines = text.split('\n');
  const out: FunctionHeatInfo[] = [];
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
    if (re.test(lines[i]) && !/;\s*(\/\/.*|\/\*.*)?$/.test(lines[i]) && !/^\s*(return|else|if|while|for|switch)\b/.test(lines[i])) return i;
  }
  return undefined;
}

/**
 * Sums line heat per function. A clean span ends at its closing brace; an unclean one (tree-sitter lost in `#if`
 * blocks) is taken to run until the next function starts, which is right for hz3's one-function-per-file layout.
 */
export function functionTotals(spans: FunctionSpan[], lines: HeatedLine[], lineCount: number): FunctionHeatInfo[] {
  const out: FunctionHeatInfo[] = [];
  spans.forEach((s, i) => {
    const end = s.clean ? s.endLine : (spans[i + 1]?.line ?? lineCount + 1) - 1;
    const inside = lines.filter((l) => l.line >= s.line && l.line <= end);
    if (inside.length === 0) return;
    const counts = inside[0].counts.map((_, e) => inside.reduce((a, l) => a + l.counts[e], 0));
    const shares = inside[0].shares.map((_, e) => inside.reduce((a, l) => a + l.shares[e], 0));
    out.push({ name: s.name, line: s.line - 1, counts, shares });
  });
  return out;
}

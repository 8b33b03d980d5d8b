/**
 * A profile seen from the workspace: its line heat keyed by workspace file, with the shares the editor shows.
 * Shares are percentages of the profile's per-event totals, the same denominator as
 * `perf report --no-children --sort srcline`, so every number can be checked against perf.
 */
import { addCounts, type Profile } from './profile';
import type { PathMapper, PathResolution } from './path-map';
import { shareOf, sharesOf } from './share';

export interface HeatedLine {
  /** 1-based, as in the debug info. */
  line: number;
  counts: number[];
  /** Percent of the profile's total, per event. */
  shares: number[];
}

export interface UnmappedSource {
  recorded: string;
  resolution: Exclude<PathResolution, { kind: 'mapped' }>;
  counts: number[];
}

export interface HeatedFunction {
  name: string;
  counts: number[];
  shares: number[];
}

export class HeatMap {
  private readonly byFile = new Map<string, Map<number, number[]>>();
  private readonly functionsByFile = new Map<string, Map<string, number[]>>();
  private readonly linesByFile = new Map<string, HeatedLine[]>();
  readonly unmapped: UnmappedSource[] = [];
  /** The hottest line's share per event, over all files: one colour scale for the whole profile. */
  readonly maxShares: number[];

  constructor(
    readonly profile: Profile,
    mapper: PathMapper,
  ) {
    const unmapped = new Map<string, UnmappedSource>();
    for (const l of profile.lines) {
      const r = mapper.resolve(l.file);
      if (r.kind !== 'mapped') {
        let u = unmapped.get(l.file);
        if (!u) unmapped.set(l.file, (u = { recorded: l.file, resolution: r, counts: profile.events.map(() => 0) }));
        addCounts(u.counts, l.counts);
        continue;
      }
      let lines = this.byFile.get(r.path);
      if (!lines) this.byFile.set(r.path, (lines = new Map()));
      const c = lines.get(l.line);
      if (c) addCounts(c, l.counts);
      else lines.set(l.line, l.counts.slice());
    }
    for (const f of profile.sourceFunctions) {
      const r = mapper.resolve(f.file);
      if (r.kind !== 'mapped') continue;
      let fns = this.functionsByFile.get(r.path);
      if (!fns) this.functionsByFile.set(r.path, (fns = new Map()));
      const c = fns.get(f.function);
      if (c) addCounts(c, f.counts);
      else fns.set(f.function, f.counts.slice());
    }
    this.unmapped = [...unmapped.values()].sort((a, b) => b.counts[0] - a.counts[0]);
    this.maxShares = profile.events.map((_, e) => {
      let max = 0;
      for (const lines of this.byFile.values())
        for (const c of lines.values()) max = Math.max(max, this.share(c[e], e));
      return max;
    });
  }

  files(): string[] {
    return [...this.byFile.keys()].sort();
  }

  share(count: number, event: number): number {
    return shareOf(count, this.profile.totals[event]);
  }

  /**
   * A file's sampled lines in line order, with their shares. Worked out once per file (the heat, hover, flag state
   * and lenses all ask): callers must not change the list.
   */
  linesOf(file: string): readonly HeatedLine[] {
    let out = this.linesByFile.get(file);
    if (!out) {
      const lines = this.byFile.get(file);
      if (!lines) return [];
      out = [...lines.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([line, counts]) => ({ line, counts, shares: sharesOf(counts, this.profile.totals) }));
      this.linesByFile.set(file, out);
    }
    return out;
  }

  /** The file has sampled lines. */
  has(file: string): boolean {
    return this.byFile.has(file);
  }

  /** Functions whose own lines in this file hold samples, by debug info; empty when the profile names none. */
  functionsOf(file: string): HeatedFunction[] {
    const fns = this.functionsByFile.get(file);
    if (!fns) return [];
    return [...fns.entries()].map(([name, counts]) => ({
      name,
      counts,
      shares: sharesOf(counts, this.profile.totals),
    }));
  }

  /** The hottest lines of the whole workspace by one event, hottest first. */
  hottest(event: number, top: number): (HeatedLine & { file: string })[] {
    const all: (HeatedLine & { file: string })[] = [];
    for (const file of this.byFile.keys()) for (const l of this.linesOf(file)) all.push({ file, ...l });
    return all
      .sort((a, b) => b.counts[event] - a.counts[event] || a.file.localeCompare(b.file) || a.line - b.line)
      .slice(0, top);
  }
}

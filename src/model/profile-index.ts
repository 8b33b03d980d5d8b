/**
 * What the hotspot panel and hovers ask of a profile, indexed once per load: for each function, its lines (the
 * innermost location of each of its addresses, so inlined header lines appear under the function they were inlined
 * into); for each workspace line, the instructions that carry its samples.
 */
import { addCounts, functionKeyName, innermostLines, type AddressHeat, type LineHeat, type Profile } from './profile';
import type { PathMapper } from './path-map';
import { sharesOf } from './share';

/** A function's line: its line heat, the file a workspace path when `mapped`, else the recorded path. */
export interface LineRef extends LineHeat {
  mapped: boolean;
}

export interface FunctionHotspot {
  name: string;
  dso: string;
  counts: number[];
  lines: LineRef[];
}

export class ProfileIndex {
  private readonly fns = new Map<string, { name: string; dso: string; counts: number[]; lines: LineRef[] }>();
  private readonly atLine = new Map<string, AddressHeat[]>();

  constructor(
    readonly profile: Profile,
    mapper: PathMapper,
  ) {
    const n = profile.events.length;
    const byFn = new Map<string, { name: string; dso: string; counts: number[]; addresses: AddressHeat[] }>();
    const mapped = new Set<string>();
    const fileOf = (recorded: string): string => {
      const r = mapper.resolve(recorded);
      if (r.kind !== 'mapped') return recorded;
      mapped.add(r.path);
      return r.path;
    };
    for (const a of profile.addresses) {
      const name = functionKeyName(a.dso, a.symbol);
      const key = `${a.dso}\0${name}`;
      let f = byFn.get(key);
      if (!f) byFn.set(key, (f = { name, dso: a.dso, counts: new Array<number>(n).fill(0), addresses: [] }));
      addCounts(f.counts, a.counts);
      f.addresses.push(a);
      const inner = a.inlineChain[0];
      if (!inner) continue;
      const file = fileOf(inner.file);
      if (!mapped.has(file)) continue;
      const lkey = `${file}\0${inner.line}`;
      const list = this.atLine.get(lkey);
      if (list) list.push(a);
      else this.atLine.set(lkey, [a]);
    }
    // Each function's lines: the innermost frame of each of its addresses (model/profile.ts innermostLines).
    for (const [key, f] of byFn) {
      const { lines } = innermostLines(f.addresses, n, fileOf);
      this.fns.set(key, {
        name: f.name,
        dso: f.dso,
        counts: f.counts,
        lines: lines.map((l) => ({ ...l, mapped: mapped.has(l.file) })),
      });
    }
  }

  /** Functions hottest first by `event`, each with its lines hottest first. */
  functions(event: number): FunctionHotspot[] {
    return [...this.fns.values()]
      .map((f) => ({
        name: f.name,
        dso: f.dso,
        counts: f.counts,
        lines: [...f.lines].sort((a, b) => b.counts[event] - a.counts[event] || a.line - b.line),
      }))
      .sort((a, b) => b.counts[event] - a.counts[event] || a.name.localeCompare(b.name));
  }

  /**
   * A line's counts as a share of the function its samples belong to (a header line inlined into several
   * functions is counted against the main one, see ownerOf). Undefined without address data.
   */
  functionShares(file: string, line: number, counts: readonly number[]): number[] | undefined {
    const fn = this.ownerOf(file, line);
    return fn ? sharesOf(counts, fn.counts) : undefined;
  }

  /** The function whose samples a workspace line's are: the symbol holding most of them, with its totals. */
  ownerOf(file: string, line: number): { name: string; dso: string; counts: number[] } | undefined {
    const addresses = this.atLine.get(`${file}\0${line}`);
    if (!addresses?.length) return undefined;
    const bySymbol = new Map<string, number>();
    for (const a of addresses) {
      const key = `${a.dso}\0${functionKeyName(a.dso, a.symbol)}`;
      bySymbol.set(key, (bySymbol.get(key) ?? 0) + a.counts[0]);
    }
    const owner = [...bySymbol.entries()].sort((x, y) => y[1] - x[1])[0][0];
    return this.fns.get(owner);
  }

  /** The instructions whose innermost source location is this workspace line (1-based), hottest first. */
  addressesAt(file: string, line: number, event = 0): AddressHeat[] {
    return (this.atLine.get(`${file}\0${line}`) ?? []).slice().sort((a, b) => b.counts[event] - a.counts[event]);
  }
}

/**
 * Maps source paths as a profile records them (absolute paths of the build machine, build-relative paths, or the
 * bare basenames of annotate's `-l`) onto files of the workspace.
 *
 * Explicit remaps (`FROM=TO` prefixes) win; otherwise the workspace file sharing the longest path suffix with the
 * recorded path, component by component. Two workspace files equally good are an ambiguity, reported and left
 * unmapped rather than guessed.
 */
import { posix } from 'node:path';

export interface PathRemap {
  from: string;
  to: string;
}

export type PathResolution =
  | { kind: 'mapped'; path: string; how: 'exact' | 'remap' | 'suffix' }
  | { kind: 'ambiguous'; candidates: string[] }
  | { kind: 'missing' };

export class PathMapper {
  private readonly byBase = new Map<string, string[]>();
  private readonly known = new Set<string>();
  private readonly cache = new Map<string, PathResolution>();

  /** `workspaceFiles` are absolute, `/`-separated paths. */
  constructor(
    workspaceFiles: Iterable<string>,
    private readonly remaps: readonly PathRemap[] = [],
  ) {
    for (const f of workspaceFiles) {
      this.known.add(f);
      const base = posix.basename(f);
      const list = this.byBase.get(base);
      if (list) list.push(f);
      else this.byBase.set(base, [f]);
    }
  }

  resolve(recorded: string): PathResolution {
    let r = this.cache.get(recorded);
    if (!r) this.cache.set(recorded, (r = this.compute(recorded)));
    return r;
  }

  private compute(recorded: string): PathResolution {
    const norm = posix.normalize(recorded.replace(/\\/g, '/'));
    for (const { from, to } of this.remaps) {
      const f = from.endsWith('/') ? from : from + '/';
      if (norm.startsWith(f)) {
        const target = posix.join(to, norm.slice(f.length));
        if (this.known.has(target)) return { kind: 'mapped', path: target, how: 'remap' };
      }
    }
    if (this.known.has(norm)) return { kind: 'mapped', path: norm, how: 'exact' };
    const parts = norm.split('/').filter((p) => p && p !== '.');
    const candidates = this.byBase.get(parts[parts.length - 1] ?? '') ?? [];
    if (candidates.length === 0) return { kind: 'missing' };
    let best: string[] = [];
    let bestLen = 0;
    for (const c of candidates) {
      const len = commonSuffixLength(parts, c.split('/'));
      if (len > bestLen) {
        best = [c];
        bestLen = len;
      } else if (len === bestLen) {
        best.push(c);
      }
    }
    if (best.length === 1) return { kind: 'mapped', path: best[0], how: 'suffix' };
    return { kind: 'ambiguous', candidates: best.sort() };
  }
}

function commonSuffixLength(a: string[], b: string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

/** `FROM=TO` as the CLI and settings take it. */
export function parseRemap(spec: string): PathRemap {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1) throw new Error(`--remap expects FROM=TO, got "${spec}"`);
  return { from: spec.slice(0, eq), to: spec.slice(eq + 1) };
}

/** Applies the first matching remap to a recorded path; used where there is no workspace to match against (CLI). */
export function applyRemaps(recorded: string, remaps: readonly PathRemap[]): string {
  for (const { from, to } of remaps) {
    const f = from.endsWith('/') ? from : from + '/';
    if (recorded.startsWith(f)) return posix.join(to, recorded.slice(f.length));
  }
  return recorded;
}

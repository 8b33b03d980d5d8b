/**
 * The on-disk cache of the in-process symbolizer: one file per debug file (named by its build-id, or by path,
 * size and mtime when it has none), holding the frames of every address resolved from it so far. Loading the
 * same profile again, or another profile of the same binaries, then skips the DWARF work for every address
 * already known; new addresses are resolved and merged in.
 *
 * `~/.cache/perf-heat/symbols-v<N>/` by default, `PERF_HEAT_CACHE_DIR` overrides the parent folder (tests). The
 * format version is in the folder name and in each file; the folder is kept under a size cap by deleting the
 * least recently used files. A damaged or foreign file is ignored (and replaced), never trusted: every field is
 * checked on read.
 */
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { SymbolFrame } from './builtin';

/** Bumped whenever the symbolizer's answers or the file format change: older entries are then never read. */
export const CACHE_VERSION = 2;
/** The whole folder's cap; a cache of a few profiles' binaries is far below it. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

export function defaultCacheDir(): string {
  const base =
    process.env.PERF_HEAT_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'perf-heat');
  return join(base, `symbols-v${CACHE_VERSION}`);
}

/** What identifies the DWARF a file's frames came from. */
export function cacheKey(debugFile: string, buildId: string | undefined, binary: string | undefined): string {
  const st = statSync(debugFile);
  // The build-id names the code; the debug file's size and mtime tell a re-installed -dbg package or a file
  // stripped differently apart; the binary matters for names DWARF lacks.
  const id = `${buildId ?? debugFile}\0${st.size}\0${st.mtimeMs}\0${binary ?? ''}\0${codeStamp()}`;
  return `${buildId ?? 'nobuildid'}-${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;
}

let stamp: string | undefined;
/**
 * Which symbolizer wrote an entry: the bundle's own size and mtime (a rebuilt or updated extension never reads
 * its predecessor's answers), or under tsx the newest source of the symbolizer, so a code change during
 * development cannot be hidden behind a cache hit.
 */
export function codeStamp(): string {
  if (stamp !== undefined) return stamp;
  try {
    if (__filename.endsWith('.ts')) {
      let newest = 0;
      for (const dir of [__dirname, join(__dirname, 'dwarf')])
        for (const f of readdirSync(dir))
          if (f.endsWith('.ts')) newest = Math.max(newest, statSync(join(dir, f)).mtimeMs);
      stamp = `src:${newest}`;
    } else {
      const st = statSync(__filename);
      stamp = `${st.size}:${st.mtimeMs}`;
    }
  } catch {
    stamp = 'unknown';
  }
  return stamp;
}

interface CacheFile {
  version: number;
  key: string;
  files: string[];
  functions: string[];
  /** Sorted addresses; `counts[i]` frames of address i follow in `frames` as (function, file, line) triples. */
  addresses: number[];
  counts: number[];
  frames: number[];
}

export class SymbolCache {
  constructor(
    readonly dir: string = defaultCacheDir(),
    readonly maxBytes: number = DEFAULT_CACHE_BYTES,
  ) {}

  private path(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  /** The frames known for `key`; addresses absent from the map are not cached yet. */
  read(key: string): Map<number, SymbolFrame[]> {
    const out = new Map<number, SymbolFrame[]>();
    let parsed: CacheFile;
    try {
      parsed = JSON.parse(readFileSync(this.path(key), 'utf8')) as CacheFile;
    } catch {
      return out;
    }
    if (!parsed || parsed.version !== CACHE_VERSION || parsed.key !== key) return out;
    const { files, functions, addresses, counts, frames } = parsed;
    if (![files, functions, addresses, counts, frames].every(Array.isArray) || addresses.length !== counts.length)
      return out;
    let at = 0;
    for (let i = 0; i < addresses.length; i++) {
      const a = addresses[i]!;
      const n = counts[i]!;
      if (!Number.isSafeInteger(a) || !Number.isInteger(n) || n < 0 || at + 3 * n > frames.length) return new Map();
      const list: SymbolFrame[] = [];
      for (let k = 0; k < n; k++, at += 3) {
        const fn = functions[frames[at]!];
        const file = files[frames[at + 1]!];
        const line = frames[at + 2]!;
        if (typeof fn !== 'string' || typeof file !== 'string' || !Number.isInteger(line) || line < 0) return new Map();
        list.push({ function: fn, file, line });
      }
      out.set(a, list);
    }
    if (at !== frames.length) return new Map();
    try {
      // Touch it: the size cap evicts by last use.
      const now = new Date();
      utimesSync(this.path(key), now, now);
    } catch {
      /* read-only cache folder: still usable */
    }
    return out;
  }

  /** Stores every frame of `frames` (the merged set: what was cached plus what was just resolved). */
  write(key: string, frames: ReadonlyMap<number, readonly SymbolFrame[]>): void {
    const files: string[] = [];
    const functions: string[] = [];
    const fileIds = new Map<string, number>();
    const fnIds = new Map<string, number>();
    const id = (m: Map<string, number>, list: string[], s: string): number => {
      let i = m.get(s);
      if (i === undefined) {
        i = list.length;
        list.push(s);
        m.set(s, i);
      }
      return i;
    };
    const addresses = [...frames.keys()].sort((a, b) => a - b);
    const counts: number[] = [];
    const flat: number[] = [];
    for (const a of addresses) {
      const fs = frames.get(a)!;
      counts.push(fs.length);
      for (const f of fs) flat.push(id(fnIds, functions, f.function), id(fileIds, files, f.file), f.line);
    }
    // Numbers in flat arrays: a fraction of the parse and write time of one object per address.
    const body = JSON.stringify({
      version: CACHE_VERSION,
      key,
      files,
      functions,
      addresses,
      counts,
      frames: flat,
    } satisfies CacheFile);
    if (body.length > this.maxBytes / 4) return; // one binary must not push everything else out
    mkdirSync(this.dir, { recursive: true });
    // Written aside and renamed, so a concurrent reader (another window) never sees half a file.
    const tmp = `${this.path(key)}.${process.pid}.tmp`;
    writeFileSync(tmp, body);
    renameSync(tmp, this.path(key));
    this.trim();
  }

  /**
   * A small JSON entry of another kind (kernel names, kallsyms.ts), under the same folder, version and size cap;
   * undefined when absent, damaged or another key's. The caller checks the fields of what it gets.
   */
  readEntry(key: string): Record<string, unknown> | undefined {
    try {
      const parsed = JSON.parse(readFileSync(this.path(key), 'utf8')) as Record<string, unknown>;
      return parsed && parsed.version === CACHE_VERSION && parsed.key === key ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  writeEntry(key: string, fields: Record<string, unknown>): void {
    const body = JSON.stringify({ ...fields, version: CACHE_VERSION, key });
    if (body.length > this.maxBytes / 4) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      const tmp = `${this.path(key)}.${process.pid}.tmp`;
      writeFileSync(tmp, body);
      renameSync(tmp, this.path(key));
      this.trim();
    } catch {
      /* a read-only cache folder: the next load reads the source again */
    }
  }

  /** Deletes least recently used files until the folder is under the cap. */
  private trim(): void {
    let list: { path: string; size: number; used: number }[];
    try {
      list = readdirSync(this.dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => {
          const st = statSync(join(this.dir, f));
          return { path: join(this.dir, f), size: st.size, used: st.mtimeMs };
        });
    } catch {
      return;
    }
    let total = list.reduce((s, f) => s + f.size, 0);
    list.sort((a, b) => a.used - b.used);
    for (const f of list) {
      if (total <= this.maxBytes) break;
      try {
        unlinkSync(f.path);
        total -= f.size;
      } catch {
        /* already gone (another process trimmed it) */
      }
    }
  }
}

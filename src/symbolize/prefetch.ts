/**
 * Starting a separate debug file's read and zlib inflating before its addresses are known. A perf.data header
 * lists the binaries that have samples (the BUILD_ID feature); for the ones whose DWARF is in a compressed debug
 * file (libc, ld.so from a -dbg package), that work — tens of milliseconds of zlib — can then run on libuv's pool
 * while the main thread reads the samples, instead of after it. A file the symbol cache already answers for is
 * not prefetched (the cache is checked by the same key `builtinFrames` uses), and a prefetch nobody claims costs
 * only the thread pool's time.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { buildIdPaths } from './debug-files';
import { readElf } from './elf';
import { inflateDebugSections } from './dwarf/sections';
import { cacheKey, SymbolCache } from './symbol-cache';

export interface Prefetched {
  buf: Buffer;
  inflated: Map<string, Uint8Array>;
}

const pending = new Map<string, Promise<Prefetched | undefined>>();

/** The sections a lookup reads (which of them exist, and how much of each, depends on the file). */
export const LOOKUP_SECTIONS = [
  '.debug_info',
  '.debug_abbrev',
  '.debug_line',
  '.debug_aranges',
  '.debug_rnglists',
  '.debug_ranges',
  '.debug_str',
  '.debug_line_str',
  '.debug_str_offsets',
  '.debug_addr',
];

/** Reads and inflates `debugFile` in the background; `takePrefetched` hands the result to one caller. */
export function prefetchDebugFile(debugFile: string): void {
  if (pending.has(debugFile)) return;
  const job = (async (): Promise<Prefetched | undefined> => {
    const buf = await readFile(debugFile);
    return { buf, inflated: await inflateDebugSections(buf, debugFile, LOOKUP_SECTIONS) };
  })().catch(() => undefined);
  pending.set(debugFile, job);
}

export function takePrefetched(debugFile: string): Promise<Prefetched | undefined> | undefined {
  const job = pending.get(debugFile);
  pending.delete(debugFile);
  return job;
}

/**
 * For each recorded binary that exists here under its recorded path with its recorded build-id but without debug
 * info of its own, prefetches its build-id debug file unless `cache` holds an entry for it.
 */
export function prefetchForBuildIds(
  entries: readonly { filename: string; buildId: string }[],
  cache: SymbolCache | false | undefined,
): void {
  for (const { filename, buildId } of entries) {
    try {
      if (!filename.startsWith('/') || !existsSync(filename)) continue;
      const elf = readElf(filename);
      if (elf.hasDebugInfo || elf.buildId !== buildId) continue;
      const debugFile = buildIdPaths(buildId).find((p) => p.endsWith('.debug'));
      if (!debugFile) continue;
      if (cache !== false) {
        const dir = (cache ?? new SymbolCache()).dir;
        if (existsSync(`${dir}/${cacheKey(debugFile, buildId, filename)}.json`)) continue;
      }
      prefetchDebugFile(debugFile);
    } catch {
      /* a hint only: symbolizing finds and reads the file itself */
    }
  }
}

/** Forgets prefetches nobody claimed (their binaries were answered by the cache, or not symbolized). */
export function dropPrefetched(): void {
  pending.clear();
}

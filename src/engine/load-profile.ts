/**
 * The one pipeline from a profile file to the model, shared by the language server and the CLI: detect the format
 * from the content, parse, find the binaries, symbolize every sampled address in one batch per binary, aggregate.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { readTextCapped, textChunks } from '../parsers/text-source';
import { prepareBinarySearch } from '../symbolize/find-binary';
import { ProfileFormatError } from '../parsers/errors';
import { looksLikePerfAnnotate } from '../parsers/perf-annotate';
import { looksLikePerfReport } from '../parsers/perf-report';
import { looksLikePerfScript } from '../parsers/perf-script';
import { looksLikePerfStat } from '../parsers/perf-stat';
import { looksLikeCachegrind } from '../parsers/cachegrind';
import type { Profile } from '../model/profile';
import { isEmptyFilter, type SampleFilter } from '../parsers/perf-data';
import type { SymbolizerKind } from '../symbolize/symbolize';
import type { SymbolCache } from '../symbolize/symbol-cache';
import { mergeProfiles } from '../model/profile-merge';
import { loadAnnotateProfile } from './annotate-profile';
import { loadPerfDataProfile } from './perf-data-profile';
import { loadCachegrindProfile, loadPerfReportProfile, loadPerfScriptProfile } from './text-profiles';

export interface LoadOptions {
  /** Folders holding the profiled binaries (`--binary-path`, `perfHeat.binaryPaths`). */
  binaryPaths?: readonly string[];
  /** Folders searched for binaries by name when the recorded path does not exist (workspace folders). */
  searchRoots?: readonly string[];
  /** False in an untrusted workspace: no addr2line, perf or compiler is started (the builtin symbolizer still runs). */
  allowExternalPrograms?: boolean;
  /** `perfHeat.symbolizer`: builtin (default, in process), addr2line or llvm-symbolizer. */
  symbolizer?: SymbolizerKind;
  addr2line?: string;
  llvmSymbolizer?: string;
  /** The builtin symbolizer's on-disk cache; false for none (default: ~/.cache/perf-heat, PERF_HEAT_CACHE_DIR). */
  symbolCache?: SymbolCache | false;
  /** Debug files of at least this many bytes are decoded in a worker thread (the server sets it). */
  symbolizeWorkerBytes?: number;
  signal?: AbortSignal;
  /** perf's build-id cache (`perf --buildid-dir`); default $PERF_BUILDID_DIR or ~/.debug. Kernel names come from it. */
  buildIdCacheDir?: string;
  /** Only these samples (perf report's --tid, --comm, --cpu, --time): perf.data only; other formats say it is ignored. */
  filter?: SampleFilter;
  /**
   * False when the caller shows no inclusive cost (the CLI's `lines` without --inclusive): a perf.data file's
   * callchains are then not aggregated, and callers' frames are neither symbolized nor named. Default true.
   */
  callchains?: boolean;
  /**
   * False when the caller shows only source lines (the CLI's `lines` without --inclusive): kernel addresses are not
   * named (no kallsyms is read, and no warning about kernel names is given) and user-space symbols are not looked up
   * in the ELF symbol tables; lines and their counts are the same. Default true.
   */
  functionNames?: boolean;
}

/** Said once per load when the workspace is untrusted and symbolization was skipped. */
export const UNTRUSTED =
  'This workspace is not trusted, so Perf Heat runs no external program: the chosen symbolizer (perfHeat.symbolizer) was not started and the builtin one, which starts no process, mapped the samples instead. Trust the workspace to use addr2line or llvm-symbolizer.';

/** The symbolizer options of a load, for symbolize(). */
export function symbolizerOptions(
  options: LoadOptions,
  warn: (m: string) => void,
): import('../symbolize/symbolize').SymbolizeOptions {
  const kind = options.symbolizer ?? 'builtin';
  if (kind !== 'builtin' && options.allowExternalPrograms === false) warn(UNTRUSTED);
  return {
    kind,
    program: kind === 'addr2line' ? options.addr2line : kind === 'llvm-symbolizer' ? options.llvmSymbolizer : undefined,
    allowExternalPrograms: options.allowExternalPrograms,
    cache: options.symbolCache,
    workerThreshold: options.symbolizeWorkerBytes,
    signal: options.signal,
    onWarning: warn,
  };
}

export type ProfileFormat = 'perf-annotate' | 'perf-data' | 'perf-script' | 'perf-report' | 'cachegrind';

const SNIFF_BYTES = 64 * 1024;

export async function detectFormat(path: string): Promise<ProfileFormat> {
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new ProfileFormatError(
      path,
      undefined,
      e.code === 'ENOENT' ? 'no such file' : `cannot be read (${e.code ?? e.message})`,
    );
  });
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    const head = buf.subarray(0, bytesRead);
    if (bytesRead === 0) throw new ProfileFormatError(path, undefined, 'the file is empty');
    const magic = head.subarray(0, 8).toString('latin1');
    if (magic === 'PERFILE2' || magic === '2ELIFREP') return 'perf-data';
    // v1 files get the reader's own "not supported" rather than "not a profile".
    if (magic === 'PERFFILE') return 'perf-data';
    const text = head.toString('utf8');
    // Order matters only for safety: each sniffer accepts its own format alone (tested on the whole corpus).
    if (looksLikePerfAnnotate(text)) return 'perf-annotate';
    if (looksLikePerfReport(text)) return 'perf-report';
    if (looksLikeCachegrind(text)) return 'cachegrind';
    if (looksLikePerfScript(text)) return 'perf-script';
    if (looksLikePerfStat(text)) {
      throw new ProfileFormatError(
        path,
        undefined,
        'this is perf stat output: it has counters but no per-line samples (compare runs with `perf-heat stat`)',
      );
    }
    throw new ProfileFormatError(
      path,
      undefined,
      'not a profile: expected perf.data, or the text of perf annotate --stdio, perf script, perf report --stdio, or a cachegrind.out file',
    );
  } finally {
    await fh.close();
  }
}

export async function loadProfile(path: string, options: LoadOptions = {}): Promise<Profile> {
  const format = await detectFormat(path);
  if (format !== 'perf-data' && !isEmptyFilter(options.filter)) {
    const p = await loadProfile(path, { ...options, filter: undefined });
    return {
      ...p,
      warnings: [
        ...p.warnings,
        `${basename(path)} is ${format} text, which keeps no thread, CPU or time per sample: the sample filter (tid, comm, CPU, time) applies to perf.data only and was ignored.`,
      ],
    };
  }
  if (format === 'perf-annotate' || format === 'perf-data' || format === 'perf-script') {
    // One asynchronous walk of the workspace for every binary this load may look for (not one per missing DSO).
    await prepareBinarySearch(options);
    options.signal?.throwIfAborted();
  }
  switch (format) {
    case 'perf-annotate':
      return loadAnnotateProfile(path, await readTextCapped(path, 'perf annotate text'), options);
    case 'perf-data':
      return loadPerfDataProfile(path, options);
    case 'perf-script':
      // Streamed: perf script output runs to gigabytes, and is never held whole.
      return loadPerfScriptProfile(path, textChunks(path, { signal: options.signal }), options);
    case 'perf-report':
      return loadPerfReportProfile(path, await readTextCapped(path, 'perf report text'));
    case 'cachegrind':
      return loadCachegrindProfile(path, await readTextCapped(path, 'cachegrind output'));
  }
}

/**
 * Several recordings of one build as one profile (`perf-heat functions cycles.data misses.data`): each is loaded,
 * then merged by build-id and address (model/profile-merge.ts). Recordings of different builds, or an event in two
 * files, are refused with a ProfileMergeError that names the files. One path is just loadProfile.
 */
export async function loadProfiles(paths: readonly string[], options: LoadOptions = {}): Promise<Profile> {
  if (paths.length === 0) throw new Error('no profile file given');
  const profiles: Profile[] = [];
  // One at a time: each load already runs one symbolizer per binary, and the machine may be small.
  for (const path of paths) profiles.push(await loadProfile(path, options));
  return mergeProfiles(profiles);
}

/**
 * Addresses → inline chains with the symbolizer the user chose (`perfHeat.symbolizer`): `builtin` (the default:
 * our own DWARF reader, in this process or a worker thread, with the on-disk cache; it starts no process, so it
 * also runs in an untrusted workspace), `addr2line` or `llvm-symbolizer` (one batched process per binary).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { InlineFrame } from '../model/profile';
import { modelChain, symbolizeInProcessAsync, type SymbolFrame } from './builtin';
import { symbolizeAddresses } from './addr2line';
import { cacheKey, SymbolCache } from './symbol-cache';
import type { WorkerReply, WorkerRequest } from './symbolize-worker';

export type SymbolizerKind = 'builtin' | 'addr2line' | 'llvm-symbolizer';
export const SYMBOLIZERS: readonly SymbolizerKind[] = ['builtin', 'addr2line', 'llvm-symbolizer'];

export interface SymbolizeOptions {
  kind?: SymbolizerKind;
  /** Program path for `addr2line` / `llvm-symbolizer` (default: found on PATH). */
  program?: string;
  /** False in an untrusted workspace: an external symbolizer is then replaced by the builtin one. */
  allowExternalPrograms?: boolean;
  /** The binary, when `debugFile` is its separate debug file. */
  binary?: string;
  buildId?: string;
  /** The cache folder, or false for none (default: `defaultCacheDir()`). */
  cache?: SymbolCache | false;
  /** Decode debug files of at least this many bytes in a worker thread (the server sets it; default: never). */
  workerThreshold?: number;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
}

/** Maps each address to its chain, innermost first, keeping the frames that have a file and a line. */
export async function symbolize(
  debugFile: string,
  addresses: readonly number[],
  options: SymbolizeOptions = {},
): Promise<Map<number, InlineFrame[]>> {
  const kind = options.kind ?? 'builtin';
  if (kind !== 'builtin' && options.allowExternalPrograms !== false) {
    return symbolizeAddresses(debugFile, addresses, {
      program: options.program ?? kind,
      style: kind === 'llvm-symbolizer' ? 'llvm' : 'gnu',
      signal: options.signal,
      onWarning: options.onWarning,
    });
  }
  const frames = await builtinFrames(debugFile, addresses, options);
  const out = new Map<number, InlineFrame[]>();
  for (const a of addresses) out.set(a, modelChain(frames.get(a) ?? []));
  return out;
}

/** The builtin symbolizer's frames, from the cache where it has them. */
export async function builtinFrames(
  debugFile: string,
  addresses: readonly number[],
  options: SymbolizeOptions = {},
): Promise<Map<number, SymbolFrame[]>> {
  const unique = [...new Set(addresses)];
  const cache = options.cache === false ? undefined : (options.cache ?? new SymbolCache());
  let key: string | undefined;
  let known = new Map<number, SymbolFrame[]>();
  if (cache) {
    try {
      key = cacheKey(debugFile, options.buildId, options.binary);
      known = cache.read(key);
    } catch {
      key = undefined;
    }
  }
  const missing = unique.filter((a) => !known.has(a));
  if (missing.length === 0) return known;
  const size = fileSize(debugFile);
  const fresh =
    options.workerThreshold !== undefined && size >= options.workerThreshold
      ? await inWorker({ debugFile, binary: options.binary, addresses: missing }, options)
      : await symbolizeInProcessAsync(debugFile, missing, { binary: options.binary, onWarning: options.onWarning });
  for (const [a, f] of fresh) known.set(a, f);
  if (cache && key) {
    try {
      cache.write(key, known);
    } catch (e) {
      options.onWarning?.(`symbol cache not written (${(e as Error).message}); the next load decodes DWARF again`);
    }
  }
  return known;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The worker: its bundle beside this one in dist/, or under tsx (tests) the TypeScript source, registered first. */
function startWorker(): Worker {
  // Required here, not at the top: loading node:worker_threads costs a CLI run that never starts one ~10 ms.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  if (!__filename.endsWith('.ts')) return new Worker(join(__dirname, 'symbolize-worker.js'));
  const source = JSON.stringify(join(__dirname, 'symbolize-worker.ts'));
  return new Worker(`require('tsx/cjs'); require(${source});`, { eval: true });
}

function inWorker(req: WorkerRequest, options: SymbolizeOptions): Promise<Map<number, SymbolFrame[]>> {
  return new Promise((resolve, reject) => {
    const worker = startWorker();
    const abort = (): void => {
      void worker.terminate();
      reject(new Error('symbolizing was cancelled'));
    };
    options.signal?.addEventListener('abort', abort, { once: true });
    worker.once('message', (reply: WorkerReply) => {
      options.signal?.removeEventListener('abort', abort);
      void worker.terminate();
      if ('error' in reply) reject(new Error(reply.error));
      else {
        for (const w of reply.warnings) options.onWarning?.(w);
        resolve(new Map(reply.frames));
      }
    });
    worker.once('error', (e) => {
      options.signal?.removeEventListener('abort', abort);
      reject(new Error(`symbolizer worker failed: ${e.message}`));
    });
    worker.postMessage(req);
  });
}

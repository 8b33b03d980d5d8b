/**
 * Kernel symbol names for kernel samples, from where perf report takes them: the kallsyms copy that `perf record`
 * leaves in the build-id cache (`~/.debug/[kernel.kallsyms]/<build-id>/kallsyms`, or under $PERF_BUILDID_DIR, or in
 * a `.debug` folder beside the recording, as `perf archive` ships it), or
 * `/proc/kallsyms` when the running kernel is the recorded one (its build-id, read from /sys/kernel/notes, matches).
 *
 * perf's rules, mirrored so names agree with `perf report --sort sym`: only text, weak, data and bss symbols
 * (T, W, D, B in either case); every symbol ends where the next one starts; of several at one address the last in
 * the file is kept (perf 6.1 runs symbols__fixup_end before symbols__fixup_duplicate, so every alias but the last
 * has zero size, and choose_best_symbol prefers a sized symbol before any other rule: `__x86_indirect_thunk_rax`,
 * listed after `__pi___x86_indirect_thunk_rax`, names the samples there). Symbols of modules
 * (`name [mod]`) belong to the module `[mod]`, not to `[kernel.kallsyms]`.
 *
 * Addresses stay bigints: kernel addresses are above 2^53.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface KernelSymbol {
  start: bigint;
  name: string;
  /** The module the symbol belongs to (`ext4`), undefined for the kernel itself. */
  module?: string;
  global: boolean;
}

export interface KernelSymbols {
  /** Where the symbols were read from. */
  source: string;
  /** Address of `_text` in this copy: the recording's `[kernel.kallsyms]_text` map relocates against it (KASLR). */
  textAddress?: bigint;
  /** The symbol covering `address` (already relocated to this copy's addresses), if any. */
  lookup(address: bigint): KernelSymbol | undefined;
}

const KEEP = new Set(['T', 'W', 'D', 'B']);

export function parseKallsyms(text: string, source: string): KernelSymbols {
  const syms: KernelSymbol[] = [];
  let textAddress: bigint | undefined;
  for (let at = 0; at < text.length; ) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    const line = text.slice(at, nl);
    at = nl + 1;
    const sp1 = line.indexOf(' ');
    const sp2 = line.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 !== sp1 + 2) continue;
    const type = line[sp1 + 1]!;
    const rest = line.slice(sp2 + 1);
    const tab = rest.indexOf('\t');
    const name = tab < 0 ? rest : rest.slice(0, tab);
    let start: bigint;
    try {
      start = BigInt('0x' + line.slice(0, sp1));
    } catch {
      continue;
    }
    if (name === '_text' && tab < 0) textAddress = start;
    if (!KEEP.has(type.toUpperCase())) continue;
    const mod = tab < 0 ? undefined : /^\[([^\]]+)\]/.exec(rest.slice(tab + 1))?.[1];
    syms.push({ start, name, module: mod, global: type === type.toUpperCase() });
  }
  // A stable sort: aliases stay in file order, and the last of them is perf's choice.
  syms.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const kept: KernelSymbol[] = [];
  for (const s of syms) {
    const last = kept[kept.length - 1];
    if (last && last.start === s.start && last.module === s.module) kept[kept.length - 1] = s;
    else kept.push(s);
  }
  return {
    source,
    textAddress,
    lookup(address) {
      let lo = 0;
      let hi = kept.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (kept[mid]!.start <= address) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      // The last symbol has no known end; perf gives it up to the next page, which is as good as "unknown".
      if (found < 0 || found === kept.length - 1) return undefined;
      return kept[found];
    },
  };
}

/** The build-id cache folder, as perf finds it. */
export function buildIdCacheDir(): string {
  return process.env.PERF_BUILDID_DIR || join(homedir(), '.debug');
}

/** The running kernel's build-id, from the GNU note in /sys/kernel/notes. */
export function runningKernelBuildId(notesPath = '/sys/kernel/notes'): string | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(notesPath);
  } catch {
    return undefined;
  }
  for (let o = 0; o + 12 <= buf.length; ) {
    const nameSize = buf.readUInt32LE(o);
    const descSize = buf.readUInt32LE(o + 4);
    const type = buf.readUInt32LE(o + 8);
    const nameAt = o + 12;
    const descAt = nameAt + ((nameSize + 3) & ~3);
    if (descAt + descSize > buf.length) return undefined;
    if (type === 3 && buf.toString('latin1', nameAt, nameAt + 3) === 'GNU') return buf.toString('hex', descAt, descAt + descSize);
    o = descAt + ((descSize + 3) & ~3);
  }
  return undefined;
}

export interface KallsymsSearch {
  /** The build-id cache (default $PERF_BUILDID_DIR or ~/.debug). */
  cacheDir?: string;
  /** Caches searched before it: `.debug` beside the recording, where `perf archive`'s tarball is unpacked. */
  moreCacheDirs?: readonly string[];
  procKallsyms?: string;
  kernelNotes?: string;
}

/** Where the kernel's symbols were looked for, for the message when none were found. */
export function kallsymsPlaces(buildId: string | undefined, search: KallsymsSearch = {}): string[] {
  const cache = search.cacheDir ?? buildIdCacheDir();
  return [
    buildId ? join(cache, '[kernel.kallsyms]', buildId, 'kallsyms') : join(cache, '[kernel.kallsyms]', '<build-id>', 'kallsyms'),
    `${search.procKallsyms ?? '/proc/kallsyms'} (only when the running kernel's build-id matches)`,
  ];
}

/**
 * The recorded kernel's symbols: the build-id cache copy first (it is the recorded kernel's by construction), then
 * /proc/kallsyms if the running kernel has the recorded build-id. Without a recorded build-id nothing is guessed.
 * /proc/kallsyms of a non-root user with kptr_restrict reads all-zero addresses: treated as absent.
 */
export function findKernelSymbols(buildId: string | undefined, search: KallsymsSearch = {}): KernelSymbols | undefined {
  if (!buildId) return undefined;
  const candidates: string[] = [];
  for (const dir of [...(search.moreCacheDirs ?? []), search.cacheDir ?? buildIdCacheDir()]) {
    const cached = join(dir, '[kernel.kallsyms]', buildId, 'kallsyms');
    if (existsSync(cached)) candidates.push(cached);
  }
  const proc = search.procKallsyms ?? '/proc/kallsyms';
  if (runningKernelBuildId(search.kernelNotes) === buildId) candidates.push(proc);
  for (const path of candidates) {
    let text: string;
    try {
      text = readFileSync(path, 'latin1');
    } catch {
      continue;
    }
    const syms = parseKallsyms(text, path);
    if (syms.textAddress && syms.textAddress !== 0n) return syms;
  }
  return undefined;
}

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
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { codeStamp, SymbolCache } from './symbol-cache';

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

/** Hex digit values by character code, -1 for anything else. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) HEX[97 + c] = HEX[65 + c] = 10 + c;

/**
 * Parses a kallsyms image. /proc/kallsyms is 5 MB and 120K lines, of which a profile needs a few hundred: the bytes
 * are scanned once into typed columns (address halves, where the name lies, flags), and a name becomes a string
 * only when a lookup returns its symbol. No object, string or bigint per line.
 */
export function parseKallsyms(input: string | Uint8Array, source: string): KernelSymbols {
  const buf =
    typeof input === 'string'
      ? Buffer.from(input, 'latin1')
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  let cap = (buf.length >> 5) + 16;
  let hi = new Uint32Array(cap);
  let lo = new Uint32Array(cap);
  let nameAt = new Int32Array(cap);
  let nameEnd = new Int32Array(cap);
  /** Bit 0: global (an upper-case type); the rest: module id + 1 (0 = the kernel itself). */
  let flags = new Int32Array(cap);
  const modules: string[] = [];
  const moduleIds = new Map<string, number>();
  let n = 0;
  let sorted = true;
  let textAddress: bigint | undefined;
  const len = buf.length;
  // Tabs only lead module tags: a file without any needs no search for them.
  const anyTab = buf.indexOf(9) >= 0;
  for (let at = 0; at < len;) {
    // One line: `<hex address> <type> <name>[\t[<module>]...]`.
    let lineEnd = buf.indexOf(10, at);
    if (lineEnd < 0) lineEnd = len;
    let i = at;
    let h = 0;
    let l = 0;
    for (; i < lineEnd; i++) {
      const d = HEX[buf[i]!]!;
      if (d < 0) break;
      h = ((h << 4) | (l >>> 28)) >>> 0;
      l = ((l << 4) | d) >>> 0;
    }
    const digits = i - at;
    at = lineEnd + 1;
    // As BigInt('0x…') of the text parse: at least one digit (and no more than fit in 64 bits here); one type
    // character between single spaces.
    if (digits === 0 || digits > 16 || i + 2 >= lineEnd || buf[i] !== 32 || buf[i + 1] === 32 || buf[i + 2] !== 32)
      continue;
    const type = buf[i + 1]!;
    const nameStart = i + 3;
    let tab = lineEnd;
    if (anyTab) {
      tab = nameStart;
      while (tab < lineEnd && buf[tab] !== 9) tab++;
    }
    if (
      tab === lineEnd &&
      tab - nameStart === 5 &&
      buf[nameStart] === 95 &&
      buf[nameStart + 1] === 116 &&
      buf[nameStart + 2] === 101 &&
      buf[nameStart + 3] === 120 &&
      buf[nameStart + 4] === 116
    ) {
      textAddress = (BigInt(h) << 32n) | BigInt(l); // `_text`
    }
    const upper = type >= 97 ? type - 32 : type;
    if (upper !== 84 /* T */ && upper !== 87 /* W */ && upper !== 68 /* D */ && upper !== 66 /* B */) continue;
    let mod = 0;
    if (tab < lineEnd && buf[tab + 1] === 91 /* [ */) {
      let close = tab + 2;
      while (close < lineEnd && buf[close] !== 93 /* ] */) close++;
      if (close < lineEnd && close > tab + 2) {
        const name = buf.toString('latin1', tab + 2, close);
        let id = moduleIds.get(name);
        if (id === undefined) {
          id = modules.length;
          modules.push(name);
          moduleIds.set(name, id);
        }
        mod = id + 1;
      }
    }
    if (n === cap) {
      cap *= 2;
      const grow = <A extends Uint32Array | Int32Array>(a: A, make: new (k: number) => A): A => {
        const b = new make(cap);
        b.set(a);
        return b;
      };
      hi = grow(hi, Uint32Array);
      lo = grow(lo, Uint32Array);
      nameAt = grow(nameAt, Int32Array);
      nameEnd = grow(nameEnd, Int32Array);
      flags = grow(flags, Int32Array);
    }
    if (n > 0 && (h < hi[n - 1]! || (h === hi[n - 1]! && l < lo[n - 1]!))) sorted = false;
    hi[n] = h;
    lo[n] = l;
    nameAt[n] = nameStart;
    nameEnd[n] = tab;
    flags[n] = (mod << 1) | (type === upper ? 1 : 0);
    n++;
  }
  // /proc/kallsyms lists the kernel in address order; anything else is put in order (stably, as Array.sort).
  let order: Uint32Array | undefined;
  if (!sorted) {
    const idx = Array.from({ length: n }, (_, k) => k);
    idx.sort((a, b) => hi[a]! - hi[b]! || lo[a]! - lo[b]! || a - b);
    order = Uint32Array.from(idx);
  }
  const pos = (k: number): number => (order ? order[k]! : k);
  const name = (k: number): string => buf.toString('latin1', nameAt[k]!, nameEnd[k]!);
  const symbolAt = (k: number): KernelSymbol => {
    const m = flags[k]! >> 1;
    return {
      start: (BigInt(hi[k]!) << 32n) | BigInt(lo[k]!),
      name: name(k),
      module: m ? modules[m - 1] : undefined,
      global: (flags[k]! & 1) === 1,
    };
  };
  return {
    source,
    textAddress,
    lookup(address) {
      if (address < 0n || n === 0) return undefined;
      const ah = Number(address >> 32n);
      const al = Number(address & 0xffffffffn);
      // The last symbol starting at or before the address.
      let a = 0;
      let b = n - 1;
      let found = -1;
      while (a <= b) {
        const mid = (a + b) >> 1;
        const k = pos(mid);
        if (hi[k]! < ah || (hi[k]! === ah && lo[k]! <= al)) {
          found = mid;
          a = mid + 1;
        } else b = mid - 1;
      }
      // The last symbol has no known end; perf gives it up to the next page, which is as good as "unknown".
      if (found < 0 || found === n - 1) return undefined;
      // Of the symbols at one address (in file order: the sort is stable) perf keeps the last, and the lookup
      // lands on it.
      return symbolAt(pos(found));
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
  for (let o = 0; o + 12 <= buf.length;) {
    const nameSize = buf.readUInt32LE(o);
    const descSize = buf.readUInt32LE(o + 4);
    const type = buf.readUInt32LE(o + 8);
    const nameAt = o + 12;
    const descAt = nameAt + ((nameSize + 3) & ~3);
    if (descAt + descSize > buf.length) return undefined;
    if (type === 3 && buf.toString('latin1', nameAt, nameAt + 3) === 'GNU')
      return buf.toString('hex', descAt, descAt + descSize);
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
    buildId
      ? join(cache, '[kernel.kallsyms]', buildId, 'kallsyms')
      : join(cache, '[kernel.kallsyms]', '<build-id>', 'kallsyms'),
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
  for (const path of kallsymsCandidates(buildId, search)) {
    const syms = readKallsyms(path);
    if (syms) return syms;
  }
  return undefined;
}

function kallsymsCandidates(buildId: string, search: KallsymsSearch): string[] {
  const candidates: string[] = [];
  for (const dir of [...(search.moreCacheDirs ?? []), search.cacheDir ?? buildIdCacheDir()]) {
    const cached = join(dir, '[kernel.kallsyms]', buildId, 'kallsyms');
    if (existsSync(cached)) candidates.push(cached);
  }
  const proc = search.procKallsyms ?? '/proc/kallsyms';
  if (runningKernelBuildId(search.kernelNotes) === buildId) candidates.push(proc);
  return candidates;
}

function readKallsyms(path: string): KernelSymbols | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  const syms = parseKallsyms(bytes, path);
  return syms.textAddress && syms.textAddress !== 0n ? syms : undefined;
}

export interface KernelNames {
  /** The kallsyms the names come from. */
  source: string;
  /** Per address, the covering symbol's name, undefined where none of `module` covers it. */
  names: (string | undefined)[];
}

/**
 * The names perf report gives `addresses` (as recorded) of the kernel (`module` undefined) or of one module, from
 * the recorded kernel's kallsyms (findKernelSymbols). Reading /proc/kallsyms costs the kernel ~70 ms of system time
 * to print 5 MB, so the answers for one address set are kept in the symbol cache: a second load of the same
 * profile reads no kallsyms. The kernel's answers are keyed by the addresses relative to the recorded `_text`, which
 * a build-id fixes whatever KASLR did; a copy in a build-id cache also by its size and mtime.
 */
export function nameKernelAddresses(
  buildId: string | undefined,
  search: KallsymsSearch,
  module: string | undefined,
  recordedText: bigint | undefined,
  addresses: readonly bigint[],
  cache: SymbolCache | false | undefined,
): KernelNames | undefined {
  if (!buildId) return undefined;
  const store = cache === false ? undefined : (cache ?? new SymbolCache());
  const proc = search.procKallsyms ?? '/proc/kallsyms';
  for (const path of kallsymsCandidates(buildId, search)) {
    // Modules move between loads and boots: only the kernel's own answers are kept.
    const key =
      store && !module && recordedText !== undefined
        ? kernelNamesKey(buildId, path, path === proc, recordedText, addresses)
        : undefined;
    const hit = key ? store!.readEntry(key) : undefined;
    if (
      hit &&
      hit.source === path &&
      Array.isArray(hit.names) &&
      hit.names.length === addresses.length &&
      hit.names.every((n) => n === null || typeof n === 'string')
    ) {
      return { source: path, names: (hit.names as (string | null)[]).map((n) => n ?? undefined) };
    }
    const syms = readKallsyms(path);
    if (!syms) continue;
    // KASLR: a copy from another boot of the same kernel is shifted; `_text` as recorded and as in the copy says by
    // how much. Modules are placed apart from the kernel, so only the kernel's own addresses are shifted.
    const shift =
      !module && syms.textAddress !== undefined && recordedText !== undefined ? syms.textAddress - recordedText : 0n;
    const names = addresses.map((a) => {
      const sym = syms.lookup(a + shift);
      return sym && sym.module === module ? sym.name : undefined;
    });
    if (key) store!.writeEntry(key, { source: path, names: names.map((n) => n ?? null) });
    return { source: path, names };
  }
  return undefined;
}

function kernelNamesKey(
  buildId: string,
  path: string,
  isProc: boolean,
  recordedText: bigint,
  addresses: readonly bigint[],
): string {
  const h = createHash('sha256').update(`${buildId}\0${path}\0${codeStamp()}\0`);
  if (!isProc) {
    const st = statSync(path);
    h.update(`${st.size}\0${st.mtimeMs}\0`);
  }
  h.update(addresses.map((a) => (a - recordedText).toString(16)).join(','));
  return `kallsyms-${buildId}-${h.digest('hex').slice(0, 16)}`;
}

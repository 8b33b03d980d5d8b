/**
 * Sample address → (DSO, file offset), tracking the address spaces the way perf does, and file offset → ELF
 * virtual address. Pure: the caller feeds MMAP/MMAP2/FORK records in time order and reads any ELF itself.
 *
 * perf's rules, mirrored so that the counts agree with `perf script`/`perf report`:
 * - maps belong to a process (pid); its threads share them; pid −1 (cpumode kernel) is the kernel and modules;
 * - a new map replaces the part of any older map it overlaps (maps__fixup_overlappings), keeping the rest;
 * - a forked process starts with a copy of its parent's maps; an exec does not clear them (perf keeps stale maps
 *   until a new mmap covers them);
 * - a user-mode sample outside every user map but in the kernel's range is looked up in the kernel maps (vsyscall).
 */
import { addrSubAdd, type Addr } from './binary';
import { Misc, PerfContext } from './constants';
import { isContextMarker } from './sample';

export const KERNEL_DSO = '[kernel.kallsyms]';
export const GUEST_KERNEL_DSO = '[guest.kernel.kallsyms]';
export const UNKNOWN_DSO = '[unknown]';

export interface MappedRegion {
  start: Addr;
  /** Exclusive. */
  end: Addr;
  pgoff: Addr;
  /** The mapped file as recorded, `[kernel.kallsyms]` for the kernel. */
  dso: string;
  buildId?: string;
}

export interface ResolvedAddress {
  dso: string;
  /**
   * `ip − map start + pgoff`: the offset in the DSO file for user DSOs; for the kernel perf maps `_text` at
   * pgoff = its own address, so this is the kernel virtual address. For `[unknown]`, the ip itself.
   */
  fileOffset: Addr;
}

export interface MmapLike {
  pid: number;
  addr: Addr;
  len: Addr;
  pgoff: Addr;
  filename: string;
  misc?: number;
  buildId?: string;
  /** MMAP2 only: PROT_* bits. */
  prot?: number;
}

const PROT_EXEC = 4;
const MISC_MMAP_DATA = 0x2000;

/**
 * perf's name for executable anonymous memory (JIT code): `[JIT] tid <pid>` in perf report, whose symbols come from
 * the JIT's /tmp/perf-<pid>.map when there is one. Undefined for every other map.
 */
export function jitDsoName(m: MmapLike): string | undefined {
  const anon =
    m.filename === '//anon' ||
    m.filename === '/dev/zero' ||
    m.filename === '/anon_hugepage' ||
    m.filename.startsWith('[anon:');
  if (!anon || m.pid < 0) return undefined;
  const exec = m.prot !== undefined ? (m.prot & PROT_EXEC) !== 0 : ((m.misc ?? 0) & MISC_MMAP_DATA) === 0;
  return exec ? `${JIT_DSO_PREFIX}${m.pid}` : undefined;
}
export const JIT_DSO_PREFIX = '[JIT] tid ';

export function dsoName(filename: string): string {
  if (filename.startsWith(KERNEL_DSO)) return KERNEL_DSO;
  if (filename.startsWith(GUEST_KERNEL_DSO)) return GUEST_KERNEL_DSO;
  return filename;
}

/**
 * A kernel module's map as perf names it: `/lib/modules/…/nf-conntrack.ko.xz` → `[nf_conntrack]` (kmod_path__parse:
 * the file name without `.ko` and its compression suffix, `-` read as `_`, in brackets, as /proc/kallsyms writes it).
 */
export function kernelModuleName(filename: string): string | undefined {
  if (filename.startsWith('[') && filename.endsWith(']')) return filename;
  const m = /([^/]+)\.ko(\.(xz|gz|zst|bz2))?$/.exec(filename);
  return m ? `[${m[1]!.replace(/-/g, '_')}]` : undefined;
}

/** True for a DSO name that is a kernel module's (`[ext4]`), not the kernel itself or a user-space pseudo-map. */
export function isKernelModuleDso(dso: string): boolean {
  return /^\[[A-Za-z0-9_]+\]$/.test(dso) && !USER_PSEUDO.has(dso);
}
const USER_PSEUDO = new Set([
  '[vdso]',
  '[vsyscall]',
  '[vvar]',
  '[heap]',
  '[stack]',
  '[unknown]',
  '[anon]',
  '[uprobes]',
]);

export class AddressSpaces {
  private readonly procs = new Map<number, MappedRegion[]>();
  private readonly kernel: MappedRegion[] = [];
  /** perf's machine->kernel_start: the lowest kernel map, 2^63 until one is seen. */
  private kernelStart: Addr = 2n ** 63n;
  /** Bumped by every map change: a callchain resolved under one generation resolves the same until the next. */
  generation = 0;

  mmap(m: MmapLike): void {
    this.generation++;
    const end = addrSubAdd(m.addr, 0, m.len);
    if (end <= m.addr) return; // zero-length or wrapping: nothing can fall in it
    const cpumode = (m.misc ?? 0) & Misc.CPUMODE_MASK;
    const isKernel = cpumode === Misc.KERNEL || cpumode === Misc.GUEST_KERNEL || (cpumode === 0 && m.pid === -1);
    const region: MappedRegion = { start: m.addr, end, pgoff: m.pgoff, dso: dsoName(m.filename) };
    if (m.buildId) region.buildId = m.buildId;
    const jit = jitDsoName(m);
    if (jit) {
      // Symbols of JIT code are looked up by address (perf's identity map), like the kernel's.
      region.dso = jit;
      region.pgoff = m.addr;
    }
    const module =
      isKernel && region.dso !== KERNEL_DSO && region.dso !== GUEST_KERNEL_DSO
        ? kernelModuleName(m.filename)
        : undefined;
    if (module) {
      // perf looks module symbols up by address (kallsyms gives them so): keep the ip as the "offset".
      region.dso = module;
      region.pgoff = m.addr;
    }
    if (isKernel) {
      insert(this.kernel, region);
      if (this.kernel[0]!.start < this.kernelStart) this.kernelStart = this.kernel[0]!.start;
    } else {
      let list = this.procs.get(m.pid);
      if (!list) this.procs.set(m.pid, (list = []));
      insert(list, region);
    }
  }

  /** A new process (pid ≠ ppid) inherits a copy of its parent's maps; a new thread shares its process's. */
  fork(pid: number, ppid: number): void {
    if (pid === ppid) return;
    this.generation++;
    const parent = this.procs.get(ppid);
    this.procs.set(pid, parent ? parent.slice() : []);
  }

  /** The maps of a process, in address order (for tests and diagnostics). */
  regions(pid: number): readonly MappedRegion[] {
    return pid === -1 ? this.kernel : (this.procs.get(pid) ?? []);
  }

  /** Where a sample (or callchain) ip taken in `cpumode` (misc & 7) of process `pid` lands. */
  resolve(pid: number, ip: Addr, cpumode: number): ResolvedAddress {
    const m = this.regionOf(pid, ip, cpumode);
    if (!m) return { dso: UNKNOWN_DSO, fileOffset: ip };
    return { dso: m.dso, fileOffset: addrSubAdd(ip, m.start, m.pgoff) };
  }

  /** The map `resolve` takes an ip's DSO and offset from; undefined for `[unknown]` (and context markers). */
  regionOf(pid: number, ip: Addr, cpumode: number): MappedRegion | undefined {
    if (isContextMarker(ip)) return undefined;
    let m: MappedRegion | undefined;
    if (cpumode === Misc.KERNEL || cpumode === Misc.GUEST_KERNEL) {
      m = find(this.kernel, ip);
    } else if (cpumode === Misc.USER || cpumode === Misc.GUEST_USER || cpumode === Misc.CPUMODE_UNKNOWN) {
      const list = this.procs.get(pid);
      m = list && find(list, ip);
      if (!m && ip >= this.kernelStart) m = find(this.kernel, ip);
    }
    return m;
  }
}

/** Last region starting at or below ip, if ip is inside it. */
function find(list: MappedRegion[], ip: Addr): MappedRegion | undefined {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.start <= ip) lo = mid + 1;
    else hi = mid - 1;
  }
  const m = list[hi];
  return m && ip < m.end ? m : undefined;
}

/** Inserts `r`, cutting older regions down to the parts it does not cover. */
function insert(list: MappedRegion[], r: MappedRegion): void {
  // Regions do not overlap, so those touching r form one run starting at the last region below r.start.
  let i = 0;
  while (i < list.length && list[i]!.end <= r.start) i++;
  const keep: MappedRegion[] = [];
  let j = i;
  for (; j < list.length && list[j]!.start < r.end; j++) {
    const old = list[j]!;
    if (old.start < r.start) keep.push({ ...old, end: r.start });
    if (old.end > r.end) keep.push({ ...old, start: r.end, pgoff: addrSubAdd(old.pgoff, old.start, r.end) });
  }
  const before = keep.filter((k) => k.start < r.start);
  const after = keep.filter((k) => k.start >= r.end);
  list.splice(i, j - i, ...before, r, ...after);
}

/** An ELF PT_LOAD program header, as read by the caller. */
export interface LoadSegment {
  offset: number;
  vaddr: number;
  filesz: number;
}

/**
 * The ELF virtual address (what addr2line and objdump use) of a DSO file offset: the PT_LOAD segment whose file
 * bytes contain it decides. Undefined when no segment does (a kernel address, or a wrong DSO).
 */
export function fileOffsetToVaddr(fileOffset: Addr, loads: readonly LoadSegment[]): number | undefined {
  if (typeof fileOffset !== 'number') return undefined;
  for (const s of loads) {
    if (fileOffset >= s.offset && fileOffset < s.offset + s.filesz) return fileOffset - s.offset + s.vaddr;
  }
  return undefined;
}

export interface CallchainFrame {
  ip: Addr;
  cpumode: number;
}

/**
 * The addresses of a callchain with the cpu mode each was taken in: PERF_CONTEXT_* markers switch the mode and are
 * dropped. Frames before any marker take the sample's own mode.
 */
export function callchainFrames(chain: readonly Addr[], sampleCpumode: number): CallchainFrame[] {
  const out: CallchainFrame[] = [];
  let mode = sampleCpumode;
  for (const ip of chain) {
    if (isContextMarker(ip)) {
      const m = CONTEXT_MODE.get(ip as bigint);
      if (m !== undefined) mode = m;
      continue;
    }
    out.push({ ip, cpumode: mode });
  }
  return out;
}

const CONTEXT_MODE = new Map<bigint, number>([
  [PerfContext.KERNEL, Misc.KERNEL],
  [PerfContext.USER, Misc.USER],
  [PerfContext.HV, Misc.HYPERVISOR],
  [PerfContext.GUEST_KERNEL, Misc.GUEST_KERNEL],
  [PerfContext.GUEST_USER, Misc.GUEST_USER],
]);

/**
 * Just enough of ELF to symbolize samples: program headers (PT_LOAD, to turn a file offset into a virtual address),
 * section headers, symbols (to check that a binary is the one a profile was recorded from), the GNU build-id and
 * `.gnu_debuglink`. There is no maintained ELF reader on npm that covers 32/64-bit and both byte orders with
 * symbols and notes, and this is small.
 */
import { demangleSymbol } from './demangle';
import { buildIdPaths, debugLinkPaths } from './debug-files';
import { readElfParts } from './elf-read';

export interface LoadSegment {
  offset: number;
  vaddr: number;
  fileSize: number;
  memSize: number;
  executable: boolean;
}

export interface ElfSection {
  name: string;
  type: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  entrySize: number;
  /** sh_flags (SHF_EXECINSTR = 4: the section holds code). */
  flags: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /**
   * STT_FUNC, STT_GNU_IFUNC, or a label (STT_NOTYPE, named, defined in a code section: ld.so's `_start`), the
   * symbols perf names samples by (`elf_sym__is_function` / `elf_sym__is_label` in perf's symbol-elf.c).
   */
  isFunction: boolean;
  /** STB_LOCAL 0, STB_GLOBAL 1, STB_WEAK 2: perf prefers global over weak over local among aliases. */
  binding?: number;
}

export interface ElfFile {
  path: string;
  is64: boolean;
  littleEndian: boolean;
  type: number;
  loadSegments: LoadSegment[];
  sections: ElfSection[];
  buildId?: string;
  debugLink?: string;
  hasDebugInfo: boolean;
  symbols(): ElfSymbol[];
  /** One `name@plt` per PLT stub (.plt, .plt.sec, .plt.got), as perf and objdump name them; x86 only. */
  pltSymbols(): ElfSymbol[];
}

export class ElfError extends Error {
  constructor(file: string, offset: number, what: string) {
    super(`${file}: byte ${offset}: ${what}`);
    this.name = 'ElfError';
  }
}

const PT_LOAD = 1;
const PF_X = 1;
const SHT_SYMTAB = 2;
const SHT_NOTE = 7;
const SHT_DYNSYM = 11;
const STT_NOTYPE = 0;
const STT_FUNC = 2;
const SHN_LORESERVE = 0xff00;
const SHF_EXECINSTR = 4;
const STT_GNU_IFUNC = 10;

export function readElf(path: string): ElfFile {
  // Only the parts parseElf reads (headers, notes, symbols, relocations, PLT): not .text or DWARF.
  return parseElf(readElfParts(path), path);
}

export function parseElf(buf: Buffer, path: string): ElfFile {
  if (buf.length < 52 || buf.readUInt32BE(0) !== 0x7f454c46) throw new ElfError(path, 0, 'not an ELF file (bad magic)');
  const cls = buf[4];
  const data = buf[5];
  if (cls !== 1 && cls !== 2) throw new ElfError(path, 4, `unknown ELF class ${cls}`);
  if (data !== 1 && data !== 2) throw new ElfError(path, 5, `unknown ELF byte order ${data}`);
  const is64 = cls === 2;
  const le = data === 1;
  const need = (off: number, len: number, what: string): void => {
    if (off < 0 || off + len > buf.length) throw new ElfError(path, off, `${what} lies past the end of the file (${buf.length} bytes)`);
  };
  const u16 = (o: number): number => (need(o, 2, 'field'), le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (need(o, 4, 'field'), le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  // Addresses beyond 2^53 do not occur in user-space DSOs; kernel images are never symbolized through this path.
  const u64 = (o: number): number => (need(o, 8, 'field'), Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)));
  const word = is64 ? u64 : u32;

  const type = u16(16);
  const phoff = word(is64 ? 32 : 28);
  const shoff = word(is64 ? 40 : 32);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  const shentsize = u16(is64 ? 58 : 46);
  const shnum = u16(is64 ? 60 : 48);
  const shstrndx = u16(is64 ? 62 : 50);

  const loadSegments: LoadSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    need(p, phentsize, `program header ${i}`);
    if (u32(p) !== PT_LOAD) continue;
    const flags = is64 ? u32(p + 4) : u32(p + 24);
    loadSegments.push(
      is64
        ? { offset: u64(p + 8), vaddr: u64(p + 16), fileSize: u64(p + 32), memSize: u64(p + 40), executable: (flags & PF_X) !== 0 }
        : { offset: u32(p + 4), vaddr: u32(p + 8), fileSize: u32(p + 16), memSize: u32(p + 20), executable: (flags & PF_X) !== 0 },
    );
  }

  const raw: Omit<ElfSection, 'name'>[] = [];
  const nameOffsets: number[] = [];
  for (let i = 0; i < shnum; i++) {
    const s = shoff + i * shentsize;
    need(s, shentsize, `section header ${i}`);
    nameOffsets.push(u32(s));
    raw.push(
      is64
        ? { type: u32(s + 4), flags: u64(s + 8), addr: u64(s + 16), offset: u64(s + 24), size: u64(s + 32), link: u32(s + 40), entrySize: u64(s + 56) }
        : { type: u32(s + 4), flags: u32(s + 8), addr: u32(s + 12), offset: u32(s + 16), size: u32(s + 20), link: u32(s + 24), entrySize: u32(s + 36) },
    );
  }
  const cstr = (off: number): string => {
    const end = buf.indexOf(0, off);
    return buf.toString('utf8', off, end < 0 ? buf.length : end);
  };
  const strtab = raw[shstrndx];
  const sections: ElfSection[] = raw.map((s, i) => ({ ...s, name: strtab && shstrndx < shnum ? cstr(strtab.offset + nameOffsets[i]) : '' }));

  let buildId: string | undefined;
  for (const s of sections) {
    if (s.type !== SHT_NOTE) continue;
    need(s.offset, s.size, `note section ${s.name}`);
    const end = s.offset + s.size;
    for (let o = s.offset; o + 12 <= end; ) {
      const nameSize = u32(o);
      const descSize = u32(o + 4);
      const noteType = u32(o + 8);
      const nameAt = o + 12;
      // Sizes are bounded by the section before they are rounded, so a size near 2^32 cannot wrap the step
      // negative (align4 works on 32-bit ints) and every step moves forward by at least the 12-byte note header.
      if (nameSize > end - nameAt) throw new ElfError(path, o, `note in ${s.name || 'a note section'} has namesz ${nameSize}, more than the ${end - nameAt} bytes left in its section`);
      const descAt = nameAt + align4(nameSize);
      if (descSize > end - Math.min(descAt, end)) throw new ElfError(path, o + 4, `note in ${s.name || 'a note section'} has descsz ${descSize}, more than the ${Math.max(0, end - descAt)} bytes left in its section`);
      // NT_GNU_BUILD_ID = 3, owner "GNU"
      if (noteType === 3 && buf.toString('latin1', nameAt, nameAt + 3) === 'GNU') {
        need(descAt, descSize, 'build-id note');
        buildId = buf.toString('hex', descAt, descAt + descSize);
      }
      o = descAt + align4(descSize);
    }
  }
  const linkSection = sections.find((s) => s.name === '.gnu_debuglink');
  const debugLink = linkSection ? (need(linkSection.offset, linkSection.size, '.gnu_debuglink'), cstr(linkSection.offset)) : undefined;
  const hasDebugInfo = sections.some((s) => s.name === '.debug_line' || s.name === '.zdebug_line');

  const symbols = (): ElfSymbol[] => {
    const out: ElfSymbol[] = [];
    for (const table of sections.filter((s) => s.type === SHT_SYMTAB || s.type === SHT_DYNSYM)) {
      const names = sections[table.link];
      const size = table.entrySize || (is64 ? 24 : 16);
      need(table.offset, table.size, `symbol table ${table.name}`);
      for (let o = table.offset; o + size <= table.offset + table.size; o += size) {
        const nameOff = u32(o);
        const info = is64 ? buf[o + 4] : buf[o + 12];
        const value = is64 ? u64(o + 8) : u32(o + 4);
        const symSize = is64 ? u64(o + 16) : u32(o + 8);
        const kind = info & 0xf;
        if (!nameOff || !names) continue;
        const shndx = is64 ? u16(o + 6) : u16(o + 14);
        const isLabel = kind === STT_NOTYPE && shndx !== 0 && shndx < SHN_LORESERVE && ((sections[shndx]?.flags ?? 0) & SHF_EXECINSTR) !== 0;
        out.push({ name: cstr(names.offset + nameOff), value, size: symSize, isFunction: kind === STT_FUNC || kind === STT_GNU_IFUNC || isLabel, binding: info >> 4 });
      }
    }
    return out;
  };

  const machine = u16(18);
  const pltSymbols = (): ElfSymbol[] => (machine === EM_X86_64 || machine === EM_386 ? x86PltSymbols(buf, sections, is64, u32, word) : []);

  return { path, is64, littleEndian: le, type, loadSegments, sections, buildId, debugLink, hasDebugInfo, symbols, pltSymbols };
}

const EM_386 = 3;
const EM_X86_64 = 62;
const SHT_RELA = 4;
const SHT_REL = 9;

/**
 * PLT stubs have no symbols of their own. Each stub is an indirect jump through a GOT slot (`jmp *disp(%rip)`, or
 * `jmp *abs32` in non-PIC i386 code), and the dynamic relocation of that slot (JUMP_SLOT in .rela.plt, GLOB_DAT in
 * .rela.dyn for .plt.got) names the function: the stub is `<name>@plt`. Reading the jump instead of counting entries
 * covers lazy .plt, IBT's .plt.sec (whose .plt entries only jump to the resolver) and .plt.got alike.
 */
function x86PltSymbols(buf: Buffer, sections: ElfSection[], is64: boolean, u32: (o: number) => number, word: (o: number) => number): ElfSymbol[] {
  const slotNames = new Map<number, string>();
  for (const rel of sections) {
    if (rel.type !== SHT_RELA && rel.type !== SHT_REL) continue;
    const syms = sections[rel.link];
    const strs = syms && sections[syms.link];
    if (!syms || !strs || (syms.type !== SHT_DYNSYM && syms.type !== SHT_SYMTAB)) continue;
    const entSize = rel.entrySize || (is64 ? (rel.type === SHT_RELA ? 24 : 16) : rel.type === SHT_RELA ? 12 : 8);
    const symSize = syms.entrySize || (is64 ? 24 : 16);
    if (rel.offset + rel.size > buf.length) continue;
    for (let o = rel.offset; o + entSize <= rel.offset + rel.size; o += entSize) {
      const slot = word(o);
      const info = word(o + (is64 ? 8 : 4));
      const symIndex = is64 ? Math.floor(info / 2 ** 32) : info >>> 8;
      const at = syms.offset + symIndex * symSize;
      if (!symIndex || at + symSize > syms.offset + syms.size) continue;
      const nameOff = u32(at);
      if (!nameOff || strs.offset + nameOff >= buf.length) continue;
      const end = buf.indexOf(0, strs.offset + nameOff);
      slotNames.set(slot, buf.toString('utf8', strs.offset + nameOff, end < 0 ? buf.length : end));
    }
  }
  if (!slotNames.size) return [];
  const out: ElfSymbol[] = [];
  for (const sec of sections) {
    if (sec.name !== '.plt' && sec.name !== '.plt.sec' && sec.name !== '.plt.got') continue;
    if (sec.offset + sec.size > buf.length) continue;
    const entry = sec.entrySize >= 8 && sec.entrySize <= 32 ? sec.entrySize : sec.name === '.plt.got' ? 8 : 16;
    for (let e = 0; e + entry <= sec.size; e += entry) {
      // The first indirect jump in the stub: ff 25 disp32 (a bnd prefix f2 may lead it).
      const base = sec.offset + e;
      for (let i = 0; i + 6 <= entry; i++) {
        if (buf[base + i] !== 0xff || buf[base + i + 1] !== 0x25) continue;
        const disp = buf.readInt32LE(base + i + 2);
        const slot = is64 ? sec.addr + e + i + 6 + disp : disp >>> 0;
        const name = slotNames.get(slot);
        if (name) out.push({ name: `${name}@plt`, value: sec.addr + e, size: entry, isFunction: true });
        break;
      }
    }
  }
  return out;
}

/** Rounds up to a multiple of 4 in plain arithmetic: bitwise operators would truncate to 32 bits and wrap. */
function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

/**
 * Looks up the function symbol covering an address: perf's symbol for a sample, without perf, named as perf report
 * shows it (PLT stubs as `name@plt`, C++ demangled without parameters).
 */
export function functionLookup(elf: Pick<ElfFile, 'symbols'> & Partial<ElfFile>): (vaddr: number) => string | undefined {
  const lookup = rawFunctionLookup({ symbols: () => symbolSource(elf).symbols(), pltSymbols: elf.pltSymbols });
  const names = new Map<string, string>();
  return (vaddr) => {
    const raw = lookup(vaddr);
    if (raw === undefined) return undefined;
    let name = names.get(raw);
    if (name === undefined) names.set(raw, (name = demangleSymbol(raw)));
    return name;
  };
}

/**
 * Where the symbols come from, as perf loads them: a stripped binary's full .symtab lives in its separate debug file
 * (build-id cache, /usr/lib/debug, .gnu_debuglink), which perf reads first; the PLT is always the binary's own.
 */
function symbolSource(elf: Pick<ElfFile, 'symbols'> & Partial<ElfFile>): Pick<ElfFile, 'symbols'> {
  if (!elf.sections || !elf.path || elf.sections.some((s) => s.type === SHT_SYMTAB)) return elf;
  const separate = [...(elf.buildId ? buildIdPaths(elf.buildId) : []), ...(elf.debugLink ? debugLinkPaths(elf.path, elf.debugLink) : [])];
  for (const p of separate) {
    try {
      const debug = readElf(p);
      if (debug.sections.some((s) => s.type === SHT_SYMTAB) && (!elf.buildId || !debug.buildId || debug.buildId === elf.buildId)) return debug;
    } catch {
      /* not an ELF file: try the next place */
    }
  }
  return elf;
}

/** The covering symbol as the symbol table spells it. */
export function rawFunctionLookup(elf: Pick<ElfFile, 'symbols'> & Partial<Pick<ElfFile, 'pltSymbols'>>): (vaddr: number) => string | undefined {
  const sorted = [...elf.symbols(), ...(elf.pltSymbols?.() ?? [])]
    .filter((s) => s.isFunction && s.value > 0)
    .sort((a, b) => a.value - b.value || b.size - a.size);
  // One symbol per address, perf's pick among aliases (symbols__fixup_duplicate).
  const funcs: ElfSymbol[] = [];
  for (const f of sorted) {
    const last = funcs[funcs.length - 1];
    if (last && last.value === f.value) {
      if (chooseBest(f, last)) funcs[funcs.length - 1] = f;
    } else funcs.push(f);
  }
  const starts = funcs.map((f) => f.value);
  return (vaddr) => {
    let lo = 0;
    let hi = starts.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= vaddr) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Walk back over zero-size neighbours and nested symbols to the one that really covers the address; a
    // zero-size symbol reaches the next symbol's start (perf's symbols__fixup_end).
    for (let i = at; i >= 0 && i > at - 4; i--) {
      const f = funcs[i];
      if (vaddr >= f.value && (vaddr < f.value + f.size || (f.size === 0 && i === at))) return f.name;
    }
    return undefined;
  };
}

function leadingUnderscores(name: string): number {
  let n = 0;
  while (name[n] === '_') n++;
  return n;
}

/**
 * perf's choose_best_symbol: true when `a` should name the address rather than `b`. A sized symbol over a
 * zero-size one, non-weak over weak, global over local, fewer leading underscores, then the longer name
 * (`cfree@GLIBC_2.2.5` over `free`, `malloc` over `__libc_malloc`).
 */
export function chooseBest(a: ElfSymbol, b: ElfSymbol): boolean {
  if ((a.size > 0) !== (b.size > 0)) return a.size > 0;
  const weakA = a.binding === STB_WEAK;
  const weakB = b.binding === STB_WEAK;
  if (weakA !== weakB) return !weakA;
  const globalA = a.binding === STB_GLOBAL;
  const globalB = b.binding === STB_GLOBAL;
  if (globalA !== globalB) return globalA;
  const ua = leadingUnderscores(a.name);
  const ub = leadingUnderscores(b.name);
  if (ua !== ub) return ua < ub;
  return a.name.length > b.name.length;
}

const STB_GLOBAL = 1;
const STB_WEAK = 2;

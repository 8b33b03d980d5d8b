/**
 * Just enough of ELF to symbolize samples: program headers (PT_LOAD, to turn a file offset into a virtual address),
 * section headers, symbols (to check that a binary is the one a profile was recorded from), the GNU build-id and
 * `.gnu_debuglink`. There is no maintained ELF reader on npm that covers 32/64-bit and both byte orders with
 * symbols and notes, and this is small.
 */
import { demangleSymbol } from './demangle';
import { buildIdPaths, debugLinkPaths } from './debug-files';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

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
  /** The same symbols as typed columns, names decoded only when asked for (lookups over all of libc's .symtab). */
  symbolTable(): SymbolTable;
  /** One `name@plt` per PLT stub (.plt, .plt.sec, .plt.got), as perf and objdump name them; x86 only. */
  pltSymbols(): ElfSymbol[];
}

/** `symbols()` in columns: entry i is `symbols()[i]`. */
export interface SymbolTable {
  count: number;
  value: Float64Array;
  size: Float64Array;
  /** Bit 0: isFunction; bits 4–7: binding. */
  flags: Uint8Array;
  name(i: number): string;
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

/** The ELF header's fields and checked readers over `buf`, shared by `parseElf` and `readElfParts`. */
function elfHeader(buf: Buffer, path: string) {
  if (buf.length < 52 || buf.readUInt32BE(0) !== 0x7f454c46) throw new ElfError(path, 0, 'not an ELF file (bad magic)');
  const cls = buf[4];
  const data = buf[5];
  if (cls !== 1 && cls !== 2) throw new ElfError(path, 4, `unknown ELF class ${cls}`);
  if (data !== 1 && data !== 2) throw new ElfError(path, 5, `unknown ELF byte order ${data}`);
  const is64 = cls === 2;
  const le = data === 1;
  const need = (off: number, len: number, what: string): void => {
    if (off < 0 || off + len > buf.length)
      throw new ElfError(path, off, `${what} lies past the end of the file (${buf.length} bytes)`);
  };
  const u16 = (o: number): number => (need(o, 2, 'field'), le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (need(o, 4, 'field'), le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  // Addresses beyond 2^53 do not occur in user-space DSOs; kernel images are never symbolized through this path.
  // Two halves, not a BigInt per field: the same double (one rounding), a fraction of the cost.
  const u64 = (o: number): number => (
    need(o, 8, 'field'),
    le
      ? buf.readUInt32LE(o + 4) * 4294967296 + buf.readUInt32LE(o)
      : buf.readUInt32BE(o) * 4294967296 + buf.readUInt32BE(o + 4)
  );
  const word = is64 ? u64 : u32;
  return {
    is64,
    le,
    need,
    u16,
    u32,
    u64,
    word,
    type: u16(16),
    machine: u16(18),
    phoff: word(is64 ? 32 : 28),
    shoff: word(is64 ? 40 : 32),
    phentsize: u16(is64 ? 54 : 42),
    phnum: u16(is64 ? 56 : 44),
    shentsize: u16(is64 ? 58 : 46),
    shnum: u16(is64 ? 60 : 48),
    shstrndx: u16(is64 ? 62 : 50),
  };
}

type ElfHeader = ReturnType<typeof elfHeader>;

/** The section headers, without names; `nameOffsets[i]` is section i's name in the section-name table. */
function sectionHeaders(h: ElfHeader): { raw: Omit<ElfSection, 'name'>[]; nameOffsets: number[] } {
  const { is64, need, u32, u64 } = h;
  const raw: Omit<ElfSection, 'name'>[] = [];
  const nameOffsets: number[] = [];
  for (let i = 0; i < h.shnum; i++) {
    const s = h.shoff + i * h.shentsize;
    need(s, h.shentsize, `section header ${i}`);
    nameOffsets.push(u32(s));
    raw.push(
      is64
        ? {
            type: u32(s + 4),
            flags: u64(s + 8),
            addr: u64(s + 16),
            offset: u64(s + 24),
            size: u64(s + 32),
            link: u32(s + 40),
            entrySize: u64(s + 56),
          }
        : {
            type: u32(s + 4),
            flags: u32(s + 8),
            addr: u32(s + 12),
            offset: u32(s + 16),
            size: u32(s + 20),
            link: u32(s + 24),
            entrySize: u32(s + 36),
          },
    );
  }
  return { raw, nameOffsets };
}

/** Below this a single read is cheaper than finding the parts. */
const WHOLE_FILE_BYTES = 512 * 1024;
const HEAD_BYTES = 4096;
/** PROGBITS sections that are read by name: the debug link and the PLT stubs (named from their jumps). */
const READ_BY_NAME = new Set(['.gnu_debuglink', '.plt', '.plt.sec', '.plt.got']);

/**
 * Reading an ELF file for `parseElf` without reading all of it. Finding and checking a binary (its build-id, load
 * segments, debug link, symbols) needs the headers, the notes, the symbol and relocation tables and the PLT, but
 * not `.text`, `.rodata` or the DWARF sections, which are most of a binary and nearly all of a debug file (libc's
 * 4 MB debug file: 0.3 MB of symbols). The result is a buffer of the file's full size in which only those parts are
 * filled, at their own offsets, so `parseElf` (and its bounds checks) sees the same bytes it would in the whole file;
 * the untouched rest is zero pages the system never has to back.
 */
export function readElfParts(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(size);
    const fill = (off: number, len: number): void => {
      const from = Math.max(0, Math.min(off, size));
      const to = Math.max(from, Math.min(off + len, size));
      for (let at = from; at < to;) {
        const n = readSync(fd, buf, at, to - at, at);
        if (n <= 0) break;
        at += n;
      }
    };
    if (size <= WHOLE_FILE_BYTES) {
      fill(0, size);
      return buf;
    }
    fill(0, HEAD_BYTES);
    try {
      const h = elfHeader(buf, path);
      fill(h.phoff, h.phentsize * h.phnum);
      fill(h.shoff, h.shentsize * h.shnum);
      const { raw: sections, nameOffsets } = sectionHeaders(h);
      const names = sections[h.shstrndx];
      if (names) fill(names.offset, names.size);
      const name = (i: number): string => {
        if (!names) return '';
        const at = names.offset + nameOffsets[i]!;
        const end = buf.indexOf(0, at);
        return at < size ? buf.toString('utf8', at, end < 0 ? size : end) : '';
      };
      sections.forEach((s, i) => {
        const symbols = s.type === SHT_SYMTAB || s.type === SHT_DYNSYM;
        if (symbols || s.type === SHT_NOTE || s.type === SHT_REL || s.type === SHT_RELA || READ_BY_NAME.has(name(i)))
          fill(s.offset, s.size);
        // The string table a symbol table names (whatever its type), and a relocation table's symbols and theirs.
        if (symbols) {
          const strs = sections[s.link];
          if (strs) fill(strs.offset, strs.size);
        }
        if (s.type === SHT_REL || s.type === SHT_RELA) {
          const syms = sections[s.link];
          const strs = syms && sections[syms.link];
          if (syms) fill(syms.offset, syms.size);
          if (strs) fill(strs.offset, strs.size);
        }
      });
    } catch (e) {
      // Not an ELF file, or headers past its end: parseElf gives the error from what was read.
      if (!(e instanceof ElfError)) throw e;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

export function parseElf(buf: Buffer, path: string): ElfFile {
  const h = elfHeader(buf, path);
  const { is64, le, need, u16, u32, u64, word, type, phoff, phentsize, phnum, shnum, shstrndx } = h;

  const loadSegments: LoadSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    need(p, phentsize, `program header ${i}`);
    if (u32(p) !== PT_LOAD) continue;
    const flags = is64 ? u32(p + 4) : u32(p + 24);
    loadSegments.push(
      is64
        ? {
            offset: u64(p + 8),
            vaddr: u64(p + 16),
            fileSize: u64(p + 32),
            memSize: u64(p + 40),
            executable: (flags & PF_X) !== 0,
          }
        : {
            offset: u32(p + 4),
            vaddr: u32(p + 8),
            fileSize: u32(p + 16),
            memSize: u32(p + 20),
            executable: (flags & PF_X) !== 0,
          },
    );
  }

  const { raw, nameOffsets } = sectionHeaders(h);
  const cstr = (off: number): string => {
    const end = buf.indexOf(0, off);
    return buf.toString('utf8', off, end < 0 ? buf.length : end);
  };
  const strtab = raw[shstrndx];
  const sections: ElfSection[] = raw.map((s, i) => ({
    ...s,
    name: strtab && shstrndx < shnum ? cstr(strtab.offset + nameOffsets[i]) : '',
  }));

  let buildId: string | undefined;
  for (const s of sections) {
    if (s.type !== SHT_NOTE) continue;
    need(s.offset, s.size, `note section ${s.name}`);
    const end = s.offset + s.size;
    for (let o = s.offset; o + 12 <= end;) {
      const nameSize = u32(o);
      const descSize = u32(o + 4);
      const noteType = u32(o + 8);
      const nameAt = o + 12;
      // Sizes are bounded by the section before they are rounded, so a size near 2^32 cannot wrap the step
      // negative (align4 works on 32-bit ints) and every step moves forward by at least the 12-byte note header.
      if (nameSize > end - nameAt)
        throw new ElfError(
          path,
          o,
          `note in ${s.name || 'a note section'} has namesz ${nameSize}, more than the ${end - nameAt} bytes left in its section`,
        );
      const descAt = nameAt + align4(nameSize);
      if (descSize > end - Math.min(descAt, end))
        throw new ElfError(
          path,
          o + 4,
          `note in ${s.name || 'a note section'} has descsz ${descSize}, more than the ${Math.max(0, end - descAt)} bytes left in its section`,
        );
      // NT_GNU_BUILD_ID = 3, owner "GNU"
      if (noteType === 3 && buf.toString('latin1', nameAt, nameAt + 3) === 'GNU') {
        need(descAt, descSize, 'build-id note');
        buildId = buf.toString('hex', descAt, descAt + descSize);
      }
      o = descAt + align4(descSize);
    }
  }
  const linkSection = sections.find((s) => s.name === '.gnu_debuglink');
  const debugLink = linkSection
    ? (need(linkSection.offset, linkSection.size, '.gnu_debuglink'), cstr(linkSection.offset))
    : undefined;
  const hasDebugInfo = sections.some((s) => s.name === '.debug_line' || s.name === '.zdebug_line');

  let table: SymbolTable | undefined;
  const symbolTable = (): SymbolTable => {
    if (table) return table;
    const tables = sections.filter((s) => s.type === SHT_SYMTAB || s.type === SHT_DYNSYM);
    let cap = 0;
    for (const t of tables) {
      need(t.offset, t.size, `symbol table ${t.name}`);
      cap += Math.floor(t.size / (t.entrySize || (is64 ? 24 : 16)));
    }
    const value = new Float64Array(cap);
    const size = new Float64Array(cap);
    const flags = new Uint8Array(cap);
    const nameAt = new Float64Array(cap);
    let n = 0;
    for (const t of tables) {
      const names = sections[t.link];
      const entry = t.entrySize || (is64 ? 24 : 16);
      if (!names) continue;
      // The table lies inside the file (checked above): plain reads, and 64-bit fields as two halves, not BigInts.
      // (An entry size below the fields' own lets a read reach past the table: checked reads then.)
      const plain = entry >= (is64 ? 24 : 16);
      const r16 = !plain
        ? u16
        : le
          ? (o: number): number => buf.readUInt16LE(o)
          : (o: number): number => buf.readUInt16BE(o);
      const r32 = !plain
        ? u32
        : le
          ? (o: number): number => buf.readUInt32LE(o)
          : (o: number): number => buf.readUInt32BE(o);
      const r64 = !plain
        ? u64
        : le
          ? (o: number): number => buf.readUInt32LE(o + 4) * 4294967296 + buf.readUInt32LE(o)
          : (o: number): number => buf.readUInt32BE(o) * 4294967296 + buf.readUInt32BE(o + 4);
      for (let o = t.offset; o + entry <= t.offset + t.size; o += entry) {
        const nameOff = r32(o);
        if (!nameOff) continue;
        const info = is64 ? buf[o + 4]! : buf[o + 12]!;
        const kind = info & 0xf;
        const shndx = is64 ? r16(o + 6) : r16(o + 14);
        const isLabel =
          kind === STT_NOTYPE &&
          shndx !== 0 &&
          shndx < SHN_LORESERVE &&
          ((sections[shndx]?.flags ?? 0) & SHF_EXECINSTR) !== 0;
        value[n] = is64 ? r64(o + 8) : r32(o + 4);
        size[n] = is64 ? r64(o + 16) : r32(o + 8);
        flags[n] = (info & 0xf0) | (kind === STT_FUNC || kind === STT_GNU_IFUNC || isLabel ? 1 : 0);
        nameAt[n] = names.offset + nameOff;
        n++;
      }
    }
    return (table = { count: n, value, size, flags, name: (i) => cstr(nameAt[i]!) });
  };
  const symbols = (): ElfSymbol[] => {
    const t = symbolTable();
    const out: ElfSymbol[] = [];
    for (let i = 0; i < t.count; i++)
      out.push({
        name: t.name(i),
        value: t.value[i]!,
        size: t.size[i]!,
        isFunction: (t.flags[i]! & 1) === 1,
        binding: t.flags[i]! >> 4,
      });
    return out;
  };

  const machine = h.machine;
  const pltSymbols = (): ElfSymbol[] =>
    machine === EM_X86_64 || machine === EM_386 ? x86PltSymbols(buf, sections, is64, u32, word) : [];

  return {
    path,
    is64,
    littleEndian: le,
    type,
    loadSegments,
    sections,
    buildId,
    debugLink,
    hasDebugInfo,
    symbols,
    symbolTable,
    pltSymbols,
  };
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
function x86PltSymbols(
  buf: Buffer,
  sections: ElfSection[],
  is64: boolean,
  u32: (o: number) => number,
  word: (o: number) => number,
): ElfSymbol[] {
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
export function functionLookup(
  elf: Pick<ElfFile, 'symbols'> & Partial<ElfFile>,
): (vaddr: number) => string | undefined {
  const source = (): Pick<ElfFile, 'symbols'> & Partial<ElfFile> => symbolSource(elf);
  const lookup = rawFunctionLookup({
    symbols: () => source().symbols(),
    symbolTable: () => tableOf(source()),
    pltSymbols: elf.pltSymbols,
  });
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
  const separate = [
    ...(elf.buildId ? buildIdPaths(elf.buildId) : []),
    ...(elf.debugLink ? debugLinkPaths(elf.path, elf.debugLink) : []),
  ];
  for (const p of separate) {
    try {
      const debug = readElf(p);
      if (
        debug.sections.some((s) => s.type === SHT_SYMTAB) &&
        (!elf.buildId || !debug.buildId || debug.buildId === elf.buildId)
      )
        return debug;
    } catch {
      /* not an ELF file: try the next place */
    }
  }
  return elf;
}

/** The covering symbol as the symbol table spells it. */
export function rawFunctionLookup(
  elf: Pick<ElfFile, 'symbols'> & Partial<Pick<ElfFile, 'pltSymbols' | 'symbolTable'>>,
): (vaddr: number) => string | undefined {
  const index = functionIndex(tableOf(elf), elf.pltSymbols?.() ?? []);
  return (vaddr) => {
    const i = index.covering(vaddr);
    return i < 0 ? undefined : index.name(i);
  };
}

function tableOf(elf: Pick<ElfFile, 'symbols'> & Partial<Pick<ElfFile, 'symbolTable'>>): SymbolTable {
  return elf.symbolTable ? elf.symbolTable() : tableFromList(elf.symbols());
}

function tableFromList(list: readonly ElfSymbol[]): SymbolTable {
  const n = list.length;
  const t = {
    count: n,
    value: new Float64Array(n),
    size: new Float64Array(n),
    flags: new Uint8Array(n),
    name: (i: number) => list[i]!.name,
  };
  list.forEach((s, i) => {
    t.value[i] = s.value;
    t.size[i] = s.size;
    t.flags[i] = ((s.binding ?? 0) << 4) | (s.isFunction ? 1 : 0);
  });
  return t;
}

/** The function symbols of a table (and PLT stubs), one per start address, in address order. */
export interface FunctionIndex {
  count: number;
  start: Float64Array;
  size: Float64Array;
  name(i: number): string;
  /** The entry covering `vaddr`, or -1: the covering rules of perf's symbols__find after symbols__fixup_end. */
  covering(vaddr: number): number;
}

/**
 * Sorts by (address, larger size first, table order) without a comparator call per pair when addresses fit in 32
 * bits (every user-space DSO): address × 2^20 + entry number is sorted as plain doubles. Of the symbols at one
 * address perf's pick (symbols__fixup_duplicate, `chooseBest`) is kept; names are decoded only for such groups and
 * for the entries a lookup returns.
 */
export function functionIndex(table: SymbolTable, plt: readonly ElfSymbol[] = []): FunctionIndex {
  const all = plt.length ? concatTables(table, tableFromList(plt)) : table;
  const { value, size, flags } = all;
  const cand: number[] = [];
  let small = all.count < 1 << 20;
  for (let i = 0; i < all.count; i++) {
    if ((flags[i]! & 1) === 0 || !(value[i]! > 0)) continue;
    cand.push(i);
    if (value[i]! >= 2 ** 32) small = false;
  }
  let order: number[];
  if (small) {
    const keys = new Float64Array(cand.length);
    for (let k = 0; k < cand.length; k++) keys[k] = value[cand[k]!]! * 2 ** 20 + cand[k]!;
    keys.sort();
    order = Array.from(keys, (key) => key % 2 ** 20);
  } else order = cand.slice().sort((a, b) => value[a]! - value[b]! || a - b);
  const symbolOf = (i: number): ElfSymbol => ({
    name: all.name(i),
    value: value[i]!,
    size: size[i]!,
    isFunction: true,
    binding: flags[i]! >> 4,
  });
  const start = new Float64Array(order.length);
  const sizes = new Float64Array(order.length);
  const entry = new Int32Array(order.length);
  let n = 0;
  for (let k = 0; k < order.length;) {
    let end = k + 1;
    while (end < order.length && value[order[end]!] === value[order[k]!]) end++;
    let best = order[k]!;
    if (end - k > 1) {
      // Within one address: larger size first, then table order (the stable sort of the object list did that).
      const group = order.slice(k, end).sort((a, b) => size[b]! - size[a]! || a - b);
      let bestSym = symbolOf(group[0]!);
      best = group[0]!;
      for (let g = 1; g < group.length; g++) {
        const s = symbolOf(group[g]!);
        if (chooseBest(s, bestSym)) {
          bestSym = s;
          best = group[g]!;
        }
      }
    }
    start[n] = value[best]!;
    sizes[n] = size[best]!;
    entry[n] = best;
    n++;
    k = end;
  }
  const names: (string | undefined)[] = new Array<string | undefined>(n);
  return {
    count: n,
    start: start.subarray(0, n),
    size: sizes.subarray(0, n),
    name: (i) => (names[i] ??= all.name(entry[i]!)),
    covering(vaddr) {
      let lo = 0;
      let hi = n - 1;
      let at = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (start[mid]! <= vaddr) {
          at = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      // Walk back over zero-size neighbours and nested symbols to the one that really covers the address; a
      // zero-size symbol reaches the next symbol's start (perf's symbols__fixup_end).
      for (let i = at; i >= 0 && i > at - 4; i--) {
        if (vaddr >= start[i]! && (vaddr < start[i]! + sizes[i]! || (sizes[i] === 0 && i === at))) return i;
      }
      return -1;
    },
  };
}

function concatTables(a: SymbolTable, b: SymbolTable): SymbolTable {
  const n = a.count + b.count;
  const t = {
    count: n,
    value: new Float64Array(n),
    size: new Float64Array(n),
    flags: new Uint8Array(n),
    name: (i: number) => (i < a.count ? a.name(i) : b.name(i - a.count)),
  };
  t.value.set(a.value.subarray(0, a.count));
  t.value.set(b.value.subarray(0, b.count), a.count);
  t.size.set(a.size.subarray(0, a.count));
  t.size.set(b.size.subarray(0, b.count), a.count);
  t.flags.set(a.flags.subarray(0, a.count));
  t.flags.set(b.flags.subarray(0, b.count), a.count);
  return t;
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
  if (a.size > 0 !== b.size > 0) return a.size > 0;
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

/**
 * Reading an ELF file for `parseElf` without reading all of it. Finding and checking a binary (its build-id, load
 * segments, debug link, symbols) needs the headers, the notes, the symbol and relocation tables and the PLT, but
 * not `.text`, `.rodata` or the DWARF sections, which are most of a binary and nearly all of a debug file (libc's
 * 4 MB debug file: 0.3 MB of symbols). The result is a buffer of the file's full size in which only those parts are
 * filled, at their own offsets, so `parseElf` (and its bounds checks) sees the same bytes it would in the whole file;
 * the untouched rest is zero pages the system never has to back.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Below this a single read is cheaper than finding the parts. */
const WHOLE_FILE_BYTES = 512 * 1024;
const HEAD_BYTES = 4096;

const SHT_SYMTAB = 2;
const SHT_RELA = 4;
const SHT_NOTE = 7;
const SHT_REL = 9;
const SHT_DYNSYM = 11;
/** PROGBITS sections that are read by name: the debug link and the PLT stubs (named from their jumps). */
const NAMED = new Set(['.gnu_debuglink', '.plt', '.plt.sec', '.plt.got']);

export function readElfParts(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(size);
    const fill = (off: number, len: number): void => {
      const from = Math.max(0, Math.min(off, size));
      const to = Math.max(from, Math.min(off + len, size));
      for (let at = from; at < to; ) {
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
    // Anything that does not look like an ELF header: parseElf gives the error from what was read.
    if (buf.readUInt32BE(0) !== 0x7f454c46 || (buf[4] !== 1 && buf[4] !== 2) || (buf[5] !== 1 && buf[5] !== 2)) return buf;
    const is64 = buf[4] === 2;
    const le = buf[5] === 1;
    const u16 = (o: number): number => (o + 2 <= size ? (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o)) : 0);
    const u32 = (o: number): number => (o + 4 <= size ? (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o)) : 0);
    const u64 = (o: number): number => (o + 8 <= size ? Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)) : 0);
    const word = is64 ? u64 : u32;
    const phoff = word(is64 ? 32 : 28);
    const shoff = word(is64 ? 40 : 32);
    const phentsize = u16(is64 ? 54 : 42);
    const phnum = u16(is64 ? 56 : 44);
    const shentsize = u16(is64 ? 58 : 46);
    const shnum = u16(is64 ? 60 : 48);
    const shstrndx = u16(is64 ? 62 : 50);
    fill(phoff, phentsize * phnum);
    fill(shoff, shentsize * shnum);
    const header = (i: number): { type: number; offset: number; size: number; link: number; nameOff: number } => {
      const s = shoff + i * shentsize;
      return is64
        ? { nameOff: u32(s), type: u32(s + 4), offset: u64(s + 24), size: u64(s + 32), link: u32(s + 40) }
        : { nameOff: u32(s), type: u32(s + 4), offset: u32(s + 16), size: u32(s + 20), link: u32(s + 24) };
    };
    const sections = Array.from({ length: shnum }, (_, i) => header(i));
    const names = sections[shstrndx];
    if (names) fill(names.offset, names.size);
    const name = (nameOff: number): string => {
      if (!names) return '';
      const at = names.offset + nameOff;
      const end = buf.indexOf(0, at);
      return at < size ? buf.toString('utf8', at, end < 0 ? size : end) : '';
    };
    for (const s of sections) {
      const symbols = s.type === SHT_SYMTAB || s.type === SHT_DYNSYM;
      if (symbols || s.type === SHT_NOTE || s.type === SHT_REL || s.type === SHT_RELA || NAMED.has(name(s.nameOff))) {
        fill(s.offset, s.size);
      }
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
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

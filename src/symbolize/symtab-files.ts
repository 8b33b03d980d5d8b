/**
 * The source file the symbol table gives a function: the `STT_FILE` symbol that precedes it in `.symtab` (the
 * linker keeps each object's local symbols after its FILE symbol, and puts an empty FILE symbol before the
 * globals). Both addr2line and llvm-symbolizer print it, with line 0, for code no DWARF unit covers (crtstuff.c).
 * `elf.ts` keeps no symbol types, so the entries are read here; every read is checked against the file's size.
 */
import type { ElfFile } from './elf';

const SHT_SYMTAB = 2;
const STT_FUNC = 2;
const STT_FILE = 4;
const STT_GNU_IFUNC = 10;

/** `name\0value` of each function symbol → the name of the FILE symbol before it ('' when none). */
export function functionFiles(buf: Uint8Array, elf: ElfFile): Map<string, string> {
  const out = new Map<string, string>();
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = elf.littleEndian;
  const entry = elf.is64 ? 24 : 16;
  for (const table of elf.sections) {
    if (table.type !== SHT_SYMTAB) continue;
    const names = elf.sections[table.link];
    if (!names || table.offset + table.size > buf.length || names.offset + names.size > buf.length) continue;
    const step = table.entrySize >= entry ? table.entrySize : entry;
    let file = '';
    for (let o = table.offset; o + entry <= table.offset + table.size; o += step) {
      const nameOff = dv.getUint32(o, le);
      const info = buf[o + (elf.is64 ? 4 : 12)]!;
      const kind = info & 0xf;
      if (kind !== STT_FILE && kind !== STT_FUNC && kind !== STT_GNU_IFUNC) continue;
      const name = nameOff < names.size ? cstring(buf, names.offset + nameOff, names.offset + names.size) : '';
      if (kind === STT_FILE) {
        file = name;
        continue;
      }
      const value = elf.is64
        ? dv.getUint32(o + (le ? 8 : 12), le) + dv.getUint32(o + (le ? 12 : 8), le) * 4294967296
        : dv.getUint32(o + 4, le);
      const key = `${name}\0${value}`;
      if (name && !out.has(key)) out.set(key, file);
    }
  }
  return out;
}

function cstring(buf: Uint8Array, start: number, end: number): string {
  let e = start;
  while (e < end && buf[e] !== 0) e++;
  return Buffer.from(buf.buffer, buf.byteOffset + start, e - start).toString('utf8');
}

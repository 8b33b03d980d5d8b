/**
 * The DWARF sections of an ELF file, decompressed: `SHF_COMPRESSED` sections (ELF compression header, zlib or
 * zstd) and GNU `.zdebug_*` sections ("ZLIB" + big-endian size + zlib stream). The section table comes from
 * `../elf.ts`; the one field it does not keep, `sh_flags`, is read here from the same bytes.
 */
import { readFileSync } from 'node:fs';
import type { ZlibOptions } from 'node:zlib';
import { promisify } from 'node:util';
import { decompress as zstdDecompress } from 'fzstd';
import { parseElf, type ElfFile, type ElfSection } from '../elf';
import { DwarfError, type SectionData } from './reader';

const SHF_COMPRESSED = 0x800;
const SHT_NOBITS = 8;
const ELFCOMPRESS_ZLIB = 1;
const ELFCOMPRESS_ZSTD = 2;
/** No real debug section comes near this; a corrupt compression header must not make us allocate gigabytes. */
export const MAX_DECOMPRESSED = 1 << 30;
// One output chunk for the whole section: with the default 16 KiB chunks, 5 MB of output is 350 callbacks and copies.
// node:zlib is required on first use: a load answered by the symbol cache inflates nothing.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const zlib = (): typeof import('node:zlib') => require('node:zlib') as typeof import('node:zlib');
let inflatePromise: ((buf: Uint8Array, options: ZlibOptions) => Promise<Buffer>) | undefined;
const inflateAsync = (buf: Uint8Array, options: ZlibOptions): Promise<Buffer> =>
  (inflatePromise ??= promisify<Uint8Array, ZlibOptions, Buffer>(zlib().inflate))(buf, options);

export interface DebugSections {
  file: string;
  elf: ElfFile;
  littleEndian: boolean;
  /** By name without the `z` of `.zdebug_*`: `.debug_line`, `.debug_line_str`, `.debug_str`, `.debug_info`, `.debug_abbrev`, `.debug_str_offsets`. */
  get(name: string): SectionData | undefined;
}

export function readDebugSections(path: string): DebugSections {
  return debugSectionsOf(readFileSync(path), path);
}

/** `inflated`: sections `inflateDebugSections` already decompressed, by name. */
export function debugSectionsOf(buf: Buffer, path: string, inflated?: ReadonlyMap<string, Uint8Array>): DebugSections {
  const elf = parseElf(buf, path);
  const byName = debugSectionTable(elf, sectionFlags(buf, elf));
  const cache = new Map<string, SectionData | undefined>();
  return {
    file: path,
    elf,
    littleEndian: elf.littleEndian,
    get(name) {
      if (cache.has(name)) return cache.get(name);
      const entry = byName.get(name);
      const data = entry
        ? loadSection(buf, path, elf, entry.section, entry.flags, name, inflated?.get(name))
        : undefined;
      cache.set(name, data);
      return data;
    },
  };
}

/** A section's compressed payload, or undefined when its bytes are stored as they are. */
interface Compressed {
  type: number;
  body: Uint8Array;
  size: number;
  headerSize: number;
}

function compressedPayload(
  buf: Buffer,
  path: string,
  elf: ElfFile,
  s: ElfSection,
  flags: number,
): Compressed | undefined {
  const raw = new Uint8Array(buf.buffer, buf.byteOffset + s.offset, s.size);
  if (flags & SHF_COMPRESSED) {
    const le = elf.littleEndian;
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const headerSize = elf.is64 ? 24 : 12;
    if (raw.length < headerSize)
      throw new DwarfError(
        path,
        s.name,
        0,
        `compressed section is shorter (${raw.length} bytes) than its compression header`,
        s.offset,
      );
    const type = dv.getUint32(0, le);
    const size = elf.is64
      ? dv.getUint32(le ? 8 : 12, le) + dv.getUint32(le ? 12 : 8, le) * 4294967296
      : dv.getUint32(4, le);
    return { type, body: raw.subarray(headerSize), size, headerSize };
  }
  // binutils stores a .zdebug section uncompressed when compression would not make it smaller.
  if (
    s.name.startsWith('.zdebug_') &&
    raw.length >= 12 &&
    String.fromCharCode(raw[0]!, raw[1]!, raw[2]!, raw[3]!) === 'ZLIB'
  ) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return {
      type: ELFCOMPRESS_ZLIB,
      body: raw.subarray(12),
      size: dv.getUint32(4, false) * 4294967296 + dv.getUint32(8, false),
      headerSize: 12,
    };
  }
  return undefined;
}

function checkBounds(buf: Buffer, path: string, s: ElfSection): void {
  if (s.offset + s.size > buf.length) {
    throw new DwarfError(
      path,
      s.name,
      0,
      `section of ${s.size} bytes at file byte 0x${s.offset.toString(16)} lies past the end of the file (${buf.length} bytes)`,
      s.offset,
    );
  }
}

function loadSection(
  buf: Buffer,
  path: string,
  elf: ElfFile,
  s: ElfSection,
  flags: number,
  name: string,
  ready?: Uint8Array,
): SectionData | undefined {
  if (s.type === SHT_NOBITS) return undefined; // stripped into a separate debug file: no bytes here
  checkBounds(buf, path, s);
  const c = compressedPayload(buf, path, elf, s, flags);
  if (!c) return { name, data: new Uint8Array(buf.buffer, buf.byteOffset + s.offset, s.size), fileOffset: s.offset };
  return { name, data: ready ?? decompress(path, s, c.type, c.body, c.size, c.headerSize) };
}

/**
 * Decompresses the zlib-compressed ones among `names` on libuv's thread pool, all at once: libc's debug file holds
 * 9 MB of zlib data, whose inflating then runs beside the main thread's work (another binary's DWARF, the next
 * file's read) and on every core, instead of in turn inside the first lookup. What does not decompress here is left
 * to `get`, which gives the error.
 */
export async function inflateDebugSections(
  buf: Buffer,
  path: string,
  names: readonly string[],
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  let elf: ElfFile;
  try {
    elf = parseElf(buf, path);
  } catch {
    return out;
  }
  const flags = sectionFlags(buf, elf);
  const jobs: Promise<void>[] = [];
  for (const [name, { section, flags: f }] of debugSectionTable(elf, flags)) {
    if (!names.includes(name) || section.type === SHT_NOBITS || section.offset + section.size > buf.length) continue;
    let c: Compressed | undefined;
    try {
      c = compressedPayload(buf, path, elf, section, f);
    } catch {
      continue;
    }
    if (!c || c.type !== ELFCOMPRESS_ZLIB || c.size > MAX_DECOMPRESSED) continue;
    const size = c.size;
    jobs.push(
      inflateAsync(c.body, { maxOutputLength: Math.max(size, 1), chunkSize: Math.max(size, 64 * 1024) }).then(
        (data) => {
          if (data.length === size) out.set(name, data);
        },
        () => undefined,
      ),
    );
  }
  await Promise.all(jobs);
  return out;
}

function debugSectionTable(elf: ElfFile, flags: number[]): Map<string, { section: ElfSection; flags: number }> {
  const byName = new Map<string, { section: ElfSection; flags: number }>();
  elf.sections.forEach((s, i) => {
    const name = s.name.startsWith('.zdebug_') ? '.' + s.name.slice(2) : s.name;
    if (!name.startsWith('.debug_')) return;
    // Prefer an uncompressed copy when, oddly, both exist.
    if (!byName.has(name) || !s.name.startsWith('.zdebug_')) byName.set(name, { section: s, flags: flags[i] ?? 0 });
  });
  return byName;
}

function decompress(
  path: string,
  s: ElfSection,
  type: number,
  body: Uint8Array,
  size: number,
  headerSize: number,
): Uint8Array {
  const fail = (problem: string): never => {
    throw new DwarfError(path, s.name, headerSize, problem, s.offset);
  };
  if (size > MAX_DECOMPRESSED)
    fail(`compressed section claims ${size} bytes once decompressed, above the ${MAX_DECOMPRESSED}-byte limit`);
  let out: Uint8Array;
  if (type === ELFCOMPRESS_ZLIB) {
    try {
      out = zlib().inflateSync(body, { maxOutputLength: Math.max(size, 1) });
    } catch (e) {
      return fail(`zlib data does not decompress: ${(e as Error).message}`);
    }
  } else if (type === ELFCOMPRESS_ZSTD) {
    const target = new Uint8Array(size);
    try {
      // Giving fzstd the output buffer also keeps it from allocating the window a damaged frame header asks for.
      out = zstdDecompress(body, target);
    } catch (e) {
      return fail(`zstd data does not decompress: ${(e as Error).message}`);
    }
  } else {
    return fail(`unknown compression type ${type} (known: 1 = zlib, 2 = zstd)`);
  }
  if (out.length !== size) fail(`section decompresses to ${out.length} bytes, its header says ${size}`);
  return out;
}

/** sh_flags of every section, in section-table order (`ElfSection` has no flags). */
function sectionFlags(buf: Buffer, elf: ElfFile): number[] {
  const le = elf.littleEndian;
  const is64 = elf.is64;
  const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  // parseElf already checked that the header and every section header lie inside the file.
  const shoff = is64 ? Number(le ? buf.readBigUInt64LE(40) : buf.readBigUInt64BE(40)) : u32(32);
  const shentsize = u16(is64 ? 58 : 46);
  return elf.sections.map((_, i) => {
    const at = shoff + i * shentsize + 8;
    // sh_flags is 8 bytes in ELF64; every flag we care about is in the low word.
    return is64 ? u32(le ? at : at + 4) : u32(at);
  });
}

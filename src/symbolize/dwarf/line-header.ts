/**
 * The header of a DWARF `.debug_line` unit (versions 2–5, 32- and 64-bit DWARF): unit boundaries, the standard
 * opcode lengths, and the directory and file tables with the paths built from them. The state machine that runs
 * the program after the header is in line-program.ts; the file-numbering rules are explained there.
 */
import { ByteReader, stringAt, type SectionData } from './reader';

export interface FileEntry {
  /** The full path: directory and comp dir joined as described above. */
  path: string;
  /** The name as recorded. */
  name: string;
  directoryIndex: number;
  modificationTime?: number;
  size?: number;
  /** DWARF 5 DW_LNCT_MD5, 16 bytes as hex. */
  md5?: string;
}

export interface LineProgramHeader {
  /** Offset of the unit in `.debug_line` (what DW_AT_stmt_list holds). */
  offset: number;
  /** Offset just past the unit. */
  end: number;
  format: 32 | 64;
  version: number;
  /** From the header in DWARF 5; for older versions, the size the caller assumed (from the ELF class). */
  addressSize: number;
  segmentSelectorSize: number;
  minimumInstructionLength: number;
  maximumOperationsPerInstruction: number;
  defaultIsStmt: boolean;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  standardOpcodeLengths: number[];
  /** Directory table as recorded (DWARF 2–4: include_directories, which is 1-based; DWARF 5: 0-based). */
  directories: string[];
  /**
   * The compilation directory used for relative paths, if known. DWARF 5: directory entry 0. DWARF 2–4:
   * DW_AT_comp_dir, asked of `LineContext.compDirFor` only when some path is relative to it.
   */
  compDir?: string;
  /** File table as read from the header (DWARF 2–4: index 0 here is file number 1). */
  files: FileEntry[];
  /** Offset of the first opcode. */
  programOffset: number;
}

/** What a line program is read against. */
export interface LineContext {
  /** Named in every error. */
  file: string;
  littleEndian: boolean;
  debugLine: SectionData;
  debugLineStr?: SectionData;
  debugStr?: SectionData;
  /** Address size to assume before DWARF 5 (which states it): 8 for ELFCLASS64, 4 for ELFCLASS32. */
  defaultAddressSize: number;
  /** DW_AT_comp_dir of the unit whose DW_AT_stmt_list is this offset (needed for DWARF 2–4 relative paths only). */
  compDirFor?: (lineOffset: number) => string | undefined;
}

const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;
const DW_LNCT_timestamp = 3;
const DW_LNCT_size = 4;
const DW_LNCT_MD5 = 5;

/** The offsets of the units of `.debug_line`, found by walking their unit_length fields. */
export function lineProgramOffsets(ctx: LineContext): number[] {
  const r = new ByteReader(ctx.file, ctx.debugLine, ctx.littleEndian);
  const offsets: number[] = [];
  while (r.remaining > 0) {
    const start = r.offset;
    offsets.push(start);
    const { end } = readUnitLength(r);
    r.offset = end;
  }
  return offsets;
}

function readUnitLength(r: ByteReader): { end: number; offsetSize: 4 | 8 } {
  const start = r.offset;
  let length = r.u32('unit_length');
  let offsetSize: 4 | 8 = 4;
  if (length === 0xffffffff) {
    length = r.u64('64-bit unit_length');
    offsetSize = 8;
  } else if (length >= 0xfffffff0) {
    throw r.error(`unit_length 0x${length.toString(16)} is a reserved value`, start);
  }
  const end = r.offset + length;
  if (end > r.end)
    throw r.error(
      `line program of ${length} bytes (unit_length) runs past the end of the section (0x${r.end.toString(16)})`,
      start,
    );
  return { end, offsetSize };
}

export function parseLineProgramHeader(ctx: LineContext, offset: number): LineProgramHeader {
  const whole = new ByteReader(ctx.file, ctx.debugLine, ctx.littleEndian, offset);
  if (offset >= whole.end)
    throw whole.error(
      `no line program at offset 0x${offset.toString(16)}: the section is 0x${whole.end.toString(16)} bytes`,
    );
  const { end, offsetSize } = readUnitLength(whole);
  const r = whole.sub(whole.offset, end, 'line program');
  const versionAt = r.offset;
  const version = r.u16('version');
  if (version < 2 || version > 5)
    throw r.error(`unsupported line table version ${version} (2 to 5 are known)`, versionAt);
  let addressSize = ctx.defaultAddressSize;
  let segmentSelectorSize = 0;
  if (version >= 5) {
    const at = r.offset;
    addressSize = r.u8('address_size');
    if (addressSize !== 1 && addressSize !== 2 && addressSize !== 4 && addressSize !== 8)
      throw r.error(`address_size ${addressSize} is not 1, 2, 4 or 8`, at);
    segmentSelectorSize = r.u8('segment_selector_size');
  }
  const headerLengthAt = r.offset;
  const headerLength = r.sectionOffset(offsetSize, 'header_length');
  const programOffset = r.offset + headerLength;
  if (programOffset > end)
    throw r.error(
      `header_length ${headerLength} runs past the end of the line program (0x${end.toString(16)})`,
      headerLengthAt,
    );
  const h = r.sub(r.offset, programOffset, 'line program header');
  const minimumInstructionLength = h.u8('minimum_instruction_length');
  const maximumOperationsPerInstruction = version >= 4 ? h.u8('maximum_operations_per_instruction') : 1;
  const defaultIsStmt = h.u8('default_is_stmt') !== 0;
  const lineBase = h.i8('line_base');
  const lineRangeAt = h.offset;
  const lineRange = h.u8('line_range');
  const opcodeBase = h.u8('opcode_base');
  if (lineRange === 0) throw h.error('line_range is 0: special opcodes would divide by zero', lineRangeAt);
  if (opcodeBase === 0) throw h.error('opcode_base is 0', lineRangeAt + 1);
  const standardOpcodeLengths: number[] = [];
  for (let i = 1; i < opcodeBase; i++) standardOpcodeLengths.push(h.u8('standard_opcode_lengths'));

  const header: LineProgramHeader = {
    offset,
    end,
    format: offsetSize === 8 ? 64 : 32,
    version,
    addressSize,
    segmentSelectorSize,
    minimumInstructionLength,
    maximumOperationsPerInstruction,
    defaultIsStmt,
    lineBase,
    lineRange,
    opcodeBase,
    standardOpcodeLengths,
    directories: [],
    files: [],
    programOffset,
  };

  if (version >= 5) {
    const dirFormat = readEntryFormat(h, 'directory_entry_format');
    const dirCount = entryCount(h, dirFormat, 'directories_count', 'directory_entry_format');
    const dirEntries: RawEntry[] = [];
    for (let i = 0; i < dirCount; i++) dirEntries.push(readEntry(h, dirFormat, ctx, offsetSize, 'directory'));
    header.directories = dirEntries.map((e, i) => {
      if (e.path === undefined) throw h.error(`directory entry ${i} has no DW_LNCT_path`);
      return e.path;
    });
    header.compDir = header.directories[0];
    // Both reference tools join a relative directory entry, entry 0 included, to the unit's DW_AT_comp_dir.
    compDirOf.set(
      header,
      once(() => ctx.compDirFor?.(offset)),
    );
    const fileFormat = readEntryFormat(h, 'file_name_entry_format');
    const fileCount = entryCount(h, fileFormat, 'file_names_count', 'file_name_entry_format');
    for (let i = 0; i < fileCount; i++) {
      const e = readEntry(h, fileFormat, ctx, offsetSize, 'file name');
      if (e.path === undefined) throw h.error(`file entry ${i} has no DW_LNCT_path`);
      header.files.push(makeFile(header, e.path, e.directoryIndex ?? 0, e));
    }
  } else {
    for (;;) {
      const dir = h.cstring('include_directories entry');
      if (dir === '') break;
      header.directories.push(dir);
    }
    const compDir = once(() => ctx.compDirFor?.(offset));
    compDirOf.set(header, compDir);
    for (;;) {
      const name = h.cstring('file_names entry');
      if (name === '') break;
      const dirIndex = h.uleb('directory index');
      const modificationTime = h.uleb('modification time');
      const size = h.uleb('file length');
      header.files.push(makeFile(header, name, dirIndex, { modificationTime, size }));
    }
  }
  return header;
}

interface RawEntry {
  path?: string;
  directoryIndex?: number;
  modificationTime?: number;
  size?: number;
  md5?: string;
}

function readEntryFormat(h: ByteReader, what: string): { type: number; form: number }[] {
  const count = h.u8(`${what}_count`);
  const format: { type: number; form: number }[] = [];
  for (let i = 0; i < count; i++) format.push({ type: h.uleb(`${what} content type`), form: h.uleb(`${what} form`) });
  return format;
}

/**
 * A DWARF 5 entry count, bounded by the header bytes that remain: every form an entry can hold takes at least one
 * byte, so an entry of k fields needs k bytes, and a count that cannot fit is damage — caught here, before a loop
 * pushes 2^42 empty entries (an empty entry format reads no bytes at all, so no later bounds check would stop it).
 */
function entryCount(h: ByteReader, format: { type: number; form: number }[], what: string, formatWhat: string): number {
  const at = h.offset;
  const count = h.uleb(what);
  if (count === 0) return 0;
  if (format.length === 0)
    throw h.error(`${what} is ${count} but ${formatWhat}_count is 0: the entries would have no path`, at);
  if (count > h.remaining / format.length) {
    throw h.error(
      `${what} is ${count}, but ${count} entries of ${format.length} field${format.length === 1 ? '' : 's'} cannot fit in the ${h.remaining} bytes left in the header`,
      at,
    );
  }
  return count;
}

function readEntry(
  h: ByteReader,
  format: { type: number; form: number }[],
  ctx: LineContext,
  offsetSize: 4 | 8,
  what: string,
): RawEntry {
  const e: RawEntry = {};
  for (const { type, form } of format) {
    const at = h.offset;
    const v = readForm(h, form, ctx, offsetSize, what);
    switch (type) {
      case DW_LNCT_path:
        if (typeof v !== 'string')
          throw h.error(`${what} path has form 0x${form.toString(16)}, which is not a string form`, at);
        e.path = v;
        break;
      case DW_LNCT_directory_index:
        if (typeof v !== 'number')
          throw h.error(`${what} directory index has form 0x${form.toString(16)}, which is not a constant form`, at);
        e.directoryIndex = v;
        break;
      case DW_LNCT_timestamp:
        if (typeof v === 'number') e.modificationTime = v;
        break;
      case DW_LNCT_size:
        if (typeof v === 'number') e.size = v;
        break;
      case DW_LNCT_MD5:
        if (v instanceof Uint8Array && v.length === 16) e.md5 = Buffer.from(v).toString('hex');
        break;
      default:
        break; // vendor content (DW_LNCT_LLVM_source, …): read and ignored
    }
  }
  return e;
}

/** The forms DWARF 5 allows in line-table entry formats (§6.2.4.1), plus the few producers use beyond them. */
function readForm(
  h: ByteReader,
  form: number,
  ctx: LineContext,
  offsetSize: 4 | 8,
  what: string,
): string | number | Uint8Array {
  switch (form) {
    case 0x08: // DW_FORM_string
      return h.cstring(`${what} DW_FORM_string`);
    case 0x1f: // DW_FORM_line_strp
      return stringAt(
        '.debug_line_str',
        ctx.debugLineStr,
        h.sectionOffset(offsetSize, 'DW_FORM_line_strp'),
        h,
        `${what} DW_FORM_line_strp`,
      );
    case 0x0e: // DW_FORM_strp
      return stringAt(
        '.debug_str',
        ctx.debugStr,
        h.sectionOffset(offsetSize, 'DW_FORM_strp'),
        h,
        `${what} DW_FORM_strp`,
      );
    case 0x0f: // DW_FORM_udata
      return h.uleb(`${what} DW_FORM_udata`);
    case 0x0b: // DW_FORM_data1
      return h.u8(`${what} DW_FORM_data1`);
    case 0x05: // DW_FORM_data2
      return h.u16(`${what} DW_FORM_data2`);
    case 0x06: // DW_FORM_data4
      return h.u32(`${what} DW_FORM_data4`);
    case 0x07: // DW_FORM_data8
      return h.u64(`${what} DW_FORM_data8`);
    case 0x1e: // DW_FORM_data16
      return h.bytes(16, `${what} DW_FORM_data16`);
    case 0x0d: // DW_FORM_sdata
      return h.sleb(`${what} DW_FORM_sdata`);
    case 0x09: // DW_FORM_block
      return h.bytes(h.uleb(`${what} DW_FORM_block length`), `${what} DW_FORM_block`);
    case 0x0a: // DW_FORM_block1
      return h.bytes(h.u8(`${what} DW_FORM_block1 length`), `${what} DW_FORM_block1`);
    case 0x03: // DW_FORM_block2
      return h.bytes(h.u16(`${what} DW_FORM_block2 length`), `${what} DW_FORM_block2`);
    case 0x04: // DW_FORM_block4
      return h.bytes(h.u32(`${what} DW_FORM_block4 length`), `${what} DW_FORM_block4`);
    default:
      // strx forms need the unit's DW_AT_str_offsets_base, strp_sup a supplementary file: no producer puts them
      // in a line table header, and guessing would give wrong paths.
      throw h.error(
        `${what} entry uses form 0x${form.toString(16)}, which a line table header cannot be read with here`,
        h.offset,
      );
  }
}

export function makeFile(header: LineProgramHeader, name: string, directoryIndex: number, extra: RawEntry): FileEntry {
  const f: FileEntry = { path: filePath(header, name, directoryIndex), name, directoryIndex };
  if (extra.modificationTime !== undefined) f.modificationTime = extra.modificationTime;
  if (extra.size !== undefined) f.size = extra.size;
  if (extra.md5 !== undefined) f.md5 = extra.md5;
  return f;
}

export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

function join(dir: string, name: string): string {
  if (dir === '') return name;
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + name : dir + '/' + name;
}

/** addr2line's (binutils `concat_filename`) and llvm-symbolizer's joining, which perf and our model rely on. */
function filePath(header: LineProgramHeader, name: string, directoryIndex: number): string {
  if (isAbsolutePath(name)) return name;
  let dir: string | undefined;
  if (header.version >= 5) {
    dir = header.directories[directoryIndex];
    // A relative entry is joined to DW_AT_comp_dir (so `./debug` + `./debug` when entry 0 repeats a relative comp
    // dir, as addr2line and llvm-symbolizer print it); without it, entries other than 0 are relative to entry 0.
    const unitDir = dir !== undefined && !isAbsolutePath(dir) ? compDirOf.get(header)?.() : undefined;
    if (unitDir) dir = join(unitDir, dir!);
    else if (dir !== undefined && directoryIndex !== 0 && !isAbsolutePath(dir) && header.compDir)
      dir = join(header.compDir, dir);
  } else if (directoryIndex === 0) {
    dir = compDirNeeded(header);
  } else {
    dir = header.directories[directoryIndex - 1];
    if (dir !== undefined && !isAbsolutePath(dir)) {
      const compDir = compDirNeeded(header);
      if (compDir) dir = join(compDir, dir);
    }
  }
  return dir === undefined ? name : join(dir, name);
}

/** DWARF 2–4: the lazy DW_AT_comp_dir lookup of each header (.debug_info is read only if a path needs it). */
const compDirOf = new WeakMap<LineProgramHeader, () => string | undefined>();

function compDirNeeded(header: LineProgramHeader): string | undefined {
  const get = compDirOf.get(header);
  if (get && header.compDir === undefined) header.compDir = get();
  return header.compDir;
}

function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

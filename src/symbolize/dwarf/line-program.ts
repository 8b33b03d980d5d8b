/**
 * DWARF `.debug_line` (DWARF 2, 3, 4 and 5; 32- and 64-bit DWARF; either byte order; any address size): the
 * line-program header with its directory and file tables, and the line-number state machine of DWARF 5 §6.2.
 *
 * File numbering is the point of this reader. The file register starts at 1 in every version. In DWARF 2–4 file
 * 1 is the first entry of `file_names` (1-based; 0 means "the primary source file" only in DWARF 5); in DWARF 5
 * the table is 0-based, entry 0 is the primary source file, and file 1 is the *second* entry — in a `.c` that
 * includes an `.inc` first, that is the `.inc`. binutils 2.40 maps it to the `.c` (perf-formats.md §2 item 4).
 *
 * Paths are built the way addr2line and llvm-symbolizer build them, without normalising: an absolute file name
 * is kept; otherwise it is joined to its directory, and a relative directory is joined to the compilation
 * directory (DWARF 5: directory entry 0; DWARF 2–4: DW_AT_comp_dir of the unit, which the caller supplies).
 */
import { ByteReader, stringAt, type SectionData } from './reader';

export { DwarfError } from './reader';

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

export interface LineRow {
  address: number;
  /** Full path; '' when the row's file number is not in the file table. */
  file: string;
  line: number;
  column: number;
  isStmt: boolean;
  endSequence: boolean;
  discriminator: number;
}

export interface LineSequence {
  /** Address of the first row. */
  start: number;
  /** Address of the end_sequence row: the first address past the sequence. */
  end: number;
  /** Every row, the end_sequence row last (absent when `terminated` is false). */
  rows: LineRow[];
  /** False for rows left at the end of a unit without DW_LNE_end_sequence (corrupt or truncated input). */
  terminated: boolean;
}

export interface LineProgram {
  header: LineProgramHeader;
  /** The file table after the program ran (DW_LNE_define_file can add entries). */
  files: FileEntry[];
  sequences: LineSequence[];
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

/** Row flags passed to a RowSink. */
export const ROW_IS_STMT = 1;
export const ROW_END_SEQUENCE = 2;

/**
 * Receives rows as the state machine emits them, without allocating an object per row (the line table uses
 * this). `file` is an index into `files` (which may grow during the run), or -1 when the file number is invalid.
 */
export type RowSink = (address: number, file: number, line: number, column: number, flags: number, discriminator: number) => void;

// Standard opcodes
const DW_LNS_copy = 1;
const DW_LNS_advance_pc = 2;
const DW_LNS_advance_line = 3;
const DW_LNS_set_file = 4;
const DW_LNS_set_column = 5;
const DW_LNS_negate_stmt = 6;
const DW_LNS_set_basic_block = 7;
const DW_LNS_const_add_pc = 8;
const DW_LNS_fixed_advance_pc = 9;
const DW_LNS_set_prologue_end = 10;
const DW_LNS_set_epilogue_begin = 11;
const DW_LNS_set_isa = 12;
// Extended opcodes
const DW_LNE_end_sequence = 1;
const DW_LNE_set_address = 2;
const DW_LNE_define_file = 3;
const DW_LNE_set_discriminator = 4;
// DWARF 5 content types
const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;
const DW_LNCT_timestamp = 3;
const DW_LNCT_size = 4;
const DW_LNCT_MD5 = 5;

/** Reads every line program in `.debug_line`, one after the other. */
export function parseLinePrograms(ctx: LineContext): LineProgram[] {
  const out: LineProgram[] = [];
  for (const offset of lineProgramOffsets(ctx)) out.push(parseLineProgram(ctx, offset));
  return out;
}

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
  if (end > r.end) throw r.error(`line program of ${length} bytes (unit_length) runs past the end of the section (0x${r.end.toString(16)})`, start);
  return { end, offsetSize };
}

export function parseLineProgramHeader(ctx: LineContext, offset: number): LineProgramHeader {
  const whole = new ByteReader(ctx.file, ctx.debugLine, ctx.littleEndian, offset);
  if (offset >= whole.end) throw whole.error(`no line program at offset 0x${offset.toString(16)}: the section is 0x${whole.end.toString(16)} bytes`);
  const { end, offsetSize } = readUnitLength(whole);
  const r = whole.sub(whole.offset, end, 'line program');
  const versionAt = r.offset;
  const version = r.u16('version');
  if (version < 2 || version > 5) throw r.error(`unsupported line table version ${version} (2 to 5 are known)`, versionAt);
  let addressSize = ctx.defaultAddressSize;
  let segmentSelectorSize = 0;
  if (version >= 5) {
    const at = r.offset;
    addressSize = r.u8('address_size');
    if (addressSize !== 1 && addressSize !== 2 && addressSize !== 4 && addressSize !== 8) throw r.error(`address_size ${addressSize} is not 1, 2, 4 or 8`, at);
    segmentSelectorSize = r.u8('segment_selector_size');
  }
  const headerLengthAt = r.offset;
  const headerLength = r.sectionOffset(offsetSize, 'header_length');
  const programOffset = r.offset + headerLength;
  if (programOffset > end) throw r.error(`header_length ${headerLength} runs past the end of the line program (0x${end.toString(16)})`, headerLengthAt);
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
    const dirCount = h.uleb('directories_count');
    const dirEntries: RawEntry[] = [];
    for (let i = 0; i < dirCount; i++) dirEntries.push(readEntry(h, dirFormat, ctx, offsetSize, 'directory'));
    header.directories = dirEntries.map((e, i) => {
      if (e.path === undefined) throw h.error(`directory entry ${i} has no DW_LNCT_path`);
      return e.path;
    });
    header.compDir = header.directories[0];
    const fileFormat = readEntryFormat(h, 'file_name_entry_format');
    const fileCount = h.uleb('file_names_count');
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

function readEntry(h: ByteReader, format: { type: number; form: number }[], ctx: LineContext, offsetSize: 4 | 8, what: string): RawEntry {
  const e: RawEntry = {};
  for (const { type, form } of format) {
    const at = h.offset;
    const v = readForm(h, form, ctx, offsetSize, what);
    switch (type) {
      case DW_LNCT_path:
        if (typeof v !== 'string') throw h.error(`${what} path has form 0x${form.toString(16)}, which is not a string form`, at);
        e.path = v;
        break;
      case DW_LNCT_directory_index:
        if (typeof v !== 'number') throw h.error(`${what} directory index has form 0x${form.toString(16)}, which is not a constant form`, at);
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
function readForm(h: ByteReader, form: number, ctx: LineContext, offsetSize: 4 | 8, what: string): string | number | Uint8Array {
  switch (form) {
    case 0x08: // DW_FORM_string
      return h.cstring(`${what} DW_FORM_string`);
    case 0x1f: // DW_FORM_line_strp
      return stringAt('.debug_line_str', ctx.debugLineStr, h.sectionOffset(offsetSize, 'DW_FORM_line_strp'), h, `${what} DW_FORM_line_strp`);
    case 0x0e: // DW_FORM_strp
      return stringAt('.debug_str', ctx.debugStr, h.sectionOffset(offsetSize, 'DW_FORM_strp'), h, `${what} DW_FORM_strp`);
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
      throw h.error(`${what} entry uses form 0x${form.toString(16)}, which a line table header cannot be read with here`, h.offset);
  }
}

function makeFile(header: LineProgramHeader, name: string, directoryIndex: number, extra: RawEntry): FileEntry {
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
    // Entry 0 is the compilation directory itself; the others are relative to it.
    if (dir !== undefined && directoryIndex !== 0 && !isAbsolutePath(dir) && header.compDir) dir = join(header.compDir, dir);
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

/**
 * Runs the line-number program of a unit whose header is read, calling `sink` for every row. `files` starts as
 * the header's table and grows by DW_LNE_define_file; the sink's file indexes point into it. Returns it.
 */
export function runLineProgram(ctx: LineContext, header: LineProgramHeader, sink: RowSink, files: FileEntry[] = header.files.slice()): FileEntry[] {
  const r = new ByteReader(ctx.file, ctx.debugLine, ctx.littleEndian, header.programOffset, header.end, 'line program');
  const data = r.data;
  const end = header.end;
  const { minimumInstructionLength: minInst, lineBase, lineRange, opcodeBase, standardOpcodeLengths, defaultIsStmt } = header;
  // VLIW op_index: with one operation per instruction (every target perf profiles) it stays 0.
  const maxOps = Math.max(1, header.maximumOperationsPerInstruction);
  const fileBase = header.version >= 5 ? 0 : 1;
  const constAddPcAdvance = Math.floor((255 - opcodeBase) / lineRange);

  let address = 0;
  let opIndex = 0;
  let file = 1;
  let line = 1;
  let column = 0;
  let isStmt = defaultIsStmt;
  let discriminator = 0;

  const fileIndex = (): number => {
    const i = file - fileBase;
    return i >= 0 && i < files.length ? i : -1;
  };
  const advance = (operationAdvance: number): void => {
    if (maxOps === 1) address += minInst * operationAdvance;
    else {
      const total = opIndex + operationAdvance;
      address += minInst * Math.floor(total / maxOps);
      opIndex = total % maxOps;
    }
  };

  while (r.offset < end) {
    const opAt = r.offset;
    const opcode = data[r.offset++]!;
    if (opcode >= opcodeBase) {
      const adjusted = opcode - opcodeBase;
      advance(Math.floor(adjusted / lineRange));
      line = (line + lineBase + (adjusted % lineRange)) >>> 0;
      sink(address, fileIndex(), line, column, isStmt ? ROW_IS_STMT : 0, discriminator);
      discriminator = 0;
      continue;
    }
    switch (opcode) {
      case 0: {
        const len = r.uleb('extended opcode length');
        if (len === 0) throw r.error('extended opcode of length 0', opAt);
        const bodyEnd = r.offset + len;
        if (bodyEnd > end) throw r.error(`extended opcode of ${len} bytes runs past the end of the line program (0x${end.toString(16)})`, opAt);
        const sub = data[r.offset++]!;
        switch (sub) {
          case DW_LNE_end_sequence:
            sink(address, fileIndex(), line, column, (isStmt ? ROW_IS_STMT : 0) | ROW_END_SEQUENCE, discriminator);
            address = 0;
            opIndex = 0;
            file = 1;
            line = 1;
            column = 0;
            isStmt = defaultIsStmt;
            discriminator = 0;
            break;
          case DW_LNE_set_address: {
            const size = len - 1;
            if (size < 1 || size > 8) throw r.error(`DW_LNE_set_address with a ${size}-byte operand`, opAt);
            address = r.unsigned(size, 'DW_LNE_set_address operand');
            opIndex = 0;
            break;
          }
          case DW_LNE_define_file: {
            const dr = r.sub(r.offset, bodyEnd, 'extended opcode');
            const name = dr.cstring('DW_LNE_define_file name');
            const dirIndex = dr.uleb('DW_LNE_define_file directory');
            const modificationTime = dr.uleb('DW_LNE_define_file time');
            const size = dr.uleb('DW_LNE_define_file length');
            files.push(makeFile(header, name, dirIndex, { modificationTime, size }));
            break;
          }
          case DW_LNE_set_discriminator:
            discriminator = r.sub(r.offset, bodyEnd, 'extended opcode').uleb('DW_LNE_set_discriminator operand');
            break;
          default:
            break; // DW_LNE_HP_*, DW_LNE_lo_user…: skipped by length
        }
        r.offset = bodyEnd;
        break;
      }
      case DW_LNS_copy:
        sink(address, fileIndex(), line, column, isStmt ? ROW_IS_STMT : 0, discriminator);
        discriminator = 0;
        break;
      case DW_LNS_advance_pc:
        advance(r.uleb('DW_LNS_advance_pc operand'));
        break;
      case DW_LNS_advance_line:
        line = (line + r.sleb('DW_LNS_advance_line operand')) >>> 0;
        break;
      case DW_LNS_set_file:
        file = r.uleb('DW_LNS_set_file operand');
        break;
      case DW_LNS_set_column:
        column = r.uleb('DW_LNS_set_column operand');
        break;
      case DW_LNS_negate_stmt:
        isStmt = !isStmt;
        break;
      case DW_LNS_set_basic_block:
        break;
      case DW_LNS_const_add_pc:
        advance(constAddPcAdvance);
        break;
      case DW_LNS_fixed_advance_pc:
        address += r.u16('DW_LNS_fixed_advance_pc operand');
        opIndex = 0;
        break;
      case DW_LNS_set_prologue_end:
      case DW_LNS_set_epilogue_begin:
        break;
      case DW_LNS_set_isa:
        r.uleb('DW_LNS_set_isa operand');
        break;
      default: {
        // An opcode this version does not define but the header declares (opcode_base > 13): skip its operands.
        const n = standardOpcodeLengths[opcode - 1] ?? 0;
        for (let i = 0; i < n; i++) r.uleb(`operand of opcode ${opcode}`);
      }
    }
  }
  return files;
}

/**
 * Reads one whole line program into rows with full paths. For a binary's worth of lookups, LineTable (in
 * line-table.ts) runs the same state machine without building an object per row.
 */
export function parseLineProgram(ctx: LineContext, offset: number): LineProgram {
  const header = parseLineProgramHeader(ctx, offset);
  const sequences: LineSequence[] = [];
  let rows: LineRow[] = [];
  const files = header.files.slice();
  runLineProgram(
    ctx,
    header,
    (address, file, line, column, flags, discriminator) => {
      const endSequence = (flags & ROW_END_SEQUENCE) !== 0;
      rows.push({ address, file: file >= 0 ? files[file]!.path : '', line, column, isStmt: (flags & ROW_IS_STMT) !== 0, endSequence, discriminator });
      if (endSequence) {
        sequences.push({ start: rows[0]!.address, end: address, rows, terminated: true });
        rows = [];
      }
    },
    files,
  );
  if (rows.length) sequences.push({ start: rows[0]!.address, end: rows[rows.length - 1]!.address, rows, terminated: false });
  return { header, files, sequences };
}

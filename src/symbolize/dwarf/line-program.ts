/**
 * DWARF `.debug_line` (DWARF 2, 3, 4 and 5; 32- and 64-bit DWARF; either byte order; any address size): the
 * line-program header with its directory and file tables, and the line-number state machine of DWARF 5 §6.2.
 *
 * File numbering is the point of this reader. The file register starts at 1 in every version. In DWARF 2–4 file
 * 1 is the first entry of `file_names` (1-based; 0 means "the primary source file" only in DWARF 5); in DWARF 5
 * the table is 0-based, entry 0 is the primary source file, and file 1 is the *second* entry — in a `.c` that
 * includes an `.inc` first, that is the `.inc`. binutils 2.40 maps it to the `.c` (docs/perf-formats.md §2 item 4).
 *
 * Paths are built the way addr2line and llvm-symbolizer build them, without normalising: an absolute file name
 * is kept; otherwise it is joined to its directory, and a relative directory is joined to the compilation
 * directory (DWARF 5: directory entry 0; DWARF 2–4: DW_AT_comp_dir of the unit, which the caller supplies).
 */
import { ByteReader } from './reader';
import {
  makeFile,
  parseLineProgramHeader,
  lineProgramOffsets,
  type FileEntry,
  type LineContext,
  type LineProgramHeader,
} from './line-header';

export { DwarfError } from './reader';
// The header half lives in line-header.ts; importers of this module get both.
export * from './line-header';

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

/** Row flags passed to a RowSink. */
export const ROW_IS_STMT = 1;
export const ROW_END_SEQUENCE = 2;

/**
 * Receives rows as the state machine emits them, without allocating an object per row (the line table uses
 * this). `file` is an index into `files` (which may grow during the run), or -1 when the file number is invalid.
 */
export type RowSink = (
  address: number,
  file: number,
  line: number,
  column: number,
  flags: number,
  discriminator: number,
) => void;

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

/** Reads every line program in `.debug_line`, one after the other. */
export function parseLinePrograms(ctx: LineContext): LineProgram[] {
  const out: LineProgram[] = [];
  for (const offset of lineProgramOffsets(ctx)) out.push(parseLineProgram(ctx, offset));
  return out;
}

/**
 * Runs the line-number program of a unit whose header is read, calling `sink` for every row. `files` starts as
 * the header's table and grows by DW_LNE_define_file; the sink's file indexes point into it. Returns it.
 */
export function runLineProgram(
  ctx: LineContext,
  header: LineProgramHeader,
  sink: RowSink,
  files: FileEntry[] = header.files.slice(),
): FileEntry[] {
  const r = new ByteReader(ctx.file, ctx.debugLine, ctx.littleEndian, header.programOffset, header.end, 'line program');
  const data = r.data;
  const end = header.end;
  const {
    minimumInstructionLength: minInst,
    lineBase,
    lineRange,
    opcodeBase,
    standardOpcodeLengths,
    defaultIsStmt,
  } = header;
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
        if (bodyEnd > end)
          throw r.error(
            `extended opcode of ${len} bytes runs past the end of the line program (0x${end.toString(16)})`,
            opAt,
          );
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
      rows.push({
        address,
        file: file >= 0 ? files[file]!.path : '',
        line,
        column,
        isStmt: (flags & ROW_IS_STMT) !== 0,
        endSequence,
        discriminator,
      });
      if (endSequence) {
        sequences.push({ start: rows[0]!.address, end: address, rows, terminated: true });
        rows = [];
      }
    },
    files,
  );
  if (rows.length)
    sequences.push({ start: rows[0]!.address, end: rows[rows.length - 1]!.address, rows, terminated: false });
  return { header, files, sequences };
}

/**
 * Address → (file, line) for a whole binary, from its `.debug_line`, as addr2line and llvm-symbolizer define it:
 * the sequence that contains the address (start ≤ address < end_sequence address), and in it the last row whose
 * address is the greatest one ≤ the query (so of several rows at one address, the last wins, as in
 * llvm-symbolizer's upper_bound − 1).
 *
 * Every row of every unit is kept in typed arrays (a few bytes per row, no object per row); sequences are sorted
 * by start address, with a running maximum of their ends, so a query is two binary searches. When sequences
 * overlap (code discarded by the linker keeps a sequence at address 0), the one with the greatest start that
 * contains the address wins.
 */
import { compDirsByLineProgram } from './units';
import {
  lineProgramOffsets,
  parseLineProgramHeader,
  ROW_END_SEQUENCE,
  runLineProgram,
  type FileEntry,
  type LineContext,
} from './line-program';
import { DwarfError } from './reader';
import { readDebugSections, type DebugSections } from './sections';

export interface LineLocation {
  /** Full path, joined as addr2line joins it (see line-program.ts). */
  file: string;
  /** 0 when the compiler marked the code as belonging to no source line. */
  line: number;
  column: number;
}

const ET_REL = 1;

class Growable {
  addr = new Float64Array(1024);
  line = new Uint32Array(1024);
  column = new Uint32Array(1024);
  file = new Int32Array(1024);
  length = 0;

  push(address: number, file: number, line: number, column: number): void {
    if (this.length === this.addr.length) this.grow();
    const i = this.length++;
    this.addr[i] = address;
    this.file[i] = file;
    this.line[i] = line;
    this.column[i] = column > 0xffffffff ? 0xffffffff : column;
  }

  private grow(): void {
    const n = this.addr.length * 2;
    const a = new Float64Array(n);
    a.set(this.addr);
    this.addr = a;
    const l = new Uint32Array(n);
    l.set(this.line);
    this.line = l;
    const c = new Uint32Array(n);
    c.set(this.column);
    this.column = c;
    const f = new Int32Array(n);
    f.set(this.file);
    this.file = f;
  }
}

export class LineTable {
  /** Rows of every sequence, end_sequence rows excluded; sequence k owns rows [seqFirst[k], seqLast[k]). */
  private readonly rows: Growable;
  private readonly paths: string[];
  /** Sorted by start. */
  private readonly seqStart: Float64Array;
  private readonly seqEnd: Float64Array;
  private readonly seqMaxEnd: Float64Array;
  private readonly seqFirst: Int32Array;
  private readonly seqLast: Int32Array;
  /** Number of line programs (compilation units) read. */
  readonly unitCount: number;

  private constructor(
    rows: Growable,
    paths: string[],
    sequences: { start: number; end: number; first: number; last: number }[],
    unitCount: number,
  ) {
    this.rows = rows;
    this.paths = paths;
    this.unitCount = unitCount;
    sequences.sort((a, b) => a.start - b.start); // stable: equal starts keep section order
    const n = sequences.length;
    this.seqStart = new Float64Array(n);
    this.seqEnd = new Float64Array(n);
    this.seqMaxEnd = new Float64Array(n);
    this.seqFirst = new Int32Array(n);
    this.seqLast = new Int32Array(n);
    let maxEnd = -Infinity;
    for (let i = 0; i < n; i++) {
      const s = sequences[i]!;
      this.seqStart[i] = s.start;
      this.seqEnd[i] = s.end;
      maxEnd = Math.max(maxEnd, s.end);
      this.seqMaxEnd[i] = maxEnd;
      this.seqFirst[i] = s.first;
      this.seqLast[i] = s.last;
    }
  }

  get sequenceCount(): number {
    return this.seqStart.length;
  }

  get rowCount(): number {
    return this.rows.length;
  }

  /** Reads the line table of an ELF file (an executable, a shared object or a separate debug file). */
  static fromFile(path: string): LineTable {
    return LineTable.fromSections(readDebugSections(path));
  }

  /**
   * `only`: read just these line programs (the units holding sampled addresses), with their comp dirs already
   * known; by default every line program of the file is read.
   */
  static fromSections(
    sections: DebugSections,
    only?: { offsets: readonly number[]; compDirs: ReadonlyMap<number, string> },
  ): LineTable {
    const file = sections.file;
    if (sections.elf.type === ET_REL) {
      throw new DwarfError(
        file,
        '.debug_line',
        0,
        'relocatable object file (ET_REL): its .debug_line addresses are not relocated; symbolize the linked binary',
      );
    }
    const debugLine = sections.get('.debug_line');
    if (!debugLine)
      throw new DwarfError(
        file,
        '.debug_line',
        0,
        'the file has no .debug_line section (built without -g, or stripped)',
      );
    let compDirs: Map<number, string> | undefined;
    const ctx: LineContext = {
      file,
      littleEndian: sections.littleEndian,
      debugLine,
      debugLineStr: sections.get('.debug_line_str'),
      debugStr: sections.get('.debug_str'),
      defaultAddressSize: sections.elf.is64 ? 8 : 4,
      compDirFor: (offset) => {
        if (only) return only.compDirs.get(offset);
        compDirs ??= compDirsByLineProgram(sections);
        return compDirs.get(offset);
      },
    };
    const rows = new Growable();
    const paths: string[] = [];
    const pathIds = new Map<string, number>();
    const sequences: { start: number; end: number; first: number; last: number }[] = [];
    const offsets = only ? [...new Set(only.offsets)].sort((a, b) => a - b) : lineProgramOffsets(ctx);
    for (const offset of offsets) {
      const header = parseLineProgramHeader(ctx, offset);
      const files: FileEntry[] = header.files.slice();
      // Global path id of each entry of `files`, filled as entries appear.
      const ids: number[] = [];
      const idOf = (i: number): number => {
        const known = ids[i];
        if (known !== undefined) return known;
        const p = files[i]!.path;
        let id = pathIds.get(p);
        if (id === undefined) {
          id = paths.length;
          paths.push(p);
          pathIds.set(p, id);
        }
        ids[i] = id;
        return id;
      };
      let first = rows.length;
      let sorted = true;
      runLineProgram(
        ctx,
        header,
        (address, fileIndex, line, column, flags) => {
          if (flags & ROW_END_SEQUENCE) {
            const last = rows.length;
            if (last > first) {
              if (!sorted) sortRows(rows, first, last);
              const start = rows.addr[first]!;
              // An empty range (end ≤ start) covers no address; rows past the end cannot be reached either.
              if (address > start) sequences.push({ start, end: address, first, last });
            }
            first = rows.length;
            sorted = true;
            return;
          }
          if (rows.length > first && address < rows.addr[rows.length - 1]!) sorted = false;
          rows.push(address, fileIndex >= 0 ? idOf(fileIndex) : -1, line, column);
        },
        files,
      );
      // Rows after the last end_sequence of a unit belong to no complete sequence: drop them, as llvm-symbolizer does.
      rows.length = first;
    }
    return new LineTable(rows, paths, sequences, offsets.length);
  }

  /** The row for one address, or undefined when no sequence covers it (or its file number is invalid). */
  lookup(address: number): LineLocation | undefined {
    const row = this.rowFor(address);
    if (row < 0) return undefined;
    const f = this.rows.file[row]!;
    if (f < 0) return undefined;
    return { file: this.paths[f]!, line: this.rows.line[row]!, column: this.rows.column[row]! };
  }

  /** Index of the row covering `address`, or -1. */
  private rowFor(address: number): number {
    const starts = this.seqStart;
    let lo = 0;
    let hi = starts.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= address) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let seq = -1;
    for (let j = at; j >= 0 && this.seqMaxEnd[j]! > address; j--) {
      if (this.seqEnd[j]! > address) {
        seq = j;
        break;
      }
    }
    if (seq < 0) return -1;
    const addr = this.rows.addr;
    // Last row with addr ≤ address in [first, last); the first row's address is the start, which is ≤ address.
    lo = this.seqFirst[seq]!;
    hi = this.seqLast[seq]! - 1;
    let row = lo;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (addr[mid]! <= address) {
        row = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return row;
  }

  lookupMany(addresses: Iterable<number>): Map<number, LineLocation | undefined> {
    const out = new Map<number, LineLocation | undefined>();
    for (const a of addresses) if (!out.has(a)) out.set(a, this.lookup(a));
    return out;
  }
}

/**
 * The batch API: reads `elfPath`'s line table once and answers every address (ELF virtual addresses, as
 * addr2line takes them). Throws DwarfError (file, section, offset) when the debug info is unreadable.
 */
export function lookupLines(
  elfPath: string,
  addresses: readonly number[],
): Map<number, { file: string; line: number } | undefined> {
  const table = LineTable.fromFile(elfPath);
  const out = new Map<number, { file: string; line: number } | undefined>();
  for (const a of addresses) {
    if (out.has(a)) continue;
    const loc = table.lookup(a);
    out.set(a, loc && { file: loc.file, line: loc.line });
  }
  return out;
}

/** Stable sort of rows [first, last) by address (only for producers that emit rows out of order). */
function sortRows(rows: Growable, first: number, last: number): void {
  const idx: number[] = [];
  for (let i = first; i < last; i++) idx.push(i);
  idx.sort((a, b) => rows.addr[a]! - rows.addr[b]! || a - b);
  const addr = idx.map((i) => rows.addr[i]!);
  const file = idx.map((i) => rows.file[i]!);
  const line = idx.map((i) => rows.line[i]!);
  const column = idx.map((i) => rows.column[i]!);
  for (let k = 0; k < idx.length; k++) {
    rows.addr[first + k] = addr[k]!;
    rows.file[first + k] = file[k]!;
    rows.line[first + k] = line[k]!;
    rows.column[first + k] = column[k]!;
  }
}

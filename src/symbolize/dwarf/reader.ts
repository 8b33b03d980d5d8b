/**
 * Bounds-checked reading of DWARF sections: fixed-size integers in either byte order, LEB128, C strings and
 * the 4- or 8-byte offsets of 32- and 64-bit DWARF. Every failure is a `DwarfError` that names the file, the
 * section and the byte offset inside the section (and inside the file, when the section is stored uncompressed).
 */

/** One section's bytes, as read (decompressed when it was compressed in the file). */
export interface SectionData {
  /** `.debug_line`, `.debug_info`, … (the name is given without the `z` of GNU `.zdebug_*` sections). */
  name: string;
  data: Uint8Array;
  /** Where byte 0 of `data` is in the file; undefined when the section was decompressed. */
  fileOffset?: number;
}

export class DwarfError extends Error {
  constructor(
    readonly file: string,
    readonly section: string,
    /** Byte offset inside the (decompressed) section. */
    readonly offset: number,
    readonly problem: string,
    fileOffset?: number,
  ) {
    const where = `${section} offset 0x${offset.toString(16)}${fileOffset === undefined ? '' : ` (file byte 0x${(fileOffset + offset).toString(16)})`}`;
    super(`${file}: ${where}: ${problem}`);
    this.name = 'DwarfError';
  }
}

const TWO_32 = 4294967296;

export class ByteReader {
  readonly data: Uint8Array;
  readonly end: number;
  private readonly view: DataView;
  offset: number;

  constructor(
    readonly file: string,
    readonly section: SectionData,
    readonly littleEndian: boolean,
    start = 0,
    end = section.data.length,
    /** What `end` is the end of, for messages: the section, a unit, an extended opcode… */
    private readonly limit = 'section',
  ) {
    this.data = section.data;
    this.view = new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    this.offset = start;
    this.end = Math.min(end, this.data.length);
  }

  /** A reader over [start, end) of the same section (used for one unit, so reads cannot leave it). */
  sub(start: number, end: number, limit = 'unit'): ByteReader {
    return new ByteReader(this.file, this.section, this.littleEndian, start, end, limit);
  }

  error(problem: string, at = this.offset): DwarfError {
    return new DwarfError(this.file, this.section.name, at, problem, this.section.fileOffset);
  }

  need(n: number, what: string): void {
    if (n < 0 || this.offset + n > this.end) {
      throw this.error(
        `${what} (${n} byte${n === 1 ? '' : 's'}) runs past the end of the ${this.limit} at 0x${this.end.toString(16)}`,
      );
    }
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  u8(what = 'byte'): number {
    if (this.offset >= this.end) this.need(1, what);
    return this.data[this.offset++]!;
  }

  i8(what = 'byte'): number {
    const v = this.u8(what);
    return v >= 0x80 ? v - 0x100 : v;
  }

  u16(what = '2-byte value'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.offset, this.littleEndian);
    this.offset += 2;
    return v;
  }

  u24(what = '3-byte value'): number {
    this.need(3, what);
    const d = this.data;
    const o = this.offset;
    this.offset += 3;
    return this.littleEndian
      ? d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16)
      : (d[o]! << 16) | (d[o + 1]! << 8) | d[o + 2]!;
  }

  u32(what = '4-byte value'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset, this.littleEndian);
    this.offset += 4;
    return v;
  }

  /**
   * A 64-bit value as a number. Exact below 2^53, which covers every user-space address and section offset;
   * above that (tombstones of discarded code, 0xffff…) the value is only approximate but still far above any
   * real address.
   */
  u64(what = '8-byte value'): number {
    this.need(8, what);
    const a = this.view.getUint32(this.offset, this.littleEndian);
    const b = this.view.getUint32(this.offset + 4, this.littleEndian);
    this.offset += 8;
    return this.littleEndian ? b * TWO_32 + a : a * TWO_32 + b;
  }

  /** An unsigned value of 1, 2, 3, 4 or 8 bytes (addresses of any address_size, set_address operands). */
  unsigned(size: number, what: string): number {
    switch (size) {
      case 1:
        return this.u8(what);
      case 2:
        return this.u16(what);
      case 3:
        return this.u24(what);
      case 4:
        return this.u32(what);
      case 8:
        return this.u64(what);
      default: {
        // Odd sizes (5, 6, 7) are legal for set_address in principle; read them byte by byte.
        if (size < 1 || size > 8) throw this.error(`${what} of ${size} bytes is not supported (1 to 8)`);
        this.need(size, what);
        let v = 0;
        for (let i = 0; i < size; i++) {
          const b = this.data[this.offset + (this.littleEndian ? size - 1 - i : i)]!;
          v = v * 256 + b;
        }
        this.offset += size;
        return v;
      }
    }
  }

  /** A section offset of 32-bit (4 bytes) or 64-bit (8 bytes) DWARF. */
  sectionOffset(offsetSize: 4 | 8, what: string): number {
    return offsetSize === 8 ? this.u64(what) : this.u32(what);
  }

  uleb(what = 'ULEB128'): number {
    const d = this.data;
    let o = this.offset;
    if (o < this.end) {
      const b = d[o]!;
      if (b < 0x80) {
        this.offset = o + 1;
        return b;
      }
    }
    const start = o;
    let result = 0;
    let mul = 1;
    for (;;) {
      if (o >= this.end) throw this.error(`${what} is cut off by the end of the ${this.limit}`, start);
      const b = d[o++]!;
      const bits = b & 0x7f;
      if (mul >= TWO_32 * TWO_32) {
        // Past 64 bits: only zero padding is acceptable.
        if (bits !== 0) throw this.error(`${what} does not fit in 64 bits`, start);
      } else result += bits * mul;
      mul *= 128;
      if ((b & 0x80) === 0) break;
    }
    this.offset = o;
    return result;
  }

  sleb(what = 'SLEB128'): number {
    const d = this.data;
    let o = this.offset;
    if (o < this.end) {
      const b = d[o]!;
      if (b < 0x80) {
        this.offset = o + 1;
        return b & 0x40 ? b - 0x80 : b;
      }
    }
    const start = o;
    let result = 0;
    let mul = 1;
    let b = 0;
    for (;;) {
      if (o >= this.end) throw this.error(`${what} is cut off by the end of the ${this.limit}`, start);
      b = d[o++]!;
      if (mul < TWO_32 * TWO_32) result += (b & 0x7f) * mul;
      else if ((b & 0x7f) !== 0 && (b & 0x7f) !== 0x7f) throw this.error(`${what} does not fit in 64 bits`, start);
      mul *= 128;
      if ((b & 0x80) === 0) break;
    }
    if (b & 0x40) result -= Math.min(mul, TWO_32 * TWO_32);
    this.offset = o;
    return result;
  }

  /** A NUL-terminated string; the NUL must lie before the end of the reader. */
  cstring(what = 'string'): string {
    const start = this.offset;
    const nul = this.data.indexOf(0, start);
    if (nul < 0 || nul >= this.end)
      throw this.error(`${what} has no terminating NUL before the end of the ${this.limit}`, start);
    this.offset = nul + 1;
    return decodeUtf8(this.data, start, nul);
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.offset += n;
  }

  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.data.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

const utf8 = new TextDecoder('utf-8');

export function decodeUtf8(data: Uint8Array, start: number, end: number): string {
  // Paths are almost always ASCII: build those directly, which is several times faster than TextDecoder on
  // short strings.
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (data[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (!ascii) return utf8.decode(data.subarray(start, end));
  let s = '';
  for (let i = start; i < end; i += 4096)
    s += String.fromCharCode.apply(null, data.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  return s;
}

/** A NUL-terminated string at `offset` in a string section (`.debug_str`, `.debug_line_str`). */
export function stringAt(
  sectionName: string,
  section: SectionData | undefined,
  offset: number,
  from: ByteReader,
  what: string,
): string {
  if (!section) throw from.error(`${what} refers to ${sectionName}, which this file does not have`);
  if (offset >= section.data.length) {
    throw from.error(
      `${what} offset 0x${offset.toString(16)} is past the end of ${section.name} (0x${section.data.length.toString(16)} bytes)`,
    );
  }
  const nul = section.data.indexOf(0, offset);
  if (nul < 0)
    throw new DwarfError(
      from.file,
      section.name,
      offset,
      `string has no terminating NUL (referred to from ${from.section.name} offset 0x${from.offset.toString(16)})`,
      section.fileOffset,
    );
  return decodeUtf8(section.data, offset, nul);
}

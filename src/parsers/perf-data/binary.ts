/**
 * Reading fixed-width fields out of perf.data bytes in either byte order.
 *
 * Addresses: an {@link Addr} is a `number` when the value is at most 2^53 − 1 and a `bigint` above. User-space
 * addresses (below 2^47 on x86-64 and arm64) are therefore plain numbers, which keeps the hot path (Map keys,
 * subtraction, comparisons) free of BigInt allocation; kernel addresses (0xffff…) and callchain context markers
 * cannot be represented exactly by a double, so they stay exact as bigint. The form is canonical: a given value
 * always has the same JS type, so `===` and Map keys work; `<`/`>` compare number and bigint exactly.
 */

export type Addr = number | bigint;

const TWO32 = 4294967296;
/** 2^53 / 2^32: the high word below which a u64 fits a double exactly. */
const SAFE_HI = 0x200000;

export function canonicalAddr(v: bigint): Addr {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= 0n ? Number(v) : v;
}

export function addrToBigInt(a: Addr): bigint {
  return typeof a === 'bigint' ? a : BigInt(a);
}

export function addrToHex(a: Addr): string {
  return '0x' + a.toString(16);
}

/** `a − b + c` on addresses, exact whatever their size (the map arithmetic `ip − start + pgoff`). */
export function addrSubAdd(a: Addr, b: Addr, c: Addr): Addr {
  if (typeof a === 'number' && typeof b === 'number' && typeof c === 'number') {
    const r = a - b + c;
    if (r >= 0 && r <= Number.MAX_SAFE_INTEGER) return r;
  }
  return canonicalAddr((addrToBigInt(a) - addrToBigInt(b) + addrToBigInt(c)) & 0xffffffffffffffffn);
}

export function addrAdd(a: Addr, b: Addr): Addr {
  if (typeof a === 'number' && typeof b === 'number' && a + b <= Number.MAX_SAFE_INTEGER) return a + b;
  return canonicalAddr(addrToBigInt(a) + addrToBigInt(b));
}

/**
 * A view over one buffer with the file's byte order. Offsets are absolute within the buffer; callers bound-check
 * against the record they are in (every read past `buf.length` would throw a RangeError, which the reader turns
 * into a PerfDataError, so a missed check cannot escape as a foreign exception).
 */
export class Bytes {
  readonly dv: DataView;
  constructor(
    readonly buf: Buffer,
    readonly le: boolean,
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  u8(off: number): number {
    return this.buf[off]!;
  }
  u16(off: number): number {
    return this.dv.getUint16(off, this.le);
  }
  u32(off: number): number {
    return this.dv.getUint32(off, this.le);
  }
  i32(off: number): number {
    return this.dv.getInt32(off, this.le);
  }
  /** A u64 as a canonical {@link Addr}. */
  addr(off: number): Addr {
    const lo = this.dv.getUint32(this.le ? off : off + 4, this.le);
    const hi = this.dv.getUint32(this.le ? off + 4 : off, this.le);
    if (hi < SAFE_HI) return hi * TWO32 + lo;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  /** A u64 that is a count, size, time or id: exact below 2^53, the nearest double above (a few ns on a time). */
  num(off: number): number {
    const lo = this.dv.getUint32(this.le ? off : off + 4, this.le);
    const hi = this.dv.getUint32(this.le ? off + 4 : off, this.le);
    return hi * TWO32 + lo;
  }
  big(off: number): bigint {
    return this.dv.getBigUint64(off, this.le);
  }
  f64(off: number): number {
    return this.dv.getFloat64(off, this.le);
  }
  /** A NUL-terminated string inside [off, end); without a NUL, everything up to end. */
  cstr(off: number, end: number): string {
    end = Math.min(end, this.buf.length);
    if (off >= end) return '';
    let nul = this.buf.indexOf(0, off);
    if (nul < 0 || nul > end) nul = end;
    return this.buf.toString('utf8', off, nul);
  }
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function popcount64(v: bigint): number {
  let n = 0;
  while (v) {
    n += Number(v & 1n);
    v >>= 1n;
  }
  return n;
}

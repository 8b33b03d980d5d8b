/**
 * Address ranges: `DW_AT_ranges` lists (DWARF 2–4 `.debug_ranges` pairs with base-address entries; DWARF 5
 * `.debug_rnglists` entries, by offset or by `DW_FORM_rnglistx` index from `DW_AT_rnglists_base`) and the
 * `.debug_aranges` index from address ranges to compilation units. Every entry consumes bytes, so a crafted list
 * ends at its section's end with a `DwarfError`.
 */
import { FORM } from './forms';
import { ByteReader } from './reader';
import type { DebugSections } from './sections';
import type { UnitHeader, UnitStrings } from './units';

const DW_RLE_end_of_list = 0;
const DW_RLE_base_addressx = 1;
const DW_RLE_startx_endx = 2;
const DW_RLE_startx_length = 3;
const DW_RLE_offset_pair = 4;
const DW_RLE_base_address = 5;
const DW_RLE_start_end = 6;
const DW_RLE_start_length = 7;

export interface RangeContext {
  sections: DebugSections;
  unit: UnitHeader;
  strings: UnitStrings;
  /** The unit's DW_AT_low_pc: the base of DWARF 2–4 lists and of DW_RLE_offset_pair before a base entry. */
  baseAddress: number;
  rnglistsBase?: number;
  /** Reader positioned in `.debug_info`, for messages. */
  from: ByteReader;
}

/** Appends the [start, end) pairs of a DW_AT_ranges value to `out` (empty ranges are left out). */
export function readRanges(ctx: RangeContext, form: number, value: number, out: number[]): void {
  const { unit, sections, from } = ctx;
  if (unit.version <= 4) {
    const section = sections.get('.debug_ranges');
    if (!section) throw from.error('DW_AT_ranges refers to .debug_ranges, which this file does not have');
    const r = new ByteReader(sections.file, section, sections.littleEndian, value);
    if (value >= section.data.length)
      throw r.error(`range list offset 0x${value.toString(16)} is past the end of .debug_ranges`, 0);
    const size = unit.addressSize;
    const max = size === 8 ? 2 ** 64 - 1 : 2 ** (size * 8) - 1;
    let base = ctx.baseAddress;
    for (;;) {
      const start = r.unsigned(size, 'range start');
      const end = r.unsigned(size, 'range end');
      if (start === 0 && end === 0) break;
      // Exactly all ones (approximated above 2^53 by the reader) selects a new base address.
      if (start >= max) {
        base = end;
        continue;
      }
      if (end > start) out.push(base + start, base + end);
    }
    return;
  }
  const section = sections.get('.debug_rnglists');
  if (!section) throw from.error('DW_AT_ranges refers to .debug_rnglists, which this file does not have');
  let offset = value;
  if (form === FORM.rnglistx) {
    // The base points just past the list header, at the offset table; entries are relative to the base.
    const base = ctx.rnglistsBase ?? (unit.offsetSize === 8 ? 20 : 12);
    const at = base + value * unit.offsetSize;
    if (at + unit.offsetSize > section.data.length)
      throw from.error(`range list index ${value} is past the end of .debug_rnglists`);
    offset =
      base +
      new ByteReader(sections.file, section, sections.littleEndian, at).sectionOffset(
        unit.offsetSize,
        'range list offset',
      );
  }
  const r = new ByteReader(sections.file, section, sections.littleEndian, offset);
  if (offset >= section.data.length)
    throw r.error(`range list offset 0x${offset.toString(16)} is past the end of .debug_rnglists`, 0);
  const size = unit.addressSize;
  let base = ctx.baseAddress;
  const push = (start: number, end: number): void => {
    if (end > start) out.push(start, end);
  };
  for (;;) {
    const kindAt = r.offset;
    const kind = r.u8('range list entry kind');
    switch (kind) {
      case DW_RLE_end_of_list:
        return;
      case DW_RLE_base_addressx:
        base = ctx.strings.indexedAddress(r.uleb('DW_RLE_base_addressx'), r);
        break;
      case DW_RLE_startx_endx: {
        const s = ctx.strings.indexedAddress(r.uleb('DW_RLE_startx_endx start'), r);
        push(s, ctx.strings.indexedAddress(r.uleb('DW_RLE_startx_endx end'), r));
        break;
      }
      case DW_RLE_startx_length: {
        const s = ctx.strings.indexedAddress(r.uleb('DW_RLE_startx_length start'), r);
        push(s, s + r.uleb('DW_RLE_startx_length length'));
        break;
      }
      case DW_RLE_offset_pair: {
        const s = r.uleb('DW_RLE_offset_pair start');
        push(base + s, base + r.uleb('DW_RLE_offset_pair end'));
        break;
      }
      case DW_RLE_base_address:
        base = r.unsigned(size, 'DW_RLE_base_address');
        break;
      case DW_RLE_start_end: {
        const s = r.unsigned(size, 'DW_RLE_start_end start');
        push(s, r.unsigned(size, 'DW_RLE_start_end end'));
        break;
      }
      case DW_RLE_start_length: {
        const s = r.unsigned(size, 'DW_RLE_start_length start');
        push(s, s + r.uleb('DW_RLE_start_length length'));
        break;
      }
      default:
        throw r.error(`unknown range list entry kind ${kind}`, kindAt);
    }
  }
}

/** `.debug_aranges`: sorted, non-empty [start, end) ranges, each with the `.debug_info` offset of its unit. */
export interface ArangeIndex {
  starts: Float64Array;
  ends: Float64Array;
  units: Float64Array;
}

export function readAranges(sections: DebugSections): ArangeIndex | undefined {
  const section = sections.get('.debug_aranges');
  if (!section) return undefined;
  const r = new ByteReader(sections.file, section, sections.littleEndian);
  const rows: [number, number, number][] = [];
  while (r.remaining > 0) {
    const setStart = r.offset;
    let length = r.u32('unit_length');
    let offsetSize: 4 | 8 = 4;
    if (length === 0xffffffff) {
      length = r.u64('64-bit unit_length');
      offsetSize = 8;
    } else if (length >= 0xfffffff0) throw r.error(`reserved unit_length 0x${length.toString(16)}`, setStart);
    const end = r.offset + length;
    if (end > r.end) throw r.error(`address range set of ${length} bytes runs past the end of the section`, setStart);
    const s = r.sub(r.offset, end, 'address range set');
    r.offset = end;
    const version = s.u16('version');
    if (version !== 2) throw s.error(`unsupported .debug_aranges version ${version} (2 is known)`, s.offset - 2);
    const unit = s.sectionOffset(offsetSize, 'debug_info_offset');
    const addressSize = s.u8('address_size');
    const segmentSize = s.u8('segment_selector_size');
    if (addressSize !== 1 && addressSize !== 2 && addressSize !== 4 && addressSize !== 8)
      throw s.error(`address_size ${addressSize} is not 1, 2, 4 or 8`, s.offset - 2);
    // Tuples start at a multiple of twice the address size from the start of the set.
    const tuple = 2 * addressSize + segmentSize;
    const headerEnd = s.offset - setStart;
    const pad = (tuple - (headerEnd % tuple)) % tuple;
    s.skip(Math.min(pad, s.remaining), 'padding');
    while (s.remaining >= tuple) {
      if (segmentSize) s.skip(segmentSize, 'segment selector');
      const start = s.unsigned(addressSize, 'range start');
      const len = s.unsigned(addressSize, 'range length');
      if (start === 0 && len === 0) break;
      if (len > 0) rows.push([start, start + len, unit]);
    }
  }
  rows.sort((a, b) => a[0] - b[0]);
  const n = rows.length;
  const index: ArangeIndex = { starts: new Float64Array(n), ends: new Float64Array(n), units: new Float64Array(n) };
  rows.forEach(([s, e, u], i) => {
    index.starts[i] = s;
    index.ends[i] = e;
    index.units[i] = u;
  });
  return index;
}

/** The unit offset whose range holds `address`, or -1. Of overlapping ranges, the one with the greatest start. */
export function arangeUnit(index: ArangeIndex, address: number): number {
  const { starts, ends, units } = index;
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
  // A few steps back cover the rare overlap (a range nested in an earlier, longer one).
  for (let i = at; i >= 0 && i > at - 8; i--) if (address < ends[i]!) return units[i]!;
  return -1;
}

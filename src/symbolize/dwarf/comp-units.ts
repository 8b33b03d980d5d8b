/**
 * Just enough of `.debug_info` to resolve line-table paths of DWARF 2–4: for each compilation unit, its
 * `DW_AT_stmt_list` (which line program is its) and `DW_AT_comp_dir` (what its relative paths are relative to).
 * Only the unit header and the first DIE are read; attributes before the two we want are skipped by form.
 */
import { ByteReader, stringAt, type SectionData } from './reader';
import type { DebugSections } from './sections';

export interface CompUnitInfo {
  /** Offset of the unit header in `.debug_info`. */
  offset: number;
  version: number;
  /** Offset of its line program in `.debug_line`. */
  stmtList?: number;
  compDir?: string;
  name?: string;
}

const DW_AT_name = 0x03;
const DW_AT_stmt_list = 0x10;
const DW_AT_comp_dir = 0x1b;
const DW_AT_str_offsets_base = 0x72;
const DW_FORM_implicit_const = 0x21;
const DW_FORM_indirect = 0x16;

interface Abbrev {
  tag: number;
  attrs: { name: number; form: number; implicit?: number }[];
}

/** Reads the first DIE of every unit in `.debug_info`. Throws DwarfError on malformed data. */
export function readCompUnits(sections: DebugSections): CompUnitInfo[] {
  const info = sections.get('.debug_info');
  if (!info) return [];
  const abbrevSection = sections.get('.debug_abbrev');
  const abbrevTables = new Map<number, Map<number, Abbrev>>();
  const out: CompUnitInfo[] = [];
  const r = new ByteReader(sections.file, info, sections.littleEndian);
  while (r.remaining > 0) {
    const unitStart = r.offset;
    let length = r.u32('unit_length');
    let offsetSize: 4 | 8 = 4;
    if (length === 0xffffffff) {
      length = r.u64('64-bit unit_length');
      offsetSize = 8;
    } else if (length >= 0xfffffff0) throw r.error(`reserved unit_length 0x${length.toString(16)}`, unitStart);
    const unitEnd = r.offset + length;
    if (unitEnd > r.end) throw r.error(`unit of ${length} bytes runs past the end of the section`, unitStart);
    const u = r.sub(r.offset, unitEnd);
    r.offset = unitEnd;
    const version = u.u16('version');
    if (version < 2 || version > 5) throw u.error(`unsupported .debug_info version ${version}`, u.offset - 2);
    let unitType = 1; // DW_UT_compile
    let addressSize: number;
    let abbrevOffset: number;
    if (version >= 5) {
      unitType = u.u8('unit_type');
      addressSize = u.u8('address_size');
      abbrevOffset = u.sectionOffset(offsetSize, 'debug_abbrev_offset');
      if (unitType === 4 || unitType === 5) u.skip(8, 'dwo_id');
      else if (unitType === 2 || unitType === 6) {
        u.skip(8, 'type_signature');
        u.sectionOffset(offsetSize, 'type_offset');
      }
    } else {
      abbrevOffset = u.sectionOffset(offsetSize, 'debug_abbrev_offset');
      addressSize = u.u8('address_size');
    }
    // Type units and split units have no line program of their own worth reading here.
    if (unitType !== 1 && unitType !== 3 && unitType !== 4) continue;
    if (u.remaining === 0) continue;
    let table = abbrevTables.get(abbrevOffset);
    if (!table) {
      if (!abbrevSection) throw u.error('.debug_info needs .debug_abbrev, which this file does not have');
      table = readAbbrevs(sections.file, abbrevSection, sections.littleEndian, abbrevOffset);
      abbrevTables.set(abbrevOffset, table);
    }
    const codeAt = u.offset;
    const code = u.uleb('abbreviation code');
    if (code === 0) continue;
    const abbrev = table.get(code);
    if (!abbrev) throw u.error(`abbreviation code ${code} is not in the table at .debug_abbrev offset 0x${abbrevOffset.toString(16)}`, codeAt);
    const cu: CompUnitInfo = { offset: unitStart, version };
    let strOffsetsBase: number | undefined;
    const strx: { attr: number; index: number }[] = [];
    for (const a of abbrev.attrs) {
      const value = readAttribute(u, a.form, a.implicit, { version, addressSize, offsetSize }, sections);
      if (a.name === DW_AT_stmt_list && typeof value === 'number') cu.stmtList = value;
      else if (a.name === DW_AT_str_offsets_base && typeof value === 'number') strOffsetsBase = value;
      else if (a.name === DW_AT_comp_dir || a.name === DW_AT_name) {
        if (typeof value === 'string') {
          if (a.name === DW_AT_comp_dir) cu.compDir = value;
          else cu.name = value;
        } else if (value && typeof value === 'object' && 'strx' in value) strx.push({ attr: a.name, index: value.strx });
      }
    }
    if (strx.length) {
      const offsets = sections.get('.debug_str_offsets');
      for (const s of strx) {
        // DWARF 5: without DW_AT_str_offsets_base, the first contribution's header (8 or 16 bytes) is assumed.
        const base = strOffsetsBase ?? (offsetSize === 8 ? 16 : 8);
        if (!offsets) throw u.error('DW_FORM_strx needs .debug_str_offsets, which this file does not have', codeAt);
        const or = new ByteReader(sections.file, offsets, sections.littleEndian, base + s.index * offsetSize);
        const strOff = or.sectionOffset(offsetSize, 'string offset');
        const str = stringAt('.debug_str', sections.get('.debug_str'), strOff, or, 'DW_FORM_strx');
        if (s.attr === DW_AT_comp_dir) cu.compDir = str;
        else cu.name = str;
      }
    }
    out.push(cu);
  }
  return out;
}

function readAbbrevs(file: string, section: SectionData, le: boolean, offset: number): Map<number, Abbrev> {
  const r = new ByteReader(file, section, le, offset);
  if (offset >= section.data.length) throw r.error(`abbreviation table offset 0x${offset.toString(16)} is past the end of .debug_abbrev`, 0);
  const table = new Map<number, Abbrev>();
  for (;;) {
    const code = r.uleb('abbreviation code');
    if (code === 0) break;
    const tag = r.uleb('tag');
    r.u8('children flag');
    const attrs: Abbrev['attrs'] = [];
    for (;;) {
      const name = r.uleb('attribute name');
      const form = r.uleb('attribute form');
      if (name === 0 && form === 0) break;
      attrs.push(form === DW_FORM_implicit_const ? { name, form, implicit: r.sleb('implicit_const') } : { name, form });
    }
    if (!table.has(code)) table.set(code, { tag, attrs });
  }
  return table;
}

interface UnitShape {
  version: number;
  addressSize: number;
  offsetSize: 4 | 8;
}

type AttrValue = number | string | { strx: number } | undefined;

/** Reads (or skips) one attribute value; returns numbers for constants and offsets, strings for string forms. */
function readAttribute(r: ByteReader, form: number, implicit: number | undefined, unit: UnitShape, sections: DebugSections, depth = 0): AttrValue {
  const { offsetSize } = unit;
  switch (form) {
    case 0x01: // addr
      return r.unsigned(unit.addressSize, 'DW_FORM_addr');
    case 0x03: // block2
      r.skip(r.u16('block2 length'), 'DW_FORM_block2');
      return undefined;
    case 0x04: // block4
      r.skip(r.u32('block4 length'), 'DW_FORM_block4');
      return undefined;
    case 0x05: // data2
      return r.u16('DW_FORM_data2');
    case 0x06: // data4
      return r.u32('DW_FORM_data4');
    case 0x07: // data8
      return r.u64('DW_FORM_data8');
    case 0x08: // string
      return r.cstring('DW_FORM_string');
    case 0x09: // block
    case 0x18: // exprloc
      r.skip(r.uleb('block length'), 'DW_FORM_block');
      return undefined;
    case 0x0a: // block1
      r.skip(r.u8('block1 length'), 'DW_FORM_block1');
      return undefined;
    case 0x0b: // data1
    case 0x0c: // flag
    case 0x11: // ref1
      return r.u8('1-byte attribute');
    case 0x0d: // sdata
      return r.sleb('DW_FORM_sdata');
    case 0x0e: {
      // strp
      const off = r.sectionOffset(offsetSize, 'DW_FORM_strp');
      return stringAt('.debug_str', sections.get('.debug_str'), off, r, 'DW_FORM_strp');
    }
    case 0x1f: {
      // line_strp
      const off = r.sectionOffset(offsetSize, 'DW_FORM_line_strp');
      return stringAt('.debug_line_str', sections.get('.debug_line_str'), off, r, 'DW_FORM_line_strp');
    }
    case 0x0f: // udata
    case 0x15: // ref_udata
    case 0x1b: // addrx
    case 0x22: // loclistx
    case 0x23: // rnglistx
    case 0x1f01: // GNU_addr_index
      return r.uleb('ULEB128 attribute');
    case 0x1a: // strx
    case 0x1f02: // GNU_str_index
      return { strx: r.uleb('DW_FORM_strx') };
    case 0x25:
      return { strx: r.u8('DW_FORM_strx1') };
    case 0x26:
      return { strx: r.u16('DW_FORM_strx2') };
    case 0x27:
      return { strx: r.u24('DW_FORM_strx3') };
    case 0x28:
      return { strx: r.u32('DW_FORM_strx4') };
    case 0x10: // ref_addr: address-sized in DWARF 2, offset-sized after
      return unit.version <= 2 ? r.unsigned(unit.addressSize, 'DW_FORM_ref_addr') : r.sectionOffset(offsetSize, 'DW_FORM_ref_addr');
    case 0x12: // ref2
      return r.u16('DW_FORM_ref2');
    case 0x13: // ref4
    case 0x1c: // ref_sup4
      return r.u32('DW_FORM_ref4');
    case 0x14: // ref8
    case 0x20: // ref_sig8
    case 0x24: // ref_sup8
      return r.u64('8-byte reference');
    case 0x17: // sec_offset
    case 0x1d: // strp_sup
    case 0x1f20: // GNU_ref_alt
    case 0x1f21: // GNU_strp_alt (a string in a supplementary file we do not read)
      return r.sectionOffset(offsetSize, 'offset attribute');
    case 0x19: // flag_present
      return 1;
    case 0x1e: // data16
      r.skip(16, 'DW_FORM_data16');
      return undefined;
    case 0x29:
      return r.u8('DW_FORM_addrx1');
    case 0x2a:
      return r.u16('DW_FORM_addrx2');
    case 0x2b:
      return r.u24('DW_FORM_addrx3');
    case 0x2c:
      return r.u32('DW_FORM_addrx4');
    case DW_FORM_implicit_const:
      return implicit;
    case DW_FORM_indirect: {
      const at = r.offset;
      const actual = r.uleb('DW_FORM_indirect form');
      if (depth > 4 || actual === DW_FORM_indirect) throw r.error('DW_FORM_indirect refers to itself', at);
      return readAttribute(r, actual, implicit, unit, sections, depth + 1);
    }
    default:
      throw r.error(`unknown attribute form 0x${form.toString(16)}`);
  }
}

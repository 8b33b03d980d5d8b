/**
 * The units of `.debug_info` (DWARF 2–5 headers, 32- and 64-bit), their abbreviation tables, and the first DIE of
 * each compilation unit: its address ranges, line program, directory and the bases DWARF 5 indexes from
 * (`DW_AT_str_offsets_base`, `DW_AT_addr_base`, `DW_AT_rnglists_base`). Only headers are walked to list units;
 * a unit's DIEs are read when one of its addresses is asked for (inline-scopes.ts).
 */
import { FORM, fixedFormSize, isAddrxForm, isConstantForm, isStrxForm, readForm, type FormUnit } from './forms';
import { ByteReader, decodeUtf8, stringAt, type SectionData } from './reader';
import type { DebugSections } from './sections';

export interface UnitHeader extends FormUnit {
  /** Offset of the unit header in `.debug_info`. */
  offset: number;
  /** Offset just past the unit. */
  end: number;
  unitType: number;
  abbrevOffset: number;
  /** Offset of the unit's first DIE. */
  dieOffset: number;
}

export interface Abbrev {
  tag: number;
  hasChildren: boolean;
  names: number[];
  forms: number[];
  implicit: number[];
  /** Byte size of each attribute when fixed (−1: no bytes), 0 when it must be read. */
  sizes: number[];
}

export const DW_UT_compile = 1;
export const DW_UT_partial = 3;
export const DW_UT_skeleton = 4;

export const TAG = {
  compileUnit: 0x11,
  partialUnit: 0x3c,
  subprogram: 0x2e,
  inlinedSubroutine: 0x1d,
  skeletonUnit: 0x4a,
} as const;

export const AT = {
  name: 0x03,
  stmtList: 0x10,
  lowPc: 0x11,
  highPc: 0x12,
  compDir: 0x1b,
  abstractOrigin: 0x31,
  declaration: 0x3c,
  specification: 0x47,
  ranges: 0x55,
  callFile: 0x58,
  callLine: 0x59,
  linkageName: 0x6e,
  strOffsetsBase: 0x72,
  addrBase: 0x73,
  rnglistsBase: 0x74,
  mipsLinkageName: 0x2007,
  gnuRangesBase: 0x2132,
  gnuAddrBase: 0x2133,
} as const;

/** The units of `.debug_info`, in section order. Throws DwarfError on a malformed header. */
export function readUnitHeaders(file: string, info: SectionData, littleEndian: boolean): UnitHeader[] {
  const r = new ByteReader(file, info, littleEndian);
  const out: UnitHeader[] = [];
  while (r.remaining > 0) {
    const offset = r.offset;
    let length = r.u32('unit_length');
    let offsetSize: 4 | 8 = 4;
    if (length === 0xffffffff) {
      length = r.u64('64-bit unit_length');
      offsetSize = 8;
    } else if (length >= 0xfffffff0) throw r.error(`reserved unit_length 0x${length.toString(16)}`, offset);
    const end = r.offset + length;
    if (end > r.end)
      throw r.error(`unit of ${length} bytes runs past the end of the section (0x${r.end.toString(16)})`, offset);
    const u = r.sub(r.offset, end);
    r.offset = end;
    const version = u.u16('version');
    if (version < 2 || version > 5)
      throw u.error(`unsupported .debug_info version ${version} (2 to 5 are known)`, u.offset - 2);
    let unitType = DW_UT_compile;
    let addressSize: number;
    let abbrevOffset: number;
    if (version >= 5) {
      unitType = u.u8('unit_type');
      addressSize = u.u8('address_size');
      abbrevOffset = u.sectionOffset(offsetSize, 'debug_abbrev_offset');
      if (unitType === DW_UT_skeleton || unitType === 5) u.skip(8, 'dwo_id');
      else if (unitType === 2 || unitType === 6) u.skip(8 + offsetSize, 'type_signature and type_offset');
    } else {
      abbrevOffset = u.sectionOffset(offsetSize, 'debug_abbrev_offset');
      addressSize = u.u8('address_size');
    }
    if (addressSize !== 1 && addressSize !== 2 && addressSize !== 4 && addressSize !== 8)
      throw u.error(`address_size ${addressSize} is not 1, 2, 4 or 8`, u.offset - 1);
    out.push({ offset, end, version, unitType, addressSize, offsetSize, abbrevOffset, dieOffset: u.offset });
  }
  return out;
}

/** The unit holding a `.debug_info` offset (units sorted by offset, as read), or undefined. */
export function unitAt(units: readonly UnitHeader[], offset: number): UnitHeader | undefined {
  let lo = 0;
  let hi = units.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const u = units[mid]!;
    if (offset < u.offset) hi = mid - 1;
    else if (offset >= u.end) lo = mid + 1;
    else return u;
  }
  return undefined;
}

/** Reads one abbreviation table. Each entry consumes bytes, so a crafted table ends at the section's end. */
export function readAbbrevTable(
  file: string,
  section: SectionData,
  le: boolean,
  offset: number,
  unit: FormUnit,
): Map<number, Abbrev> {
  const r = new ByteReader(file, section, le, offset);
  if (offset >= section.data.length)
    throw r.error(
      `abbreviation table offset 0x${offset.toString(16)} is past the end of .debug_abbrev (0x${section.data.length.toString(16)} bytes)`,
      0,
    );
  const table = new Map<number, Abbrev>();
  for (;;) {
    const code = r.uleb('abbreviation code');
    if (code === 0) break;
    const tag = r.uleb('tag');
    const hasChildren = r.u8('children flag') !== 0;
    const a: Abbrev = { tag, hasChildren, names: [], forms: [], implicit: [], sizes: [] };
    for (;;) {
      const name = r.uleb('attribute name');
      const form = r.uleb('attribute form');
      if (name === 0 && form === 0) break;
      a.names.push(name);
      a.forms.push(form);
      a.implicit.push(form === FORM.implicitConst ? r.sleb('implicit_const') : 0);
      a.sizes.push(fixedFormSize(form, unit));
    }
    if (!table.has(code)) table.set(code, a);
  }
  return table;
}

/** Abbreviation tables shared by units (many units of one file use the same table), keyed by offset and shape. */
export class AbbrevCache {
  private readonly tables = new Map<string, Map<number, Abbrev>>();
  constructor(private readonly sections: DebugSections) {}

  of(unit: UnitHeader, from: ByteReader): Map<number, Abbrev> {
    const key = `${unit.abbrevOffset}:${unit.addressSize}:${unit.offsetSize}:${unit.version <= 2 ? 2 : 3}`;
    let t = this.tables.get(key);
    if (!t) {
      const section = this.sections.get('.debug_abbrev');
      if (!section) throw from.error('.debug_info needs .debug_abbrev, which this file does not have', unit.offset);
      t = readAbbrevTable(this.sections.file, section, this.sections.littleEndian, unit.abbrevOffset, unit);
      this.tables.set(key, t);
    }
    return t;
  }
}

/** What a compilation unit's first DIE says about it. */
export interface CompUnit {
  header: UnitHeader;
  tag: number;
  lowPc?: number;
  /** [start, end) pairs from low_pc/high_pc or DW_AT_ranges; empty when the unit states no addresses. */
  ranges: number[];
  stmtList?: number;
  compDir?: string;
  name?: string;
  strOffsetsBase?: number;
  addrBase?: number;
  rnglistsBase?: number;
  /** Raw DW_AT_ranges (form, value), resolved by ranges.ts once the bases are known. */
  rangesAttr?: { form: number; value: number };
}

/** Resolves strings and indexed addresses of one unit. */
export class UnitStrings {
  constructor(
    private readonly sections: DebugSections,
    private readonly unit: UnitHeader,
    private readonly strOffsetsBase: number | undefined,
    private readonly addrBase: number | undefined,
  ) {}

  string(form: number, value: number, from: ByteReader): string | undefined {
    if (form === FORM.string) {
      const nul = from.data.indexOf(0, value);
      return decodeUtf8(from.data, value, nul);
    }
    if (form === FORM.strp) return stringAt('.debug_str', this.sections.get('.debug_str'), value, from, 'DW_FORM_strp');
    if (form === FORM.lineStrp)
      return stringAt('.debug_line_str', this.sections.get('.debug_line_str'), value, from, 'DW_FORM_line_strp');
    if (isStrxForm(form)) {
      const offsets = this.sections.get('.debug_str_offsets');
      if (!offsets) throw from.error('DW_FORM_strx needs .debug_str_offsets, which this file does not have');
      // Without DW_AT_str_offsets_base, the first contribution's header (8 or 16 bytes) is assumed, as binutils does.
      const size = this.unit.offsetSize;
      const base = this.strOffsetsBase ?? (size === 8 ? 16 : 8);
      const at = base + value * size;
      if (at + size > offsets.data.length)
        throw from.error(`string index ${value} is past the end of .debug_str_offsets`);
      const or = new ByteReader(from.file, offsets, from.littleEndian, at);
      return stringAt(
        '.debug_str',
        this.sections.get('.debug_str'),
        or.sectionOffset(size, 'string offset'),
        or,
        'DW_FORM_strx',
      );
    }
    // strp_sup / GNU_strp_alt: the string is in a supplementary file (dwz) this reader does not open.
    return undefined;
  }

  address(form: number, value: number, from: ByteReader): number {
    if (!isAddrxForm(form)) return value;
    return this.indexedAddress(value, from);
  }

  indexedAddress(index: number, from: ByteReader): number {
    const addr = this.sections.get('.debug_addr');
    if (!addr) throw from.error('DW_FORM_addrx needs .debug_addr, which this file does not have');
    const size = this.unit.addressSize;
    const at = (this.addrBase ?? 8) + index * size;
    if (at + size > addr.data.length) throw from.error(`address index ${index} is past the end of .debug_addr`);
    return new ByteReader(from.file, addr, from.littleEndian, at).unsigned(size, 'indexed address');
  }
}

/**
 * Reads the first DIE of a unit. Returns undefined for a unit without one (only padding). `withStrings: false`
 * leaves the name and comp dir out (a scan for address ranges only: decoding thousands of strings costs more
 * than the rest of the DIE).
 */
export function readCompUnit(
  sections: DebugSections,
  info: SectionData,
  header: UnitHeader,
  abbrevs: AbbrevCache,
  withStrings = true,
): CompUnit | undefined {
  const r = new ByteReader(sections.file, info, sections.littleEndian, header.dieOffset, header.end, 'unit');
  if (r.remaining === 0) return undefined;
  const codeAt = r.offset;
  const code = r.uleb('abbreviation code');
  if (code === 0) return undefined;
  const table = abbrevs.of(header, r);
  const a = table.get(code);
  if (!a)
    throw r.error(
      `abbreviation code ${code} is not in the table at .debug_abbrev offset 0x${header.abbrevOffset.toString(16)}`,
      codeAt,
    );
  const cu: CompUnit = { header, tag: a.tag, ranges: [] };
  let low: { form: number; value: number } | undefined;
  let high: { form: number; value: number } | undefined;
  const strs: { attr: number; form: number; value: number }[] = [];
  const actual = [0];
  for (let i = 0; i < a.names.length; i++) {
    actual[0] = a.forms[i]!;
    const value = readForm(r, a.forms[i]!, a.implicit[i]!, header, actual);
    const form = actual[0]!;
    switch (a.names[i]) {
      case AT.lowPc:
        low = { form, value };
        break;
      case AT.highPc:
        high = { form, value };
        break;
      case AT.ranges:
        cu.rangesAttr = { form, value };
        break;
      case AT.stmtList:
        cu.stmtList = value;
        break;
      case AT.strOffsetsBase:
        cu.strOffsetsBase = value;
        break;
      case AT.addrBase:
      case AT.gnuAddrBase:
        cu.addrBase = value;
        break;
      case AT.rnglistsBase:
        cu.rnglistsBase = value;
        break;
      case AT.name:
      case AT.compDir:
        if (withStrings) strs.push({ attr: a.names[i]!, form, value });
        break;
    }
  }
  const strings = new UnitStrings(sections, header, cu.strOffsetsBase, cu.addrBase);
  for (const s of strs) {
    const v = strings.string(s.form, s.value, r);
    if (s.attr === AT.compDir) cu.compDir = v;
    else cu.name = v;
  }
  if (low) {
    cu.lowPc = strings.address(low.form, low.value, r);
    if (high) {
      const end = isConstantForm(high.form) ? cu.lowPc + high.value : strings.address(high.form, high.value, r);
      if (end > cu.lowPc) cu.ranges.push(cu.lowPc, end);
    }
  }
  return cu;
}

/**
 * `DW_AT_comp_dir` of each compilation unit by its `DW_AT_stmt_list`: the folder a DWARF 2–4 line program's
 * relative paths are relative to. The first unit naming a line program gives its folder.
 */
export function compDirsByLineProgram(sections: DebugSections): Map<number, string> {
  const out = new Map<number, string>();
  const info = sections.get('.debug_info');
  if (!info) return out;
  const abbrevs = new AbbrevCache(sections);
  for (const h of readUnitHeaders(sections.file, info, sections.littleEndian)) {
    // Type units and split units have no line program of their own worth reading here.
    if (h.unitType !== DW_UT_compile && h.unitType !== DW_UT_partial && h.unitType !== DW_UT_skeleton) continue;
    const cu = readCompUnit(sections, info, h, abbrevs);
    if (cu?.stmtList !== undefined && cu.compDir !== undefined && !out.has(cu.stmtList))
      out.set(cu.stmtList, cu.compDir);
  }
  return out;
}

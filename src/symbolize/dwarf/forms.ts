/**
 * DWARF attribute forms (DWARF 2–5 and the GNU extensions GCC emits): every value is read as one number, without
 * allocating, and the form says what the number is — an address, a constant, a unit-relative or section-relative
 * reference, an offset into a string section, an index into `.debug_str_offsets` / `.debug_addr` /
 * `.debug_rnglists`. Strings and indexed values are resolved afterwards, only for the attributes a caller keeps.
 * Every read goes through the bounds-checked `ByteReader`, so crafted forms end in a `DwarfError`, not a hang.
 */
import type { ByteReader } from './reader';

export const FORM = {
  addr: 0x01,
  block2: 0x03,
  block4: 0x04,
  data2: 0x05,
  data4: 0x06,
  data8: 0x07,
  string: 0x08,
  block: 0x09,
  block1: 0x0a,
  data1: 0x0b,
  flag: 0x0c,
  sdata: 0x0d,
  strp: 0x0e,
  udata: 0x0f,
  refAddr: 0x10,
  ref1: 0x11,
  ref2: 0x12,
  ref4: 0x13,
  ref8: 0x14,
  refUdata: 0x15,
  indirect: 0x16,
  secOffset: 0x17,
  exprloc: 0x18,
  flagPresent: 0x19,
  strx: 0x1a,
  addrx: 0x1b,
  refSup4: 0x1c,
  strpSup: 0x1d,
  data16: 0x1e,
  lineStrp: 0x1f,
  refSig8: 0x20,
  implicitConst: 0x21,
  loclistx: 0x22,
  rnglistx: 0x23,
  refSup8: 0x24,
  strx1: 0x25,
  strx2: 0x26,
  strx3: 0x27,
  strx4: 0x28,
  addrx1: 0x29,
  addrx2: 0x2a,
  addrx3: 0x2b,
  addrx4: 0x2c,
  gnuAddrIndex: 0x1f01,
  gnuStrIndex: 0x1f02,
  gnuRefAlt: 0x1f20,
  gnuStrpAlt: 0x1f21,
} as const;

/** What the walker needs to know of the unit a value is read in. */
export interface FormUnit {
  version: number;
  addressSize: number;
  offsetSize: 4 | 8;
}

/**
 * Reads one value of `form` and returns it as a number: the value itself for addresses, constants, flags and
 * offsets; the index for strx / addrx / rnglistx forms; for DW_FORM_string, the offset in the section where the
 * string starts (read it with `decodeUtf8` up to the NUL). Blocks and 16-byte data are skipped and give 0.
 * DW_FORM_indirect is resolved; `formOut[0]` receives the form actually read.
 */
export function readForm(r: ByteReader, form: number, implicit: number, unit: FormUnit, formOut?: number[]): number {
  switch (form) {
    case FORM.addr:
      return r.unsigned(unit.addressSize, 'DW_FORM_addr');
    case FORM.data1:
    case FORM.ref1:
    case FORM.flag:
    case FORM.strx1:
    case FORM.addrx1:
      return r.u8('1-byte attribute');
    case FORM.data2:
    case FORM.ref2:
    case FORM.strx2:
    case FORM.addrx2:
      return r.u16('2-byte attribute');
    case FORM.strx3:
    case FORM.addrx3:
      return r.u24('3-byte attribute');
    case FORM.data4:
    case FORM.ref4:
    case FORM.refSup4:
    case FORM.strx4:
    case FORM.addrx4:
      return r.u32('4-byte attribute');
    case FORM.data8:
    case FORM.ref8:
    case FORM.refSig8:
    case FORM.refSup8:
      return r.u64('8-byte attribute');
    case FORM.sdata:
      return r.sleb('DW_FORM_sdata');
    case FORM.udata:
    case FORM.refUdata:
    case FORM.strx:
    case FORM.addrx:
    case FORM.loclistx:
    case FORM.rnglistx:
    case FORM.gnuAddrIndex:
    case FORM.gnuStrIndex:
      return r.uleb('ULEB128 attribute');
    case FORM.string: {
      const at = r.offset;
      const nul = r.data.indexOf(0, at);
      if (nul < 0 || nul >= r.end)
        throw r.error('DW_FORM_string has no terminating NUL before the end of the unit', at);
      r.offset = nul + 1;
      return at;
    }
    case FORM.strp:
    case FORM.lineStrp:
    case FORM.secOffset:
    case FORM.strpSup:
    case FORM.gnuRefAlt:
    case FORM.gnuStrpAlt:
      return r.sectionOffset(unit.offsetSize, 'offset attribute');
    case FORM.refAddr:
      // Address-sized in DWARF 2, offset-sized from DWARF 3 on.
      return unit.version <= 2
        ? r.unsigned(unit.addressSize, 'DW_FORM_ref_addr')
        : r.sectionOffset(unit.offsetSize, 'DW_FORM_ref_addr');
    case FORM.flagPresent:
      return 1;
    case FORM.implicitConst:
      return implicit;
    case FORM.block1:
      r.skip(r.u8('block1 length'), 'DW_FORM_block1');
      return 0;
    case FORM.block2:
      r.skip(r.u16('block2 length'), 'DW_FORM_block2');
      return 0;
    case FORM.block4:
      r.skip(r.u32('block4 length'), 'DW_FORM_block4');
      return 0;
    case FORM.block:
    case FORM.exprloc:
      r.skip(r.uleb('block length'), 'DW_FORM_block');
      return 0;
    case FORM.data16:
      r.skip(16, 'DW_FORM_data16');
      return 0;
    case FORM.indirect: {
      const at = r.offset;
      const actual = r.uleb('DW_FORM_indirect form');
      if (actual === FORM.indirect || actual === FORM.implicitConst)
        throw r.error(`DW_FORM_indirect names form 0x${actual.toString(16)}, which cannot be indirect`, at);
      if (formOut) formOut[0] = actual;
      return readForm(r, actual, implicit, unit);
    }
    default:
      throw r.error(`unknown attribute form 0x${form.toString(16)}`);
  }
}

/** Byte size of a form whose size does not depend on its value (0 for variable-size forms). */
export function fixedFormSize(form: number, unit: FormUnit): number {
  switch (form) {
    case FORM.flagPresent:
    case FORM.implicitConst:
      return -1; // takes no bytes at all
    case FORM.data1:
    case FORM.ref1:
    case FORM.flag:
    case FORM.strx1:
    case FORM.addrx1:
      return 1;
    case FORM.data2:
    case FORM.ref2:
    case FORM.strx2:
    case FORM.addrx2:
      return 2;
    case FORM.strx3:
    case FORM.addrx3:
      return 3;
    case FORM.data4:
    case FORM.ref4:
    case FORM.refSup4:
    case FORM.strx4:
    case FORM.addrx4:
      return 4;
    case FORM.data8:
    case FORM.ref8:
    case FORM.refSig8:
    case FORM.refSup8:
      return 8;
    case FORM.data16:
      return 16;
    case FORM.addr:
      return unit.addressSize;
    case FORM.strp:
    case FORM.lineStrp:
    case FORM.secOffset:
    case FORM.strpSup:
    case FORM.gnuRefAlt:
    case FORM.gnuStrpAlt:
      return unit.offsetSize;
    case FORM.refAddr:
      return unit.version <= 2 ? unit.addressSize : unit.offsetSize;
    default:
      return 0;
  }
}

export function isStrxForm(form: number): boolean {
  return form === FORM.strx || (form >= FORM.strx1 && form <= FORM.strx4) || form === FORM.gnuStrIndex;
}

export function isAddrxForm(form: number): boolean {
  return form === FORM.addrx || (form >= FORM.addrx1 && form <= FORM.addrx4) || form === FORM.gnuAddrIndex;
}

/** Constant-class forms: DW_AT_high_pc in one of these is an offset from DW_AT_low_pc (DWARF 4+). */
export function isConstantForm(form: number): boolean {
  return (
    form === FORM.data1 ||
    form === FORM.data2 ||
    form === FORM.data4 ||
    form === FORM.data8 ||
    form === FORM.udata ||
    form === FORM.sdata ||
    form === FORM.implicitConst
  );
}

/** Reference forms relative to the unit's start (the others, ref_addr, are relative to `.debug_info`). */
export function isUnitRefForm(form: number): boolean {
  return form === FORM.ref1 || form === FORM.ref2 || form === FORM.ref4 || form === FORM.ref8 || form === FORM.refUdata;
}

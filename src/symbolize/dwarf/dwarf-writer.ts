/**
 * Test support (imported by tests and test/fixtures/dwarf/synthetic.ts only): writes `.debug_line` units from an
 * explicit opcode list, in any version (2–5), DWARF format (32/64-bit), byte order and address size, and wraps
 * them in a minimal ELF file (ELF32/ELF64, either byte order) with `.debug_line_str`, `.debug_str`, and a
 * `.debug_info`/`.debug_abbrev` compilation unit per line program carrying DW_AT_stmt_list and DW_AT_comp_dir.
 * readelf reads these files, so its decoding is the independent expectation for them.
 */

export type LineOp =
  | ['copy']
  | ['advance_pc', number]
  | ['advance_line', number]
  | ['set_file', number]
  | ['set_column', number]
  | ['negate_stmt']
  | ['basic_block']
  | ['const_add_pc']
  | ['fixed_advance_pc', number]
  | ['prologue_end']
  | ['epilogue_begin']
  | ['set_isa', number]
  /** DW_LNE_set_address with the unit's address size, or the given operand size. */
  | ['set_address', number, number?]
  | ['end_sequence']
  | ['define_file', string, number]
  | ['set_discriminator', number]
  /** A special opcode: operation advance and line advance (must be encodable with the unit's parameters). */
  | ['special', number, number]
  /** A vendor extended opcode (e.g. 0x80) with raw operand bytes. */
  | ['extended', number, number[]]
  /** A standard opcode ≥ 13 that the header declares (opcode_base > 13), with ULEB operands. */
  | ['vendor_standard', number, number[]]
  | ['raw', number[]];

export type StringForm = 'string' | 'line_strp' | 'strp';

export interface LineUnitSpec {
  version: 2 | 3 | 4 | 5;
  format?: 32 | 64;
  addressSize?: number;
  minInst?: number;
  maxOps?: number;
  defaultIsStmt?: boolean;
  lineBase?: number;
  lineRange?: number;
  opcodeBase?: number;
  /** Operand counts of opcodes 1 .. opcodeBase-1; the standard ones by default, 1 for vendor opcodes. */
  standardOpcodeLengths?: number[];
  /** DWARF 5: entry 0 is the comp dir. DWARF 2–4: include_directories (1-based). */
  directories: string[];
  /** DWARF 5: entry 0 is the primary file. DWARF 2–4: file 1 first. */
  files: { name: string; dir: number; md5?: number[]; size?: number; time?: number }[];
  /** DWARF 5 entry formats. */
  dirForm?: StringForm;
  fileForm?: StringForm;
  dirIndexForm?: 'udata' | 'data1' | 'data2';
  withMd5?: boolean;
  withSize?: 'data4' | 'udata' | 'data8';
  withTimestamp?: 'block' | 'udata' | 'data4';
  /** Add a vendor content type (DW_LNCT_LLVM_source 0x2001) with DW_FORM_line_strp to file entries. */
  withVendorContent?: boolean;
  /** DW_AT_comp_dir written to the unit's .debug_info CU (DWARF 2–4 paths are relative to it). */
  compDir?: string;
  program: LineOp[];
}

export interface ElfSpec {
  elfClass: 32 | 64;
  littleEndian: boolean;
  machine: number;
  units: LineUnitSpec[];
  /** Leave out .debug_info/.debug_abbrev. */
  noInfo?: boolean;
}

const STANDARD_LENGTHS = [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1];

export class ByteWriter {
  private bytes: number[] = [];
  constructor(readonly littleEndian: boolean) {}
  get length(): number {
    return this.bytes.length;
  }
  u8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }
  i8(v: number): this {
    return this.u8(v < 0 ? v + 256 : v);
  }
  uint(v: number, size: number): this {
    const out: number[] = [];
    let x = v;
    for (let i = 0; i < size; i++) {
      out.push(x % 256);
      x = Math.floor(x / 256);
    }
    if (!this.littleEndian) out.reverse();
    this.bytes.push(...out);
    return this;
  }
  u16(v: number): this {
    return this.uint(v, 2);
  }
  u32(v: number): this {
    return this.uint(v, 4);
  }
  u64(v: number): this {
    return this.uint(v, 8);
  }
  uleb(v: number): this {
    let x = v;
    do {
      let b = x % 128;
      x = Math.floor(x / 128);
      if (x > 0) b |= 0x80;
      this.bytes.push(b);
    } while (x > 0);
    return this;
  }
  sleb(v: number): this {
    let x = v;
    for (;;) {
      const b = ((x % 128) + 128) % 128;
      x = Math.floor(x / 128);
      const done = (x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0);
      this.bytes.push(done ? b : b | 0x80);
      if (done) break;
    }
    return this;
  }
  cstring(s: string): this {
    this.bytes.push(...Buffer.from(s, 'utf8'), 0);
    return this;
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.bytes.push(b[i]! & 0xff);
    return this;
  }
  patch(at: number, v: number, size: number): void {
    const w = new ByteWriter(this.littleEndian).uint(v, size).toBytes();
    for (let i = 0; i < size; i++) this.bytes[at + i] = w[i]!;
  }
  toBytes(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export class StringTable {
  private readonly w = new ByteWriter(true);
  private readonly at = new Map<string, number>();
  add(s: string): number {
    let o = this.at.get(s);
    if (o === undefined) {
      o = this.w.length;
      this.w.cstring(s);
      this.at.set(s, o);
    }
    return o;
  }
  get size(): number {
    return this.w.length;
  }
  toBytes(): Uint8Array {
    return this.w.toBytes();
  }
}

const FORM = {
  string: 0x08,
  line_strp: 0x1f,
  strp: 0x0e,
  udata: 0x0f,
  data1: 0x0b,
  data2: 0x05,
  data4: 0x06,
  data8: 0x07,
  data16: 0x1e,
  block: 0x09,
};

/** Encodes one line-program unit. */
export function writeLineUnit(spec: LineUnitSpec, le: boolean, lineStr: StringTable, str: StringTable): Uint8Array {
  const format = spec.format ?? 32;
  const offSize = format === 64 ? 8 : 4;
  const addressSize = spec.addressSize ?? 8;
  const lineBase = spec.lineBase ?? -5;
  const lineRange = spec.lineRange ?? 14;
  const opcodeBase = spec.opcodeBase ?? 13;
  const w = new ByteWriter(le);
  const lengthAt = w.length;
  if (format === 64) w.u32(0xffffffff).u64(0);
  else w.u32(0);
  const afterLength = w.length;
  w.u16(spec.version);
  if (spec.version >= 5) w.u8(addressSize).u8(0);
  const headerLengthAt = w.length;
  w.uint(0, offSize);
  const afterHeaderLength = w.length;
  w.u8(spec.minInst ?? 1);
  if (spec.version >= 4) w.u8(spec.maxOps ?? 1);
  w.u8(spec.defaultIsStmt === false ? 0 : 1)
    .i8(lineBase)
    .u8(lineRange)
    .u8(opcodeBase);
  const lengths =
    spec.standardOpcodeLengths ?? Array.from({ length: opcodeBase - 1 }, (_, i) => STANDARD_LENGTHS[i] ?? 1);
  for (let i = 0; i < opcodeBase - 1; i++) w.u8(lengths[i]!);
  const str1 = (s: string, form: StringForm): void => {
    if (form === 'string') w.cstring(s);
    else if (form === 'line_strp') w.uint(lineStr.add(s), offSize);
    else w.uint(str.add(s), offSize);
  };
  if (spec.version >= 5) {
    const dirForm = spec.dirForm ?? 'line_strp';
    w.u8(1).uleb(1).uleb(FORM[dirForm]);
    w.uleb(spec.directories.length);
    for (const d of spec.directories) str1(d, dirForm);
    const fileForm = spec.fileForm ?? 'line_strp';
    const dirIndexForm = spec.dirIndexForm ?? 'udata';
    const fmt: [number, number][] = [
      [1, FORM[fileForm]],
      [2, FORM[dirIndexForm]],
    ];
    if (spec.withTimestamp) fmt.push([3, FORM[spec.withTimestamp]]);
    if (spec.withSize) fmt.push([4, FORM[spec.withSize]]);
    if (spec.withMd5) fmt.push([5, FORM.data16]);
    if (spec.withVendorContent) fmt.push([0x2001, FORM.line_strp]);
    w.u8(fmt.length);
    for (const [t, f] of fmt) w.uleb(t).uleb(f);
    w.uleb(spec.files.length);
    for (const f of spec.files) {
      str1(f.name, fileForm);
      if (dirIndexForm === 'udata') w.uleb(f.dir);
      else if (dirIndexForm === 'data1') w.u8(f.dir);
      else w.u16(f.dir);
      if (spec.withTimestamp === 'block') w.uleb(4).u32(f.time ?? 0);
      else if (spec.withTimestamp === 'udata') w.uleb(f.time ?? 0);
      else if (spec.withTimestamp === 'data4') w.u32(f.time ?? 0);
      if (spec.withSize === 'data4') w.u32(f.size ?? 0);
      else if (spec.withSize === 'udata') w.uleb(f.size ?? 0);
      else if (spec.withSize === 'data8') w.u64(f.size ?? 0);
      if (spec.withMd5) w.raw(f.md5 ?? new Array(16).fill(0));
      if (spec.withVendorContent) w.uint(lineStr.add(`/* source of ${f.name} */`), offSize);
    }
  } else {
    for (const d of spec.directories) w.cstring(d);
    w.u8(0);
    for (const f of spec.files)
      w.cstring(f.name)
        .uleb(f.dir)
        .uleb(f.time ?? 0)
        .uleb(f.size ?? 0);
    w.u8(0);
  }
  w.patch(headerLengthAt, w.length - afterHeaderLength, offSize);
  for (const op of spec.program) writeOp(w, op, { addressSize, lineBase, lineRange, opcodeBase });
  if (format === 64) w.patch(lengthAt + 4, w.length - afterLength, 8);
  else w.patch(lengthAt, w.length - afterLength, 4);
  return w.toBytes();
}

function writeOp(
  w: ByteWriter,
  op: LineOp,
  p: { addressSize: number; lineBase: number; lineRange: number; opcodeBase: number },
): void {
  switch (op[0]) {
    case 'copy':
      w.u8(1);
      break;
    case 'advance_pc':
      w.u8(2).uleb(op[1]);
      break;
    case 'advance_line':
      w.u8(3).sleb(op[1]);
      break;
    case 'set_file':
      w.u8(4).uleb(op[1]);
      break;
    case 'set_column':
      w.u8(5).uleb(op[1]);
      break;
    case 'negate_stmt':
      w.u8(6);
      break;
    case 'basic_block':
      w.u8(7);
      break;
    case 'const_add_pc':
      w.u8(8);
      break;
    case 'fixed_advance_pc':
      w.u8(9).u16(op[1]);
      break;
    case 'prologue_end':
      w.u8(10);
      break;
    case 'epilogue_begin':
      w.u8(11);
      break;
    case 'set_isa':
      w.u8(12).uleb(op[1]);
      break;
    case 'set_address': {
      const size = op[2] ?? p.addressSize;
      w.u8(0)
        .uleb(1 + size)
        .u8(2)
        .uint(op[1], size);
      break;
    }
    case 'end_sequence':
      w.u8(0).uleb(1).u8(1);
      break;
    case 'define_file': {
      const body = new ByteWriter(w.littleEndian).u8(3).cstring(op[1]).uleb(op[2]).uleb(0).uleb(0).toBytes();
      w.u8(0).uleb(body.length).raw(body);
      break;
    }
    case 'set_discriminator': {
      const body = new ByteWriter(w.littleEndian).u8(4).uleb(op[1]).toBytes();
      w.u8(0).uleb(body.length).raw(body);
      break;
    }
    case 'special': {
      const [, opAdv, lineAdv] = op;
      if (lineAdv < p.lineBase || lineAdv >= p.lineBase + p.lineRange)
        throw new Error(`line advance ${lineAdv} not encodable`);
      const opcode = lineAdv - p.lineBase + p.lineRange * opAdv + p.opcodeBase;
      if (opcode > 255) throw new Error(`special opcode ${opcode} > 255`);
      w.u8(opcode);
      break;
    }
    case 'extended':
      w.u8(0)
        .uleb(1 + op[2].length)
        .u8(op[1])
        .raw(op[2]);
      break;
    case 'vendor_standard':
      w.u8(op[1]);
      for (const a of op[2]) w.uleb(a);
      break;
    case 'raw':
      w.raw(op[1]);
      break;
  }
}

/** A DWARF 2–5 compilation unit whose first DIE has DW_AT_name, DW_AT_comp_dir and DW_AT_stmt_list. */
function writeInfoUnit(
  w: ByteWriter,
  version: number,
  format: 32 | 64,
  addressSize: number,
  stmtList: number,
  compDir: string,
  name: string,
  str: StringTable,
): void {
  const offSize = format === 64 ? 8 : 4;
  const lengthAt = w.length;
  if (format === 64) w.u32(0xffffffff).u64(0);
  else w.u32(0);
  const after = w.length;
  w.u16(version);
  if (version >= 5) w.u8(1).u8(addressSize).uint(0, offSize);
  else w.uint(0, offSize).u8(addressSize);
  w.uleb(version >= 4 ? 1 : 2); // abbrev code: 1 uses sec_offset, 2 data4/data8
  w.cstring(name); // DW_AT_name, DW_FORM_string
  w.uint(str.add(compDir), offSize); // DW_AT_comp_dir, DW_FORM_strp
  w.uint(stmtList, offSize); // DW_AT_stmt_list
  if (format === 64) w.patch(lengthAt + 4, w.length - after, 8);
  else w.patch(lengthAt, w.length - after, 4);
}

function abbrevTable(format: 32 | 64): Uint8Array {
  const w = new ByteWriter(true);
  // 1: compile_unit, no children, name string, comp_dir strp, stmt_list sec_offset (+ a producer-like flag_present)
  w.uleb(1)
    .uleb(0x11)
    .u8(0)
    .uleb(0x03)
    .uleb(0x08)
    .uleb(0x1b)
    .uleb(0x0e)
    .uleb(0x10)
    .uleb(0x17)
    .uleb(0x3f)
    .uleb(0x19)
    .uleb(0)
    .uleb(0);
  // 2: same with stmt_list as data4 (DWARF 2/3) or data8 (64-bit DWARF 2/3)
  w.uleb(2)
    .uleb(0x11)
    .u8(0)
    .uleb(0x03)
    .uleb(0x08)
    .uleb(0x1b)
    .uleb(0x0e)
    .uleb(0x10)
    .uleb(format === 64 ? 0x07 : 0x06)
    .uleb(0x3f)
    .uleb(0x19)
    .uleb(0)
    .uleb(0);
  w.u8(0);
  return w.toBytes();
}

/** A minimal ELF file (no segments) holding the given line units and their CUs. */
export function writeElf(spec: ElfSpec): Uint8Array {
  const le = spec.littleEndian;
  const lineStr = new StringTable();
  const str = new StringTable();
  const line = new ByteWriter(le);
  const offsets: number[] = [];
  for (const u of spec.units) {
    offsets.push(line.length);
    line.raw(writeLineUnit(u, le, lineStr, str));
  }
  const sections: { name: string; data: Uint8Array; flags?: number; entsize?: number }[] = [
    { name: '.debug_line', data: line.toBytes() },
  ];
  if (!spec.noInfo) {
    // One abbreviation table per format, since stmt_list's data form depends on it; tables are identical otherwise.
    const info = new ByteWriter(le);
    spec.units.forEach((u, i) => {
      const compDir = u.compDir ?? (u.version >= 5 ? (u.directories[0] ?? '') : '/');
      const name = u.files[0]?.name ?? 'unit.c';
      writeInfoUnit(
        info,
        Math.max(2, u.version),
        u.format ?? 32,
        u.addressSize ?? (spec.elfClass === 64 ? 8 : 4),
        offsets[i]!,
        compDir,
        name,
        str,
      );
    });
    // Both formats use abbrev offset 0; the 32-bit table works for both because forms are chosen per code.
    sections.push(
      { name: '.debug_info', data: info.toBytes() },
      { name: '.debug_abbrev', data: abbrevTable(spec.units.some((u) => u.format === 64 && u.version < 4) ? 64 : 32) },
    );
  }
  if (lineStr.size) sections.push({ name: '.debug_line_str', data: lineStr.toBytes(), flags: 0x30, entsize: 1 });
  if (str.size) sections.push({ name: '.debug_str', data: str.toBytes(), flags: 0x30, entsize: 1 });
  return elfWith(spec.elfClass, le, spec.machine, sections);
}

/** ELF with the given sections (SHT_PROGBITS) after a null section, plus .shstrtab. */
export function elfWith(
  elfClass: 32 | 64,
  le: boolean,
  machine: number,
  sections: { name: string; data: Uint8Array; flags?: number; entsize?: number; type?: number; addr?: number }[],
): Uint8Array {
  const is64 = elfClass === 64;
  const ehsize = is64 ? 64 : 52;
  const shentsize = is64 ? 64 : 40;
  const shstr = new StringTable();
  shstr.add('');
  const names = sections.map((s) => shstr.add(s.name));
  const shstrName = shstr.add('.shstrtab');
  const body = new ByteWriter(le);
  const placed: { off: number; size: number }[] = [];
  let at = ehsize;
  for (const s of sections) {
    placed.push({ off: at, size: s.data.length });
    body.raw(s.data);
    at += s.data.length;
  }
  const shstrBytes = shstr.toBytes();
  const shstrOff = at;
  body.raw(shstrBytes);
  at += shstrBytes.length;
  while (at % 8) {
    body.u8(0);
    at++;
  }
  const shoff = at;
  const w = new ByteWriter(le);
  w.raw([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  w.u16(2).u16(machine).u32(1); // ET_EXEC, machine, EV_CURRENT
  const word = (v: number): void => void (is64 ? w.u64(v) : w.u32(v));
  word(0); // e_entry
  word(0); // e_phoff
  word(shoff);
  w.u32(0)
    .u16(ehsize)
    .u16(0)
    .u16(0)
    .u16(shentsize)
    .u16(sections.length + 2)
    .u16(sections.length + 1);
  w.raw(body.toBytes());
  const sh = (
    name: number,
    type: number,
    flags: number,
    off: number,
    size: number,
    entsize: number,
    addr = 0,
  ): void => {
    w.u32(name).u32(type);
    word(flags);
    word(addr);
    word(off);
    word(size);
    w.u32(0).u32(0); // link, info
    word(1); // addralign
    word(entsize);
  };
  sh(0, 0, 0, 0, 0, 0);
  sections.forEach((s, i) =>
    sh(names[i]!, s.type ?? 1, s.flags ?? 0, placed[i]!.off, placed[i]!.size, s.entsize ?? 0, s.addr),
  );
  sh(shstrName, 3, 0, shstrOff, shstrBytes.length, 0);
  return w.toBytes();
}

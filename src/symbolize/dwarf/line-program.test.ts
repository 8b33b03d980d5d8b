/**
 * Hand-written line programs (dwarf-writer.ts) for what readelf cannot referee: overlapping sequences, VLIW
 * op_index, unterminated sequences, and every kind of malformed input, which must be a DwarfError naming the
 * file, the section and the byte offset.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import {
  elfWith,
  writeElf,
  writeLineUnit,
  StringTable,
  type ElfSpec,
  type LineOp,
  type LineUnitSpec,
} from './dwarf-writer';
import { parseLinePrograms, type LineContext } from './line-program';
import { LineTable } from './line-table';
import { DwarfError } from './reader';
import { debugSectionsOf } from './sections';

const NAME = '/fixtures/synthetic.elf';

function unit(program: LineOp[], extra: Partial<LineUnitSpec> = {}): LineUnitSpec {
  return {
    version: 5,
    directories: ['/c'],
    files: [
      { name: 'a.c', dir: 0 },
      { name: 'b.inc', dir: 0 },
    ],
    program,
    ...extra,
  };
}

function tableOf(spec: ElfSpec): LineTable {
  return LineTable.fromSections(debugSectionsOf(Buffer.from(writeElf(spec)), NAME));
}

function elf(units: LineUnitSpec[], opts: Partial<ElfSpec> = {}): ElfSpec {
  return { elfClass: 64, littleEndian: true, machine: 62, units, ...opts };
}

/** A context over raw `.debug_line` bytes (no ELF). */
function ctxOf(bytes: Uint8Array, extra: Partial<LineContext> = {}): LineContext {
  return {
    file: NAME,
    littleEndian: true,
    debugLine: { name: '.debug_line', data: bytes, fileOffset: 0x1000 },
    defaultAddressSize: 8,
    ...extra,
  };
}

function lineBytes(u: LineUnitSpec, le = true): { bytes: Uint8Array; lineStr: StringTable } {
  const lineStr = new StringTable();
  return { bytes: writeLineUnit(u, le, lineStr, new StringTable()), lineStr };
}

/** Parses one unit written from `u`, with its .debug_line_str. */
function programOf(u: LineUnitSpec, extra: Partial<LineContext> = {}) {
  const { bytes, lineStr } = lineBytes(u);
  return parseLinePrograms(
    ctxOf(bytes, { debugLineStr: { name: '.debug_line_str', data: lineStr.toBytes() }, ...extra }),
  )[0]!;
}

function assertDwarfError(fn: () => unknown, section: string, pattern: RegExp): DwarfError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DwarfError, `not a DwarfError: ${(e as Error).stack}`);
    assert.ok(e.message.startsWith(`${NAME}: ${section} offset 0x`), e.message);
    assert.match(e.message, pattern);
    return e;
  }
  assert.fail('no error');
}

test('overlapping sequences: the containing sequence with the greatest start wins', () => {
  const t = tableOf(
    elf([
      unit([
        // A discarded function's sequence at 0 that spans past a real one (the linker zeroed its address).
        ['set_address', 0x0],
        ['advance_line', 99],
        ['copy'],
        ['advance_pc', 0x2000],
        ['end_sequence'],
        ['set_address', 0x1000],
        ['advance_line', 9],
        ['copy'],
        ['advance_pc', 0x10],
        ['end_sequence'],
      ]),
    ]),
  );
  assert.equal(t.lookup(0x0fff)!.line, 100);
  assert.equal(t.lookup(0x1000)!.line, 10);
  assert.equal(t.lookup(0x100f)!.line, 10);
  assert.equal(t.lookup(0x1010)!.line, 100); // past the real one, the outer sequence still covers it
  assert.equal(t.lookup(0x2000), undefined);
});

test('a sequence that ends where the next begins: the boundary belongs to the next', () => {
  const t = tableOf(
    elf([
      unit([
        ['set_address', 0x2000],
        ['advance_line', 4],
        ['copy'],
        ['advance_pc', 8],
        ['end_sequence'],
        ['set_address', 0x1ff0],
        ['set_file', 0],
        ['copy'],
        ['advance_pc', 0x10],
        ['end_sequence'],
      ]),
    ]),
  );
  assert.deepEqual(t.lookup(0x1fff), { file: '/c/a.c', line: 1, column: 0 });
  assert.deepEqual(t.lookup(0x2000), { file: '/c/b.inc', line: 5, column: 0 });
  assert.equal(t.lookup(0x2008), undefined);
});

test('VLIW: maximum_operations_per_instruction > 1 advances op_index, and the address every max_ops operations', () => {
  const { bytes } = lineBytes(
    unit(
      [
        ['set_address', 0x100],
        ['copy'],
        ['special', 1, 1], // op_index 1, address 0x100
        ['special', 2, 1], // op_index 0, address 0x100 + 4*1
        ['advance_pc', 5], // op_index 2, address + 4
        ['copy'],
        ['fixed_advance_pc', 2], // op_index 0, address + 2
        ['copy'],
        ['end_sequence'],
      ],
      { version: 4, minInst: 4, maxOps: 3, directories: [], files: [{ name: '/x.c', dir: 0 }] },
    ),
  );
  const [p] = parseLinePrograms(ctxOf(bytes));
  assert.deepEqual(
    p!.sequences[0]!.rows.map((r) => [r.address, r.line]),
    [
      [0x100, 1],
      [0x100, 2],
      [0x104, 3],
      [0x108, 3],
      [0x10a, 3],
      [0x10a, 3],
    ],
  );
});

test('rows after the last end_sequence are reported as unterminated and left out of lookups', () => {
  const p = programOf(unit([['set_address', 0x500], ['copy'], ['advance_pc', 4], ['copy']]));
  assert.equal(p.sequences.length, 1);
  assert.equal(p.sequences[0]!.terminated, false);
  const t = tableOf(elf([unit([['set_address', 0x500], ['copy'], ['advance_pc', 4], ['copy']])]));
  assert.equal(t.lookup(0x500), undefined);
});

test('an invalid file number gives rows with no file, and no lookup answer', () => {
  const t = tableOf(
    elf([unit([['set_address', 0x500], ['set_file', 7], ['copy'], ['advance_pc', 4], ['end_sequence']])]),
  );
  assert.equal(t.lookup(0x500), undefined);
  assert.equal(
    programOf(unit([['set_address', 0x500], ['set_file', 7], ['copy'], ['advance_pc', 4], ['end_sequence']]))
      .sequences[0]!.rows[0]!.file,
    '',
  );
});

test('DWARF 4: file number 0 is invalid (files are 1-based), a define_file entry is usable right away', () => {
  const { bytes } = lineBytes(
    unit(
      [
        ['set_address', 0x10],
        ['set_file', 0],
        ['copy'],
        ['define_file', 'gen.c', 1],
        ['set_file', 2],
        ['copy'],
        ['advance_pc', 1],
        ['end_sequence'],
      ],
      { version: 4, directories: ['/inc'], files: [{ name: 'a.c', dir: 0 }] },
    ),
  );
  const rows = parseLinePrograms(ctxOf(bytes, { compDirFor: () => '/comp' }))[0]!.sequences[0]!.rows;
  assert.deepEqual(
    rows.map((r) => r.file),
    ['', '/inc/gen.c', '/inc/gen.c'],
  );
});

test('64-bit DWARF, big-endian, 4-byte addresses: the same rows as the little-endian 32-bit encoding', () => {
  const program: LineOp[] = [
    ['set_address', 0x8000],
    ['advance_line', 41],
    ['copy'],
    ['special', 3, 2],
    ['const_add_pc'],
    ['copy'],
    ['advance_pc', 2],
    ['end_sequence'],
  ];
  const rowsOf = (le: boolean, format: 32 | 64) => {
    const { bytes, lineStr } = lineBytes(unit(program, { format, addressSize: 4 }), le);
    return parseLinePrograms(
      ctxOf(bytes, { littleEndian: le, debugLineStr: { name: '.debug_line_str', data: lineStr.toBytes() } }),
    )[0]!.sequences[0]!.rows;
  };
  const a = rowsOf(true, 32);
  assert.deepEqual(rowsOf(false, 64), a);
  assert.deepEqual(rowsOf(false, 32), a);
  assert.deepEqual(
    a.map((r) => [r.address, r.line, r.file]),
    [
      [0x8000, 42, '/c/b.inc'],
      [0x8003, 44, '/c/b.inc'],
      [0x8014, 44, '/c/b.inc'],
      [0x8016, 44, '/c/b.inc'],
    ],
  );
});

// ---- malformed input ----

test('errors name the file, the section, the offset in it and in the file', () => {
  const { bytes } = lineBytes(unit([['set_address', 0x10], ['copy']]));
  const cut = bytes.subarray(0, bytes.length - 3);
  const e = assertDwarfError(() => parseLinePrograms(ctxOf(cut)), '.debug_line', /runs past the end of the section/);
  assert.equal(e.offset, 0);
  assert.match(e.message, /\(file byte 0x1000\)/);
});

test('unsupported versions, reserved lengths and bad header fields are errors', () => {
  const good = lineBytes(unit([['copy']], { version: 4, directories: [], files: [] })).bytes;
  const withVersion = (v: number) => {
    const b = Uint8Array.from(good);
    b[4] = v;
    return b;
  };
  assertDwarfError(
    () => parseLinePrograms(ctxOf(withVersion(1))),
    '.debug_line',
    /offset 0x4.*unsupported line table version 1/,
  );
  assertDwarfError(() => parseLinePrograms(ctxOf(withVersion(6))), '.debug_line', /unsupported line table version 6/);
  assertDwarfError(
    () => parseLinePrograms(ctxOf(Uint8Array.from([0xf0, 0xff, 0xff, 0xff, 0, 0]))),
    '.debug_line',
    /offset 0x0.*reserved/,
  );
  // line_range 0 (byte 15 in a 32-bit DWARF 4 header: length 4, version 2, header_length 4, min_inst, max_ops, default_is_stmt, line_base, line_range)
  const zeroRange = Uint8Array.from(good);
  zeroRange[14] = 0;
  assertDwarfError(() => parseLinePrograms(ctxOf(zeroRange)), '.debug_line', /offset 0xe.*line_range is 0/);
  // header_length past the end of the unit
  const longHeader = Uint8Array.from(good);
  longHeader[6] = 0xff;
  assertDwarfError(() => parseLinePrograms(ctxOf(longHeader)), '.debug_line', /offset 0x6.*header_length/);
});

test('truncated or oversized operands inside the program are errors at the opcode', () => {
  const base = (program: LineOp[]) =>
    lineBytes(unit(program, { version: 3, directories: [], files: [{ name: 'x.c', dir: 0 }] })).bytes;
  // A LEB128 cut by the end of the unit: advance_pc with a continuation byte and nothing after.
  assertDwarfError(
    () => parseLinePrograms(ctxOf(base([['raw', [2, 0x80]]]))),
    '.debug_line',
    /DW_LNS_advance_pc operand is cut off/,
  );
  // An extended opcode longer than what is left.
  assertDwarfError(
    () => parseLinePrograms(ctxOf(base([['raw', [0, 9, 2, 1, 2]]]))),
    '.debug_line',
    /extended opcode of 9 bytes runs past the end/,
  );
  // set_address with a 9-byte operand.
  assertDwarfError(
    () => parseLinePrograms(ctxOf(base([['raw', [0, 10, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9]]]))),
    '.debug_line',
    /DW_LNE_set_address with a 9-byte operand/,
  );
  // A LEB128 wider than 64 bits.
  assertDwarfError(
    () =>
      parseLinePrograms(ctxOf(base([['raw', [2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]]]))),
    '.debug_line',
    /does not fit in 64 bits/,
  );
  // (An SLEB128 padded with sign bytes past 64 bits is fine: advance_line by -1.)
  const padded = parseLinePrograms(
    ctxOf(base([['raw', [3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1]]])),
  )[0]!;
  assert.equal(padded.sequences[0]!.rows[0]!.line, 0);
  // fixed_advance_pc with one byte left.
  assertDwarfError(
    () => parseLinePrograms(ctxOf(base([['raw', [9, 1]]]))),
    '.debug_line',
    /DW_LNS_fixed_advance_pc operand/,
  );
});

test('DWARF 5 entry formats: a string offset out of range, a missing string section, forms we cannot read, no path', () => {
  const { bytes, lineStr } = lineBytes(unit([['copy']]));
  const lineStrSection = { name: '.debug_line_str', data: lineStr.toBytes() };
  // Without .debug_line_str.
  assertDwarfError(
    () => parseLinePrograms(ctxOf(bytes)),
    '.debug_line',
    /refers to \.debug_line_str, which this file does not have/,
  );
  // Truncated .debug_line_str: the first string loses its NUL, the others lie past the end.
  assertDwarfError(
    () =>
      parseLinePrograms(
        ctxOf(bytes, { debugLineStr: { name: '.debug_line_str', data: lineStrSection.data.subarray(0, 2) } }),
      ),
    '.debug_line_str',
    /offset 0x0: string has no terminating NUL \(referred to from \.debug_line offset 0x26\)/,
  );
  assertDwarfError(
    () =>
      parseLinePrograms(
        ctxOf(bytes, { debugLineStr: { name: '.debug_line_str', data: lineStrSection.data.subarray(0, 3) } }),
      ),
    '.debug_line',
    /offset 0x[0-9a-f]+ is past the end of \.debug_line_str/,
  );
  // DW_FORM_strx1 (0x25) for the directory path: patch the form byte of the directory entry format.
  const strx = Uint8Array.from(bytes);
  const formAt = 4 + 2 + 2 + 4 + 6 + 12 + 2; // length, version, sizes, header_length, fixed fields, opcode lengths, count + type
  assert.equal(strx[formAt], 0x1f);
  strx[formAt] = 0x25;
  assertDwarfError(() => parseLinePrograms(ctxOf(strx, { debugLineStr: lineStrSection })), '.debug_line', /form 0x25/);
  // Directory format without DW_LNCT_path (content type 2 instead of 1).
  const noPath = Uint8Array.from(bytes);
  noPath[formAt - 1] = 2;
  assertDwarfError(
    () => parseLinePrograms(ctxOf(noPath, { debugLineStr: lineStrSection })),
    '.debug_line',
    /not a constant form|no DW_LNCT_path/,
  );
});

test('sections: unknown compression, corrupt zlib, a size mismatch, relocatable objects, no .debug_line', () => {
  const { bytes } = lineBytes(
    unit([['set_address', 0x10], ['copy'], ['advance_pc', 1], ['end_sequence']], {
      version: 4,
      directories: [],
      files: [{ name: '/x.c', dir: 0 }],
    }),
  );
  const chdr = (type: number, size: number, body: Uint8Array) => {
    const h = Buffer.alloc(24);
    h.writeUInt32LE(type, 0);
    h.writeBigUInt64LE(BigInt(size), 8);
    h.writeBigUInt64LE(1n, 16);
    return Uint8Array.from(Buffer.concat([h, body]));
  };
  const load = (data: Uint8Array, flags = 0x800, type = 1, elfType?: number) => {
    const buf = Buffer.from(elfWith(64, true, 62, [{ name: '.debug_line', data, flags, type }]));
    if (elfType !== undefined) buf.writeUInt16LE(elfType, 16);
    return LineTable.fromSections(debugSectionsOf(buf, NAME));
  };
  const z = deflateSync(bytes);
  assert.equal(load(chdr(1, bytes.length, z)).lookup(0x10)!.file, '/x.c');
  assertDwarfError(() => load(chdr(7, bytes.length, z)), '.debug_line', /unknown compression type 7/);
  assertDwarfError(
    () => load(chdr(1, bytes.length, Uint8Array.from([1, 2, 3, 4]))),
    '.debug_line',
    /zlib data does not decompress/,
  );
  assertDwarfError(
    () => load(chdr(1, bytes.length + 5, z)),
    '.debug_line',
    /decompresses to \d+ bytes, its header says/,
  );
  assertDwarfError(() => load(chdr(2, 2 ** 31, z)), '.debug_line', /above the \d+-byte limit/);
  assertDwarfError(
    () => load(Uint8Array.from([1, 2])),
    '.debug_line',
    /shorter \(2 bytes\) than its compression header/,
  );
  assertDwarfError(() => load(bytes, 0, 1, 1), '.debug_line', /relocatable object/);
  assertDwarfError(() => load(bytes, 0, 8), '.debug_line', /no \.debug_line section/);
  const gnu = Buffer.concat([Buffer.from('ZLIB'), Buffer.from([0, 0, 0, 0, 0, 0, 0, bytes.length]), z]);
  const zdebug = Buffer.from(elfWith(64, true, 62, [{ name: '.zdebug_line', data: gnu }]));
  assert.equal(LineTable.fromSections(debugSectionsOf(zdebug, NAME)).lookup(0x10)!.file, '/x.c');
});

test('DWARF 4 comp dir: .debug_info problems are errors naming .debug_info or .debug_abbrev', () => {
  const spec = elf([
    unit([['set_address', 0x10], ['copy'], ['advance_pc', 1], ['end_sequence']], {
      version: 4,
      compDir: '/comp',
      directories: ['src'],
      files: [{ name: 'a.c', dir: 1 }],
    }),
  ]);
  const good = Buffer.from(writeElf(spec));
  assert.equal(LineTable.fromSections(debugSectionsOf(good, NAME)).lookup(0x10)!.file, '/comp/src/a.c');
  // Corrupt the abbreviation code of the first DIE (.debug_info byte 11 in a 32-bit DWARF 4 unit).
  const sections = debugSectionsOf(good, NAME);
  const info = Uint8Array.from(sections.get('.debug_info')!.data);
  info[11] = 9;
  const abbrev = sections.get('.debug_abbrev')!.data;
  const line = sections.get('.debug_line')!.data;
  const str = sections.get('.debug_str')!.data;
  const bad = Buffer.from(
    elfWith(64, true, 62, [
      { name: '.debug_line', data: line },
      { name: '.debug_info', data: info },
      { name: '.debug_abbrev', data: abbrev },
      { name: '.debug_str', data: str },
    ]),
  );
  assertDwarfError(
    () => LineTable.fromSections(debugSectionsOf(bad, NAME)),
    '.debug_info',
    /offset 0xb.*abbreviation code 9 is not in the table/,
  );
});

test('DWARF 2–4 with only absolute paths: .debug_info is not read at all', () => {
  const spec = elf([
    unit([['set_address', 0x10], ['set_file', 2], ['copy'], ['advance_pc', 1], ['end_sequence']], {
      version: 3,
      directories: ['/inc'],
      files: [
        { name: '/abs/a.c', dir: 0 },
        { name: 'b.h', dir: 1 },
      ],
    }),
  ]);
  const s = debugSectionsOf(Buffer.from(writeElf(spec)), NAME);
  const bad = Buffer.from(
    elfWith(64, true, 62, [
      { name: '.debug_line', data: s.get('.debug_line')!.data },
      { name: '.debug_info', data: Uint8Array.from([0xff, 0xff, 0xff]) },
    ]),
  );
  assert.deepEqual(LineTable.fromSections(debugSectionsOf(bad, NAME)).lookup(0x10), {
    file: '/inc/b.h',
    line: 1,
    column: 0,
  });
});

test('a sequence whose rows go back in address (set_address inside it) is sorted for lookups, rows at one address keep their order', () => {
  const t = tableOf(
    elf([
      unit([
        ['set_address', 0x100],
        ['copy'], // line 1 at 0x100
        ['set_address', 0x120],
        ['advance_line', 1],
        ['copy'], // line 2 at 0x120
        ['set_address', 0x110],
        ['advance_line', 1],
        ['copy'], // line 3 at 0x110
        ['set_address', 0x130],
        ['end_sequence'],
      ]),
    ]),
  );
  assert.deepEqual(
    [0x100, 0x10f, 0x110, 0x11f, 0x120, 0x12f, 0x130].map((a) => t.lookup(a)?.line),
    [1, 1, 3, 3, 2, 2, undefined],
  );
});

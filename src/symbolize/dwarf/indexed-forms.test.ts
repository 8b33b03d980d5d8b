/**
 * The DWARF 5 forms gcc does not emit without split DWARF but clang does: names by `DW_FORM_strx1` through
 * `.debug_str_offsets` (`DW_AT_str_offsets_base`), addresses by `DW_FORM_addrx1` through `.debug_addr`
 * (`DW_AT_addr_base`), ranges by `DW_FORM_rnglistx` through `.debug_rnglists` (`DW_AT_rnglists_base`, with
 * `DW_RLE_startx_length`), an inlined call through `DW_AT_abstract_origin`. The unit is written here; the oracle is
 * what addr2line and llvm-symbolizer read from the same ELF file. binutils 2.40 does not see the inlined call
 * (its ranges are a rnglistx index): there we follow llvm-symbolizer, and the test names the addresses.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteWriter, elfWith, StringTable, writeLineUnit } from './dwarf-writer';
import { symbolizeInProcess } from '../builtin';
import { compareFrames } from '../testing/differential';
import { frameText, runReference, toolAvailable } from '../testing/reference-tools';

const skip =
  toolAvailable('addr2line') && toolAvailable('llvm-symbolizer') ? false : 'addr2line and llvm-symbolizer are needed';

const DW = { compileUnit: 0x11, subprogram: 0x2e, inlined: 0x1d };
const AT = {
  name: 0x03,
  stmtList: 0x10,
  lowPc: 0x11,
  highPc: 0x12,
  compDir: 0x1b,
  inline: 0x20,
  abstractOrigin: 0x31,
  ranges: 0x55,
  callFile: 0x58,
  callLine: 0x59,
  strOffsetsBase: 0x72,
  addrBase: 0x73,
  rnglistsBase: 0x74,
};
const F = { strx1: 0x25, secOffset: 0x17, addrx1: 0x29, data1: 0x0b, data4: 0x06, rnglistx: 0x23, ref4: 0x13 };

function abbrev(w: ByteWriter, code: number, tag: number, children: boolean, attrs: [number, number][]): void {
  w.uleb(code)
    .uleb(tag)
    .u8(children ? 1 : 0);
  for (const [a, f] of attrs) w.uleb(a).uleb(f);
  w.u8(0).u8(0);
}

function buildElf(): Uint8Array {
  const lineStr = new StringTable();
  const str = new StringTable();
  const line = writeLineUnit(
    {
      version: 5,
      directories: ['/src'],
      files: [
        { name: 'main.c', dir: 0 },
        { name: 'inl.h', dir: 0 },
      ],
      program: [
        ['set_address', 0x1000],
        ['set_file', 0],
        ['advance_line', 9],
        ['copy'],
        ['advance_pc', 0x10],
        ['set_file', 1],
        ['advance_line', -5],
        ['copy'],
        ['advance_pc', 0x10],
        ['set_file', 0],
        ['advance_line', 7],
        ['copy'],
        ['advance_pc', 0x20],
        ['end_sequence'],
      ],
    },
    true,
    lineStr,
    str,
  );
  // Strings by index: 0 main.c, 1 /src, 2 outer, 3 inl_fn.
  const names = ['main.c', '/src', 'outer', 'inl_fn'].map((s) => str.add(s));
  const offsets = new ByteWriter(true)
    .u32(4 + 4 * names.length)
    .u16(5)
    .u16(0);
  for (const o of names) offsets.u32(o);
  const addr = new ByteWriter(true)
    .u32(4 + 16)
    .u16(5)
    .u8(8)
    .u8(0)
    .u64(0x1000)
    .u64(0x1010);
  // Range lists: the header (12 bytes), two offsets relative to it, then list 0 (the unit) and list 1 (the call).
  const lists = new ByteWriter(true);
  const list0 = [0x03, 0x00, 0x40, 0x00]; // startx_length index 0 (0x1000), length 0x40; end
  const list1 = [0x03, 0x01, 0x10, 0x00]; // startx_length index 1 (0x1010), length 0x10; end
  lists
    .u32(2 + 1 + 1 + 4 + 8 + list0.length + list1.length)
    .u16(5)
    .u8(8)
    .u8(0)
    .u32(2)
    .u32(8)
    .u32(8 + list0.length)
    .raw(list0)
    .raw(list1);

  const ab = new ByteWriter(true);
  abbrev(ab, 1, DW.compileUnit, true, [
    [AT.name, F.strx1],
    [AT.compDir, F.strx1],
    [AT.strOffsetsBase, F.secOffset],
    [AT.addrBase, F.secOffset],
    [AT.rnglistsBase, F.secOffset],
    [AT.lowPc, F.addrx1],
    [AT.ranges, F.rnglistx],
    [AT.stmtList, F.secOffset],
  ]);
  abbrev(ab, 2, DW.subprogram, false, [
    [AT.name, F.strx1],
    [AT.inline, F.data1],
  ]);
  abbrev(ab, 3, DW.subprogram, true, [
    [AT.name, F.strx1],
    [AT.lowPc, F.addrx1],
    [AT.highPc, F.data4],
  ]);
  abbrev(ab, 4, DW.inlined, false, [
    [AT.abstractOrigin, F.ref4],
    [AT.ranges, F.rnglistx],
    [AT.callFile, F.data1],
    [AT.callLine, F.data1],
  ]);
  ab.u8(0);

  const body = new ByteWriter(true);
  body.u16(5).u8(1).u8(8).u32(0); // version 5, DW_UT_compile, address size 8, abbrev offset 0
  body.uleb(1).u8(0).u8(1).u32(8).u32(8).u32(12).u8(0).u8(0).u32(0);
  const inlineAt = 4 + body.length; // unit-relative offset of the abstract instance
  body.uleb(2).u8(3).u8(1); // inl_fn, DW_INL_inlined
  body.uleb(3).u8(2).u8(0).u32(0x40); // outer at addrx 0, 0x40 bytes
  body.uleb(4).u32(inlineAt).u8(1).u8(0).u8(11); // inlined from main.c:11, range list 1
  body.u8(0).u8(0); // end of outer's children, end of the unit's
  const info = new ByteWriter(true).u32(body.length).raw(body.toBytes());
  return elfWith(64, true, 62, [
    // addr2line answers only for addresses inside an allocated section.
    { name: '.text', data: new Uint8Array(0x40).fill(0x90), flags: 0x6, addr: 0x1000 },
    { name: '.debug_info', data: info.toBytes() },
    { name: '.debug_abbrev', data: ab.toBytes() },
    { name: '.debug_line', data: line },
    { name: '.debug_str', data: str.toBytes(), flags: 0x30, entsize: 1 },
    { name: '.debug_line_str', data: lineStr.toBytes(), flags: 0x30, entsize: 1 },
    { name: '.debug_str_offsets', data: offsets.toBytes() },
    { name: '.debug_addr', data: addr.toBytes() },
    { name: '.debug_rnglists', data: lists.toBytes() },
  ]);
}

test(
  'DWARF 5 indexed forms (strx, addrx, rnglistx, abstract_origin): as addr2line and llvm-symbolizer read them',
  { skip },
  (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ph-forms-'));
    try {
      const file = join(dir, 'indexed.elf');
      writeFileSync(file, buildElf());
      const addresses = [0x1000, 0x1008, 0x1014, 0x101c, 0x1024, 0x103f];
      const ours = symbolizeInProcess(file, addresses);
      const a2l = runReference('addr2line', file, addresses);
      const llvm = runReference('llvm-symbolizer', file, addresses);
      for (const a of addresses) {
        const v = compareFrames(ours.get(a) ?? [], a2l.get(a) ?? [], llvm.get(a) ?? [], true, undefined, [
          'binutils-rnglistx-inline',
        ]);
        t.diagnostic(
          `0x${a.toString(16)}: ${frameText(ours.get(a))}${v.rules.length ? ` (${v.rules.join(', ')})` : ''}`,
        );
        assert.deepEqual(
          v.mismatches,
          [],
          `0x${a.toString(16)}\n  ours ${frameText(ours.get(a))}\n  addr2line ${frameText(a2l.get(a))}\n  llvm-symbolizer ${frameText(llvm.get(a))}`,
        );
      }
      // The inlined call is really there (the tools could agree on nothing at all).
      assert.equal(frameText(ours.get(0x1014)), 'inl_fn /src/inl.h:5 ← outer /src/main.c:11');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

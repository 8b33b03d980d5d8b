/**
 * Fuzzing the line reader: mutated, cut and spliced copies of the DWARF sections of the fixtures (real gcc
 * builds and the synthetic ELF32/big-endian files), random line programs behind random headers, and damaged
 * compressed sections. Every case must either read or throw a DwarfError that names the file, a DWARF section
 * and a byte offset — never another exception, never a hang (every count is bounded by the bytes left, so nothing
 * is timed; the runner's timeout catches a hang). Fuzz tier (npm run test:fuzz): 10,000 cases by default;
 * PERF_HEAT_FUZZ_CASES sets the number for the first property (the others scale).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { elfWith, writeLineUnit, StringTable, type LineOp } from './dwarf-writer';
import { parseLinePrograms } from './line-program';
import { LineTable } from './line-table';
import { DwarfError } from './reader';
import { debugSectionsOf, type DebugSections } from './sections';

const FIXTURES = join(__dirname, '../../../test/fixtures/dwarf');
const NAME = '/fuzz/case.elf';
const CASES = Number(process.env.PERF_HEAT_FUZZ_CASES ?? 10_000);
const SECTIONS = ['.debug_line', '.debug_line_str', '.debug_str', '.debug_info', '.debug_abbrev'];

interface Base {
  name: string;
  is64: boolean;
  le: boolean;
  machine: number;
  sections: { name: string; data: Uint8Array }[];
}

function baseOf(file: string): Base {
  const s = debugSectionsOf(readFileSync(join(FIXTURES, file)), file);
  const sections = SECTIONS.flatMap((n) => {
    const d = s.get(n);
    return d ? [{ name: n, data: Uint8Array.from(d.data) }] : [];
  });
  return { name: file, is64: s.elf.is64, le: s.littleEndian, machine: s.elf.is64 ? 62 : 3, sections };
}

const BASES = [
  'prog-dwarf5',
  'prog-dwarf4',
  'prog-dwarf2-zdebug',
  'prog-dwarf64-zstd',
  'synthetic/elf32le-v2.elf',
  'synthetic/elf32be-v3-v4.elf',
  'synthetic/elf64be-v5.elf',
  'synthetic/elf64le-v5-v4.elf',
].map(baseOf);

/** Reads everything a symbolizer would read; only DwarfError may escape. */
function readAnyway(buf: Uint8Array): void {
  try {
    const sections: DebugSections = debugSectionsOf(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), NAME);
    const table = LineTable.fromSections(sections);
    for (const a of [0, 0x1000, 0x1230, 0x8049000, 0x10000000, 0x123456000]) table.lookup(a);
    const debugLine = sections.get('.debug_line');
    if (debugLine) {
      parseLinePrograms({
        file: NAME,
        littleEndian: sections.littleEndian,
        debugLine,
        debugLineStr: sections.get('.debug_line_str'),
        debugStr: sections.get('.debug_str'),
        defaultAddressSize: sections.elf.is64 ? 8 : 4,
      });
    }
  } catch (e) {
    if (!(e instanceof DwarfError)) throw e;
    assert.match(
      e.message,
      /^\/fuzz\/case\.elf: \.(z?)debug_[a-z_]+ offset 0x[0-9a-f]+( \(file byte 0x[0-9a-f]+\))?: \S/,
      e.message,
    );
    assert.ok(e.offset >= 0 && Number.isFinite(e.offset));
  }
}

function sometimes<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: arb, weight: 1 });
}

const mutation = fc.record({
  base: fc.nat({ max: BASES.length - 1 }),
  // Mostly .debug_line, sometimes the sections it refers to.
  target: fc.constantFrom(0, 0, 0, 0, 0, 1, 2, 3, 4),
  edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
  // One case in five is cut, one in five gets bytes spliced in (a cut section mostly fails at unit_length).
  cut: sometimes(fc.nat()),
  insert: sometimes(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 24 }))),
});

test(`fuzz: mutated DWARF sections of the fixtures (${CASES} cases)`, { timeout: 600_000 }, () => {
  fc.assert(
    fc.property(mutation, ({ base, target, edits, cut, insert }) => {
      const b = BASES[base]!;
      const sections = b.sections.map((s) => ({ ...s }));
      const t = sections[Math.min(target, sections.length - 1)]!;
      let data = Uint8Array.from(t.data);
      for (const [pos, v] of edits) if (data.length) data[pos % data.length] = v;
      if (insert) {
        const at = insert[0] % (data.length + 1);
        data = Uint8Array.from([...data.subarray(0, at), ...insert[1], ...data.subarray(at)]);
      }
      if (cut !== null) data = data.subarray(0, cut % (data.length + 1));
      t.data = data;
      readAnyway(elfWith(b.is64 ? 64 : 32, b.le, b.machine, sections));
    }),
    { numRuns: CASES },
  );
});

const STANDARD_OPS: LineOp[] = [['copy'], ['negate_stmt'], ['const_add_pc'], ['end_sequence'], ['basic_block']];

test(`fuzz: random line programs behind random headers (${Math.ceil(CASES / 2)} cases)`, { timeout: 600_000 }, () => {
  const header = fc.record({
    version: fc.constantFrom(2, 3, 4, 5) as fc.Arbitrary<2 | 3 | 4 | 5>,
    format: fc.constantFrom(32, 64) as fc.Arbitrary<32 | 64>,
    le: fc.boolean(),
    addressSize: fc.constantFrom(4, 8, 2, 3),
    minInst: fc.integer({ min: 0, max: 8 }),
    maxOps: fc.integer({ min: 0, max: 4 }),
    lineBase: fc.integer({ min: -128, max: 127 }),
    lineRange: fc.integer({ min: 0, max: 255 }),
    opcodeBase: fc.integer({ min: 1, max: 20 }),
  });
  const program = fc.array(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b): LineOp => ['raw', [...b]]),
      fc.constantFrom(...STANDARD_OPS),
      fc.nat().map((a): LineOp => ['set_address', a]),
      fc.integer({ min: -1000, max: 100000 }).map((n): LineOp => ['advance_line', n]),
      fc.nat({ max: 10 }).map((n): LineOp => ['set_file', n]),
      fc.nat().map((n): LineOp => ['advance_pc', n]),
    ),
    { maxLength: 40 },
  );
  fc.assert(
    fc.property(header, program, fc.boolean(), (h, ops, is64) => {
      const lineStr = new StringTable();
      const str = new StringTable();
      let bytes: Uint8Array;
      try {
        bytes = writeLineUnit(
          {
            ...h,
            directories: ['/d', 'sub'],
            files: [
              { name: 'a.c', dir: 0 },
              { name: 'b.inc', dir: 1 },
            ],
            program: ops,
          },
          h.le,
          lineStr,
          str,
        );
      } catch {
        return; // the writer refuses some combinations (opcode_base 0 and the like): nothing to read
      }
      const sections = [
        { name: '.debug_line', data: bytes },
        { name: '.debug_line_str', data: lineStr.toBytes() },
      ];
      readAnyway(elfWith(is64 ? 64 : 32, h.le, is64 ? 62 : 3, sections));
    }),
    { numRuns: Math.ceil(CASES / 2) },
  );
});

test(`fuzz: damaged compressed sections (${Math.ceil(CASES / 4)} cases)`, { timeout: 600_000 }, () => {
  const b = BASES[0]!;
  const line = b.sections.find((s) => s.name === '.debug_line')!.data;
  const z = deflateSync(line);
  const chdr = Buffer.alloc(24);
  chdr.writeUInt32LE(1, 0);
  chdr.writeBigUInt64LE(BigInt(line.length), 8);
  chdr.writeBigUInt64LE(1n, 16);
  const compressed = Uint8Array.from(Buffer.concat([chdr, z]));
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.option(fc.nat()),
      (edits, cut) => {
        let data = Uint8Array.from(compressed);
        for (const [pos, v] of edits) data[pos % data.length] = v;
        if (cut !== null) data = data.subarray(0, cut % (data.length + 1));
        const sections = b.sections.map((s) => (s.name === '.debug_line' ? { name: s.name, data, flags: 0x800 } : s));
        readAnyway(elfWith(64, true, 62, sections));
      },
    ),
    { numRuns: Math.ceil(CASES / 4) },
  );
});

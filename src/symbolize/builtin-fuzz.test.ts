/**
 * Crafted DWARF against the in-process symbolizer: mutated, cut and spliced `.debug_info`, `.debug_abbrev`,
 * `.debug_aranges`, `.debug_rnglists` / `.debug_ranges`, `.debug_str` and `.debug_line` of real gcc builds
 * (DWARF 4 and 5), and hand-made units whose counts and lengths claim far more than the bytes that remain.
 * Every case must answer (a damaged unit becomes a one-line warning naming the file, a section and an offset)
 * or throw a DwarfError / ElfError saying the same — never another exception, never a hang, never a huge
 * allocation (each case is timed).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { symbolizeBuffer } from './builtin';
import { elfWith } from './dwarf/dwarf-writer';
import { DwarfError } from './dwarf/reader';
import { debugSectionsOf } from './dwarf/sections';
import { ElfError } from './elf';

const FIXTURES = join(__dirname, '../../test/fixtures/dwarf');
const NAME = '/fuzz/case.elf';
const CASES = Number(process.env.PERF_HEAT_FUZZ_CASES ?? 2_000);
const SECTIONS = [
  '.debug_info',
  '.debug_abbrev',
  '.debug_aranges',
  '.debug_rnglists',
  '.debug_ranges',
  '.debug_str',
  '.debug_line_str',
  '.debug_line',
  '.debug_addr',
  '.debug_str_offsets',
];
const WHERE = /^\/fuzz\/case\.elf: (\.(z?)debug_[a-z_]+ offset 0x[0-9a-f]+( \(file byte 0x[0-9a-f]+\))?|byte \d+): \S/;

interface Base {
  name: string;
  sections: { name: string; data: Uint8Array }[];
  addresses: number[];
}

function baseOf(file: string): Base {
  const buf = readFileSync(join(FIXTURES, file));
  const s = debugSectionsOf(buf, file);
  const sections = SECTIONS.flatMap((n) => {
    const d = s.get(n);
    return d ? [{ name: n, data: Uint8Array.from(d.data) }] : [];
  });
  const text = s.elf.sections.find((x) => x.name === '.text')!;
  const addresses = Array.from({ length: 40 }, (_, i) => text.addr + Math.floor((i * text.size) / 40));
  return { name: file, sections, addresses };
}

const BASES = ['prog-dwarf5', 'prog-dwarf4', 'prog-dwarf3-gz', 'prog-relative'].map(baseOf);

/** Returns the messages it was given (warnings, or the error thrown). */
function symbolizeAnyway(buf: Uint8Array, addresses: number[]): string[] {
  const warnings: string[] = [];
  try {
    const out = symbolizeBuffer(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), NAME, addresses, {
      onWarning: (m) => warnings.push(m),
    });
    assert.ok(out instanceof Map);
  } catch (e) {
    if (!(e instanceof DwarfError) && !(e instanceof ElfError)) throw e;
    assert.match(e.message, WHERE, e.message);
    warnings.push(e.message);
  }
  for (const w of warnings) {
    assert.match(w, WHERE, w);
    assert.ok(!w.includes('\n'), 'a warning is one line');
  }
  return warnings;
}

const mutation = fc.record({
  base: fc.nat({ max: BASES.length - 1 }),
  // Mostly .debug_info and .debug_abbrev, which the new reader walks.
  target: fc.constantFrom(0, 0, 0, 1, 1, 2, 3, 4, 5, 7),
  edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
  cut: fc.option(fc.nat(), { freq: 4 }),
  insert: fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 24 })), { freq: 4 }),
});

test(
  `fuzz: mutated .debug_info, abbrevs, ranges and aranges of the fixtures (${CASES} cases)`,
  { timeout: 600_000 },
  () => {
    fc.assert(
      fc.property(mutation, ({ base, target, edits, cut, insert }) => {
        const b = BASES[base]!;
        const sections = b.sections.map((s) => ({ ...s }));
        const names = SECTIONS.filter((n) => sections.some((s) => s.name === n));
        const t = sections.find((s) => s.name === names[Math.min(target, names.length - 1)])!;
        let data = Uint8Array.from(t.data);
        for (const [pos, v] of edits) if (data.length) data[pos % data.length] = v;
        if (insert) {
          const at = insert[0] % (data.length + 1);
          data = Uint8Array.from([...data.subarray(0, at), ...insert[1], ...data.subarray(at)]);
        }
        if (cut !== null) data = data.subarray(0, cut % (data.length + 1));
        t.data = data;
        symbolizeAnyway(elfWith(64, true, 62, sections), b.addresses);
      }),
      { numRuns: CASES },
    );
  },
);

/** A DWARF 4 unit (32-bit) around `dies`, with `abbrev` as its abbreviation table. */
function unit(dies: number[], abbrev: number[]): { name: string; data: Uint8Array }[] {
  const body = [4, 0, 0, 0, 0, 0, 8, ...dies]; // version 4, abbrev offset 0, address size 8
  const len = body.length;
  return [
    { name: '.debug_info', data: Uint8Array.from([len & 0xff, (len >> 8) & 0xff, 0, 0, ...body]) },
    { name: '.debug_abbrev', data: Uint8Array.from(abbrev) },
  ];
}

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
};

// A hang fails on the generous timeout; no per-case wall-time bound (it would fail under load).
test(
  'crafted counts: lengths and counts far beyond the bytes that remain are clean errors, not allocations',
  { timeout: 120_000 },
  () => {
    // The compile unit: low_pc 0x1000, high_pc +0x1000 (data4), children; its abbreviation is code 1.
    const cuDie = [1, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0];
    const cuAbbrev = [1, 0x11, 1, 0x11, 0x01, 0x12, 0x06, 0, 0];
    const cases: [string, { name: string; data: Uint8Array }[], RegExp | undefined][] = [
      // A DW_FORM_block claiming 2^60 bytes.
      [
        'block length',
        unit([...cuDie, 2, ...uleb(2 ** 60)], [...cuAbbrev, 2, 0x34, 0, 0x02, 0x09, 0, 0, 0]),
        /runs past the end/,
      ],
      // A DW_FORM_block4 claiming 4 GB.
      [
        'block4 length',
        unit([...cuDie, 2, 0xff, 0xff, 0xff, 0xff], [...cuAbbrev, 2, 0x34, 0, 0x02, 0x04, 0, 0, 0]),
        /runs past the end/,
      ],
      // An abbreviation code that is not in the table.
      ['unknown abbreviation', unit([...cuDie, 7], [...cuAbbrev, 0]), /abbreviation code 7 is not in the table/],
      // An abbreviation table that never ends.
      ['endless abbreviations', unit(cuDie, [1, 0x11, 1, 0x03, 0x08]), /cut off|runs past/],
      // An unknown form.
      [
        'unknown form',
        unit([...cuDie, 2, 0], [...cuAbbrev, 2, 0x34, 0, 0x03, 0x7f, 0, 0, 0]),
        /unknown attribute form 0x7f/,
      ],
      // DW_FORM_indirect pointing at itself.
      [
        'indirect loop',
        unit([...cuDie, 2, 0x16, 0x16], [...cuAbbrev, 2, 0x34, 0, 0x03, 0x16, 0, 0, 0]),
        /cannot be indirect/,
      ],
      // 100,000 nested subprograms with children: the walk is iterative, its depth bounded by the bytes.
      ['deep tree', unit([...cuDie, ...Array(100_000).fill(2)], [...cuAbbrev, 2, 0x2e, 1, 0, 0, 0]), undefined],
      // A subprogram whose DW_AT_ranges points past .debug_ranges.
      [
        'ranges offset',
        [
          ...unit([...cuDie, 2, 0, 0, 0xff, 0xff, 0], [...cuAbbrev, 2, 0x2e, 0, 0x55, 0x17, 0, 0, 0]),
          { name: '.debug_ranges', data: new Uint8Array(16) },
        ],
        /past the end of .debug_ranges/,
      ],
      // A subprogram whose range list never ends (no 0/0 pair before the section's end).
      [
        'endless range list',
        [
          ...unit([...cuDie, 2, 0, 0, 0, 0, 0], [...cuAbbrev, 2, 0x2e, 0, 0x55, 0x17, 0, 0, 0]),
          { name: '.debug_ranges', data: Uint8Array.from(Array(40).fill(1)) },
        ],
        /runs past the end/,
      ],
      // .debug_aranges with a unit length beyond the section.
      [
        'aranges length',
        [
          ...unit(cuDie, [...cuAbbrev, 0]),
          { name: '.debug_aranges', data: Uint8Array.from([0xf0, 0xff, 0xff, 0x7f, 2, 0]) },
        ],
        /runs past the end/,
      ],
    ];
    for (const [what, sections, expected] of cases) {
      const messages = symbolizeAnyway(elfWith(64, true, 62, sections), [0x1000, 0x1234]);
      if (expected)
        assert.ok(
          messages.some((m) => expected.test(m)),
          `${what}: ${messages.join(' | ') || 'no message'}`,
        );
    }
  },
);

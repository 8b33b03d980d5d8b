/**
 * Fuzz tier (npm run test:fuzz): mutated copies of real ELF files (gcc builds of the fixtures) and of a crafted
 * one with a build-id note. Reading the headers, notes and symbols must succeed or throw an ElfError whose one
 * line names the file: never another exception, never a hang (every step is bounded by the file's bytes; nothing
 * is timed). 10,000 cases by default (PERF_HEAT_FUZZ_CASES).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { elfWith } from './dwarf/dwarf-writer';
import { ElfError, functionLookup, parseElf } from './elf';

const FIXTURES = join(__dirname, '../../test/fixtures/dwarf');
const CASES = Number(process.env.PERF_HEAT_FUZZ_CASES ?? 10_000);
const NAME = '/fuzz/case.elf';

function noteElf(): Buffer {
  const id = Buffer.from('00112233445566778899aabbccddeeff01020304', 'hex');
  const note = Buffer.alloc(12 + 4 + id.length);
  note.writeUInt32LE(4, 0);
  note.writeUInt32LE(id.length, 4);
  note.writeUInt32LE(3, 8);
  note.write('GNU\0', 12, 'latin1');
  id.copy(note, 16);
  return Buffer.from(elfWith(64, true, 62, [{ name: '.note.gnu.build-id', data: note, type: 7 }]));
}

function shoff(b: Buffer): number {
  return b[4] === 2 ? Number(b.readBigUInt64LE(40)) : b.readUInt32LE(32);
}

const BASES = [readFileSync(join(FIXTURES, 'prog-dwarf5')), readFileSync(join(FIXTURES, 'prog-dwarf4')), noteElf()];

test(`fuzz: ${CASES} mutated ELF files read or fail with an ElfError naming the file`, { timeout: 600_000 }, () => {
  fc.assert(
    fc.property(
      fc.nat(BASES.length - 1),
      // Where the reader looks: the ELF header, the section headers, anywhere.
      fc.array(fc.tuple(fc.constantFrom('header', 'sections', 'any'), fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.option(fc.nat(), { freq: 5 }),
      (b, edits, cut) => {
        const base = BASES[b]!;
        let data = Buffer.from(base);
        const table = shoff(base);
        for (const [where, pos, byte] of edits) {
          const at =
            where === 'header'
              ? pos % 64
              : where === 'sections'
                ? table + (pos % Math.max(1, data.length - table))
                : pos % data.length;
          if (at < data.length) data[at] = byte;
        }
        if (cut !== null) data = data.subarray(0, cut % (data.length + 1));
        try {
          const elf = parseElf(data, NAME);
          const lookup = functionLookup(elf);
          for (const a of [0, 0x1000, 0x1139, 0x401000]) lookup(a);
        } catch (e) {
          if (!(e instanceof ElfError)) throw e;
          assert.ok(e.message.startsWith(`${NAME}: byte `) && !e.message.includes('\n'), e.message);
        }
      },
    ),
    { numRuns: CASES, seed: 0xe1f },
  );
});

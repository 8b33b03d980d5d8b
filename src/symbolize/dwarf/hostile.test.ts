/**
 * Crafted DWARF 5 line-table headers whose counts promise more entries than the bytes that remain (the 7-byte edit
 * that used to push entries until the heap ran out). Each must fail at once with a DwarfError naming the file and
 * the count; the first runs in a child process with a 256 MB heap so that, unfixed, it fails instead of taking
 * the test run down.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { runBounded } from '../../../test/bounded';
import { ByteWriter, elfWith } from './dwarf-writer';
import { parseLinePrograms } from './line-program';
import { DwarfError } from './reader';
import { debugSectionsOf } from './sections';

/** One DWARF 5 unit: a standard header, then the directory/file tables given as raw bytes, then end_sequence. */
function unitWith(tables: (w: ByteWriter) => void): Uint8Array {
  const body = new ByteWriter(true);
  body.u8(1).u8(1).u8(1).i8(-5).u8(14).u8(13).raw([0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]);
  tables(body);
  const program = [0, 9, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]; // set_address 0 … then end_sequence
  const head = new ByteWriter(true);
  head.u16(5).u8(8).u8(0).u32(body.length);
  const unit = new ByteWriter(true);
  unit
    .u32(head.length + body.length + program.length)
    .raw(head.toBytes())
    .raw(body.toBytes())
    .raw(program);
  return elfWith(64, true, 62, [{ name: '.debug_line', data: unit.toBytes() }]);
}

function read(elf: Uint8Array, name: string): void {
  const sections = debugSectionsOf(Buffer.from(elf), name);
  parseLinePrograms({ file: name, littleEndian: true, debugLine: sections.get('.debug_line')!, defaultAddressSize: 8 });
}

const DIR_FORMAT_PATH_STRING = (w: ByteWriter) => w.u8(1).uleb(1).uleb(0x08);

describe('DWARF 5 line header counts are bounded by the bytes left', () => {
  it('directory_entry_format_count 0 with directories_count 2^42 fails at once, in bounded memory', () => {
    const elf = unitWith((w) =>
      w
        .u8(0)
        .uleb(2 ** 42)
        .u8(0)
        .uleb(0),
    );
    const r = runBounded(
      `
      const { debugSectionsOf } = await load('src/symbolize/dwarf/sections.ts');
      const { parseLinePrograms } = await load('src/symbolize/dwarf/line-program.ts');
      const sections = debugSectionsOf(Buffer.from(${JSON.stringify(Buffer.from(elf).toString('base64'))}, 'base64'), 'dirs.elf');
      try { parseLinePrograms({ file: 'dirs.elf', littleEndian: true, debugLine: sections.get('.debug_line'), defaultAddressSize: 8 }); return 'read'; }
      catch (e) { return { name: e.name, message: e.message }; }`,
      { heapMb: 256, timeoutMs: 120_000 },
    );
    assert.equal(r.failure, undefined);
    const v = r.value as { name: string; message: string };
    assert.equal(v.name, 'DwarfError');
    assert.match(
      v.message,
      /^dirs\.elf: \.debug_line offset 0x[0-9a-f]+ \(file byte 0x[0-9a-f]+\): directories_count is 4398046511104 but directory_entry_format_count is 0/,
    );
  });

  it('a directories_count larger than the header bytes left fails naming the count', () => {
    const elf = unitWith((w) => DIR_FORMAT_PATH_STRING(w).uleb(1_000_000).cstring('/src').u8(0).uleb(0));
    assert.throws(
      () => read(elf, 'many-dirs.elf'),
      (e: unknown) =>
        e instanceof DwarfError &&
        /^many-dirs\.elf: .*directories_count is 1000000, but 1000000 entries of 1 field cannot fit in the \d+ bytes left in the header$/.test(
          e.message,
        ),
    );
  });

  it('a file_names_count larger than the header bytes left fails naming the count', () => {
    const elf = unitWith((w) =>
      DIR_FORMAT_PATH_STRING(w)
        .uleb(1)
        .cstring('/src')
        .u8(2)
        .uleb(1)
        .uleb(0x08)
        .uleb(2)
        .uleb(0x0b)
        .uleb(2 ** 40),
    );
    assert.throws(
      () => read(elf, 'many-files.elf'),
      (e: unknown) =>
        e instanceof DwarfError &&
        /^many-files\.elf: .*file_names_count is 1099511627776, but .* cannot fit in the 0 bytes left in the header$/.test(
          e.message,
        ),
    );
  });

  it('the same header with honest counts reads (the crafted shape is otherwise valid)', () => {
    const elf = unitWith((w) =>
      DIR_FORMAT_PATH_STRING(w)
        .uleb(1)
        .cstring('/src')
        .u8(2)
        .uleb(1)
        .uleb(0x08)
        .uleb(2)
        .uleb(0x0b)
        .uleb(1)
        .cstring('a.c')
        .u8(0),
    );
    read(elf, 'honest.elf');
  });
});

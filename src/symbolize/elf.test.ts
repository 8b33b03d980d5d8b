/**
 * ELF notes: the build-id as readelf reads it, and crafted notes whose sizes would overflow the 4-byte rounding.
 * The files are made here by our own writer (dwarf-writer's elfWith); readelf is the oracle for the good one.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runBounded } from '../../test/bounded';
import { elfWith } from './dwarf/dwarf-writer';
import { ElfError, parseElf } from './elf';

const SHT_NOTE = 7;

function note(nameSize: number, descSize: number, type: number, name: Uint8Array, desc: Uint8Array): Uint8Array {
  const pad = (n: number) => (4 - (n % 4)) % 4;
  const b = Buffer.alloc(12 + name.length + pad(name.length) + desc.length + pad(desc.length));
  b.writeUInt32LE(nameSize >>> 0, 0);
  b.writeUInt32LE(descSize >>> 0, 4);
  b.writeUInt32LE(type, 8);
  Buffer.from(name).copy(b, 12);
  Buffer.from(desc).copy(b, 12 + name.length + pad(name.length));
  return b;
}

function elfWithNote(data: Uint8Array): Buffer {
  return Buffer.from(elfWith(64, true, 62, [{ name: '.note.gnu.build-id', data, type: SHT_NOTE }]));
}

const dir = mkdtempSync(join(tmpdir(), 'ph-elf-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('ELF notes', () => {
  it('reads the GNU build-id that readelf -n prints', () => {
    const id = Buffer.from('00112233445566778899aabbccddeeff01020304', 'hex');
    const elf = elfWithNote(note(4, id.length, 3, Buffer.from('GNU\0'), id));
    const path = join(dir, 'good.elf');
    writeFileSync(path, elf);
    const readelf = /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', path], { encoding: 'utf8' }))?.[1];
    assert.ok(readelf, 'readelf found a build-id');
    assert.equal(parseElf(elf, path).buildId, readelf);
  });

  it('a note whose namesz/descsz are near 2^32 (0xfffffffc/0xfffffff8) fails with one line naming the file, and does not loop', () => {
    const hostile = elfWithNote(note(0xfffffffc, 0xfffffff8, 3, Buffer.from('GNU\0'), new Uint8Array(20)));
    // Before the fix this looped forever; the child process bounds that to a failed test instead of a hung run.
    const r = runBounded(
      `
      const { parseElf } = await load('src/symbolize/elf.ts');
      try { parseElf(Buffer.from(${JSON.stringify(hostile.toString('base64'))}, 'base64'), 'hostile.elf'); return 'parsed'; }
      catch (e) { return { name: e.name, message: e.message }; }`,
      { timeoutMs: 60_000 },
    );
    assert.equal(r.failure, undefined);
    const v = r.value as { name: string; message: string };
    assert.equal(v.name, 'ElfError');
    assert.match(
      v.message,
      /^hostile\.elf: byte \d+: note in \.note\.gnu\.build-id has namesz 4294967292, more than the \d+ bytes left in its section$/,
    );
  });

  it('a descsz past the section end is an ElfError, not a read past the note', () => {
    const hostile = elfWithNote(note(4, 0x7ffffff0, 3, Buffer.from('GNU\0'), new Uint8Array(20)));
    assert.throws(
      () => parseElf(hostile, 'big-desc.elf'),
      (e: unknown) =>
        e instanceof ElfError && /^big-desc\.elf: byte \d+: note .* has descsz 2147483632/.test(e.message),
    );
  });
});

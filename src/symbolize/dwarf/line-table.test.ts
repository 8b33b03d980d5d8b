/**
 * The line reader against readelf --debug-dump=decodedline (the ground truth) on real gcc builds of the perf-probe
 * program (DWARF 5, 4, 3 and 2; relative paths; 64-bit DWARF; zlib, .zdebug and zstd compression) and on
 * synthetic ELF32/ELF64, little- and big-endian files. Fixtures and readelf's output: test/fixtures/dwarf/build.sh.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAddr2lineOutput } from '../addr2line';
import type { InlineFrame } from '../../model/profile';
import { lineProgramOffsets, parseLinePrograms, type LineProgram } from './line-program';
import { LineTable, lookupLines } from './line-table';
import {
  fileMismatch,
  parseCompDirs,
  parseReadelfDecoded,
  readelfLookup,
  type ReadelfDecoded,
} from './readelf-decoded';
import { readDebugSections } from './sections';
import { correctInnermostFrames } from './correct-chains';

const FIXTURES = join(__dirname, '../../../test/fixtures/dwarf');
const REAL = [
  'prog-dwarf5',
  'prog-dwarf4',
  'prog-dwarf3-gz',
  'prog-dwarf2-zdebug',
  'prog-relative',
  'prog-dwarf64-zstd',
];
const SYNTHETIC = [
  'synthetic/elf32le-v2.elf',
  'synthetic/elf32be-v3-v4.elf',
  'synthetic/elf64be-v5.elf',
  'synthetic/elf64le-v5-v4.elf',
];

/** Every line program of a fixture, with the comp dirs readelf printed (units are in the same order in .debug_info). */
function programsOf(path: string): LineProgram[] {
  const s = readDebugSections(path);
  const ctx = {
    file: path,
    littleEndian: s.littleEndian,
    debugLine: s.get('.debug_line')!,
    debugLineStr: s.get('.debug_line_str'),
    debugStr: s.get('.debug_str'),
    defaultAddressSize: s.elf.is64 ? 8 : 4,
  };
  const compDirs = compDirsOf(path);
  const offsets = lineProgramOffsets(ctx);
  return parseLinePrograms({ ...ctx, compDirFor: (offset) => compDirs[offsets.indexOf(offset)] });
}

function expected(name: string): { decoded: ReadelfDecoded; compDirs: string[] } {
  const decoded = parseReadelfDecoded(readFileSync(join(FIXTURES, `${name}.decodedline.txt`), 'utf8'));
  return { decoded, compDirs: compDirsOf(join(FIXTURES, name)) };
}

function compDirsOf(path: string): string[] {
  return parseCompDirs(readFileSync(`${path}.compdir.txt`, 'utf8'));
}

for (const name of [...REAL, ...SYNTHETIC]) {
  test(`${name}: every row equals readelf's decoding (address, line, file, is_stmt, end_sequence)`, () => {
    const path = join(FIXTURES, name);
    const { decoded, compDirs } = expected(name);
    const table = LineTable.fromFile(path);
    // Row by row: parseLinePrograms against readelf's rows in order.
    const reparsed = programsOf(path);
    const mine = reparsed.flatMap((p, unit) => p.sequences.flatMap((q) => q.rows.map((r) => ({ ...r, unit }))));
    assert.equal(mine.length, decoded.rows.length, 'row count');
    for (let i = 0; i < mine.length; i++) {
      const m = mine[i]!;
      const r = decoded.rows[i]!;
      const where = `row ${i} at 0x${r.address.toString(16)}`;
      assert.equal(m.address, r.address, `${where}: address`);
      assert.equal(m.endSequence, r.line === undefined, `${where}: end_sequence`);
      if (r.line !== undefined) assert.equal(m.line, r.line, `${where}: line`);
      // readelf prints no is_stmt mark on end_sequence rows.
      if (r.line !== undefined) assert.equal(m.isStmt, r.isStmt, `${where}: is_stmt`);
      assert.equal(m.unit, r.unit, `${where}: unit`);
      const bad = fileMismatch(m.file, r, compDirs[r.unit]);
      assert.equal(bad, undefined, `${where}: file ${m.file}: ${bad}`);
    }
    // Lookups at every row address and at every byte of every sequence, plus just outside each sequence.
    const probes = new Set<number>();
    for (const q of decoded.sequences) {
      for (let a = q.start; a < q.end; a++) probes.add(a);
      probes.add(q.end);
      probes.add(q.start - 1);
    }
    let checked = 0;
    for (const a of probes) {
      const want = readelfLookup(decoded, a);
      const got = table.lookup(a);
      if (!want) {
        assert.equal(got, undefined, `0x${a.toString(16)}: readelf has no row, lookup gave ${JSON.stringify(got)}`);
        continue;
      }
      assert.ok(got, `0x${a.toString(16)}: no answer, readelf has ${want.name}:${want.line}`);
      assert.equal(got.line, want.line, `0x${a.toString(16)}: line`);
      const bad = fileMismatch(got.file, want, compDirs[want.unit]);
      assert.equal(bad, undefined, `0x${a.toString(16)}: file ${got.file}: ${bad}`);
      checked++;
    }
    assert.ok(checked > 20, `checked ${checked} addresses`);
  });
}

test('the fixtures cover line table versions 2, 3, 4 and 5', () => {
  const all = new Set<number>();
  for (const name of [...REAL, ...SYNTHETIC])
    for (const v of programsOf(join(FIXTURES, name)).map((p) => p.header.version)) all.add(v);
  assert.deepEqual([...all].sort(), [2, 3, 4, 5]);
  const headerOf = (name: string) => programsOf(join(FIXTURES, name)).map((p) => p.header);
  assert.equal(headerOf('prog-dwarf64-zstd')[0]!.format, 64);
  assert.equal(headerOf('prog-dwarf2-zdebug')[0]!.version, 2);
  assert.equal(headerOf('prog-dwarf3-gz')[0]!.version, 3);
  assert.deepEqual(
    headerOf('synthetic/elf32be-v3-v4.elf').map((h) => [
      h.version,
      h.format,
      h.addressSize,
      h.minimumInstructionLength,
    ]),
    [
      [3, 32, 4, 4],
      [4, 64, 4, 4],
    ],
  );
  assert.deepEqual(
    headerOf('synthetic/elf64be-v5.elf').map((h) => [h.version, h.format, h.addressSize]),
    [
      [5, 64, 8],
      [5, 32, 8],
    ],
  );
});

test('DWARF 5: the first rows of hot_loop are hot.inc (file register 1 = the second entry), with the comp dir joined', () => {
  const path = join(FIXTURES, 'prog-dwarf5');
  const [p] = programsOf(path);
  const compDir = p!.header.directories[0]!;
  assert.equal(p!.header.files[0]!.path, `${compDir}/src/main.c`);
  assert.equal(p!.header.files[1]!.path, `${compDir}/src/hot.inc`);
  // hot_loop starts where the first sequence does; every row there is hot.inc:7, 8, 9 (as readelf, gdb and llvm-symbolizer say).
  const first = p!.sequences[0]!;
  assert.ok(first.rows.slice(0, 5).every((r) => r.file === `${compDir}/src/hot.inc`));
  const at = lookupLines(path, [first.start]).get(first.start);
  assert.deepEqual(at, { file: `${compDir}/src/hot.inc`, line: 9 });
});

test('relative build (-fdebug-prefix-map=$PWD=.): paths stay relative, joined as addr2line joins them', () => {
  const path = join(FIXTURES, 'prog-relative');
  const [p] = programsOf(path);
  assert.equal(p!.header.directories[0], '.');
  assert.equal(p!.header.files[1]!.path, './src/hot.inc');
  const t = LineTable.fromFile(path);
  assert.equal(t.lookup(p!.sequences[0]!.start)!.file, './src/hot.inc');
});

test('DWARF 2–4: relative paths are joined to DW_AT_comp_dir read from .debug_info', () => {
  const path = join(FIXTURES, 'prog-dwarf4');
  const compDir = compDirsOf(path)[0]!;
  const t = LineTable.fromFile(path);
  const hot =
    readelfLookup(expected('prog-dwarf4').decoded, 0x1230) ?? expected('prog-dwarf4').decoded.sequences[0]!.rows[0]!;
  assert.equal(t.lookup(hot.address)!.file, `${compDir}/src/${hot.name}`);
  // Absolute include directories are kept as they are.
  const paths = new Set(programsOf(path)[0]!.files.map((f) => f.path));
  assert.ok(paths.has('/usr/include/stdlib.h'));
});

/** addr2line -f -i -a output stored by build.sh for every row address. */
function addr2lineAnswers(name: string): Map<number, InlineFrame[]> {
  const m = new Map<number, InlineFrame[]>();
  parseAddr2lineOutput(readFileSync(join(FIXTURES, `${name}.addr2line.txt`), 'utf8'), m);
  return m;
}

test('DWARF 4: the innermost file:line equals binutils addr2line at every row address, path text included', () => {
  const path = join(FIXTURES, 'prog-dwarf4');
  const a2l = addr2lineAnswers('prog-dwarf4');
  const lines = lookupLines(path, [...a2l.keys()]);
  let n = 0;
  for (const [a, chain] of a2l) {
    const mine = lines.get(a);
    if (!chain[0] || !mine) continue;
    assert.deepEqual(
      { file: mine.file, line: mine.line },
      { file: chain[0].file, line: chain[0].line },
      `0x${a.toString(16)}`,
    );
    n++;
  }
  assert.ok(n > 50);
});

test('DWARF 5: addr2line differs only where it names main.c for hot.inc rows (binutils 2.40), and correction fixes those', () => {
  const path = join(FIXTURES, 'prog-dwarf5');
  const a2l = addr2lineAnswers('prog-dwarf5');
  const lines = lookupLines(path, [...a2l.keys()]);
  const { decoded } = expected('prog-dwarf5');
  const wrong: string[] = [];
  for (const [a, chain] of a2l) {
    const mine = lines.get(a);
    const truth = readelfLookup(decoded, a);
    if (!truth) {
      // An end_sequence address: nothing covers it (addr2line answers from the sequence before).
      assert.equal(mine, undefined);
      continue;
    }
    assert.ok(mine);
    assert.equal(mine.line, truth.line);
    assert.ok(mine.file.endsWith('/' + truth.name));
    if (chain[0]!.file !== mine.file || chain[0]!.line !== mine.line) {
      assert.ok(chain[0]!.file.endsWith('/src/main.c'), `0x${a.toString(16)}: addr2line ${chain[0]!.file}`);
      assert.ok(mine.file.endsWith('/src/hot.inc'));
      assert.equal(chain[0]!.line, mine.line);
      wrong.push(`0x${a.toString(16)}`);
    }
  }
  // The three addresses of docs/perf-formats.md §2 item 4 / symbolizer_comparison.txt (hot_loop's first rows).
  assert.equal(wrong.length, 3, wrong.join(' '));
  const corrected = correctInnermostFrames(a2l, lines);
  assert.equal(corrected.length, 3);
  for (const c of corrected) assert.ok(c.now.file.endsWith('/src/hot.inc') && c.was.file.endsWith('/src/main.c'));
  for (const [a, chain] of a2l) if (lines.get(a)) assert.equal(chain[0]!.file, lines.get(a)!.file);
});

test('synthetic DWARF 5 file tables: DW_FORM_strp/line_strp/string paths, data1/data2/udata indexes, MD5, sizes, vendor content', () => {
  const [a, b] = programsOf(join(FIXTURES, 'synthetic/elf64be-v5.elf'));
  assert.deepEqual(a!.header.directories, ['/work/be64', 'src', '/usr/include']);
  assert.deepEqual(
    a!.header.files.map((f) => f.path),
    [
      '/work/be64/src/prim.c',
      '/work/be64/src/first.inc',
      '/work/be64/src/prim.c',
      '/usr/include/string.h',
      '/work/be64/top.c',
    ],
  );
  assert.equal(a!.header.files[0]!.md5, '00112233445566778899aabbccddeeff');
  assert.equal(a!.header.files[1]!.md5, 'fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0');
  assert.deepEqual(
    b!.header.files.map((f) => [f.path, f.size]),
    [
      ['/work/be64/second/two.c', 1234],
      ['/work/be64/second/two.inc', 99],
    ],
  );
  // set_file 0 in DWARF 5 is the primary source file.
  const t = LineTable.fromFile(join(FIXTURES, 'synthetic/elf64be-v5.elf'));
  assert.equal(t.lookup(0x300000000)!.file, '/work/be64/second/two.inc');
  assert.equal(t.lookup(0x300000004)!.file, '/work/be64/second/two.c');
  // Addresses above 2^32 in a big-endian 8-byte set_address.
  assert.deepEqual(t.lookup(0x123456000), { file: '/work/be64/src/first.inc', line: 10, column: 0 });
  const [c, d] = programsOf(join(FIXTURES, 'synthetic/elf64le-v5-v4.elf'));
  assert.deepEqual(
    c!.header.files.map((f) => f.path),
    ['/x32/build/x.c', '/x32/build/a/x.inc', '/x32/build/b/y.h'],
  );
  assert.equal(c!.header.addressSize, 4);
  // DWARF 4, 64-bit DWARF: dir 0 = comp dir, relative include dir joined to it, DW_LNE_define_file appended as file 4.
  assert.deepEqual(
    d!.files.map((f) => f.path),
    ['/v4/64/main4.c', '/v4/64/inc/h4.h', '/abs/inc/abs4.h', '/v4/64/inc/generated/defined.c'],
  );
});

test('lookup: before, between and after sequences there is no answer; of rows at one address the last wins', () => {
  const t = LineTable.fromFile(join(FIXTURES, 'synthetic/elf32le-v2.elf'));
  assert.equal(t.lookup(0x08048fff), undefined);
  assert.equal(t.lookup(0x08049289), undefined); // the end_sequence address of the first sequence
  assert.equal(t.lookup(0x0804c002), undefined);
  // 0x804a800: rows 100, 100, 101, 102 at one address → 102.
  assert.equal(t.lookup(0x0804a800)!.line, 102);
  assert.equal(t.lookup(0x0804a808)!.line, 102);
});

test('lookupLines: a map for every address asked, undefined where no line covers it', () => {
  const path = join(FIXTURES, 'prog-dwarf5');
  const m = lookupLines(path, [0, 0x12a2, 0x12a2, 0xffffffff]);
  assert.equal(m.size, 3);
  assert.equal(m.get(0), undefined);
  assert.equal(m.get(0x12a2)?.line, 21);
  assert.equal(m.get(0xffffffff), undefined);
});

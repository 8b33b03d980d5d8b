import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseElf, readElf } from './elf';

// Large files (the sparse read) and small ones (one read): every field parseElf gives must be the whole file's.
const files = [
  '/usr/lib/x86_64-linux-gnu/libc.so.6',
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
  join(__dirname, '../../demo/mini-hz3/build/mini-hz3-bench'),
  process.execPath,
].filter((f) => existsSync(f));

test('readElf reads only the parts parseElf needs, and gives what the whole file gives', () => {
  assert.ok(files.length >= 2, 'libc and the demo binary are expected on the test machine');
  for (const f of files) {
    const whole = parseElf(readFileSync(f), f);
    const parts = readElf(f);
    for (const k of [
      'is64',
      'littleEndian',
      'type',
      'loadSegments',
      'sections',
      'buildId',
      'debugLink',
      'hasDebugInfo',
    ] as const) {
      assert.deepEqual(parts[k], whole[k], `${f}: ${k}`);
    }
    assert.deepEqual(parts.symbols(), whole.symbols(), `${f}: symbols`);
    assert.deepEqual(parts.pltSymbols(), whole.pltSymbols(), `${f}: PLT stubs`);
  }
});

test('readElf of a separate debug file (symbols only, DWARF left unread) matches the whole file', () => {
  const libc = files.find((f) => f.endsWith('libc.so.6'));
  const id = libc && parseElf(readFileSync(libc), libc).buildId;
  const debug = id && `/usr/lib/debug/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`;
  if (!debug || !existsSync(debug)) return; // libc6-dbg not installed
  const whole = parseElf(readFileSync(debug), debug);
  const parts = readElf(debug);
  assert.deepEqual(parts.sections, whole.sections);
  assert.equal(parts.hasDebugInfo, whole.hasDebugInfo);
  assert.deepEqual(parts.symbols(), whole.symbols());
});

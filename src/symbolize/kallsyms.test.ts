import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findKernelSymbols, nameKernelAddresses, parseKallsyms, runningKernelBuildId } from './kallsyms';
import { SymbolCache } from './symbol-cache';

const KALLSYMS = [
  'ffffffff81000000 T _stext',
  'ffffffff81000000 T _text',
  'ffffffff81000000 T startup_64',
  'ffffffff81001000 t local_helper',
  'ffffffff81001000 T __global_helper',
  'ffffffff81002000 r rodata_thing',
  'ffffffff81002800 T __pi___x86_indirect_thunk_rax',
  'ffffffff81002800 T __x86_indirect_thunk_array',
  'ffffffff81002800 T __x86_indirect_thunk_rax',
  'ffffffff81003000 T do_syscall_64',
  'ffffffff81004000 T end_marker',
  'ffffffffc0000000 t ext4_thing\t[ext4]',
  'ffffffffc0001000 t ext4_other\t[ext4]',
].join('\n');

test('kallsyms: symbols end at the next one, aliases resolved as perf does, modules kept apart', () => {
  const k = parseKallsyms(KALLSYMS, 'k');
  assert.equal(k.textAddress, 0xffffffff81000000n);
  // Of aliases at one address the last listed names it (perf 6.1 sizes only the last: see parseKallsyms). Where
  // choose_best_symbol alone would pick the longer `__pi___…` name, perf report prints `__x86_indirect_thunk_rax`
  // (test/fixtures/perf-names/clones.report-dso-sym.txt; src/engine/perf-clones.test.ts checks it on the recording).
  assert.equal(k.lookup(0xffffffff81000010n)?.name, 'startup_64');
  assert.equal(k.lookup(0xffffffff81001010n)?.name, '__global_helper');
  assert.equal(k.lookup(0xffffffff81002810n)?.name, '__x86_indirect_thunk_rax');
  // 'r' (rodata) is not a symbol perf keeps: the text symbol before it reaches on over it.
  assert.equal(k.lookup(0xffffffff81002010n)?.name, '__global_helper');
  assert.equal(k.lookup(0xffffffff81003abcn)?.name, 'do_syscall_64');
  assert.equal(k.lookup(0xffffffffc0000010n)?.module, 'ext4');
  assert.equal(k.lookup(0xffffffff80000000n), undefined);
});

test('/proc/kallsyms is used only when the running kernel has the recorded build-id', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kallsyms-'));
  const proc = join(dir, 'kallsyms');
  writeFileSync(proc, KALLSYMS);
  // A /sys/kernel/notes image: one GNU build-id note (namesz 4, descsz 20, type 3).
  const id = Buffer.from('48dc540c8b76393804ca8088dbfa7d42911a9444', 'hex');
  const note = Buffer.alloc(12 + 4 + 20);
  note.writeUInt32LE(4, 0);
  note.writeUInt32LE(20, 4);
  note.writeUInt32LE(3, 8);
  note.write('GNU\0', 12, 'latin1');
  id.copy(note, 16);
  const notes = join(dir, 'notes');
  writeFileSync(notes, note);
  assert.equal(runningKernelBuildId(notes), id.toString('hex'));
  const search = { cacheDir: join(dir, 'no-cache'), procKallsyms: proc, kernelNotes: notes };
  assert.equal(findKernelSymbols(id.toString('hex'), search)?.source, proc);
  assert.equal(
    findKernelSymbols('00'.repeat(20), search),
    undefined,
    'another kernel: no names rather than wrong ones',
  );
  assert.equal(findKernelSymbols(undefined, search), undefined);
});

test('kernel names of one address set are answered from the symbol cache on the next load, relative to _text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kallsyms-cache-'));
  const buildId = 'ab'.repeat(20);
  const copy = join(dir, 'debug', '[kernel.kallsyms]', buildId);
  mkdirSync(copy, { recursive: true });
  writeFileSync(join(copy, 'kallsyms'), KALLSYMS);
  const search = { cacheDir: join(dir, 'debug'), procKallsyms: join(dir, 'none'), kernelNotes: join(dir, 'none') };
  const cache = new SymbolCache(join(dir, 'cache'));
  // Recorded at another KASLR offset: _text was 0x1000 higher.
  const recordedText = 0xffffffff81001000n;
  const addresses = [0xffffffff81004abcn, 0xffffffff81002010n, 0xffffffff70000000n];
  const first = nameKernelAddresses(buildId, search, undefined, recordedText, addresses, cache);
  assert.deepEqual(first?.names, ['do_syscall_64', '__global_helper', undefined]);
  rmSync(join(copy, 'kallsyms'));
  writeFileSync(join(copy, 'kallsyms'), 'garbage that names nothing\n');
  utimesSync(join(copy, 'kallsyms'), new Date(0), new Date(0));
  // Another copy (size and mtime changed): not answered from the cache.
  assert.equal(nameKernelAddresses(buildId, search, undefined, recordedText, addresses, cache), undefined);
  rmSync(join(copy, 'kallsyms'));
  writeFileSync(join(copy, 'kallsyms'), KALLSYMS);
  utimesSync(join(copy, 'kallsyms'), 1000, 1000);
  const again = nameKernelAddresses(buildId, search, undefined, recordedText, addresses, cache);
  assert.deepEqual(again?.names, first?.names);
  // The same copy again, now unreadable as kallsyms but with its size and mtime: the cache answers.
  writeFileSync(join(copy, 'kallsyms'), KALLSYMS.replace(/[0-9a-f]{16}/g, '0000000000000000'));
  utimesSync(join(copy, 'kallsyms'), 1000, 1000);
  assert.deepEqual(
    nameKernelAddresses(buildId, search, undefined, recordedText, addresses, cache)?.names,
    first?.names,
  );
  assert.equal(
    nameKernelAddresses(buildId, search, undefined, recordedText, addresses, false),
    undefined,
    'without the cache the zeroed copy names nothing',
  );
});

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ProfileBuilder } from './profile';
import { PathMapper } from './path-map';
import { ProfileIndex } from './profile-index';

test('functions list their lines, inlined header lines included; lines know their instructions', () => {
  const b = new ProfileBuilder(
    'p',
    [
      { name: 'cycles', unit: 'samples' },
      { name: 'misses', unit: 'samples' },
    ],
    { format: 't', binaries: [] },
  );
  const chain = (file: string, line: number, fn = 'pop') => [{ function: fn, file, line }];
  b.addAddress({
    dso: 'bin',
    address: 0x10,
    symbol: 'pop.part.0',
    counts: [5, 1],
    instruction: 'mov',
    inlineChain: [...chain('/b/inc/h.h', 7, 'decode'), ...chain('/b/src/pop.inc', 20)],
  });
  b.addAddress({
    dso: 'bin',
    address: 0x14,
    symbol: 'pop',
    counts: [3, 4],
    instruction: 'add',
    inlineChain: chain('/b/src/pop.inc', 21),
  });
  b.addAddress({
    dso: 'bin',
    address: 0x18,
    symbol: 'pop',
    counts: [1, 0],
    instruction: 'nop',
    inlineChain: chain('/b/src/pop.inc', 21),
  });
  b.addAddress({
    dso: 'bin',
    address: 0x30,
    symbol: 'alloc',
    counts: [2, 9],
    inlineChain: chain('/elsewhere/alloc.c', 3, 'alloc'),
  });
  const idx = new ProfileIndex(b.build(), new PathMapper(['/ws/src/pop.inc', '/ws/inc/h.h']));
  const byCycles = idx.functions(0);
  // Rows as perf report lists them: the clone apart from the function it was split from.
  assert.deepEqual(
    byCycles.map((f) => [f.name, f.counts[0]]),
    [
      ['pop.part.0', 5],
      ['pop', 4],
      ['alloc', 2],
    ],
  );
  assert.deepEqual(
    byCycles[0].lines.map((l) => [l.file, l.line, l.counts[0], l.mapped]),
    [['/ws/inc/h.h', 7, 5, true]],
  );
  assert.deepEqual(
    byCycles[1].lines.map((l) => [l.file, l.line, l.counts[0], l.mapped]),
    [['/ws/src/pop.inc', 21, 4, true]],
  );
  assert.deepEqual(byCycles[2].lines[0].mapped, false);
  assert.equal(idx.functions(1)[0].name, 'alloc', 'sorted by the chosen event');
  assert.deepEqual(
    idx.addressesAt('/ws/src/pop.inc', 21).map((a) => a.instruction),
    ['add', 'nop'],
  );
  assert.deepEqual(
    idx.addressesAt('/ws/src/pop.inc', 21, 1).map((a) => a.address),
    [0x14, 0x18],
  );
});

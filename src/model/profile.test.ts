import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { functionKeyName, isKernelDso, sourceFunctionName, ProfileBuilder } from './profile';

test('clone suffixes and symbol versions name one source function (for mapping to source, not for rows)', () => {
  for (const [raw, want] of [
    ['pop.part.0', 'pop'],
    ['pop.constprop.0.isra.0', 'pop'],
    ['pop.cold', 'pop'],
    ['memcpy@GLIBC_2.14', 'memcpy'],
    // A PLT stub is its own code, as perf report --sort sym shows it.
    ['memcpy@plt', 'memcpy@plt'],
    ['pop_part', 'pop_part'],
  ])
    assert.equal(sourceFunctionName(raw), want);
});

test('function rows keep symbols as perf report shows them, user code and kernel alike', () => {
  assert.equal(functionKeyName('[kernel.kallsyms]', 'finish_task_switch.isra.0'), 'finish_task_switch.isra.0');
  assert.equal(functionKeyName('/bin/prog', 'pop.part.0'), 'pop.part.0');
  assert.equal(functionKeyName('/lib/libc.so.6', 'cfree@GLIBC_2.2.5'), 'cfree@GLIBC_2.2.5');
});

test('lines take the innermost frame; unattributed counts stay in the totals', () => {
  const b = new ProfileBuilder('p', [{ name: 'cpu-clock', unit: 'samples' }], { format: 't', binaries: [] });
  b.addAddress({
    dso: 'x',
    address: 1,
    symbol: 'f.part.0',
    counts: [3],
    inlineChain: [
      { function: 'h', file: 'h.h', line: 2 },
      { function: 'f', file: 'f.c', line: 9 },
    ],
  });
  b.addAddress({
    dso: 'x',
    address: 2,
    symbol: 'f',
    counts: [5],
    inlineChain: [{ function: 'f', file: 'f.c', line: 9 }],
  });
  b.addAddress({ dso: 'x', address: 3, symbol: 'f', counts: [2], inlineChain: [] });
  const p = b.build();
  assert.deepEqual(p.totals, [10]);
  assert.deepEqual(p.unattributed, [2]);
  assert.deepEqual(p.lines.map((l) => [l.file, l.line, l.counts[0]]).sort(), [
    ['f.c', 9, 5],
    ['h.h', 2, 3],
  ]);
  // perf report's rows: the clone apart from the function; the source function of both is f's.
  assert.deepEqual(p.functions, [
    { name: 'f.part.0', dso: 'x', counts: [3] },
    { name: 'f', dso: 'x', counts: [7] },
  ]);
  assert.deepEqual(p.sourceFunctions.map((f) => [f.file, f.function, f.counts[0]]).sort(), [
    ['f.c', 'f', 5],
    ['h.h', 'h', 3],
  ]);
});

test('kernel rows: the kernel and its modules, not vdso or JIT code', () => {
  for (const dso of ['[kernel.kallsyms]', '[ext4]', '[nf_conntrack]', '[guest.kernel.kallsyms]'])
    assert.ok(isKernelDso(dso), dso);
  for (const dso of ['[vdso]', '[JIT] tid 42', '/usr/lib/libc.so.6', '', '[unknown]'])
    assert.ok(!isKernelDso(dso), dso);
});

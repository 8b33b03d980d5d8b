import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { functionKeyName, isKernelDso, normaliseFunctionName, ProfileBuilder } from './profile';

test('clone suffixes are one function to the user', () => {
  for (const [raw, want] of [
    ['pop.part.0', 'pop'],
    ['pop.constprop.0.isra.0', 'pop'],
    ['pop.cold', 'pop'],
    ['memcpy@GLIBC_2.14', 'memcpy'],
    // A PLT stub is its own code, as perf report --sort sym shows it.
    ['memcpy@plt', 'memcpy@plt'],
    ['pop_part', 'pop_part'],
  ]) assert.equal(normaliseFunctionName(raw), want);
});

test('kernel and other bracketed DSOs keep their symbols as perf shows them', () => {
  assert.equal(functionKeyName('[kernel.kallsyms]', 'finish_task_switch.isra.0'), 'finish_task_switch.isra.0');
  assert.equal(functionKeyName('/bin/prog', 'pop.part.0'), 'pop');
});

test('lines take the innermost frame; unattributed counts stay in the totals', () => {
  const b = new ProfileBuilder('p', [{ name: 'cpu-clock', unit: 'samples' }], { format: 't', binaries: [] });
  b.addAddress({ dso: 'x', address: 1, symbol: 'f.part.0', counts: [3], inlineChain: [{ function: 'h', file: 'h.h', line: 2 }, { function: 'f', file: 'f.c', line: 9 }] });
  b.addAddress({ dso: 'x', address: 2, symbol: 'f', counts: [5], inlineChain: [{ function: 'f', file: 'f.c', line: 9 }] });
  b.addAddress({ dso: 'x', address: 3, symbol: 'f', counts: [2], inlineChain: [] });
  const p = b.build();
  assert.deepEqual(p.totals, [10]);
  assert.deepEqual(p.unattributed, [2]);
  assert.deepEqual(p.lines.map((l) => [l.file, l.line, l.counts[0]]).sort(), [['f.c', 9, 5], ['h.h', 2, 3]]);
  assert.deepEqual(p.functions, [{ name: 'f', dso: 'x', counts: [10] }]);
});

test('kernel rows: the kernel and its modules, not vdso or JIT code', () => {
  for (const dso of ['[kernel.kallsyms]', '[ext4]', '[nf_conntrack]', '[guest.kernel.kallsyms]']) assert.ok(isKernelDso(dso), dso);
  for (const dso of ['[vdso]', '[JIT] tid 42', '/usr/lib/libc.so.6', '', '[unknown]']) assert.ok(!isKernelDso(dso), dso);
});

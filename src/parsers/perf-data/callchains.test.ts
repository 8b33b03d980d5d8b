import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { AddressSpaces } from './resolve';
import { CallchainAccumulator } from './callchains';
import { PerfContext } from './constants';
import { parseIdList, parseTimeRange, SampleFilterState } from './sample-filter';

describe('CallchainAccumulator', () => {
  const spaces = new AddressSpaces();
  spaces.mmap({ pid: 7, addr: 0x400000, len: 0x10000, pgoff: 0, filename: '/bin/prog', misc: 2 });
  spaces.mmap({
    pid: -1,
    addr: 0xffffffff81000000n,
    len: 0x1000000n,
    pgoff: 0xffffffff81000000n,
    filename: '[kernel.kallsyms]_text',
    misc: 1,
  });

  it('drops context markers, switches modes, and takes callers one byte back (not the leaf, not the first user frame)', () => {
    const acc = new CallchainAccumulator(spaces);
    const raw = [PerfContext.KERNEL, 0xffffffff81000100n, 0xffffffff81000200n, PerfContext.USER, 0x401000, 0x402005];
    acc.count(acc.internAddrs(raw), 7, 0xffffffff81000100n, 1, 0, 100);
    acc.count(acc.internAddrs(raw), 7, 0xffffffff81000100n, 1, 0, 50);
    const r = acc.result(1);
    assert.equal(r.chains.length, 1, 'one distinct chain');
    assert.deepEqual(r.chains[0]!.samples, [2]);
    assert.deepEqual(r.chains[0]!.period, [150]);
    assert.deepEqual(
      r.chains[0]!.frames.map((f) => r.frames[f]),
      [
        { dso: '[kernel.kallsyms]', fileOffset: 0xffffffff81000100n, returnAddress: false },
        { dso: '[kernel.kallsyms]', fileOffset: 0xffffffff810001ffn, returnAddress: true },
        { dso: '/bin/prog', fileOffset: 0x1000, returnAddress: false },
        { dso: '/bin/prog', fileOffset: 0x2004, returnAddress: true },
      ],
    );
  });

  it('a sample without a chain is its ip alone', () => {
    const acc = new CallchainAccumulator(spaces);
    acc.count(-1, 7, 0x401234, 2, 0, 1);
    const r = acc.result(1);
    assert.deepEqual(
      r.chains[0]!.frames.map((f) => r.frames[f]),
      [{ dso: '/bin/prog', fileOffset: 0x1234, returnAddress: false }],
    );
  });
});

describe('sample filters', () => {
  it('parses perf report --time (seconds) exactly into ns, open ends, and --cpu lists', () => {
    assert.deepEqual(parseTimeRange('1703.642711,1704.5'), { start: 1703642711000, end: 1704500000000 });
    assert.deepEqual(parseTimeRange(',12'), { end: 12e9 });
    assert.throws(() => parseTimeRange('5,4'), /before the start/);
    assert.throws(() => parseTimeRange('abc'), /START,END/);
    assert.deepEqual(parseIdList('0,2-4', '--cpu'), [0, 2, 3, 4]);
    assert.throws(() => parseIdList('x', '--cpu'), /--cpu/);
  });

  it('keeps a thread by the comm it had at the sample, inherited over fork', () => {
    const f = new SampleFilterState({ comms: ['worker'], time: { start: 10, end: 20 } });
    f.comm(1, 'main');
    f.fork(2, 1);
    assert.equal(f.accepts(2, undefined, 15), false, 'still main');
    f.comm(2, 'worker');
    assert.equal(f.accepts(2, undefined, 15), true);
    assert.equal(f.accepts(2, undefined, 21), false, 'after the range');
    assert.equal(f.accepts(2, undefined, 20), true, 'both ends kept, as perf');
    assert.equal(f.accepts(2, undefined, undefined), false, 'no time, no place in a range');
  });
});

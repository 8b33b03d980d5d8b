/** Address-space tracking and address arithmetic, on hand-made maps. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { addrSubAdd } from './binary';
import { PerfContext } from './constants';
import { OrderedQueue } from './ordered';
import { AddressSpaces, callchainFrames, fileOffsetToVaddr, KERNEL_DSO, UNKNOWN_DSO } from './resolve';

const USER = 2;
const KERNEL = 1;

describe('AddressSpaces', () => {
  it('maps an ip to ip − start + pgoff in the covering map of its process', () => {
    const s = new AddressSpaces();
    s.mmap({ pid: 10, addr: 0x5000, len: 0x2000, pgoff: 0x1000, filename: '/bin/a' });
    assert.deepEqual(s.resolve(10, 0x5123, USER), { dso: '/bin/a', fileOffset: 0x1123 });
    assert.deepEqual(s.resolve(10, 0x7000, USER), { dso: UNKNOWN_DSO, fileOffset: 0x7000 }, 'end is exclusive');
    assert.deepEqual(s.resolve(11, 0x5123, USER), { dso: UNKNOWN_DSO, fileOffset: 0x5123 }, 'other process');
  });

  it('lets a later mmap replace the part of an older one it overlaps, keeping the rest with its pgoff', () => {
    const s = new AddressSpaces();
    s.mmap({ pid: 1, addr: 0x1000, len: 0x4000, pgoff: 0, filename: 'old' });
    s.mmap({ pid: 1, addr: 0x2000, len: 0x1000, pgoff: 0x100, filename: 'new' });
    assert.deepEqual(
      s.regions(1).map((r) => [r.start, r.end, r.pgoff, r.dso]),
      [
        [0x1000, 0x2000, 0, 'old'],
        [0x2000, 0x3000, 0x100, 'new'],
        [0x3000, 0x5000, 0x2000, 'old'],
      ],
    );
    assert.deepEqual(s.resolve(1, 0x3010, USER), { dso: 'old', fileOffset: 0x2010 });
    s.mmap({ pid: 1, addr: 0x0, len: 0x10000, pgoff: 0, filename: 'all' });
    assert.deepEqual(
      s.regions(1).map((r) => r.dso),
      ['all'],
    );
  });

  it("gives a forked process a copy of its parent's maps, and threads their process's", () => {
    const s = new AddressSpaces();
    s.mmap({ pid: 1, addr: 0x1000, len: 0x1000, pgoff: 0, filename: 'a' });
    s.fork(2, 1);
    s.fork(1, 1);
    s.mmap({ pid: 2, addr: 0x1000, len: 0x1000, pgoff: 0, filename: 'b' });
    assert.equal(s.resolve(1, 0x1800, USER).dso, 'a', "the child's new map does not leak into the parent");
    assert.equal(s.resolve(2, 0x1800, USER).dso, 'b');
  });

  it('resolves kernel samples in the pid −1 maps, keeping kernel addresses exact', () => {
    const s = new AddressSpaces();
    const text = 0xffffffff81000000n;
    s.mmap({ pid: -1, addr: text, len: 0x1209988, pgoff: text, filename: '[kernel.kallsyms]_text', misc: KERNEL });
    s.mmap({ pid: -1, addr: 0xffffffffc0000000n, len: 0x5000, pgoff: 0, filename: '/lib/modules/x.ko', misc: KERNEL });
    const ip = 0xffffffff821f2fa7n;
    assert.deepEqual(s.resolve(7, ip, KERNEL), { dso: KERNEL_DSO, fileOffset: ip });
    // perf names a module's map [x] and looks its symbols up by address (kernel-modules.test.ts checks it against perf).
    assert.deepEqual(s.resolve(7, 0xffffffffc0000010n, KERNEL), { dso: '[x]', fileOffset: 0xffffffffc0000010n });
    assert.equal(
      s.resolve(7, ip, USER).dso,
      KERNEL_DSO,
      'a user-mode ip in kernel space falls back to the kernel maps',
    );
    assert.equal(s.resolve(7, 0x1000, KERNEL).dso, UNKNOWN_DSO);
    assert.equal(s.resolve(7, ip, 3).dso, UNKNOWN_DSO, 'hypervisor');
  });

  it('ignores zero-length maps', () => {
    const s = new AddressSpaces();
    s.mmap({ pid: 1, addr: 0x1000, len: 0, pgoff: 0, filename: 'z' });
    assert.equal(s.regions(1).length, 0);
  });
});

describe('address helpers', () => {
  it('maps a file offset to the ELF vaddr through the PT_LOAD containing it', () => {
    const loads = [
      { offset: 0, vaddr: 0, filesz: 0x6f8 },
      { offset: 0x1000, vaddr: 0x1000, filesz: 0x329 },
      { offset: 0x2dd0, vaddr: 0x3dd0, filesz: 0x268 },
    ];
    assert.equal(fileOffsetToVaddr(0x12a2, loads), 0x12a2);
    assert.equal(fileOffsetToVaddr(0x2de0, loads), 0x3de0);
    assert.equal(fileOffsetToVaddr(0x1400, loads), undefined);
    assert.equal(fileOffsetToVaddr(0xffffffff81000000n, loads), undefined);
  });

  it('keeps address arithmetic exact across 2^53', () => {
    assert.equal(addrSubAdd(0x5643d2b1c2a2, 0x5643d2b1c000, 0x1000), 0x12a2);
    assert.equal(addrSubAdd(0xffffffff821f2fa7n, 0xffffffff81000000n, 0), 0x11f2fa7);
    assert.equal(addrSubAdd(0xffffffff821f2fa7n, 0xffffffff81000000n, 0xffffffff81000000n), 0xffffffff821f2fa7n);
    assert.equal(addrSubAdd(2 ** 52, 0, 2 ** 52), 2n ** 53n);
  });

  it('splits a callchain by its context markers', () => {
    const chain = [PerfContext.KERNEL, 0xffffffff81000010n, PerfContext.USER, 0x401000, 0x401100];
    assert.deepEqual(callchainFrames(chain, KERNEL), [
      { ip: 0xffffffff81000010n, cpumode: KERNEL },
      { ip: 0x401000, cpumode: USER },
      { ip: 0x401100, cpumode: USER },
    ]);
  });
});

describe("OrderedQueue (perf's ordered_events)", () => {
  it('delivers by time, one round late, untimed records at once', () => {
    const out: string[] = [];
    const q = new OrderedQueue<string>((x) => out.push(x));
    q.push('mmap@0', 0);
    q.push('s@30', 30);
    q.push('s@10', 10);
    q.round(); // first round: nothing is old enough yet
    assert.deepEqual(out, ['mmap@0']);
    q.push('mmap@20', 20);
    q.push('s@40', 40);
    q.round(); // delivers up to the previous round's newest time, 30
    assert.deepEqual(out, ['mmap@0', 's@10', 'mmap@20', 's@30']);
    q.push('s@35a', 35);
    q.push('s@35b', 35);
    q.finish();
    assert.deepEqual(out.slice(4), ['s@35a', 's@35b', 's@40']);
  });
});

describe("OrderedQueue cap (perf's ordered-events buffer limit)", () => {
  it('without rounds, never holds more than its cap, delivers everything, and in time order where the cap allows', () => {
    const out: number[] = [];
    const q = new OrderedQueue<number>((t) => out.push(t), 1000);
    let most = 0;
    // 100,000 records, times increasing with a local shuffle of ±50 (the disorder of per-CPU buffers).
    for (let i = 0; i < 100_000; i++) {
      q.push(i + 100 + ((i * 7919) % 101) - 50, i + 100 + ((i * 7919) % 101) - 50);
      most = Math.max(most, q.size);
    }
    q.finish();
    assert.ok(most <= 1000, `held at most ${most}`);
    assert.equal(out.length, 100_000);
    for (let i = 1; i < out.length; i++) assert.ok(out[i]! >= out[i - 1]!, `in order at ${i}`);
    assert.equal(q.late, 0);
  });

  it('a record older than a half flush is still delivered, and counted as late', () => {
    const out: number[] = [];
    const q = new OrderedQueue<number>((t) => out.push(t), 4);
    for (const t of [10, 20, 30, 40, 50]) q.push(t, t);
    q.push(5, 5);
    q.finish();
    assert.deepEqual(
      [...out].sort((a, b) => a - b),
      [5, 10, 20, 30, 40, 50],
    );
    assert.equal(q.late, 1);
  });
});

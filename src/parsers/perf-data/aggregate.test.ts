/**
 * summarizePerfData against perf's own output for the same recordings, down to the instruction: file offsets are
 * checked against perf script's mmaps and, through the ELF program headers, against the symbol table.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { summarizePerfData } from './aggregate';
import { addrToBigInt } from './binary';
import { fileOffsetToVaddr, KERNEL_DSO } from './resolve';
import { FIXTURES, RECORDINGS, readBuildIds, readHeader, readElf, readScript } from './testing/fixtures';

const fixture = (name: string) => join(FIXTURES, `${name}.data`);

describe('summarizePerfData', () => {
  for (const name of RECORDINGS) {
    describe(name, () => {
      it("has perf script's sample count and period sum per event", async () => {
        const s = await summarizePerfData(fixture(name));
        const script = readScript(name);
        for (const ev of s.events) {
          let samples = 0;
          let period = 0;
          for (const [key, c] of script.samples) {
            if (key.split(' ')[0] === ev.name) {
              samples += c.samples;
              period += c.period;
            }
          }
          assert.equal(ev.samples, samples, ev.name);
          assert.equal(ev.period, period, ev.name);
          assert.ok(samples > 500);
        }
        assert.deepEqual(
          s.events.map((e) => e.name),
          readHeader(name).events.map((e) => e.name),
        );
      });

      it("has perf script's counts per (dso, file offset), offsets from perf's own mmaps", async () => {
        const s = await summarizePerfData(fixture(name));
        const script = readScript(name);
        const want = new Map<string, number[]>();
        for (const [key, c] of script.samples) {
          const [event, ipHex, dso] = key.split(' ') as [string, string, string];
          const ip = BigInt('0x' + ipHex);
          // The script dump has no pids per sample: the (few) mmaps of a DSO never overlap in these recordings.
          const m = script.mmaps.find(
            (x) =>
              (x.filename === dso || (dso === KERNEL_DSO && x.filename.startsWith(dso))) &&
              ip >= x.start &&
              ip < x.start + x.len,
          );
          const off = m ? ip - m.start + m.pgoff : ip;
          const k = `${dso} ${off.toString(16)}`;
          const row = want.get(k) ?? s.events.map(() => 0);
          row[s.events.findIndex((e) => e.name === event)]! += c.samples;
          want.set(k, row);
        }
        const got = new Map(s.addresses.map((a) => [`${a.dso} ${addrToBigInt(a.fileOffset).toString(16)}`, a.samples]));
        assert.deepEqual(new Map([...got].sort()), new Map([...want].sort()));
      });

      it("carries perf's build-ids and command line, and no loss", async () => {
        const s = await summarizePerfData(fixture(name));
        assert.deepEqual(s.buildIds, readBuildIds(name));
        assert.equal(s.cmdline?.join(' '), readHeader(name).cmdline);
        assert.deepEqual(s.lost, { events: 0, samples: 0 });
        assert.equal(s.unknownEventSamples, 0);
        assert.equal(s.truncated, undefined);
        assert.deepEqual(s.warnings, []);
      });
    });
  }

  it('puts the hottest instruction inside hot_loop once mapped through the ELF program headers', async () => {
    const s = await summarizePerfData(fixture('cpu-clock-g'));
    const prog = join(FIXTURES, 'prog');
    const elf = readElf(prog, 'hot_loop');
    const rows = s.addresses.filter((a) => a.dso.endsWith('/perf-data/prog'));
    const hottest = rows.reduce((a, b) => (b.samples[0]! > a.samples[0]! ? b : a));
    const vaddr = fileOffsetToVaddr(hottest.fileOffset, elf.loads)!;
    assert.ok(vaddr >= elf.sym!.start && vaddr < elf.sym!.end, `0x${vaddr.toString(16)} in hot_loop`);
    assert.ok(hottest.samples[0]! > s.events[0]!.samples / 2, 'most samples land on one instruction');
  });

  it('gives the same summary whatever the chunk size', async () => {
    for (const name of RECORDINGS) {
      const a = await summarizePerfData(fixture(name));
      const b = await summarizePerfData(fixture(name), { chunkSize: 4096 });
      assert.deepEqual(b, a);
    }
  });
});

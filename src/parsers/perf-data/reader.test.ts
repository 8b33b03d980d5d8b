/**
 * The reader against real recordings (perf 6.1): every count must equal what perf script printed for the same
 * file, for plain, two-event, `-z` compressed and pipe-mode recordings.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Decompress } from 'fzstd';
import { addrToBigInt } from './binary';
import { RecordType } from './constants';
import { openPerfData, type PerfData } from './reader';
import { OrderedQueue } from './ordered';
import { AddressSpaces, callchainFrames } from './resolve';
import { isContextMarker } from './sample';
import { FIXTURES, RECORDINGS, readBuildIds, readHeader, readScript, stable } from './testing/fixtures';
import type { PerfRecord } from './types';

const fixture = (name: string) => join(FIXTURES, `${name}.data`);

/** Replays records in perf's order and counts samples per "event ip dso", as the aggregated script dump does. */
async function countLikeScript(pd: PerfData): Promise<Map<string, { samples: number; period: number }>> {
  const spaces = new AddressSpaces();
  const got = new Map<string, { samples: number; period: number }>();
  const q = new OrderedQueue<PerfRecord>((r) => {
    if (r.kind === 'mmap') spaces.mmap(r);
    else if (r.kind === 'fork') spaces.fork(r.pid, r.ppid);
    else if (r.kind === 'sample') {
      const key = `${pd.attrs[r.event]!.name} ${addrToBigInt(r.ip!).toString(16)} ${spaces.resolve(r.pid!, r.ip!, r.cpumode).dso}`;
      const c = got.get(key) ?? { samples: 0, period: 0 };
      c.samples++;
      c.period += r.period;
      got.set(key, c);
    }
  });
  for await (const r of pd.records()) {
    if (r.kind === 'sample') q.push(r, r.time);
    else if (r.kind === 'mmap') q.push(r, r.sampleId?.time);
    else if (r.kind === 'fork') q.push(r, r.sampleId?.time ?? r.time);
    else if (r.kind === 'finished-round') q.round();
  }
  q.finish();
  return got;
}

async function allRecords(pd: PerfData, chunkSize?: number): Promise<PerfRecord[]> {
  const out: PerfRecord[] = [];
  for await (const r of pd.records(chunkSize ? { chunkSize } : {})) out.push(r);
  return out;
}

describe('perf.data reader on real recordings', () => {
  for (const name of RECORDINGS) {
    describe(name, () => {
      it('counts the same samples per (event, ip, dso) as perf script', async () => {
        const want = readScript(name).samples;
        const got = await countLikeScript(await openPerfData(fixture(name)));
        assert.ok(want.size > 10, 'the fixture has samples');
        assert.deepEqual(new Map([...got].sort()), new Map([...want].sort()));
      });

      it('decodes the same mmaps as perf script --show-mmap-events', async () => {
        const pd = await openPerfData(fixture(name));
        const got = (await allRecords(pd))
          .filter((r) => r.kind === 'mmap')
          .map((r) => `${r.pid} ${addrToBigInt(r.addr)} ${addrToBigInt(r.len)} ${addrToBigInt(r.pgoff)} ${r.filename}`);
        const want = readScript(name).mmaps.map((m) => `${m.pid} ${m.start} ${m.len} ${m.pgoff} ${m.filename}`);
        assert.deepEqual(got.sort(), want.sort());
      });

      it('reads the header features as perf report --header-only does', async () => {
        const pd = await openPerfData(fixture(name));
        const h = readHeader(name);
        const f = pd.features;
        assert.equal(f.cmdline?.join(' '), h.cmdline);
        assert.equal(f.hostname, h.hostname);
        assert.equal(f.osRelease, h.osRelease);
        assert.equal(f.perfVersion, h.perfVersion);
        assert.equal(f.arch, h.arch);
        assert.deepEqual(f.nrCpus, { online: h.nrCpusOnline, available: h.nrCpusAvail });
        assert.deepEqual(
          pd.attrs.map((a) => ({ name: a.name, ids: a.ids })),
          h.events,
        );
        assert.equal(pd.format, name === 'pipe' ? 'pipe' : 'file');
        assert.equal(pd.littleEndian, true);
        assert.equal(pd.truncation, undefined);
      });

      it('finds the build-ids perf buildid-list lists', async () => {
        const pd = await openPerfData(fixture(name));
        await allRecords(pd); // pipe mode could carry them as records
        const got = Object.fromEntries(pd.features.buildIds.map((b) => [b.filename, b.buildId]));
        assert.deepEqual(got, readBuildIds(name));
      });

      it('yields the same records whatever the chunk size (records straddle chunk boundaries)', async () => {
        const pd = await openPerfData(fixture(name));
        const big = await allRecords(pd);
        const small = await allRecords(pd, 4096);
        assert.equal(small.length, big.length);
        assert.equal(stable(small), stable(big));
      });
    });
  }

  it('decodes callchains: a context marker, then the sampled ip, then the callers', async () => {
    const pd = await openPerfData(fixture('cpu-clock-g'));
    let n = 0;
    for await (const r of pd.records()) {
      if (r.kind !== 'sample') continue;
      n++;
      const chain = r.callchain!;
      assert.ok(isContextMarker(chain[0]!), 'perf puts PERF_CONTEXT_KERNEL/USER first');
      const frames = callchainFrames(chain, r.cpumode);
      assert.equal(frames[0]!.ip, r.ip);
      assert.equal(frames[0]!.cpumode, r.cpumode);
      assert.ok(frames.every((f) => !isContextMarker(f.ip)));
    }
    assert.ok(n > 100);
  });

  it('reads ips as numbers in user space and as exact bigints in the kernel', async () => {
    const pd = await openPerfData(fixture('cpu-clock-g'));
    let user = 0;
    let kernel = 0;
    for await (const r of pd.records({ callchains: false })) {
      if (r.kind !== 'sample') continue;
      assert.equal(r.callchain, undefined);
      if (r.cpumode === 2) {
        assert.equal(typeof r.ip, 'number');
        user++;
      }
      if (r.cpumode === 1) {
        assert.equal(typeof r.ip, 'bigint');
        assert.ok((r.ip as bigint) >= 0xffff800000000000n);
        kernel++;
      }
    }
    assert.ok(user > 0 && kernel > 0, `user ${user}, kernel ${kernel}`);
  });

  it('unpacks -z data: one zstd stream across many COMPRESSED records, records split between them', async () => {
    const pd = await openPerfData(fixture('compressed'));
    // Walk the data section by hand to count the COMPRESSED records themselves.
    const raw = readFileSync(fixture('compressed'));
    let compressedRecords = 0;
    let unaligned = 0;
    // Where each COMPRESSED record's output ends within the whole decompressed stream.
    const parts: Uint8Array[] = [];
    const ends: number[] = [];
    let total = 0;
    const dec = new Decompress((b) => {
      parts.push(b);
      total += b.length;
    });
    for (let p = pd.dataOffset; p < pd.dataEnd; p += raw.readUInt16LE(p + 6)) {
      if (p % 8) unaligned++;
      if (raw.readUInt32LE(p) !== RecordType.COMPRESSED) continue;
      compressedRecords++;
      dec.push(raw.subarray(p + 8, p + raw.readUInt16LE(p + 6)));
      ends.push(total);
    }
    assert.ok(compressedRecords >= 5, `${compressedRecords} COMPRESSED records`);
    assert.ok(unaligned > 0, 'COMPRESSED records are not padded, so later records sit at odd offsets');
    const stream = Buffer.concat(parts);
    const starts = new Set<number>();
    for (let p = 0; p < stream.length; p += stream.readUInt16LE(p + 6)) starts.add(p);
    const split = ends.filter((e) => e < stream.length && !starts.has(e));
    assert.ok(split.length > 0, 'some records continue in the next COMPRESSED record');
    const records = await allRecords(pd);
    assert.ok(records.filter((r) => r.kind === 'sample').every((r) => r.compressed));
    assert.equal(pd.features.compression?.type, 1, 'zstd');
  });

  it("knows a pipe-mode file's events as soon as it is opened", async () => {
    const pd = await openPerfData(fixture('pipe'));
    assert.deepEqual(
      pd.attrs.map((a) => a.name),
      ['cpu-clock'],
    );
    assert.equal(pd.dataOffset, 16);
    const records = await allRecords(pd);
    assert.equal(pd.attrs.length, 1, 'the attr is not added twice');
    assert.ok(records.some((r) => r.kind === 'attr'));
    assert.ok(records.some((r) => r.kind === 'comm' && r.exec && r.comm === 'prog'));
  });

  it('stops reading when the consumer stops', async () => {
    const pd = await openPerfData(fixture('two-events'));
    let n = 0;
    for await (const r of pd.records()) if (r && ++n === 3) break;
    assert.equal(n, 3);
  });
});

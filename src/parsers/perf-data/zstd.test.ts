/**
 * `perf record -z` streams, made by our own writer with raw zstd blocks (the shape perf's flushes take): a damaged
 * frame header must fail fast instead of making fzstd copy a 128 MiB window after every block; damaged data that
 * still decodes must be caught by what it decodes to; and a file cut inside a COMPRESSED record must keep the
 * records of its complete blocks and say that some were lost. The expected counts come from the generator.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { runBounded } from '../../../test/bounded';
import { memorySource } from './byte-source';
import { RecordType as T, SampleType as S } from './constants';
import { PerfDataError } from './errors';
import { summarizePerfData } from './aggregate';
import { buildPipe } from './testing/build';
import { ByteSink, writeRecord, writeSample, zstdRawBlock } from './testing/writer';

const ATTR = { type: 1, config: 0n, sampleType: S.IP | S.TID | S.TIME | S.PERIOD, samplePeriod: 1, sampleIdAll: true };

function sampleBytes(i: number): Buffer {
  const w = new ByteSink(true);
  writeSample(w, ATTR, { ip: 0x401000 + (i % 64), pid: 1, tid: 1, time: 1000 + i, period: 1 });
  return w.toBuffer();
}

/** One frame (window descriptor `wd`) over `n` COMPRESSED records of one raw block (one sample) each. */
function compressedStream(n: number, wd: number, blocksPerRecord = 1): Buffer {
  return buildPipe({
    le: true,
    attrs: [ATTR],
    records: (w) => {
      let k = 0;
      for (let r = 0; r < n; r++) {
        const blocks = Array.from({ length: blocksPerRecord }, () => zstdRawBlock(sampleBytes(k++)));
        const head = r === 0 ? [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, wd])] : [];
        writeRecord(w, T.COMPRESSED, 0, () => w.bytes(Buffer.concat([...head, ...blocks])), 1);
      }
    },
  });
}

const WD_512K = 0x48; // 2^(10+9): perf's default level
const WD_128M = 0x88; // 2^(10+17): the largest window the guard lets through

describe('zstd in perf.data', () => {
  it('a well-formed stream of 5,000 COMPRESSED records reads every sample', async () => {
    const s = await summarizePerfData('z-good.data', { source: memorySource(compressedStream(5000, WD_512K)) });
    assert.equal(s.events[0]!.samples, 5000);
    assert.equal(s.truncated, undefined);
  });

  it('the same stream with its frame header damaged to a 128 MiB window fails fast, naming the file', () => {
    const data = compressedStream(5000, WD_128M);
    // Unbounded, fzstd copied its 128 MiB window after each of the 5,000 blocks (~75 s); the child gets 120 s.
    const r = runBounded(
      `
      const { summarizePerfData } = await load('src/parsers/perf-data/aggregate.ts');
      const { memorySource } = await load('src/parsers/perf-data/byte-source.ts');
      try { const s = await summarizePerfData('z-damaged.data', { source: memorySource(Buffer.from(${JSON.stringify(data.toString('base64'))}, 'base64')) }); return { samples: s.events[0].samples }; }
      catch (e) { return { kind: e.kind, message: e.message }; }`,
      { timeoutMs: 120_000 },
    );
    assert.equal(r.failure, undefined);
    const v = r.value as { kind?: string; message?: string };
    assert.equal(v.kind, 'bad-compressed', JSON.stringify(v));
    assert.match(
      v.message!,
      /^z-damaged\.data: byte \d+: zstd data does not decode: zstd blocks in a 134217728-byte window would cost the decoder \d+ bytes of copying for \d+ bytes of output/,
    );
  });

  it('damaged data that still decodes (a record type zeroed inside a raw block) is an error, not silent garbage', async () => {
    const data = compressedStream(10, WD_512K);
    // The 4th COMPRESSED record: find it and zero the type of the sample inside its raw block.
    let off = 16;
    for (let r = 0; r < 4 + 1; r++) off += data.readUInt16LE(off + 6); // attr record, then 4 compressed records
    const payload = off + 8 + 3; // record header, raw block header
    assert.equal(data.readUInt32LE(payload), T.SAMPLE);
    data.writeUInt32LE(0, payload);
    await assert.rejects(
      summarizePerfData('z-garbage.data', { source: memorySource(data) }),
      (e: unknown) =>
        e instanceof PerfDataError &&
        e.kind === 'bad-compressed' &&
        /^z-garbage\.data: byte \d+: in compressed data: a record of type 0 .*decodes, but to damaged records$/.test(
          e.message,
        ),
    );
  });

  it('a cut inside a COMPRESSED record keeps the records of its complete blocks and says records were lost', async () => {
    const whole = compressedStream(3, WD_512K, 4); // 3 records × 4 samples
    // Cut in the middle of the third block of the last record: 2 records (8 samples) + 2 blocks (2 samples) survive.
    const block = 3 + sampleBytes(0).length;
    let off = 16;
    off += whole.readUInt16LE(off + 6); // the attr record
    off += whole.readUInt16LE(off + 6); // record 1 (has the frame header)
    off += whole.readUInt16LE(off + 6); // record 2
    const cut = off + 8 + 2 * block + 5;
    const s = await summarizePerfData('z-cut.data', { source: memorySource(whole.subarray(0, cut)) });
    assert.equal(s.events[0]!.samples, 10);
    assert.ok(s.truncated);
    assert.equal(s.truncated.complete, false);
    assert.match(
      s.truncated.detail,
      /^the file ends \d+ bytes into a \d+-byte COMPRESSED record: the records in its complete zstd blocks were read, what its cut block held is lost$/,
    );
  });
});

/**
 * Damaged files: each documented error names the file, the offset and the problem; a file that merely ends early
 * yields every complete record and says how much is missing.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { summarizePerfData } from './aggregate';
import { PerfDataError, type PerfDataErrorKind } from './errors';
import { RecordType as T, SampleType as S } from './constants';
import { openPerfData } from './reader';
import { buildFile } from './testing/build';
import { FIXTURES } from './testing/fixtures';
import { ByteSink, writeRecord, writeSample } from './testing/writer';
import type { PerfRecord } from './types';

const dir = mkdtempSync(join(tmpdir(), 'ph-perfdata-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(data: Buffer): string {
  const p = join(dir, `e${n++}.data`);
  writeFileSync(p, data);
  return p;
}
async function readAll(path: string): Promise<PerfRecord[]> {
  const out: PerfRecord[] = [];
  for await (const r of (await openPerfData(path)).records()) out.push(r);
  return out;
}
async function rejects(
  p: Promise<unknown>,
  kind: PerfDataErrorKind,
  path: string,
  offset: number,
  text: RegExp,
): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof PerfDataError, String(e));
    assert.equal(e.kind, kind);
    assert.equal(e.offset, offset);
    assert.ok(e.message.startsWith(`${path}: byte ${offset}: `), e.message);
    assert.match(e.message, text);
    return true;
  });
}

const ATTR = { sampleType: S.IP | S.TID | S.PERIOD, ids: [1] };
const twoSamples = (w: ByteSink) => {
  writeSample(w, ATTR, { ip: 0x1000, pid: 1, period: 1 });
  writeSample(w, ATTR, { ip: 0x2000, pid: 1, period: 1 });
};
/** Data section of a synthetic file: at 104 + 8 (ids) + 144 (attr slot). */
const DATA = 104 + 8 + 144;

describe('errors', () => {
  it('rejects a file that is not perf.data, naming what it found', async () => {
    const p = file(Buffer.from('NOTPERF!and some more bytes'));
    await rejects(openPerfData(p), 'bad-magic', p, 0, /"NOTPERF!" is neither PERFILE2/);
    const v1 = file(Buffer.concat([Buffer.from('PERFFILE'), Buffer.alloc(100)]));
    await rejects(openPerfData(v1), 'bad-magic', v1, 0, /perf\.data v1 \(PERFFILE\) is not supported/);
  });

  it('rejects header and attr sizes that make no sense', async () => {
    const good = buildFile({ le: true, attrs: [ATTR], records: twoSamples });
    const hdr = Buffer.from(good);
    hdr.writeBigUInt64LE(50n, 8);
    const p1 = file(hdr);
    await rejects(openPerfData(p1), 'bad-header', p1, 8, /header size 50/);
    const slot = Buffer.from(good);
    slot.writeBigUInt64LE(7n, 16);
    const p2 = file(slot);
    await rejects(openPerfData(p2), 'bad-attr', p2, 16, /attr_size 7/);
    const inner = Buffer.from(good);
    inner.writeUInt32LE(300, 104 + 8 + 4); // attr.size bigger than its slot
    const p3 = file(inner);
    await rejects(openPerfData(p3), 'bad-attr', p3, 104 + 8 + 4, /attr of 300 bytes in a 128-byte slot/);
    const whole = Buffer.from(good);
    whole.writeBigUInt64LE(145n, 32);
    const p4 = file(whole);
    await rejects(openPerfData(p4), 'bad-attr', p4, 32, /does not hold whole/);
  });

  it('stops at a zero-size record instead of looping, and at records below their header size', async () => {
    for (const size of [0, 4]) {
      const p = file(
        buildFile({
          le: true,
          attrs: [ATTR],
          records: (w) => {
            writeSample(w, ATTR, { ip: 0x1000, pid: 1, period: 1 });
            w.u32(T.SAMPLE).u16(0).u16(size).zeros(24);
          },
        }),
      );
      const at = DATA + 32;
      await rejects(readAll(p), 'bad-record', p, at, new RegExp(`has size ${size}, below its 8-byte header`));
    }
  });

  it('rejects a record that runs past the end of the data section', async () => {
    const data = buildFile({ le: true, attrs: [ATTR], records: twoSamples });
    data.writeUInt16LE(200, DATA + 32 + 6);
    const p = file(data);
    await rejects(readAll(p), 'bad-record', p, DATA + 32, /200 bytes runs past the data section's end at 320/);
  });

  it('rejects a sample whose fields do not fit, and sample_type bits it cannot size', async () => {
    const cc = { sampleType: S.IP | S.CALLCHAIN, ids: [] };
    const p = file(
      buildFile({
        le: false,
        attrs: [cc],
        records: (w) => {
          writeRecord(w, T.SAMPLE, 2, () =>
            w
              .u64(0x1000)
              .u64(1n << 40n)
              .u64(0),
          );
        },
      }),
    );
    await rejects(
      readAll(p),
      'bad-sample',
      p,
      DATA - 8,
      /CALLCHAIN of 1099511627776 entries runs past the record's end/,
    );
    const odd = { sampleType: S.IP | (1 << 30), ids: [] };
    const p2 = file(buildFile({ le: true, attrs: [odd], records: (w) => writeSample(w, odd, { ip: 1 }) }));
    await rejects(readAll(p2), 'bad-sample', p2, DATA - 8, /sample_type 0x40000001 has bits this reader cannot size/);
  });

  it('rejects zstd data that does not decode, or asks for a huge window', async () => {
    const attr = { sampleType: S.IP, ids: [] };
    const bad = (payload: Buffer) =>
      file(
        buildFile({
          le: true,
          attrs: [attr],
          records: (w) => writeRecord(w, T.COMPRESSED, 0, () => w.bytes(payload), 1),
        }),
      );
    const garbage = bad(Buffer.from('this is not zstd at all, not at all'));
    await rejects(readAll(garbage), 'bad-compressed', garbage, DATA - 8, /not a zstd frame/);
    // Magic, then a frame header descriptor with a window descriptor asking for 2^41 bytes.
    const huge = bad(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    await rejects(readAll(huge), 'bad-compressed', huge, DATA - 8, /window, above the 134217728 limit/);
  });
});

describe('truncated files', () => {
  const src = join(FIXTURES, 'cpu-clock-g.data');
  const whole = readFileSync(src);

  /** Offsets where the records of the data section end, walked by hand. */
  async function boundaries(): Promise<{ dataOffset: number; dataEnd: number; ends: number[] }> {
    const pd = await openPerfData(src);
    const ends: number[] = [];
    for (let p = pd.dataOffset; p < pd.dataEnd; p += whole.readUInt16LE(p + 6))
      ends.push(p + whole.readUInt16LE(p + 6));
    return { dataOffset: pd.dataOffset, dataEnd: pd.dataEnd, ends };
  }

  it('yields every complete record and reports the bytes lost, wherever the data section is cut', async () => {
    const { dataOffset, dataEnd, ends } = await boundaries();
    for (const cut of [
      dataOffset,
      dataOffset + 3,
      dataOffset + 1000,
      (dataOffset + dataEnd) >> 1,
      dataEnd - 5,
      ends[10]!,
    ]) {
      const p = file(whole.subarray(0, cut));
      const pd = await openPerfData(p);
      let count = 0;
      for await (const r of pd.records()) if (r) count++;
      const complete = ends.filter((e) => e <= cut);
      assert.equal(count, complete.length, `cut at ${cut}`);
      const at = complete.length ? complete[complete.length - 1]! : dataOffset;
      assert.equal(pd.truncation?.at, at, `cut at ${cut}`);
      assert.ok(pd.truncation!.bytesLost >= dataEnd - at, `cut at ${cut}: ${pd.truncation!.bytesLost}`);
      const s = await summarizePerfData(p);
      assert.equal(s.truncated?.at, at);
    }
  });

  it('reports missing feature sections when the cut is after the data', async () => {
    const { dataEnd } = await boundaries();
    for (const cut of [dataEnd + 10, whole.length - 5]) {
      const s = await summarizePerfData(file(whole.subarray(0, cut)));
      assert.ok(s.truncated && s.truncated.bytesLost > 0, `cut at ${cut}`);
      assert.equal(s.events[0]!.samples, (await summarizePerfData(src)).events[0]!.samples);
    }
  });

  it('throws truncated-header when nothing decodable is left', async () => {
    for (const cut of [0, 5, 60, 200]) {
      const p = file(whole.subarray(0, cut));
      await assert.rejects(
        openPerfData(p),
        (e: unknown) => e instanceof PerfDataError && e.kind === 'truncated-header',
      );
    }
  });

  it('reads an unfinished recording (data size 0 in the header) to its end', async () => {
    const { dataEnd } = await boundaries();
    const cut = Buffer.from(whole.subarray(0, dataEnd));
    cut.writeBigUInt64LE(0n, 48);
    const s = await summarizePerfData(file(cut));
    assert.equal(s.events[0]!.samples, (await summarizePerfData(src)).events[0]!.samples);
    assert.match(s.warnings.join(), /did not finish/);
    assert.equal(s.truncated, undefined);
  });

  it('handles cut pipe-mode and compressed files the same way', async () => {
    for (const name of ['pipe', 'compressed']) {
      const data = readFileSync(join(FIXTURES, `${name}.data`));
      const full = await summarizePerfData(join(FIXTURES, `${name}.data`));
      const s = await summarizePerfData(file(data.subarray(0, Math.floor(data.length * 0.6))));
      assert.ok(s.truncated && s.truncated.bytesLost > 0, name);
      assert.ok(s.events[0]!.samples > 0 && s.events[0]!.samples < full.events[0]!.samples, name);
    }
  });
});

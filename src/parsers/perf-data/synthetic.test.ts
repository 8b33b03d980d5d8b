/**
 * Hand-made files: both byte orders, pipe mode, every sample field, several events told apart by IDENTIFIER,
 * and real recordings re-encoded big-endian (perf only writes the host's order, and no big-endian host is here).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { summarizePerfData, type PerfDataSummary } from './aggregate';
import { Feature, ReadFormat, RecordType as T, SampleType as S } from './constants';
import { openPerfData } from './reader';
import { buildFile, buildPipe, reencode } from './testing/build';
import { FIXTURES, RECORDINGS, stable } from './testing/fixtures';
import { FULL_ATTR, FULL_SAMPLE, richFile, richPipe } from './testing/samples';
import { ByteSink, writeRecord, writeSample } from './testing/writer';
import { richCompressed, richSpec } from './testing/samples';
import type { PerfRecord, SampleRecord } from './types';

// Not under /tmp/perf-*: perf treats such paths as JIT maps, so the project never writes there.
const dir = mkdtempSync(join(tmpdir(), 'ph-perfdata-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(data: Buffer): string {
  const p = join(dir, `f${n++}.data`);
  writeFileSync(p, data);
  return p;
}
async function records(path: string): Promise<PerfRecord[]> {
  const out: PerfRecord[] = [];
  for await (const r of (await openPerfData(path)).records()) out.push(r);
  return out;
}

describe('synthetic files', () => {
  for (const le of [true, false]) {
    const order = le ? 'little' : 'big';
    it(`decodes every sample field, READ groups included (${order}-endian)`, async () => {
      const path = file(buildFile({ le, attrs: [FULL_ATTR], records: (w) => writeSample(w, FULL_ATTR, FULL_SAMPLE) }));
      const pd = await openPerfData(path);
      assert.equal(pd.littleEndian, le);
      const a = pd.attrs[0]!;
      assert.deepEqual(
        [a.type, a.config, a.sampleType, a.readFormat, a.sampleIdAll, a.mmap, a.freq, a.ids],
        [4, 0x1234n, FULL_ATTR.sampleType, FULL_ATTR.readFormat, true, true, false, [7, 8]],
      );
      assert.equal(a.name, 'raw 0x1234:HG'); // perf's name for a raw event with exclude_guest clear (see event-names.test.ts)
      const [s] = (await records(path)) as SampleRecord[];
      const { kind, type, size, offset, compressed, event, cpumode, ...fields } = s!;
      assert.deepEqual([kind, type, offset, compressed, event, cpumode], ['sample', 9, pd.dataOffset, false, 0, 2]);
      assert.equal(size % 8, 0);
      assert.deepEqual(JSON.parse(stable(fields)), JSON.parse(stable(FULL_SAMPLE)));
    });

    it(`reads the non-group READ form and an ABI-0 attr of 64 bytes (${order}-endian)`, async () => {
      const attr = {
        sampleType: S.IP | S.READ | S.PERIOD,
        readFormat: ReadFormat.ID | ReadFormat.TOTAL_TIME_RUNNING,
        size: 64,
      };
      const path = file(
        buildFile({
          le,
          attrSize: 64,
          attrs: [attr],
          records: (w) =>
            writeSample(w, attr, { ip: 0x1000, period: 3, read: { timeRunning: 9, values: [{ value: 5, id: 77 }] } }),
        }),
      );
      const [s] = (await records(path)) as SampleRecord[];
      assert.deepEqual(s!.read, { timeRunning: 9, values: [{ value: 5, id: 77 }] });
      assert.equal(s!.period, 3);
    });

    for (const mode of ['file', 'pipe'] as const) {
      it(`summarizes several events, trailers, late mmaps, forks and losses (${order}-endian, ${mode})`, async () => {
        const s = await summarizePerfData(file(mode === 'file' ? richFile(le) : richPipe(le)));
        assert.equal(s.format, mode);
        assert.equal(s.byteOrder, order);
        assert.deepEqual(
          s.events.map((e) => [e.name, e.samples, e.period]),
          [
            ['cycles:HG', 4, 4000],
            ['cache-misses:HG', 1, 5],
          ],
        );
        assert.equal(s.unknownEventSamples, 1);
        assert.deepEqual(s.lost, { events: 17, samples: 5 });
        assert.deepEqual(s.buildIds, { '/bin/prog': 'aabbccdd00112233445566778899aabbccddeeff' });
        assert.deepEqual(
          s.addresses.map((a) => [a.dso, a.fileOffset, a.samples]),
          [
            ['/bin/prog', 0x10, [1, 0]],
            ['/bin/prog', 0x20, [0, 1]],
            ['/bin/prog', 0x30, [1, 0]], // pid 101 inherited the map at fork
            ['/lib/libx.so', 0x3010, [1, 0]], // its MMAP comes later in the file, earlier in time
            ['[unknown]', 0xffffffff81000100n, [1, 0]],
          ],
        );
        assert.equal(s.recordTypes[200], 1);
        assert.equal(s.recordTypes[T.AUXTRACE], 1);
      });
    }

    it(`decodes sample_id_all trailers by the attr their id names (${order}-endian)`, async () => {
      const recs = await records(file(richFile(le)));
      const mmaps = recs.filter((r) => r.kind === 'mmap');
      assert.deepEqual(
        mmaps.map((m) => [m.filename, m.sampleId]),
        [
          ['/bin/prog', { pid: 100, tid: 100, time: 2, id: 1, event: 0 }],
          ['/lib/libx.so', { pid: 100, tid: 100, time: 25, cpu: 1, id: 3, event: 1 }],
        ],
      );
      assert.equal(mmaps[0]!.buildId, 'aabbccdd00112233445566778899aabbccddeeff');
    });
  }

  it('skips the payload that follows a pipe-mode HEADER_TRACING_DATA record and reads HEADER_BUILD_ID records', async () => {
    const attr = { sampleType: S.IP | S.TID | S.PERIOD, ids: [1] };
    const path = file(
      buildPipe({
        le: true,
        attrs: [attr],
        records: (w: ByteSink) => {
          writeRecord(w, T.HEADER_TRACING_DATA, 0, () => w.u32(24).u32(0));
          w.zeros(24);
          writeRecord(w, T.HEADER_BUILD_ID, 2 | 0x8000, () => {
            w.i32(-1)
              .bytes(Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex'))
              .zeros(4)
              .u8(16)
              .zeros(3)
              .str('/lib/a.so');
          });
          writeSample(w, attr, { ip: 0x10, pid: 1, period: 2 });
        },
      }),
    );
    const s = await summarizePerfData(path);
    assert.deepEqual(s.buildIds, { '/lib/a.so': '0102030405060708090a0b0c0d0e0f10' });
    assert.equal(s.events[0]!.samples, 1);
  });

  for (const le of [true, false]) {
    it(`unpacks COMPRESSED and COMPRESSED2 records whose zstd stream splits records and starts a new frame (${le ? 'little' : 'big'}-endian)`, async () => {
      const spec = richSpec(le);
      const compressed = richCompressed(le);
      const plain = await summarizePerfData(file(buildFile(spec)));
      const unpacked = await summarizePerfData(file(compressed));
      const strip = (x: PerfDataSummary) => stable({ ...x, path: '' });
      assert.equal(strip(unpacked), strip(plain));
      const recs = await records(file(compressed));
      assert.ok(recs.length > 10 && recs.every((r) => r.compressed));
    });
  }

  it('reads HEADER_FEATURE records at odd offsets in pipe mode', async () => {
    const attr = { sampleType: S.IP, ids: [] };
    const features = new Map([
      [
        Feature.HOSTNAME,
        (w: ByteSink) => {
          w.u32(3).bytes(Buffer.from('ab\0'));
        },
      ],
    ]);
    const path = file(
      buildPipe({ le: false, attrs: [attr], features, records: (w) => writeSample(w, attr, { ip: 5 }) }),
    );
    const pd = await openPerfData(path);
    assert.equal(pd.features.hostname, 'ab');
    assert.equal((await records(path)).filter((r) => r.kind === 'sample').length, 1);
  });
});

describe('real recordings re-encoded big-endian', () => {
  const comparable = (s: PerfDataSummary) => {
    // Everything but what differs by construction: path, byte order, mode, and the records the writer drops.
    return stable({ ...s, path: '', byteOrder: '', recordTypes: {}, format: '' });
  };
  for (const name of RECORDINGS) {
    for (const format of ['file', 'pipe'] as const) {
      it(`${name} as a big-endian ${format} gives the same summary`, async () => {
        const src = join(FIXTURES, `${name}.data`);
        const { data, dropped } = await reencode(src, false, format);
        const be = await summarizePerfData(file(data));
        const orig = await summarizePerfData(src);
        assert.equal(be.byteOrder, 'big');
        assert.equal(comparable(be), comparable(orig));
        // Every record of a kind the writer knows made it across, and only those were dropped.
        const known = [T.MMAP, T.MMAP2, T.COMM, T.FORK, T.EXIT, T.SAMPLE, T.LOST, T.LOST_SAMPLES, T.FINISHED_ROUND];
        const count = (s: PerfDataSummary, types: number[]) => types.reduce((a, t) => a + (s.recordTypes[t] ?? 0), 0);
        assert.equal(count(be, known), count(orig, known));
        assert.equal(dropped, Object.values(orig.recordTypes).reduce((a, b) => a + b, 0) - count(orig, known));
      });
    }
  }
});

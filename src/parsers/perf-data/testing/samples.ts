/** Hand-made perf.data files for tests, covering record kinds the real fixtures do not have. */
import { Misc, ReadFormat, RecordType as T, SampleType as S } from '../constants';
import { buildFile, buildPipe, type FileSpec } from './build';
import {
  ByteSink,
  writeMmap,
  writeRecord,
  writeSample,
  writeTrailer,
  zstdFrameHeader,
  zstdRawBlock,
  type AttrSpec,
} from './writer';
import type { SampleRecord } from '../types';

/** Every sample field the kernel can write, with READ in group form. */
export const ALL_FIELDS =
  S.IDENTIFIER |
  S.IP |
  S.TID |
  S.TIME |
  S.ADDR |
  S.ID |
  S.STREAM_ID |
  S.CPU |
  S.PERIOD |
  S.READ |
  S.CALLCHAIN |
  S.RAW |
  S.BRANCH_STACK |
  S.REGS_USER |
  S.STACK_USER |
  S.WEIGHT |
  S.DATA_SRC |
  S.TRANSACTION |
  S.REGS_INTR |
  S.PHYS_ADDR |
  S.CGROUP |
  S.DATA_PAGE_SIZE |
  S.CODE_PAGE_SIZE |
  S.AUX;

export const FULL_ATTR: AttrSpec & { ids: number[] } = {
  type: 4,
  config: 0x1234n,
  sampleType: ALL_FIELDS,
  samplePeriod: 1000,
  readFormat:
    ReadFormat.GROUP | ReadFormat.ID | ReadFormat.LOST | ReadFormat.TOTAL_TIME_ENABLED | ReadFormat.TOTAL_TIME_RUNNING,
  branchSampleType: 1 << 17,
  sampleRegsUser: 0b1011n,
  sampleRegsIntr: 0b11n,
  sampleIdAll: true,
  mmap: true,
  ids: [7, 8],
};

export const FULL_SAMPLE: Partial<SampleRecord> = {
  misc: Misc.USER,
  id: 7,
  ip: 0x401234,
  pid: 42,
  tid: 43,
  time: 123456789,
  addr: 0x7ffd0000beef,
  streamId: 9,
  cpu: 1,
  period: 1000,
  read: {
    timeEnabled: 50,
    timeRunning: 40,
    values: [
      { value: 11, id: 7, lost: 0 },
      { value: 12, id: 8, lost: 1 },
    ],
  },
  callchain: [0xfffffffffffffe00n, 0x401234, 0x401000],
  raw: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
  branchStack: { hwIdx: 3, entries: [{ from: 0x401000, to: 0x401100, flags: 0x1fn }] },
  regsUser: { abi: 2, regs: [1n, 2n, 0xffffffffffffffffn] },
  stackUser: { size: 16, dynSize: 8 },
  weight: 77n,
  dataSrc: 0x68100142n,
  transaction: 0x5n,
  regsIntr: { abi: 2, regs: [5n, 6n] },
  physAddr: 0x12345000,
  cgroup: 99,
  dataPageSize: 4096,
  codePageSize: 2097152,
  auxSize: 8,
};

/**
 * Two events with different sample types that tell samples apart by IDENTIFIER, and every record kind the summary
 * uses: MMAP/MMAP2 (build-id form too), COMM, FORK, LOST, LOST_SAMPLES, an unknown type, AUXTRACE with its
 * payload, and a sample whose mmap comes later in the file but earlier in time.
 */
export function richSpec(le: boolean): FileSpec {
  const a: AttrSpec & { ids: number[] } = {
    type: 0,
    config: 0n,
    sampleType: S.IDENTIFIER | S.IP | S.TID | S.TIME | S.PERIOD,
    sampleIdAll: true,
    mmap: true,
    mmap2: true,
    ids: [1, 2],
    name: 'cycles',
  };
  const b: AttrSpec & { ids: number[] } = {
    type: 0,
    config: 3n,
    sampleType: S.IDENTIFIER | S.IP | S.TID | S.TIME | S.CPU | S.CALLCHAIN | S.PERIOD,
    sampleIdAll: true,
    ids: [3],
    name: 'cache-misses',
  };
  const tr = (w: ByteSink, attr: AttrSpec, id: number, time: number) =>
    writeTrailer(w, attr.sampleType, { pid: 100, tid: 100, time, id, cpu: 1 });
  return {
    le,
    attrs: [a, b],
    records: (w) => {
      writeRecord(w, T.COMM, 0, () => {
        w.i32(100).i32(100).str('prog');
        tr(w, a, 1, 1);
      });
      writeMmap(
        w,
        {
          type: 10,
          pid: 100,
          tid: 100,
          addr: 0x400000,
          len: 0x1000,
          pgoff: 0,
          filename: '/bin/prog',
          buildId: 'aabbccdd00112233445566778899aabbccddeeff',
          sampleId: { pid: 100, tid: 100, time: 2, id: 1, event: 0 },
        },
        a.sampleType,
      );
      writeSample(w, a, { misc: Misc.USER, id: 1, ip: 0x400010, pid: 100, tid: 100, time: 10, period: 1000 });
      writeSample(w, b, {
        misc: Misc.USER,
        id: 3,
        ip: 0x400020,
        pid: 100,
        tid: 100,
        time: 11,
        cpu: 1,
        period: 5,
        callchain: [0x400020],
      });
      writeRecord(w, 200, 0, () => w.zeros(16)); // a type from the future: skipped by its size
      writeRecord(w, T.AUXTRACE, 0, () => w.u64(40).u64(0).u64(0).u32(0).u32(0).u32(0).u32(0));
      w.zeros(40); // the AUXTRACE payload, outside the record's own size
      writeSample(w, a, { misc: Misc.USER, id: 2, ip: 0x500010, pid: 100, tid: 100, time: 30, period: 1000 });
      writeSample(w, a, { misc: Misc.USER, id: 99, ip: 0x400010, pid: 100, tid: 100, time: 31, period: 1000 });
      // The mapping of 0x500010 is written after the sample but happened before it.
      writeMmap(
        w,
        {
          type: 1,
          pid: 100,
          tid: 100,
          addr: 0x500000,
          len: 0x1000,
          pgoff: 0x3000,
          filename: '/lib/libx.so',
          sampleId: { pid: 100, tid: 100, time: 25, id: 3, cpu: 1, event: 1 },
        },
        b.sampleType,
      );
      writeRecord(w, T.FINISHED_ROUND, 0, () => {});
      writeRecord(w, T.FORK, 0, () => {
        w.i32(101).i32(100).i32(101).i32(100).u64(40);
        tr(w, a, 1, 40);
      });
      writeSample(w, a, { misc: Misc.USER, id: 1, ip: 0x400030, pid: 101, tid: 101, time: 41, period: 1000 });
      writeSample(w, a, {
        misc: Misc.KERNEL,
        id: 1,
        ip: 0xffffffff81000100n,
        pid: 101,
        tid: 101,
        time: 42,
        period: 1000,
      });
      writeRecord(w, T.LOST, 0, () => {
        w.u64(1).u64(17);
        tr(w, a, 1, 43);
      });
      writeRecord(w, T.LOST_SAMPLES, 0, () => {
        w.u64(5);
        tr(w, a, 1, 44);
      });
      writeRecord(w, T.FINISHED_ROUND, 0, () => {});
    },
  };
}

export const richFile = (le: boolean) => buildFile(richSpec(le));
export const richPipe = (le: boolean) => buildPipe(richSpec(le));

/**
 * The rich file's records inside COMPRESSED and COMPRESSED2 records, as stored zstd blocks cut at odd places
 * (inside records), with one frame ending and a new one starting halfway.
 */
export function richCompressed(le: boolean): Buffer {
  const spec = richSpec(le);
  const inner = new ByteSink(le);
  spec.records(inner);
  const all = inner.toBuffer();
  const cuts = [0, 37, 301, 302, all.length - 9, all.length];
  const parts = cuts.slice(1).map((c, i) => all.subarray(cuts[i]!, c));
  const v2 = (w: ByteSink, data: Buffer) => writeRecord(w, T.COMPRESSED2, 0, () => w.u64(data.length).bytes(data));
  const v1 = (w: ByteSink, data: Buffer) => writeRecord(w, T.COMPRESSED, 0, () => w.bytes(data), 1);
  return buildFile({
    ...spec,
    records: (w) => {
      v1(w, Buffer.concat([zstdFrameHeader(), zstdRawBlock(parts[0]!)]));
      v2(w, zstdRawBlock(parts[1]!));
      v1(w, zstdRawBlock(parts[2]!, true)); // ends the frame
      v1(w, Buffer.concat([zstdFrameHeader(), zstdRawBlock(parts[3]!)]));
      v2(w, zstdRawBlock(parts[4]!));
    },
  });
}

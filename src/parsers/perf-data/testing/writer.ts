/**
 * A small perf.data writer for tests: builds synthetic files (either byte order, file or pipe mode) and
 * re-encodes records the reader decoded, so that the big-endian path and rarely seen sample fields can be tested
 * without a big-endian machine. It writes what a big-endian perf would: every field in that order, and the attr
 * flag bitfield with each byte's bits mirrored (see attr.ts).
 */
import { addrToBigInt, type Addr } from '../binary';
import { BRANCH_HW_INDEX, Feature, ReadFormat, RecordType as T, SampleType as S } from '../constants';
import type { PerfEventAttr } from '../attr';
import type { MmapRecord, PerfDataFeatures, PerfRecord, SampleId, SampleRecord } from '../types';

export class ByteSink {
  private buf = Buffer.alloc(1024);
  length = 0;
  constructor(readonly le: boolean) {}
  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  u8(v: number): this {
    const a = this.room(1);
    this.buf[a] = v;
    return this;
  }
  u16(v: number): this {
    const a = this.room(2);
    if (this.le) this.buf.writeUInt16LE(v, a);
    else this.buf.writeUInt16BE(v, a);
    return this;
  }
  u32(v: number): this {
    const a = this.room(4);
    if (this.le) this.buf.writeUInt32LE(v >>> 0, a);
    else this.buf.writeUInt32BE(v >>> 0, a);
    return this;
  }
  i32(v: number): this {
    const a = this.room(4);
    if (this.le) this.buf.writeInt32LE(v, a);
    else this.buf.writeInt32BE(v, a);
    return this;
  }
  u64(v: Addr): this {
    const a = this.room(8);
    const x = BigInt.asUintN(64, addrToBigInt(typeof v === 'number' ? Math.round(v) : v));
    if (this.le) this.buf.writeBigUInt64LE(x, a);
    else this.buf.writeBigUInt64BE(x, a);
    return this;
  }
  f64(v: number): this {
    const a = this.room(8);
    if (this.le) this.buf.writeDoubleLE(v, a);
    else this.buf.writeDoubleBE(v, a);
    return this;
  }
  bytes(b: Uint8Array): this {
    const a = this.room(b.length);
    this.buf.set(b, a);
    return this;
  }
  zeros(n: number): this {
    const a = this.room(n);
    this.buf.fill(0, a, this.length);
    return this;
  }
  /** NUL-terminated, padded with NULs to a multiple of `align`. */
  str(s: string, align = 8): this {
    const b = Buffer.from(s + '\0', 'utf8');
    this.bytes(b).zeros((align - (b.length % align)) % align);
    return this;
  }
  pad(align: number): this {
    return this.zeros((align - (this.length % align)) % align);
  }
  patchU16(at: number, v: number): void {
    if (this.le) this.buf.writeUInt16LE(v, at);
    else this.buf.writeUInt16BE(v, at);
  }
  /** perf_header_string: the u32 length at `start` counts the padded bytes after it. */
  patchU32Len(start: number): void {
    const len = this.length - start - 4;
    if (this.le) this.buf.writeUInt32LE(len, start);
    else this.buf.writeUInt32BE(len, start);
  }
  patchU64(at: number, v: number): void {
    const x = BigInt(v);
    if (this.le) this.buf.writeBigUInt64LE(x, at);
    else this.buf.writeBigUInt64BE(x, at);
  }
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

export type AttrSpec = Partial<PerfEventAttr> & { sampleType: number };

const FLAG_BITS: [keyof PerfEventAttr, number][] = [
  ['excludeUser', 4],
  ['excludeKernel', 5],
  ['excludeHv', 6],
  ['mmap', 8],
  ['freq', 10],
  ['sampleIdAll', 18],
  ['excludeHost', 19],
  ['excludeGuest', 20],
  ['mmap2', 23],
];

/** perf_event_attr, 128 bytes (ABI 7) unless `size` says otherwise. */
export function writeAttr(w: ByteSink, a: AttrSpec, size = a.size ?? 128): void {
  const start = w.length;
  w.u32(a.type ?? 1)
    .u32(size)
    .u64(a.config ?? 0n)
    .u64(a.samplePeriod ?? 1)
    .u64(a.sampleType)
    .u64(a.readFormat ?? 0);
  const flags = new Uint8Array(8);
  const set = (bit: number): void => void (flags[bit >> 3]! |= 1 << (w.le ? bit & 7 : 7 - (bit & 7)));
  for (const [key, bit] of FLAG_BITS) if (a[key]) set(bit);
  if ((a.preciseIp ?? 0) & 1) set(15);
  if ((a.preciseIp ?? 0) & 2) set(16);
  w.bytes(flags);
  w.u32(0).u32(0).u64(0).u64(0); // wakeup, bp_type, config1, config2
  if (size >= 80) w.u64(a.branchSampleType ?? 0);
  if (size >= 96)
    w.u64(a.sampleRegsUser ?? 0n)
      .u32(a.sampleStackUser ?? 0)
      .u32(0);
  if (size >= 104) w.u64(a.sampleRegsIntr ?? 0n);
  w.zeros(size - (w.length - start));
}

/** Writes one record: `body` writes everything after the 8-byte header; the size is patched in afterwards. */
export function writeRecord(w: ByteSink, type: number, misc: number, body: () => void, align = 8): void {
  const start = w.length;
  w.u32(type).u16(misc).u16(0);
  body();
  w.pad(align);
  w.patchU16(start + 6, w.length - start);
}

export function writeTrailer(w: ByteSink, sampleType: number, id: Partial<SampleId>): void {
  if (sampleType & S.TID) w.i32(id.pid ?? 0).i32(id.tid ?? 0);
  if (sampleType & S.TIME) w.u64(id.time ?? 0);
  if (sampleType & S.ID) w.u64(id.id ?? 0);
  if (sampleType & S.STREAM_ID) w.u64(id.streamId ?? 0);
  if (sampleType & S.CPU) w.u32(id.cpu ?? 0).u32(0);
  if (sampleType & S.IDENTIFIER) w.u64(id.id ?? 0);
}

export function writeSample(w: ByteSink, a: AttrSpec, s: Partial<SampleRecord>): void {
  const st = a.sampleType;
  writeRecord(w, T.SAMPLE, s.misc ?? 2, () => {
    if (st & S.IDENTIFIER) w.u64(s.id ?? 0);
    if (st & S.IP) w.u64(s.ip ?? 0);
    if (st & S.TID) w.i32(s.pid ?? 0).i32(s.tid ?? 0);
    if (st & S.TIME) w.u64(s.time ?? 0);
    if (st & S.ADDR) w.u64(s.addr ?? 0);
    if (st & S.ID) w.u64(s.id ?? 0);
    if (st & S.STREAM_ID) w.u64(s.streamId ?? 0);
    if (st & S.CPU) w.u32(s.cpu ?? 0).u32(0);
    if (st & S.PERIOD) w.u64(s.period ?? 0);
    if (st & S.READ) {
      const rf = a.readFormat ?? 0;
      const r = s.read ?? { values: [{ value: 0 }] };
      if (rf & ReadFormat.GROUP) w.u64(r.values.length);
      else w.u64(r.values[0]!.value);
      if (rf & ReadFormat.TOTAL_TIME_ENABLED) w.u64(r.timeEnabled ?? 0);
      if (rf & ReadFormat.TOTAL_TIME_RUNNING) w.u64(r.timeRunning ?? 0);
      for (const v of rf & ReadFormat.GROUP ? r.values : r.values.slice(0, 1)) {
        if (rf & ReadFormat.GROUP) w.u64(v.value);
        if (rf & ReadFormat.ID) w.u64(v.id ?? 0);
        if (rf & ReadFormat.LOST) w.u64(v.lost ?? 0);
      }
    }
    if (st & S.CALLCHAIN) {
      const c = s.callchain ?? [];
      w.u64(c.length);
      for (const ip of c) w.u64(ip);
    }
    if (st & S.RAW) {
      const raw = s.raw ?? new Uint8Array(4);
      w.u32(raw.length).bytes(raw);
    }
    if (st & S.BRANCH_STACK) {
      const bs = s.branchStack ?? { entries: [] };
      w.u64(bs.entries.length);
      if ((a.branchSampleType ?? 0) & BRANCH_HW_INDEX) w.u64(bs.hwIdx ?? 0);
      for (const e of bs.entries) w.u64(e.from).u64(e.to).u64(e.flags);
    }
    if (st & S.REGS_USER) {
      const r = s.regsUser ?? { abi: 0, regs: [] };
      w.u64(r.abi);
      for (const x of r.regs) w.u64(x);
    }
    if (st & S.STACK_USER) {
      const su = s.stackUser ?? { size: 0, dynSize: 0 };
      w.u64(su.size).zeros(su.size);
      if (su.size) w.u64(su.dynSize);
    }
    if (st & (S.WEIGHT | S.WEIGHT_STRUCT)) w.u64(s.weight ?? 0n);
    if (st & S.DATA_SRC) w.u64(s.dataSrc ?? 0n);
    if (st & S.TRANSACTION) w.u64(s.transaction ?? 0n);
    if (st & S.REGS_INTR) {
      const r = s.regsIntr ?? { abi: 0, regs: [] };
      w.u64(r.abi);
      for (const x of r.regs) w.u64(x);
    }
    if (st & S.PHYS_ADDR) w.u64(s.physAddr ?? 0);
    if (st & S.CGROUP) w.u64(s.cgroup ?? 0);
    if (st & S.DATA_PAGE_SIZE) w.u64(s.dataPageSize ?? 0);
    if (st & S.CODE_PAGE_SIZE) w.u64(s.codePageSize ?? 0);
    if (st & S.AUX) w.u64(s.auxSize ?? 0).zeros(s.auxSize ?? 0);
  });
}

/** MMAP or MMAP2 (with the build-id form when `buildId` is set), with a trailer when `sampleType` is given. */
export function writeMmap(w: ByteSink, m: Partial<MmapRecord> & { type: 1 | 10 }, trailerType?: number): void {
  const misc = (m.misc ?? 2) | (m.type === T.MMAP2 && m.buildId ? 0x4000 : 0);
  writeRecord(w, m.type, misc, () => {
    w.i32(m.pid ?? 0)
      .i32(m.tid ?? 0)
      .u64(m.addr ?? 0)
      .u64(m.len ?? 0)
      .u64(m.pgoff ?? 0);
    if (m.type === T.MMAP2) {
      if (m.buildId) {
        const id = Buffer.from(m.buildId, 'hex');
        w.u8(id.length)
          .u8(0)
          .u16(0)
          .bytes(id)
          .zeros(20 - id.length);
      } else {
        w.u32(m.maj ?? 0)
          .u32(m.min ?? 0)
          .u64(m.ino ?? 0)
          .u64(m.inoGeneration ?? 0);
      }
      w.u32(m.prot ?? 5).u32(m.flags ?? 2);
    }
    w.str(m.filename ?? '');
    if (trailerType !== undefined) writeTrailer(w, trailerType, m.sampleId ?? {});
  });
}

/** Re-encodes the records this writer knows; returns false for the others (ID_INDEX, EVENT_UPDATE…). */
export function writeDecoded(w: ByteSink, r: PerfRecord, attrs: AttrSpec[]): boolean {
  const trailerAttr = (id?: SampleId) => (id ? attrs[Math.max(id.event, 0)]?.sampleType : undefined);
  switch (r.kind) {
    case 'sample':
      if (r.event < 0) return false;
      writeSample(w, attrs[r.event]!, r);
      return true;
    case 'mmap':
      writeMmap(w, r as MmapRecord & { type: 1 | 10 }, trailerAttr(r.sampleId));
      return true;
    case 'comm':
      writeRecord(w, T.COMM, r.misc, () => {
        w.i32(r.pid).i32(r.tid).str(r.comm);
        if (r.sampleId) writeTrailer(w, trailerAttr(r.sampleId)!, r.sampleId);
      });
      return true;
    case 'fork':
    case 'exit':
      writeRecord(w, r.type, r.misc, () => {
        w.i32(r.pid).i32(r.ppid).i32(r.tid).i32(r.ptid).u64(r.time);
        if (r.sampleId) writeTrailer(w, trailerAttr(r.sampleId)!, r.sampleId);
      });
      return true;
    case 'lost':
    case 'lost-samples':
      writeRecord(w, r.type, r.misc, () => {
        if (r.kind === 'lost') w.u64(r.id);
        w.u64(r.lost);
        if (r.sampleId) writeTrailer(w, trailerAttr(r.sampleId)!, r.sampleId);
      });
      return true;
    case 'finished-round':
      writeRecord(w, T.FINISHED_ROUND, 0, () => {});
      return true;
    default:
      return false;
  }
}

/** Feature sections this writer can produce from what the reader parsed. */
export function writeFeature(w: ByteSink, bit: number, f: PerfDataFeatures): boolean {
  const s = (v: string) => {
    const start = w.length;
    w.u32(0).str(v, 4);
    w.patchU32Len(start);
  };
  switch (bit) {
    case Feature.HOSTNAME:
      if (f.hostname === undefined) return false;
      s(f.hostname);
      return true;
    case Feature.OSRELEASE:
      if (f.osRelease === undefined) return false;
      s(f.osRelease);
      return true;
    case Feature.VERSION:
      if (f.perfVersion === undefined) return false;
      s(f.perfVersion);
      return true;
    case Feature.ARCH:
      if (f.arch === undefined) return false;
      s(f.arch);
      return true;
    case Feature.NRCPUS:
      if (!f.nrCpus) return false;
      w.u32(f.nrCpus.available).u32(f.nrCpus.online);
      return true;
    case Feature.CMDLINE:
      if (!f.cmdline) return false;
      w.u32(f.cmdline.length);
      f.cmdline.forEach(s);
      return true;
    case Feature.SAMPLE_TIME:
      if (!f.sampleTime) return false;
      w.u64(f.sampleTime.first).u64(f.sampleTime.last);
      return true;
    case Feature.EVENT_DESC:
      // The attr copies are zeros here: the reader takes only names and ids from this section.
      if (!f.eventDesc) return false;
      w.u32(f.eventDesc.length).u32(128);
      for (const e of f.eventDesc) {
        w.zeros(128).u32(e.ids.length);
        s(e.name);
        for (const id of e.ids) w.u64(id);
      }
      return true;
    case Feature.BUILD_ID:
      if (!f.buildIds.length) return false;
      for (const b of f.buildIds) {
        writeRecord(w, T.HEADER_BUILD_ID, b.cpumode | 0x8000, () => {
          const id = Buffer.from(b.buildId, 'hex');
          w.i32(b.pid)
            .bytes(id)
            .zeros(20 - id.length)
            .u8(id.length)
            .zeros(3)
            .str(b.filename, 64);
        });
      }
      return true;
    default:
      return false;
  }
}

/** The start of a zstd frame (no checksum, no content size, 1 MiB window): raw blocks follow. */
export function zstdFrameHeader(): Buffer {
  return Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x50]);
}

/** A raw (stored) zstd block, as a compressor emits for data it cannot shrink. */
export function zstdRawBlock(data: Uint8Array, last = false): Buffer {
  const v = (data.length << 3) | (last ? 1 : 0);
  return Buffer.concat([Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]), data]);
}

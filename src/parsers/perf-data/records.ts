/**
 * Decoding of one record that is fully in memory. The reader (reader.ts) finds record boundaries, handles
 * COMPRESSED data and the records whose payload follows them; this file only turns bytes into objects.
 */
import { Bytes } from './binary';
import { RecordType as T, Misc, SampleType as S } from './constants';
import { ATTR_SIZE_MAX, ATTR_SIZE_VER0, decodeAttr } from './attr';
import type { DecodeContext } from './context';
import { PerfDataError } from './errors';
import { decodeBuildId } from './features';
import { decodeSample } from './sample';
import type { CommRecord, LostRecord, LostSamplesRecord, PerfRecord, SampleId, TaskRecord } from './types';

/** The smallest size of each record type this reader decodes: header plus fixed fields. */
const MIN_SIZE: Record<number, number> = {
  [T.MMAP]: 40,
  [T.LOST]: 24,
  [T.COMM]: 16,
  [T.EXIT]: 32,
  [T.FORK]: 32,
  [T.MMAP2]: 72,
  [T.LOST_SAMPLES]: 16,
  [T.HEADER_ATTR]: 8 + ATTR_SIZE_VER0,
  [T.HEADER_EVENT_TYPE]: 16,
  [T.HEADER_BUILD_ID]: 36,
  [T.EVENT_UPDATE]: 24,
  [T.HEADER_FEATURE]: 16,
};

const SAMPLE = T.SAMPLE;
const FIRST_USER_TYPE = T.HEADER_ATTR;

export function decodeRecord(
  b: Bytes,
  off: number,
  fileOffset: number,
  compressed: boolean,
  ctx: DecodeContext,
): PerfRecord {
  const type = b.u32(off);
  const misc = b.u16(off + 4);
  const size = b.u16(off + 6);
  if (type === SAMPLE) return decodeSample(b, off, size, fileOffset, compressed, ctx);
  const base = { type, misc, size, offset: fileOffset, compressed };
  const min = MIN_SIZE[type];
  if (min !== undefined && size < min) {
    throw new PerfDataError(
      'bad-record',
      ctx.path,
      fileOffset,
      `${compressed ? 'in compressed data: ' : ''}record type ${type} of ${size} bytes, below its ${min}-byte minimum`,
    );
  }
  // Kernel records end with the sample_id_all trailer; the variable part (a file name) must stop before it.
  let end = off + size;
  let sampleId: SampleId | undefined;
  if (type < FIRST_USER_TYPE && ctx.sampleIdAll && min !== undefined) {
    sampleId = decodeTrailer(b, off, size, min, ctx);
    if (sampleId) end -= ctx.layouts[Math.max(sampleId.event, 0)]!.trailerSize;
  }
  switch (type) {
    case T.MMAP:
    case T.MMAP2: {
      const rec = {
        kind: 'mmap' as const,
        ...base,
        pid: b.i32(off + 8),
        tid: b.i32(off + 12),
        addr: b.addr(off + 16),
        len: b.addr(off + 24),
        pgoff: b.addr(off + 32),
        filename: '',
      } as Extract<PerfRecord, { kind: 'mmap' }>;
      let name = off + 40;
      if (type === T.MMAP2) {
        if (misc & Misc.MMAP_BUILD_ID) {
          const len = Math.min(b.u8(off + 40), 20);
          rec.buildId = b.buf.toString('hex', off + 44, off + 44 + len);
        } else {
          rec.maj = b.u32(off + 40);
          rec.min = b.u32(off + 44);
          rec.ino = b.num(off + 48);
          rec.inoGeneration = b.num(off + 56);
        }
        rec.prot = b.u32(off + 64);
        rec.flags = b.u32(off + 68);
        name = off + 72;
      }
      rec.filename = b.cstr(name, end);
      if (sampleId) rec.sampleId = sampleId;
      return rec;
    }
    case T.COMM:
      return withId<CommRecord>(
        {
          kind: 'comm',
          ...base,
          pid: b.i32(off + 8),
          tid: b.i32(off + 12),
          comm: b.cstr(off + 16, end),
          exec: (misc & Misc.COMM_EXEC) !== 0,
        },
        sampleId,
      );
    case T.FORK:
    case T.EXIT:
      return withId<TaskRecord>(
        {
          kind: type === T.FORK ? 'fork' : 'exit',
          ...base,
          pid: b.i32(off + 8),
          ppid: b.i32(off + 12),
          tid: b.i32(off + 16),
          ptid: b.i32(off + 20),
          time: b.num(off + 24),
        },
        sampleId,
      );
    case T.LOST:
      return withId<LostRecord>({ kind: 'lost', ...base, id: b.num(off + 8), lost: b.num(off + 16) }, sampleId);
    case T.LOST_SAMPLES:
      return withId<LostSamplesRecord>({ kind: 'lost-samples', ...base, lost: b.num(off + 8) }, sampleId);
    case T.FINISHED_ROUND:
      return { kind: 'finished-round', ...base };
    case T.HEADER_ATTR: {
      // {header, perf_event_attr (attr.size bytes), u64 id[]}: the ids fill the rest of the record.
      let attrSize = b.u32(off + 12);
      if (attrSize === 0) attrSize = ATTR_SIZE_VER0;
      if (attrSize < ATTR_SIZE_VER0 || attrSize > ATTR_SIZE_MAX || 8 + attrSize > size) {
        throw new PerfDataError(
          'bad-attr',
          ctx.path,
          fileOffset,
          `HEADER_ATTR record of ${size} bytes holds an attr of ${attrSize} bytes`,
        );
      }
      const attr = decodeAttr(b, off + 8, attrSize);
      for (let p = off + 8 + attrSize; p + 8 <= off + size; p += 8) attr.ids.push(b.num(p));
      return { kind: 'attr', ...base, attr };
    }
    case T.HEADER_EVENT_TYPE:
      return { kind: 'event-type', ...base, eventId: b.big(off + 8), name: b.cstr(off + 16, off + size) };
    case T.HEADER_BUILD_ID: {
      const e = decodeBuildId(b, off, size);
      return { kind: 'build-id', ...base, pid: e.pid, buildId: e.buildId, filename: e.filename };
    }
    case T.EVENT_UPDATE: {
      const rec: Extract<PerfRecord, { kind: 'event-update' }> = {
        kind: 'event-update',
        ...base,
        updateType: b.num(off + 8),
        id: b.num(off + 16),
      };
      if (rec.updateType === 0) rec.unit = b.cstr(off + 24, off + size);
      else if (rec.updateType === 2) rec.name = b.cstr(off + 24, off + size);
      else if (rec.updateType === 1 && size >= 32) rec.scale = b.f64(off + 24);
      return rec;
    }
    case T.HEADER_FEATURE:
      return { kind: 'feature', ...base, feature: b.num(off + 8) };
    default:
      return { kind: 'other', ...base };
  }
}

function withId<R extends { sampleId?: SampleId }>(rec: R, sampleId: SampleId | undefined): R {
  if (sampleId) rec.sampleId = sampleId;
  return rec;
}

/**
 * The sample_id_all trailer: {pid,tid}, time, id, stream_id, {cpu,res}, identifier, each present per sample_type,
 * at the very end of the record. Which attr's sample_type applies is found through the id, whose position from
 * the end every attr agrees on (perf enforces that when it records several events).
 */
function decodeTrailer(b: Bytes, off: number, size: number, min: number, ctx: DecodeContext): SampleId | undefined {
  if (ctx.attrs.length === 0) return undefined;
  const end = off + size;
  let event = 0;
  if (ctx.attrs.length > 1 && ctx.trailerIdPos >= 1) {
    const idOff = end - ctx.trailerIdPos * 8;
    event = idOff >= off + min ? ctx.attrForId(b.num(idOff)) : -1;
  }
  const attr = ctx.attrs[Math.max(event, 0)]!;
  const tsize = ctx.layouts[Math.max(event, 0)]!.trailerSize;
  // Records perf synthesized before the events existed may lack the trailer: leave them without one.
  if (tsize === 0 || size - tsize < min) return undefined;
  const st = attr.sampleType;
  const id: SampleId = { event };
  let p = end - tsize;
  if (st & S.TID) {
    id.pid = b.i32(p);
    id.tid = b.i32(p + 4);
    p += 8;
  }
  if (st & S.TIME) {
    id.time = b.num(p);
    p += 8;
  }
  if (st & S.ID) {
    id.id = b.num(p);
    p += 8;
  }
  if (st & S.STREAM_ID) {
    id.streamId = b.num(p);
    p += 8;
  }
  if (st & S.CPU) {
    id.cpu = b.u32(p);
    p += 8;
  }
  if (st & S.IDENTIFIER) {
    id.id = b.num(p);
    p += 8;
  }
  return id;
}

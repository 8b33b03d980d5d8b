/**
 * The record stream: reads the data section (or a pipe-mode file after its 16-byte header) in fixed chunks,
 * cuts it into records, unpacks COMPRESSED records, applies the header-like records (pipe-mode attrs, features,
 * build-ids, event names) to the shared state, and yields decoded records one chunk's worth at a time.
 *
 * Memory stays bounded whatever the file size: one chunk buffer plus less than one record of carry-over (a
 * record's size is a u16), and for `perf record -z` one zstd window plus one COMPRESSED record's output.
 */
import { Decompress } from 'fzstd';
import { Bytes } from './binary';
import type { ByteSourceOpener } from './byte-source';
import { PERF_TYPE, RecordType as T } from './constants';
import { MAX_ATTRS, type DecodeContext } from './context';
import { PerfDataError } from './errors';
import { parseFeature } from './features';
import { parseTracingData } from './tracing-data';
import { decodeRecord } from './records';
import type { PerfDataFeatures, PerfRecord } from './types';
import { defaultEventName, type PerfEventAttr } from './attr';
import { ZstdGuard } from './zstd-guard';

/** Largest possible record: header.size is a u16. */
const MAX_RECORD = 0xffff;
/** Records per yielded batch. */
const BATCH = 512;
/**
 * Most of a pipe-mode tracing data payload kept to name tracepoints: the event format files come before the
 * kallsyms copy old perfs append, and every tracepoint of a kernel takes a few MB.
 */
const TRACING_CAP = 16 << 20;
// Module-local copies: read once per record, and a property read on an imported object is not free in CJS.
const { COMPRESSED, COMPRESSED2, AUXTRACE, HEADER_TRACING_DATA } = T;

export interface StreamSpec {
  /** Named in every error. */
  path: string;
  source: ByteSourceOpener;
  start: number;
  /** Where the data ends: the header's data.offset + data.size, or the file size (pipe mode, unfinished file). */
  end: number;
  /** The end comes from the header, so a record crossing it is damage rather than an early end of file. */
  declaredEnd: boolean;
  fileSize: number;
  chunkSize: number;
  /** Most bytes one COMPRESSED record may expand to (perf's own limit is the ring-buffer size). */
  decompressCap: number;
  /** Pipe mode: HEADER_ATTR records before this offset were already read by openPerfData. */
  knownAttrsBefore: number;
}

export interface StreamState {
  attrs: PerfEventAttr[];
  features: PerfDataFeatures;
  warnings: string[];
}

export interface StreamTruncation {
  /** File offset where the last complete record ends. */
  at: number;
  /** Bytes of records that were promised (by the header, or by the partial record's own size) but are missing. */
  bytesLost: number;
  detail: string;
  /**
   * False when the cut fell inside a COMPRESSED record: the records in its complete zstd blocks were read, but how
   * many more it held cannot be known, so "every complete record was read" would not be true.
   */
  complete: boolean;
}

/** Bytes that follow some records without being counted in their size. */
function trailingPayload(b: Bytes, off: number, type: number, size: number): number {
  if (type === AUXTRACE && size >= 16) return b.num(off + 8);
  if (type === HEADER_TRACING_DATA && size >= 12) return b.u32(off + 8);
  return 0;
}

export async function* readRecords(
  spec: StreamSpec,
  ctx: DecodeContext,
  state: StreamState,
  onTruncation: (t: StreamTruncation) => void,
): AsyncGenerator<PerfRecord[], void, undefined> {
  const src = await spec.source();
  try {
    const buf = Buffer.allocUnsafe(spec.chunkSize + MAX_RECORD);
    const b = new Bytes(buf, ctx.le);
    const limit = Math.min(spec.end, spec.fileSize);
    let bufPos = spec.start; // file offset of buf[0]
    let len = 0;
    let filePos = spec.start;
    let skip = 0; // payload bytes still to skip after an AUXTRACE/TRACING_DATA record
    // A pipe-mode TRACING_DATA payload being kept (up to TRACING_CAP), for the tracepoints' names.
    let tracing: { data: Buffer; got: number } | undefined;
    const finishTracing = (): void => {
      if (!tracing) return;
      const t = parseTracingData(tracing.data.subarray(0, tracing.got));
      tracing = undefined;
      state.features.tracepoints = t.events;
      if (t.problem) {
        const w = `tracing data: ${t.problem}; tracepoints it does not name are shown by number`;
        if (!state.warnings.includes(w)) state.warnings.push(w);
      }
      applyEventDesc(state);
    };
    const inflater = new Inflater(spec, ctx, state);
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, limit - filePos);
        if (tracing && tracing.got < tracing.data.length && n > 0) {
          tracing.got += await src.read(
            tracing.data,
            tracing.got,
            Math.min(n, tracing.data.length - tracing.got),
            filePos,
          );
        }
        filePos += n;
        skip -= n;
        bufPos = filePos;
        if (skip === 0) finishTracing();
      }
      let eof = filePos >= limit;
      if (!eof) {
        const want = Math.min(buf.length - len, limit - filePos);
        const bytesRead = await src.read(buf, len, want, filePos);
        len += bytesRead;
        filePos += bytesRead;
        eof = bytesRead === 0 || filePos >= limit;
      }
      let out: PerfRecord[] = [];
      let p = 0;
      while (p + 8 <= len) {
        const at = bufPos + p;
        const type = b.u32(p);
        const size = b.u16(p + 6);
        if (size < 8) fail('bad-record', at, `record of type ${type} has size ${size}, below its 8-byte header`);
        if (spec.declaredEnd && at + size > spec.end) {
          fail(
            'bad-record',
            at,
            `record of type ${type} and ${size} bytes runs past the data section's end at ${spec.end}`,
          );
        }
        if (p + size > len) break;
        const extra = trailingPayload(b, p, type, size);
        if (extra && spec.declaredEnd && at + size + extra > spec.end) {
          fail('bad-record', at, `record of type ${type} announces ${extra} payload bytes past the data section's end`);
        }
        if (type === COMPRESSED || type === COMPRESSED2) {
          let from = p + 8;
          let to = p + size;
          if (type === COMPRESSED2) {
            const dataSize = size >= 16 ? b.num(p + 8) : Infinity;
            if (dataSize > size - 16) fail('bad-record', at, `COMPRESSED2 record of ${size} bytes claims ${dataSize}`);
            from = p + 16;
            to = from + dataSize;
          }
          inflater.push(buf.subarray(from, to), at, out);
        } else {
          const rec = wrap(() => decodeRecord(b, p, at, false, ctx), at);
          applyHeaderRecord(rec, b, p, spec, ctx, state);
          out.push(rec);
        }
        p += size;
        if (extra) {
          const here = Math.min(extra, len - p);
          if (type === HEADER_TRACING_DATA && !state.features.tracepoints) {
            tracing = { data: Buffer.alloc(Math.min(extra, TRACING_CAP)), got: 0 };
            tracing.got = buf.copy(tracing.data, 0, p, p + Math.min(here, tracing.data.length));
          }
          p += here;
          skip = extra - here;
          if (skip) break;
          finishTracing();
        }
        // Hand over small batches: records that die young cost the GC almost nothing, a chunk's worth held at
        // once does not (measured: 1.5× slower on a 17 MB file with one batch per 1 MiB read).
        if (out.length >= BATCH) {
          yield out;
          out = [];
        }
      }
      if (p > 0) {
        buf.copy(buf, 0, p, len);
        len -= p;
        bufPos += p;
      }
      if (out.length) yield out;
      if (eof && skip === 0) break;
      if (eof && filePos >= limit) break;
    }
    // A tracing data payload the file cut short: the names its complete format files give.
    finishTracing();
    // The file ends inside a COMPRESSED record: its complete zstd blocks still decode (the decoder keeps a cut
    // block for more input that will not come), so the records they hold are read rather than dropped with it.
    let cutCompressed = false;
    if (skip === 0 && len >= 8 && (b.u32(0) === COMPRESSED || b.u32(0) === COMPRESSED2)) {
      cutCompressed = true;
      const from = b.u32(0) === COMPRESSED2 ? 16 : 8;
      if (len > from) {
        const out: PerfRecord[] = [];
        inflater.push(buf.subarray(from, len), bufPos, out);
        if (out.length) yield out;
      }
    }
    const tail = inflater.leftover();
    if (len > 0 || skip > 0 || limit < spec.end || tail > 0) {
      let lost = spec.end - bufPos;
      let detail: string;
      if (skip > 0) {
        lost = spec.declaredEnd ? spec.end - bufPos : skip;
        detail = `a record's trailing payload is cut off (${skip} bytes missing)`;
      } else if (cutCompressed) {
        const need = b.u16(6);
        if (!spec.declaredEnd) lost = need - len;
        detail = `the file ends ${len} bytes into a ${need}-byte COMPRESSED record: the records in its complete zstd blocks were read, what its cut block held is lost`;
      } else if (len >= 8) {
        const need = b.u16(6);
        if (!spec.declaredEnd) lost = need;
        detail = `the last record (type ${b.u32(0)}, ${need} bytes) is cut off after ${len} bytes`;
      } else if (len > 0) {
        if (!spec.declaredEnd) lost = len;
        detail = `the file ends ${len} bytes into a record header`;
      } else if (limit < spec.end) {
        detail = `the file ends ${spec.end - limit} bytes before the data section does`;
      } else {
        lost = tail;
        detail = `the compressed data ends ${tail} bytes into a record`;
      }
      onTruncation({ at: bufPos, bytesLost: Math.max(lost, 0), detail, complete: !cutCompressed && tail === 0 });
    }
  } finally {
    await src.close();
  }

  function fail(kind: 'bad-record', at: number, what: string): never {
    throw new PerfDataError(kind, spec.path, at, what);
  }
  function wrap<R>(f: () => R, at: number): R {
    return guard(f, spec.path, at);
  }
}

/** Turns a RangeError from reading past a buffer (a missed check) into a PerfDataError; lets PerfDataErrors out. */
function guard<R>(f: () => R, path: string, at: number): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof PerfDataError) throw e;
    throw new PerfDataError('bad-record', path, at, `cannot decode record: ${(e as Error).message}`);
  }
}

/**
 * Pipe mode carries attrs, features and build-ids as records; so can a file written by `perf inject`. They are
 * applied as they pass, so that samples after them decode and the state ends up complete.
 */
export function applyHeaderRecord(
  rec: PerfRecord,
  b: Bytes,
  off: number,
  spec: StreamSpec,
  ctx: DecodeContext,
  state: StreamState,
): void {
  switch (rec.kind) {
    case 'attr':
      if (rec.offset < spec.knownAttrsBefore) return;
      if (ctx.attrs.length >= MAX_ATTRS) {
        throw new PerfDataError(
          'bad-attr',
          spec.path,
          rec.offset,
          `more than ${MAX_ATTRS} HEADER_ATTR records (file mode allows ${MAX_ATTRS} attrs): the stream is damaged`,
        );
      }
      ctx.addAttr(rec.attr);
      // A freshly decoded attr is a new object, so the identity search this replaces never found one: O(1) now.
      if (ctx.attrs.length > state.attrs.length) state.attrs.push(rec.attr);
      return;
    case 'feature': {
      const w = parseFeature(rec.feature, b, off + 16, off + rec.size, state.features);
      if (w && !state.warnings.includes(w)) state.warnings.push(w);
      applyEventDesc(state);
      return;
    }
    case 'build-id':
      if (!state.features.buildIds.some((x) => x.filename === rec.filename && x.buildId === rec.buildId)) {
        state.features.buildIds.push({
          pid: rec.pid,
          cpumode: rec.misc & 7,
          buildId: rec.buildId,
          filename: rec.filename,
        });
      }
      return;
    case 'event-update': {
      // By the id map, not by searching every attr's ids: one EVENT_UPDATE per attr would be quadratic.
      const i = ctx.idToAttr.get(rec.id);
      if (rec.name !== undefined && i !== undefined) ctx.attrs[i]!.name = rec.name;
      return;
    }
    case 'event-type':
      for (const a of state.attrs) if (a.config === rec.eventId && rec.name) a.name = rec.name;
      return;
    default:
      return;
  }
}

/**
 * Names events from EVENT_DESC: by shared ids, or by position when the ids are missing. A tracepoint still named
 * by number takes its `system:name` from the tracing data, as perf does for an event with no name of its own
 * (evsel__prepare_tracepoint_event).
 */
export function applyEventDesc(state: StreamState): void {
  const desc = state.features.eventDesc;
  if (desc) {
    state.attrs.forEach((a, i) => {
      const d = desc.find((e) => e.ids.some((id) => a.ids.includes(id))) ?? (a.ids.length === 0 ? desc[i] : undefined);
      if (d && d.name) a.name = d.name;
    });
  }
  const tp = state.features.tracepoints;
  if (!tp?.size) return;
  for (const a of state.attrs) {
    if (a.type !== PERF_TYPE.TRACEPOINT || a.config > BigInt(Number.MAX_SAFE_INTEGER) || a.name !== defaultEventName(a))
      continue;
    const name = tp.get(Number(a.config));
    if (name) a.name = name;
  }
}

/**
 * One zstd stream runs through all COMPRESSED records of a file (perf compresses with ZSTD_flushStream, never
 * ending the frame), and a record may be split across two COMPRESSED records: the decoder and the undecoded
 * tail of the output are kept from one record to the next.
 */
class Inflater {
  private readonly dec = new Decompress();
  private readonly guard = new ZstdGuard();
  private pending: Buffer = Buffer.alloc(0);
  private skip = 0;
  /** Decompressed bytes consumed as records so far (for messages). */
  private decoded = 0;

  constructor(
    private readonly spec: StreamSpec,
    private readonly ctx: DecodeContext,
    private readonly state: StreamState,
  ) {}

  push(payload: Uint8Array, at: number, out: PerfRecord[]): void {
    let produced = 0;
    this.dec.ondata = (block: Uint8Array) => {
      produced += block.length;
      this.guard.output += block.length;
      if (produced > this.spec.decompressCap) {
        throw new PerfDataError(
          'bad-compressed',
          this.spec.path,
          at,
          `COMPRESSED record expands past ${this.spec.decompressCap} bytes`,
        );
      }
      this.consume(Buffer.from(block.buffer, block.byteOffset, block.byteLength), at, out);
    };
    try {
      this.guard.feed(payload);
      this.dec.push(payload);
    } catch (e) {
      if (e instanceof PerfDataError) throw e;
      throw new PerfDataError(
        'bad-compressed',
        this.spec.path,
        at,
        `zstd data does not decode: ${(e as Error).message}`,
      );
    }
  }

  /** Bytes of an incomplete record left when the stream ends. */
  leftover(): number {
    return this.pending.length + this.skip;
  }

  private consume(block: Buffer, at: number, out: PerfRecord[]): void {
    if (this.skip) {
      const n = Math.min(this.skip, block.length);
      this.skip -= n;
      block = block.subarray(n);
    }
    const data = this.pending.length ? Buffer.concat([this.pending, block]) : block;
    const b = new Bytes(data, this.ctx.le);
    let p = 0;
    while (p + 8 <= data.length) {
      const type = b.u32(p);
      const size = b.u16(p + 6);
      if (size < 8) {
        throw new PerfDataError(
          'bad-record',
          this.spec.path,
          at,
          `in compressed data: record of type ${type} has size ${size}, below its 8-byte header`,
        );
      }
      // zstd as perf writes it has no checksum, so damaged data can decode; what it decodes to is checked instead.
      // Record types are small (kernel < 64, perf's own < 128): 0 or a huge type is damage, not a future record.
      if (type === 0 || type > 0xffff) {
        throw new PerfDataError(
          'bad-compressed',
          this.spec.path,
          at,
          `in compressed data: a record of type ${type} at decompressed offset ${this.decoded + p}: the zstd data decodes, but to damaged records`,
        );
      }
      if (p + size > data.length) break;
      const extra = trailingPayload(b, p, type, size);
      if (type !== COMPRESSED && type !== COMPRESSED2) {
        const rec = guard(() => decodeRecord(b, p, at, true, this.ctx), this.spec.path, at);
        applyHeaderRecord(rec, b, p, this.spec, this.ctx, this.state);
        out.push(rec);
      }
      p += size;
      if (extra) {
        const here = Math.min(extra, data.length - p);
        p += here;
        this.skip = extra - here;
      }
    }
    // Copy the tail: the block may be a view into the decoder's memory, and the tail is less than one record.
    this.decoded += p;
    this.pending = Buffer.from(data.subarray(p));
  }
}

/**
 * Native perf.data reader: `openPerfData(path)` reads the header, the attrs and the feature sections (or, in pipe
 * mode, the attr and feature records at the head of the stream); `records()`/`batches()` then stream the data
 * section without ever holding more than one chunk of it.
 *
 * Layout (tools/perf/Documentation/perf.data-file-format.txt): a 104-byte header {magic "PERFILE2", size,
 * attr_size, attrs{off,size}, data{off,size}, event_types{off,size}, 256-bit feature bitmap}; attr slots of
 * attr_size bytes (the attr, then {off,size} of its u64 ids); the data section of records; after it one
 * {off,size} per set feature bit, in bit order. The magic's byte order gives the file's. Pipe mode is the magic
 * and a size of 16, then records only.
 */
import { ATTR_SIZE_MAX, ATTR_SIZE_VER0, decodeAttr, type PerfEventAttr } from './attr';
import { Bytes } from './binary';
import { fileSource, type ByteSourceOpener } from './byte-source';
import { FEATURE_BITS } from './constants';
import { DecodeContext, MAX_ATTRS } from './context';
import { PerfDataError } from './errors';
import { emptyFeatures, parseFeature } from './features';
import { applyEventDesc, readRecords, type StreamSpec, type StreamTruncation } from './stream';
import type { PerfDataFeatures, PerfRecord } from './types';

export interface RecordsOptions {
  /** Decode callchains into arrays (default true); summaries that only need the sampled ip turn this off. */
  callchains?: boolean;
  /** Bytes per read (default 1 MiB). */
  chunkSize?: number;
}

export interface PerfDataTruncation {
  /** File offset where the last complete record (or the readable part of the header) ends. */
  at: number;
  /** Bytes the file should have had from `at` on: the rest of the data section, missing feature sections. */
  bytesLost: number;
  detail: string;
  /** False when the cut fell inside a COMPRESSED record (see StreamTruncation.complete); true otherwise. */
  complete: boolean;
}

const FILE_HEADER_SIZE = 104;
const PIPE_HEADER_SIZE = 16;
const MAGIC_LE = Buffer.from('PERFILE2', 'latin1');
const MAGIC_BE = Buffer.from('2ELIFREP', 'latin1');
const DEFAULT_CHUNK = 1 << 20;
/** Pipe mode: attrs and features come first; stop looking for them after this much of the stream. */
const PIPE_PRESCAN_LIMIT = 4 << 20;

export class PerfData {
  /** In pipe mode, attrs and features that appear later in the stream are added while records are read. */
  readonly attrs: PerfEventAttr[] = [];
  readonly features: PerfDataFeatures = emptyFeatures();
  /** Damaged optional parts that were skipped (a feature section that does not parse…). */
  readonly warnings: string[] = [];
  /** Set when the file ends early: by openPerfData for missing feature sections, by reading for records. */
  truncation: PerfDataTruncation | undefined;
  /** Pipe mode: attr records before this offset were read by openPerfData. */
  private knownAttrsBefore = 0;

  constructor(
    readonly path: string,
    readonly format: 'file' | 'pipe',
    readonly littleEndian: boolean,
    readonly fileSize: number,
    /** Where records start and end (file mode: the data section; pipe mode: after the 16-byte header). */
    readonly dataOffset: number,
    readonly dataEnd: number,
    /** False for pipe mode and for an unfinished recording whose header says data.size 0. */
    readonly declaredEnd: boolean,
    /** Where the bytes are read from: the file at `path` unless the caller gave memory. */
    readonly source: ByteSourceOpener = fileSource(path),
  ) {}

  /** Records in file order, one chunk's worth per array: the fast way through a big file. */
  async *batches(opts: RecordsOptions = {}): AsyncGenerator<PerfRecord[], void, undefined> {
    const ctx = new DecodeContext(this.path, this.littleEndian, opts.callchains ?? true);
    for (const a of this.attrs) ctx.addAttr(a);
    const spec: StreamSpec = {
      path: this.path,
      source: this.source,
      start: this.dataOffset,
      end: this.dataEnd,
      declaredEnd: this.declaredEnd,
      fileSize: this.fileSize,
      chunkSize: Math.max(opts.chunkSize ?? DEFAULT_CHUNK, 4096),
      decompressCap: Math.max(4 << 20, (this.features.compression?.mmapLen ?? 0) + 0x10000),
      knownAttrsBefore: this.knownAttrsBefore,
    };
    const state = { attrs: this.attrs, features: this.features, warnings: this.warnings };
    yield* readRecords(spec, ctx, state, (t) => this.noteTruncation(t));
  }

  /** Records in file order (not time order: perf writes each CPU's buffer in turn). */
  async *records(opts: RecordsOptions = {}): AsyncGenerator<PerfRecord, void, undefined> {
    for await (const batch of this.batches(opts)) yield* batch;
  }

  private noteTruncation(t: StreamTruncation): void {
    // Missing feature sections were already counted by openPerfData when the data section is intact.
    const featureLoss = this.truncation && this.truncation.at >= this.dataEnd ? this.truncation.bytesLost : 0;
    this.truncation = { at: t.at, bytesLost: t.bytesLost + featureLoss, detail: t.detail, complete: t.complete };
  }

  /** Pipe mode, called by openPerfData: reads the head of the stream for the attrs and features that precede the first sample. */
  async prescan(): Promise<void> {
    for await (const batch of this.batches({ callchains: false, chunkSize: 1 << 16 })) {
      const last = batch[batch.length - 1]!;
      this.knownAttrsBefore = last.offset + 1;
      if (batch.some((r) => r.type < 64) || last.offset - this.dataOffset > PIPE_PRESCAN_LIMIT) break;
    }
    this.truncation = undefined;
  }
}

export interface OpenOptions {
  /** Read from here instead of the file (`path` is then only named in messages): memory, for tests and fuzzing. */
  source?: ByteSourceOpener;
}

export async function openPerfData(path: string, opts: OpenOptions = {}): Promise<PerfData> {
  const opener = opts.source ?? fileSource(path);
  const src = await opener();
  try {
    const fileSize = src.size;
    const read = async (off: number, len: number): Promise<Buffer> => {
      // Clamped to the file: a length taken from a damaged header must not allocate more than the file holds.
      const n = Math.max(0, Math.min(len, fileSize - off));
      const buf = Buffer.alloc(n);
      const bytesRead = n ? await src.read(buf, 0, n, off) : 0;
      return buf.subarray(0, bytesRead);
    };
    const head = await read(0, FILE_HEADER_SIZE);
    const magic = head.subarray(0, 8);
    const le = magic.equals(MAGIC_LE);
    if (!le && !magic.equals(MAGIC_BE)) {
      const prefix = (m: Buffer) => m.subarray(0, magic.length).equals(magic);
      if (magic.length < 8 && (prefix(MAGIC_LE) || prefix(MAGIC_BE))) {
        throw new PerfDataError(
          'truncated-header',
          path,
          magic.length,
          `the file ends inside the magic (${fileSize} bytes)`,
        );
      }
      if (magic.toString('latin1') === 'PERFFILE') {
        throw new PerfDataError(
          'bad-magic',
          path,
          0,
          "perf.data v1 (PERFFILE) is not supported: it is perf's first file format, from before PERFILE2; read it with the perf that wrote it (perf report), or record again",
        );
      }
      const what = `magic ${JSON.stringify(magic.toString('latin1'))} is neither PERFILE2 nor its byte-swapped form`;
      throw new PerfDataError('bad-magic', path, 0, `not a perf.data file: ${what}`);
    }
    if (head.length < PIPE_HEADER_SIZE)
      throw new PerfDataError('truncated-header', path, head.length, 'the file ends inside the header');
    const b = new Bytes(head, le);
    const headerSize = b.num(8);
    if (headerSize === PIPE_HEADER_SIZE) {
      const pd = new PerfData(path, 'pipe', le, fileSize, PIPE_HEADER_SIZE, fileSize, false, opener);
      await pd.prescan();
      return pd;
    }
    if (headerSize !== FILE_HEADER_SIZE) {
      throw new PerfDataError('bad-header', path, 8, `header size ${headerSize}: perf writes 104 (file) or 16 (pipe)`);
    }
    if (head.length < FILE_HEADER_SIZE)
      throw new PerfDataError('truncated-header', path, head.length, 'the file ends inside the header');
    const attrSlot = b.num(16);
    const attrsOff = b.num(24);
    const attrsSize = b.num(32);
    const dataOff = b.num(40);
    const dataSize = b.num(48);
    if (attrSlot < ATTR_SIZE_VER0 + 16 || attrSlot > ATTR_SIZE_MAX + 16 || attrSlot % 8 !== 0) {
      throw new PerfDataError(
        'bad-attr',
        path,
        16,
        `attr_size ${attrSlot}: an attr slot is 16 bytes more than perf_event_attr (64…${ATTR_SIZE_MAX})`,
      );
    }
    if (attrsSize % attrSlot !== 0 || attrsSize === 0 || attrsSize / attrSlot > MAX_ATTRS) {
      throw new PerfDataError(
        'bad-attr',
        path,
        32,
        `attrs section of ${attrsSize} bytes does not hold whole ${attrSlot}-byte attrs`,
      );
    }
    if (attrsOff < FILE_HEADER_SIZE || dataOff < FILE_HEADER_SIZE || !Number.isSafeInteger(dataOff + dataSize)) {
      throw new PerfDataError(
        'bad-header',
        path,
        24,
        `attrs at ${attrsOff} or data at ${dataOff}+${dataSize} overlap the header or overflow`,
      );
    }
    if (attrsOff + attrsSize > fileSize) {
      throw new PerfDataError(
        'truncated-header',
        path,
        fileSize,
        `the file ends before its attrs (at ${attrsOff}+${attrsSize})`,
      );
    }
    // data.size 0 with data present: perf record was killed before it rewrote the header. Read to the end.
    const unfinished = dataSize === 0 && fileSize > dataOff;
    const dataEnd = unfinished ? fileSize : dataOff + dataSize;
    const pd = new PerfData(path, 'file', le, fileSize, dataOff, dataEnd, !unfinished, opener);
    if (unfinished)
      pd.warnings.push(
        'the header says the data section is empty: perf record did not finish; reading to the end of the file',
      );

    const attrsBuf = new Bytes(await read(attrsOff, attrsSize), le);
    const ctx = new DecodeContext(path, le, false);
    for (let off = 0; off < attrsSize; off += attrSlot) {
      let size = attrsBuf.u32(off + 4);
      if (size === 0) size = ATTR_SIZE_VER0;
      if (size < ATTR_SIZE_VER0 || size > attrSlot - 16) {
        throw new PerfDataError(
          'bad-attr',
          path,
          attrsOff + off + 4,
          `attr of ${size} bytes in a ${attrSlot - 16}-byte slot`,
        );
      }
      const attr = decodeAttr(attrsBuf, off, size);
      const idsOff = attrsBuf.num(off + attrSlot - 16);
      const idsSize = attrsBuf.num(off + attrSlot - 8);
      if (idsSize % 8 !== 0 || idsSize > 8 << 20) {
        throw new PerfDataError(
          'bad-attr',
          path,
          attrsOff + off + attrSlot - 8,
          `attr ids section of ${idsSize} bytes`,
        );
      }
      if (idsOff + idsSize > fileSize) {
        throw new PerfDataError(
          'truncated-header',
          path,
          fileSize,
          `the file ends before attr ids at ${idsOff}+${idsSize}`,
        );
      }
      const ids = new Bytes(await read(idsOff, idsSize), le);
      for (let k = 0; k < idsSize; k += 8) attr.ids.push(ids.num(k));
      ctx.addAttr(attr);
      pd.attrs.push(attr);
    }

    if (!unfinished) await readFeatures(pd, b, read, dataEnd, fileSize);
    applyEventDesc(pd);
    return pd;
  } finally {
    await src.close();
  }
}

async function readFeatures(
  pd: PerfData,
  header: Bytes,
  read: (off: number, len: number) => Promise<Buffer>,
  tableOff: number,
  fileSize: number,
): Promise<void> {
  const bits: number[] = [];
  for (let bit = 0; bit < FEATURE_BITS; bit++) {
    const word = header.big(72 + (bit >> 6) * 8);
    if ((word >> BigInt(bit & 63)) & 1n) bits.push(bit);
  }
  if (bits.length === 0) return;
  const table = await read(tableOff, bits.length * 16);
  const tb = new Bytes(table, pd.littleEndian);
  let lost = 0;
  let at = fileSize;
  if (table.length < bits.length * 16) {
    lost += bits.length * 16 - table.length;
    at = Math.min(at, tableOff + table.length);
  }
  for (let i = 0; i < bits.length; i++) {
    if ((i + 1) * 16 > table.length) break;
    const off = tb.num(i * 16);
    const size = tb.num(i * 16 + 8);
    if (!Number.isSafeInteger(off + size) || size > 256 << 20) {
      pd.warnings.push(`feature ${bits[i]}: section at ${off}+${size} makes no sense; skipped`);
      continue;
    }
    if (off + size > fileSize) {
      lost += off + size - Math.max(off, fileSize);
      at = Math.min(at, Math.max(off, tableOff));
      continue;
    }
    const w = parseFeature(bits[i]!, new Bytes(await read(off, size), pd.littleEndian), 0, size, pd.features);
    if (w) pd.warnings.push(w);
  }
  if (lost > 0) {
    pd.truncation = {
      at,
      bytesLost: lost,
      detail: `the file ends before its feature sections do (${lost} bytes missing)`,
      complete: true,
    };
  }
}

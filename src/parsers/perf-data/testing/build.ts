/**
 * Assembles whole perf.data files for tests (file or pipe mode, either byte order) and re-encodes a real
 * recording in the other byte order.
 */
import { Feature, RecordType as T } from '../constants';
import { openPerfData } from '../reader';
import type { PerfDataFeatures } from '../types';
import { ByteSink, writeAttr, writeDecoded, writeFeature, writeRecord, type AttrSpec } from './writer';

export interface FileSpec {
  le: boolean;
  attrs: (AttrSpec & { ids?: number[] })[];
  /** Writes the data section's records. */
  records: (w: ByteSink) => void;
  /** Feature bit → writer of its section. */
  features?: Map<number, (w: ByteSink) => void>;
  /** Attr slot = attr size + 16; 128 + 16 unless given. */
  attrSize?: number;
}

const HEADER = 104;

export function buildFile(spec: FileSpec): Buffer {
  const w = new ByteSink(spec.le);
  const attrSize = spec.attrSize ?? 128;
  const slot = attrSize + 16;
  w.bytes(Buffer.from(spec.le ? 'PERFILE2' : '2ELIFREP', 'latin1'))
    .u64(HEADER)
    .u64(slot);
  const fields = w.length;
  w.zeros(HEADER - fields); // attrs, data, event_types, feature bitmap: patched below
  // ids first, then the attr slots pointing at them.
  const idOffsets = spec.attrs.map((a) => {
    const at = w.length;
    for (const id of a.ids ?? []) w.u64(id);
    return at;
  });
  const attrsOff = w.length;
  spec.attrs.forEach((a, i) => {
    writeAttr(w, a, attrSize);
    w.u64(idOffsets[i]!).u64((a.ids ?? []).length * 8);
  });
  const dataOff = w.length;
  spec.records(w);
  const dataSize = w.length - dataOff;
  const bits = [...(spec.features?.keys() ?? [])].sort((a, b) => a - b);
  const table = w.length;
  w.zeros(bits.length * 16);
  bits.forEach((bit, i) => {
    const at = w.length;
    spec.features!.get(bit)!(w);
    w.patchU64(table + i * 16, at);
    w.patchU64(table + i * 16 + 8, w.length - at);
  });
  const out = w.toBuffer();
  const hb = new ByteSink(spec.le);
  hb.u64(attrsOff)
    .u64(spec.attrs.length * slot)
    .u64(dataOff)
    .u64(dataSize)
    .u64(0)
    .u64(0);
  const words = [0n, 0n, 0n, 0n];
  for (const bit of bits) words[bit >> 6]! |= 1n << BigInt(bit & 63);
  for (const word of words) hb.u64(word);
  hb.toBuffer().copy(out, fields);
  return out;
}

/** Pipe mode: magic, size 16, HEADER_ATTR records, HEADER_FEATURE records, then the records. */
export function buildPipe(spec: FileSpec): Buffer {
  const w = new ByteSink(spec.le);
  w.bytes(Buffer.from(spec.le ? 'PERFILE2' : '2ELIFREP', 'latin1')).u64(16);
  for (const a of spec.attrs) {
    writeRecord(w, T.HEADER_ATTR, 0, () => {
      writeAttr(w, a, spec.attrSize ?? 128);
      for (const id of a.ids ?? []) w.u64(id);
    });
  }
  for (const [bit, write] of spec.features ?? []) {
    // perf does not pad feature records: the next record starts at an odd offset, which the reader must accept.
    writeRecord(
      w,
      T.HEADER_FEATURE,
      0,
      () => {
        w.u64(bit);
        write(w);
      },
      1,
    );
  }
  spec.records(w);
  return w.toBuffer();
}

/** Features a re-encoded file carries: those the writer can express. */
function featureWriters(f: PerfDataFeatures): Map<number, (w: ByteSink) => void> {
  const out = new Map<number, (w: ByteSink) => void>();
  for (const bit of [
    Feature.BUILD_ID,
    Feature.HOSTNAME,
    Feature.OSRELEASE,
    Feature.VERSION,
    Feature.ARCH,
    Feature.NRCPUS,
    Feature.CMDLINE,
    Feature.EVENT_DESC,
    Feature.SAMPLE_TIME,
  ]) {
    const probe = new ByteSink(true);
    if (writeFeature(probe, bit, f)) out.set(bit, (w) => void writeFeature(w, bit, f));
  }
  return out;
}

/**
 * Reads `path` and writes the same header, attrs, features and every record the writer knows in the byte order
 * `le` (and the mode `format`). Records it does not know (ID_INDEX, EVENT_UPDATE, THREAD_MAP…) are dropped;
 * their count is returned so a test can account for them.
 */
export async function reencode(
  path: string,
  le: boolean,
  format: 'file' | 'pipe' = 'file',
): Promise<{ data: Buffer; dropped: number }> {
  const pd = await openPerfData(path);
  const chunks: ByteSink[] = [];
  let dropped = 0;
  for await (const batch of pd.batches()) {
    const w = new ByteSink(le);
    for (const r of batch) if (!writeDecoded(w, r, pd.attrs)) dropped++;
    chunks.push(w);
  }
  const spec: FileSpec = {
    le,
    attrs: pd.attrs,
    records: (w) => {
      for (const c of chunks) w.bytes(c.toBuffer());
    },
    features: featureWriters(pd.features),
  };
  return { data: format === 'file' ? buildFile(spec) : buildPipe(spec), dropped };
}

/**
 * Header feature sections (file mode: an {offset,size} table after the data section; pipe mode: HEADER_FEATURE
 * records with the same payload). Only the sections a heat view uses are decoded; a damaged one is reported as a
 * warning and skipped, since none of them is needed to read the samples.
 */
import { Bytes } from './binary';
import { Feature, Misc } from './constants';
import { ATTR_SIZE_VER0, ATTR_SIZE_MAX } from './attr';
import type { BuildIdEntry, PerfDataFeatures } from './types';
import { parseTracingData } from './tracing-data';

class FeatureRangeError extends Error {}

function check(cond: boolean, what: string): void {
  if (!cond) throw new FeatureRangeError(what);
}

/** perf_header_string: u32 length (NUL and padding included), then the bytes. */
function readString(b: Bytes, off: number, end: number): { s: string; next: number } {
  check(off + 4 <= end, 'string length past the section end');
  const len = b.u32(off);
  check(off + 4 + len <= end, `string of ${len} bytes past the section end`);
  return { s: b.cstr(off + 4, off + 4 + len), next: off + 4 + len };
}

function readStringList(b: Bytes, off: number, end: number): string[] {
  check(off + 4 <= end, 'list count past the section end');
  const nr = b.u32(off);
  let p = off + 4;
  const out: string[] = [];
  for (let i = 0; i < nr; i++) {
    const r = readString(b, p, end);
    out.push(r.s);
    p = r.next;
  }
  return out;
}

/**
 * HEADER_BUILD_ID entries, as in the feature section and in pipe mode's HEADER_BUILD_ID record:
 * {u32 type, u16 misc, u16 size, i32 pid, u8 build_id[24], char filename[]}; with misc & 0x8000 byte 20 of the
 * build-id field is its length, otherwise it is a 20-byte SHA-1.
 */
export function decodeBuildId(b: Bytes, off: number, size: number): BuildIdEntry {
  check(size >= 36, `build-id entry of ${size} bytes`);
  const misc = b.u16(off + 4);
  let len = 20;
  if (misc & Misc.BUILD_ID_SIZE) len = Math.min(b.u8(off + 32), 20);
  return {
    pid: b.i32(off + 8),
    cpumode: misc & Misc.CPUMODE_MASK,
    buildId: b.buf.toString('hex', off + 12, off + 12 + len),
    filename: b.cstr(off + 36, off + size),
  };
}

/** Decodes feature `bit` from [off, end) into `into`; returns a warning instead of throwing. */
export function parseFeature(
  bit: number,
  b: Bytes,
  off: number,
  end: number,
  into: PerfDataFeatures,
): string | undefined {
  try {
    parse(bit, b, off, end, into);
    return undefined;
  } catch (e) {
    if (e instanceof FeatureRangeError || e instanceof RangeError) return `feature ${bit}: ${e.message}`;
    throw e;
  }
}

function parse(bit: number, b: Bytes, off: number, end: number, f: PerfDataFeatures): void {
  if (!f.present.includes(bit)) f.present.push(bit);
  switch (bit) {
    case Feature.HOSTNAME:
      f.hostname = readString(b, off, end).s;
      break;
    case Feature.OSRELEASE:
      f.osRelease = readString(b, off, end).s;
      break;
    case Feature.VERSION:
      f.perfVersion = readString(b, off, end).s;
      break;
    case Feature.ARCH:
      f.arch = readString(b, off, end).s;
      break;
    case Feature.CPUDESC:
      f.cpuDesc = readString(b, off, end).s;
      break;
    case Feature.CPUID:
      f.cpuId = readString(b, off, end).s;
      break;
    case Feature.CMDLINE:
      f.cmdline = readStringList(b, off, end);
      break;
    case Feature.NRCPUS:
      check(off + 8 <= end, 'NRCPUS too short');
      f.nrCpus = { available: b.u32(off), online: b.u32(off + 4) };
      break;
    case Feature.TOTAL_MEM:
      check(off + 8 <= end, 'TOTAL_MEM too short');
      f.totalMemKiB = b.num(off);
      break;
    case Feature.SAMPLE_TIME:
      check(off + 16 <= end, 'SAMPLE_TIME too short');
      f.sampleTime = { first: b.num(off), last: b.num(off + 8) };
      break;
    case Feature.COMPRESSED:
      check(off + 20 <= end, 'COMPRESSED too short');
      f.compression = {
        version: b.u32(off),
        type: b.u32(off + 4),
        level: b.u32(off + 8),
        ratio: b.u32(off + 12),
        mmapLen: b.u32(off + 16),
      };
      break;
    case Feature.TRACING_DATA: {
      const t = parseTracingData(b.buf.subarray(off, end));
      f.tracepoints = t.events;
      check(!t.problem, `tracing data: ${t.problem}`);
      break;
    }
    case Feature.BUILD_ID: {
      let p = off;
      while (p + 8 <= end) {
        const size = b.u16(p + 6);
        check(size >= 8 && p + size <= end, `build-id entry of ${size} bytes at section offset ${p - off}`);
        const entry = decodeBuildId(b, p, size);
        if (!f.buildIds.some((x) => x.filename === entry.filename && x.buildId === entry.buildId))
          f.buildIds.push(entry);
        p += size;
      }
      break;
    }
    case Feature.EVENT_DESC: {
      // {u32 nr, u32 attr_size, nr × {attr, u32 nr_ids, string name, u64 ids[nr_ids]}}
      check(off + 8 <= end, 'EVENT_DESC too short');
      const nr = b.u32(off);
      const attrSize = b.u32(off + 4);
      check(attrSize >= ATTR_SIZE_VER0 && attrSize <= ATTR_SIZE_MAX, `EVENT_DESC attr size ${attrSize}`);
      let p = off + 8;
      const out: { name: string; ids: number[] }[] = [];
      for (let i = 0; i < nr; i++) {
        check(p + attrSize + 4 <= end, 'EVENT_DESC entry past the section end');
        p += attrSize;
        const nrIds = b.u32(p);
        const name = readString(b, p + 4, end);
        p = name.next;
        check(p + nrIds * 8 <= end, 'EVENT_DESC ids past the section end');
        const ids: number[] = [];
        for (let k = 0; k < nrIds; k++, p += 8) ids.push(b.num(p));
        out.push({ name: name.s, ids });
      }
      f.eventDesc = out;
      break;
    }
    default:
      break;
  }
}

export function emptyFeatures(): PerfDataFeatures {
  return { present: [], buildIds: [] };
}

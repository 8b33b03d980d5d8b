/**
 * perf_event_attr: decoding it in either byte order, and naming the event when the file has no EVENT_DESC.
 */
import { Bytes } from './binary';
import { PERF_TYPE, ReadFormat, SampleType } from './constants';

/** The part of perf_event_attr this reader needs, plus the ids perf assigned to the event's per-cpu fds. */
export interface PerfEventAttr {
  type: number;
  /** attr.size as written: 64 (ABI 0) up to 136 (ABI 8); later fields read as 0 when absent. */
  size: number;
  config: bigint;
  /** sample_period, or sample_freq when `freq`. */
  samplePeriod: number;
  sampleType: number;
  readFormat: number;
  freq: boolean;
  sampleIdAll: boolean;
  excludeUser: boolean;
  excludeKernel: boolean;
  excludeHv: boolean;
  excludeHost?: boolean;
  excludeGuest?: boolean;
  /** 0–3: how exact the sampled ip is (`:p`, `:pp`, `:ppp`). */
  preciseIp?: number;
  mmap: boolean;
  mmap2: boolean;
  branchSampleType: number;
  sampleRegsUser: bigint;
  sampleStackUser: number;
  sampleRegsIntr: bigint;
  /** The sample ids (PERF_SAMPLE_ID/IDENTIFIER values) that belong to this event. */
  ids: number[];
  /** From EVENT_DESC, EVENT_UPDATE or HEADER_EVENT_TYPE; else derived from type and config. */
  name: string;
}

export const ATTR_SIZE_VER0 = 64;
/** Larger than any attr perf writes today (136); a bigger one is taken for garbage rather than a future ABI. */
export const ATTR_SIZE_MAX = 512;

/**
 * The flags word is a C bitfield. A big-endian compiler allocates bitfields from the most significant bit, so
 * in a file written on a big-endian machine each flag sits in the same byte but at the mirrored bit (perf's
 * `swap_bitfield` reverses the bits of each byte for the same reason). Returns flag number `bit` as laid out
 * by a little-endian compiler.
 */
function flag(b: Bytes, off: number, bit: number): boolean {
  const byte = b.u8(off + (bit >> 3));
  const pos = b.le ? bit & 7 : 7 - (bit & 7);
  return ((byte >> pos) & 1) === 1;
}

/** Decodes an attr of `size` bytes at `off` (the caller has checked that `size` bytes are there). */
export function decodeAttr(b: Bytes, off: number, size: number): PerfEventAttr {
  const has = (fieldEnd: number) => fieldEnd <= size;
  const flags = off + 40;
  const attr: PerfEventAttr = {
    type: b.u32(off),
    size,
    config: b.big(off + 8),
    samplePeriod: b.num(off + 16),
    sampleType: b.num(off + 24),
    readFormat: b.num(off + 32),
    freq: flag(b, flags, 10),
    sampleIdAll: flag(b, flags, 18),
    excludeUser: flag(b, flags, 4),
    excludeKernel: flag(b, flags, 5),
    excludeHv: flag(b, flags, 6),
    excludeHost: flag(b, flags, 19),
    excludeGuest: flag(b, flags, 20),
    preciseIp: (flag(b, flags, 15) ? 1 : 0) | (flag(b, flags, 16) ? 2 : 0),
    mmap: flag(b, flags, 8),
    mmap2: flag(b, flags, 23),
    branchSampleType: has(80) ? b.num(off + 72) : 0,
    sampleRegsUser: has(88) ? b.big(off + 80) : 0n,
    sampleStackUser: has(92) ? b.u32(off + 88) : 0,
    sampleRegsIntr: has(104) ? b.big(off + 96) : 0n,
    ids: [],
    name: '',
  };
  attr.name = defaultEventName(attr);
  return attr;
}

const HW = [
  'cycles',
  'instructions',
  'cache-references',
  'cache-misses',
  'branches',
  'branch-misses',
  'bus-cycles',
  'stalled-cycles-frontend',
  'stalled-cycles-backend',
  'ref-cycles',
];
const SW = [
  'cpu-clock',
  'task-clock',
  'page-faults',
  'context-switches',
  'cpu-migrations',
  'minor-faults',
  'major-faults',
  'alignment-faults',
  'emulation-faults',
  'dummy',
  'bpf-output',
  'cgroup-switches',
];
const CACHE = ['L1-dcache', 'L1-icache', 'LLC', 'dTLB', 'iTLB', 'branch', 'node'];
const CACHE_OP = ['load', 'store', 'prefetch'];
const CACHE_OPS = ['loads', 'stores', 'prefetches'];

type NamedAttr = Pick<PerfEventAttr, 'type' | 'config' | 'excludeUser' | 'excludeKernel'> &
  Partial<Pick<PerfEventAttr, 'excludeHv' | 'excludeHost' | 'excludeGuest' | 'preciseIp'>>;

/**
 * The modifiers perf appends to a name it derives from the attr (evsel__add_modifiers): `k`/`u`/`h` for the
 * contexts counted when any is excluded, one `p` per precise_ip level, and `H`/`G` (host/guest counted) when
 * exclude_host is set or exclude_guest differs from what the other modifiers imply. `cycles:ppH`, `cpu-clock:u`.
 */
export function eventModifiers(a: NamedAttr): string {
  let mods = '';
  let guestDefault = false;
  if (a.excludeKernel || a.excludeUser || a.excludeHv) {
    if (!a.excludeKernel) mods += 'k';
    if (!a.excludeUser) mods += 'u';
    if (!a.excludeHv) mods += 'h';
    guestDefault = true;
  }
  if (a.preciseIp) {
    mods += 'ppp'.slice(0, a.preciseIp);
    guestDefault = true;
  }
  if (a.excludeHost || (a.excludeGuest ?? false) === guestDefault) {
    if (!a.excludeHost) mods += 'H';
    if (!a.excludeGuest) mods += 'G';
  }
  return mods ? ':' + mods : '';
}

/** The name perf would print for an event it has no description of, modifiers included as perf adds them. */
export function defaultEventName(a: NamedAttr): string {
  const c = a.config;
  let base: string;
  if (a.type === PERF_TYPE.HARDWARE && c < BigInt(HW.length)) base = HW[Number(c)]!;
  else if (a.type === PERF_TYPE.SOFTWARE && c < BigInt(SW.length)) base = SW[Number(c)]!;
  else if (a.type === PERF_TYPE.HW_CACHE && (c & 0xffn) < 7n && ((c >> 8n) & 0xffn) < 3n && ((c >> 16n) & 0xffn) < 2n) {
    const op = Number((c >> 8n) & 0xffn);
    const miss = ((c >> 16n) & 0xffn) === 1n;
    base = `${CACHE[Number(c & 0xffn)]}-${miss ? CACHE_OP[op] + '-misses' : CACHE_OPS[op]}`;
  } else if (a.type === PERF_TYPE.RAW)
    base = `raw 0x${c.toString(16)}`; // perf 6.1's evsel__raw_name
  else if (a.type === PERF_TYPE.TRACEPOINT) return `tracepoint:${c}`;
  else base = `${a.type}/config=0x${c.toString(16)}/`;
  return base + eventModifiers(a);
}

/**
 * Where the sample id sits in a SAMPLE body, in u64 words from the start (perf's id_pos): -1 when the attr has
 * neither IDENTIFIER nor ID.
 */
export function sampleIdPos(sampleType: number): number {
  if (sampleType & SampleType.IDENTIFIER) return 0;
  if (!(sampleType & SampleType.ID)) return -1;
  let pos = 0;
  for (const bit of [SampleType.IP, SampleType.TID, SampleType.TIME, SampleType.ADDR]) if (sampleType & bit) pos++;
  return pos;
}

/** Where the id sits in a non-sample record's sample_id_all trailer, in u64 words from the end (perf's is_pos). */
export function trailerIdPos(sampleType: number): number {
  if (sampleType & SampleType.IDENTIFIER) return 1;
  if (!(sampleType & SampleType.ID)) return -1;
  let pos = 1;
  if (sampleType & SampleType.CPU) pos++;
  if (sampleType & SampleType.STREAM_ID) pos++;
  return pos;
}

const TRAILER_BITS = [
  SampleType.TID,
  SampleType.TIME,
  SampleType.ID,
  SampleType.STREAM_ID,
  SampleType.CPU,
  SampleType.IDENTIFIER,
];

/** Bytes of the sample_id_all trailer that ends every non-sample kernel record. */
export function trailerSize(sampleType: number): number {
  let n = 0;
  for (const bit of TRAILER_BITS) if (sampleType & bit) n += 8;
  return n;
}

/** Bytes of a PERF_SAMPLE_READ value for this read_format. */
export function readValueWords(readFormat: number): number {
  return 1 + (readFormat & ReadFormat.ID ? 1 : 0) + (readFormat & ReadFormat.LOST ? 1 : 0);
}

/**
 * The summary's fast path, for the files nearly every heat profile is: file mode, no compression, samples whose
 * fields are the fixed head (ip, tid, time, period, …) and maybe a callchain. Samples are decoded straight from
 * the chunk into numbers and queued in typed columns, never as an object each; only the side-band records
 * (MMAP, FORK, …) become objects, through the general decoder. Replay order is the OrderedQueue's: every item by
 * (time, arrival), delivered round by round; between two side-band records the samples' order cannot change a
 * count, so a round without side-band records is counted without sorting.
 *
 * Anything outside that shape — a damaged or cut record, a COMPRESSED or AUXTRACE record, a HEADER_ATTR, more
 * queued records than the general queue holds — gives up (returns undefined) and the caller reads the file the
 * general way, which says what is wrong exactly as before. Nothing is shared with that pass.
 */
import { addrSubAdd, Bytes, type Addr } from './binary';
import { RecordType as T, SampleType } from './constants';
import { DecodeContext } from './context';
import { DEFAULT_MAX_QUEUED } from './ordered';
import { decodeRecord } from './records';
import { applyHeaderRecord, type StreamSpec } from './stream';
import { AddressSpaces, UNKNOWN_DSO, type MappedRegion } from './resolve';
import type { PerfData } from './reader';
import type { CommRecord, MmapRecord, PerfRecord, TaskRecord } from './types';
import { CallchainAccumulator } from './callchains';
import { SampleFilterState } from './sample-filter';

export interface Accumulated {
  spaces: AddressSpaces;
  /** [samples, period] per event, interleaved, per (DSO, file offset). */
  byDso: Map<string, Map<Addr, number[]>>;
  totals: { samples: number; period: number }[];
  buildIds: Record<string, string>;
  recordTypes: Record<number, number>;
  unknownEventSamples: number;
  samplesWithoutIp: number;
  /** Period of the samples without an ip, per event (they count in the totals). */
  withoutIpByEvent: number[];
  lostEvents: number;
  lostSamples: number;
  /** pgoff of the `[kernel.kallsyms]_text` map. */
  kernelText?: Addr;
  /** PERF_SAMPLE_READ group samples (general path only): see PerfDataSummary.groupRead. */
  groupSamples: number;
  unknownIds: number;
  zeroDeltas: number;
  /** Set when callchains are aggregated (`perf record -g`). */
  chains?: CallchainAccumulator;
  /** Set when a filter keeps only some samples; `filteredOut` counts the others. */
  filter?: SampleFilterState;
  filteredOut: number;
  /** Samples carrying a user stack copy (`--call-graph dwarf`): their user frames need unwinding, not done here. */
  stackUserSamples: number;
}

/** What a summary is asked for beyond the counts. */
export interface SummaryWants {
  callchains: boolean;
  filter?: SampleFilterState;
}

/**
 * What a summary takes from the records that are not samples, the same on the fast and the general path: maps and
 * forks go through the ordered queue (`push`, at their time), losses are counted, a finished round flushes.
 */
export function countSideRecord(
  rec: PerfRecord,
  acc: Accumulated,
  push: (rec: PerfRecord, time: number | undefined) => void,
  round: () => void,
): void {
  switch (rec.kind) {
    case 'mmap':
      if (rec.buildId) acc.buildIds[rec.filename] = rec.buildId;
      push(rec, rec.sampleId?.time);
      break;
    case 'fork':
      push(rec, rec.sampleId?.time ?? rec.time);
      break;
    case 'comm':
      if (acc.filter?.needsComm) push(rec, rec.sampleId?.time);
      break;
    case 'lost':
      acc.lostEvents += rec.lost;
      break;
    case 'lost-samples':
      acc.lostSamples += rec.lost;
      break;
    case 'finished-round':
      round();
      break;
    default:
      break;
  }
}

export function emptyAccumulated(wants: SummaryWants = { callchains: false }): Accumulated {
  const spaces = new AddressSpaces();
  const acc: Accumulated = {
    spaces,
    byDso: new Map(),
    totals: [],
    buildIds: {},
    recordTypes: {},
    unknownEventSamples: 0,
    samplesWithoutIp: 0,
    withoutIpByEvent: [],
    lostEvents: 0,
    lostSamples: 0,
    groupSamples: 0,
    unknownIds: 0,
    zeroDeltas: 0,
    filteredOut: 0,
    stackUserSamples: 0,
  };
  if (wants.callchains) acc.chains = new CallchainAccumulator(spaces);
  if (wants.filter) acc.filter = wants.filter;
  return acc;
}

/** Side-band records as the replay delivers them, the same on both paths: maps, forks, and comms for the filter. */
export function deliverSideRecord(r: PerfRecord, acc: Accumulated): void {
  if (r.kind === 'mmap') {
    const m = r as MmapRecord;
    if (m.pid === -1 && m.filename.startsWith('[kernel.kallsyms]')) acc.kernelText ??= m.pgoff;
    acc.spaces.mmap(m);
  } else if (r.kind === 'fork') {
    const t = r as TaskRecord;
    acc.spaces.fork(t.pid, t.ppid);
    acc.filter?.fork(t.tid, t.ptid);
  } else if (r.kind === 'comm') {
    const c = r as CommRecord;
    acc.filter?.comm(c.tid, c.comm);
  }
}

const { IDENTIFIER, IP, TID, TIME, ADDR, ID, STREAM_ID, CPU, PERIOD, CALLCHAIN } = SampleType;
const SIMPLE_FIELDS = IDENTIFIER | IP | TID | TIME | ADDR | ID | STREAM_ID | CPU | PERIOD | CALLCHAIN;
const { SAMPLE, COMPRESSED, COMPRESSED2, AUXTRACE, HEADER_TRACING_DATA, HEADER_ATTR } = T;
const MAX_RECORD = 0xffff;
const TWO32 = 4294967296;
const SAFE_HI = 0x200000;
/** The general OrderedQueue's cap (perf's half flush beyond it): past it, leave the order to that queue. */
const MAX_QUEUED = DEFAULT_MAX_QUEUED;

class GiveUp extends Error {}
const giveUp = (): never => {
  throw new GiveUp();
};

/** True when `summarizeSimple` can read the file. */
function simpleShape(pd: PerfData, ctx: DecodeContext): boolean {
  if (pd.format !== 'file' || !pd.declaredEnd || pd.dataEnd > pd.fileSize || pd.attrs.length === 0) return false;
  if (pd.attrs.length > 1 && ctx.sampleIdPos === -2) return false;
  return pd.attrs.every((a) => (a.sampleType & ~SIMPLE_FIELDS) === 0 && (a.sampleType & IP) !== 0);
}

export async function summarizeSimple(
  pd: PerfData,
  chunkSize: number,
  wants: SummaryWants = { callchains: false },
): Promise<Accumulated | undefined> {
  const ctx = new DecodeContext(pd.path, pd.littleEndian, false);
  for (const a of pd.attrs) ctx.addAttr(a);
  if (!simpleShape(pd, ctx)) return undefined;
  try {
    return await scan(pd, ctx, Math.max(chunkSize, 4096), wants);
  } catch (e) {
    if (e instanceof GiveUp) return undefined;
    throw e;
  }
}

async function scan(pd: PerfData, ctx: DecodeContext, chunkSize: number, wants: SummaryWants): Promise<Accumulated> {
  const acc = emptyAccumulated(wants);
  const { chains, filter } = acc;
  const { spaces, byDso, totals, recordTypes } = acc;
  const spec = { path: pd.path, knownAttrsBefore: 0 } as StreamSpec;
  const state = { attrs: pd.attrs, features: pd.features, warnings: pd.warnings };
  const attrs = ctx.attrs;
  const nattrs = attrs.length;
  const idPos = ctx.sampleIdPos;
  const sampleTypes = attrs.map((a) => a.sampleType);
  const heads = ctx.layouts.map((l) => l.headSize);
  const defaultPeriods = attrs.map((a) => (a.freq ? 1 : a.samplePeriod));

  let lastDso = '';
  let lastOffsets: Map<Addr, number[]> | undefined;
  let lastPid = NaN;
  let lastMode = -1;
  let lastGeneration = -1;
  let lastStart = 0;
  let lastEnd = 0;
  let lastRegion: MappedRegion | undefined;
  const count = (
    ev: number,
    pid: number,
    ip: Addr,
    cpumode: number,
    period: number,
    tid: number,
    cpu: number,
    time: number,
    chain: number,
  ): void => {
    if (filter && !filter.accepts(tid, cpu, time || undefined)) {
      acc.filteredOut++;
      return;
    }
    chains?.count(chain, pid, ip, cpumode, ev, period);
    const t = totals[ev] ?? (totals[ev] = { samples: 0, period: 0 });
    t.samples++;
    t.period += period;
    // resolve() without its result object: user-space ips and offsets are plain numbers. Consecutive samples are
    // mostly in the same map of the same process: the last region found answers again while the maps are unchanged
    // (same generation), which skips the process lookup and the search (and its number/BigInt comparisons).
    let m: MappedRegion | undefined;
    if (
      pid === lastPid &&
      cpumode === lastMode &&
      spaces.generation === lastGeneration &&
      typeof ip === 'number' &&
      ip >= lastStart &&
      ip < lastEnd
    )
      m = lastRegion;
    else {
      m = spaces.regionOf(pid, ip, cpumode);
      if (m && typeof m.start === 'number' && typeof m.end === 'number') {
        lastPid = pid;
        lastMode = cpumode;
        lastGeneration = spaces.generation;
        lastStart = m.start;
        lastEnd = m.end;
        lastRegion = m;
      }
    }
    const dso = m ? m.dso : UNKNOWN_DSO;
    let fileOffset: Addr = ip;
    if (m) {
      const { start, pgoff } = m;
      const off =
        typeof ip === 'number' && typeof start === 'number' && typeof pgoff === 'number' ? ip - start + pgoff : -1;
      fileOffset = off >= 0 && off <= Number.MAX_SAFE_INTEGER ? off : addrSubAdd(ip, start, pgoff);
    }
    let offsets = dso === lastDso ? lastOffsets : byDso.get(dso);
    if (!offsets) byDso.set(dso, (offsets = new Map()));
    lastDso = dso;
    lastOffsets = offsets;
    let c = offsets.get(fileOffset);
    if (!c) offsets.set(fileOffset, (c = []));
    c[2 * ev] = (c[2 * ev] ?? 0) + 1;
    c[2 * ev + 1] = (c[2 * ev + 1] ?? 0) + period;
  };
  const deliverSide = (r: PerfRecord): void => deliverSideRecord(r, acc);
  const queue = new SampleQueue(count, deliverSide);

  const src = await pd.source();
  try {
    const buf = Buffer.allocUnsafe(chunkSize + MAX_RECORD);
    const b = new Bytes(buf, pd.littleEndian);
    const dv = b.dv;
    const le = pd.littleEndian;
    const end = pd.dataEnd;
    // One chunk's records, in a synchronous function of its own: V8 does not optimize a loop inside an async
    // function while it runs (no on-stack replacement for resumable functions), so inside `scan` this loop ran
    // in the interpreter for the whole file. Returns where the chunk's complete records end.
    const decodeChunk = (len: number, bufPos: number): number => {
      let p = 0;
      while (p + 8 <= len) {
        const type = dv.getUint32(p, le);
        const size = dv.getUint16(p + 6, le);
        if (size < 8 || bufPos + p + size > end) giveUp();
        if (p + size > len) break;
        recordTypes[type] = (recordTypes[type] ?? 0) + 1;
        if (type === SAMPLE) {
          const recEnd = p + size;
          let ev = 0;
          if (nattrs > 1 && idPos >= 0) {
            const idOff = p + 8 + idPos * 8;
            if (idOff + 8 > recEnd) giveUp();
            ev = ctx.attrForId(
              dv.getUint32(le ? idOff + 4 : idOff, le) * TWO32 + dv.getUint32(le ? idOff : idOff + 4, le),
            );
          }
          if (ev < 0) {
            acc.unknownEventSamples++;
            p += size;
            continue;
          }
          const st = sampleTypes[ev]!;
          let q = p + 8;
          if (q + heads[ev]! > recEnd) giveUp();
          if (st & IDENTIFIER) q += 8;
          const ipLo = dv.getUint32(le ? q : q + 4, le);
          const ipHi = dv.getUint32(le ? q + 4 : q, le);
          q += 8;
          let pid = -1;
          let tid = -1;
          if (st & TID) {
            pid = dv.getInt32(le ? q : q + 4, le);
            tid = dv.getInt32(le ? q + 4 : q, le);
            q += 8;
          }
          let time = 0;
          if (st & TIME) {
            time = dv.getUint32(le ? q + 4 : q, le) * TWO32 + dv.getUint32(le ? q : q + 4, le);
            q += 8;
          }
          if (st & ADDR) q += 8;
          if (st & ID) q += 8;
          if (st & STREAM_ID) q += 8;
          let cpu = -1;
          if (st & CPU) {
            cpu = dv.getUint32(le ? q : q + 4, le);
            q += 8;
          }
          let period = defaultPeriods[ev]!;
          if (st & PERIOD) {
            period = dv.getUint32(le ? q + 4 : q, le) * TWO32 + dv.getUint32(le ? q : q + 4, le);
            q += 8;
          }
          let chain = -1;
          if (st & CALLCHAIN) {
            if (q + 8 > recEnd) giveUp();
            const nr = dv.getUint32(le ? q + 4 : q, le) * TWO32 + dv.getUint32(le ? q : q + 4, le);
            if (q + 8 + nr * 8 > recEnd) giveUp();
            if (chains && nr > 0) {
              const from = q + 8;
              // The chain's bytes are its key: one native string per sample, addresses decoded once per distinct chain.
              chain = chains.intern(buf.toString('latin1', from, from + nr * 8), () => {
                const out: Addr[] = new Array(nr);
                for (let i = 0; i < nr; i++) out[i] = b.addr(from + i * 8);
                return out;
              });
            }
          }
          const cpumode = dv.getUint16(p + 4, le) & 7;
          if (time) queue.push(time, ev, pid, ipHi, ipLo, cpumode, period, tid, cpu, chain);
          else
            count(
              ev,
              pid,
              ipHi < SAFE_HI ? ipHi * TWO32 + ipLo : (BigInt(ipHi) << 32n) | BigInt(ipLo),
              cpumode,
              period,
              tid,
              cpu,
              0,
              chain,
            );
          p += size;
          continue;
        }
        if (
          type === COMPRESSED ||
          type === COMPRESSED2 ||
          type === AUXTRACE ||
          type === HEADER_TRACING_DATA ||
          type === HEADER_ATTR
        )
          giveUp();
        let rec: PerfRecord;
        try {
          rec = decodeRecord(b, p, bufPos + p, false, ctx);
        } catch {
          return giveUp();
        }
        applyHeaderRecord(rec, b, p, spec, ctx, state);
        countSideRecord(
          rec,
          acc,
          (r, time) => queue.pushSide(r, time),
          () => queue.round(),
        );
        p += size;
      }
      return p;
    };
    let bufPos = pd.dataOffset;
    let filePos = pd.dataOffset;
    let len = 0;
    for (;;) {
      if (filePos < end) {
        const bytesRead = await src.read(buf, len, Math.min(buf.length - len, end - filePos), filePos);
        if (bytesRead === 0) giveUp();
        len += bytesRead;
        filePos += bytesRead;
      }
      const p = decodeChunk(len, bufPos);
      if (p > 0) {
        buf.copy(buf, 0, p, len);
        len -= p;
        bufPos += p;
      }
      if (filePos >= end) break;
    }
    if (len > 0) giveUp(); // a record cut at the data section's end: the general pass reports it
    queue.finish();
  } finally {
    await src.close();
  }
  return acc;
}

/**
 * OrderedQueue's delivery order, for samples held in typed columns and a few side-band records held as objects:
 * every queued item in (time, arrival) order, up to the round's limit.
 */
class SampleQueue {
  private n = 0;
  private time = new Float64Array(1024);
  private seq = new Float64Array(1024);
  private ev = new Uint16Array(1024);
  private pid = new Int32Array(1024);
  private ipHi = new Uint32Array(1024);
  private ipLo = new Uint32Array(1024);
  private mode = new Uint8Array(1024);
  private period = new Float64Array(1024);
  private tid = new Int32Array(1024);
  private cpu = new Int32Array(1024);
  private chain = new Int32Array(1024);
  private side: { time: number; seq: number; rec: PerfRecord }[] = [];
  private arrivals = 0;
  private nextFlush = 0;
  private maxTime = 0;

  constructor(
    private readonly count: (
      ev: number,
      pid: number,
      ip: Addr,
      cpumode: number,
      period: number,
      tid: number,
      cpu: number,
      time: number,
      chain: number,
    ) => void,
    private readonly deliverSide: (r: PerfRecord) => void,
  ) {}

  push(
    time: number,
    ev: number,
    pid: number,
    ipHi: number,
    ipLo: number,
    mode: number,
    period: number,
    tid: number,
    cpu: number,
    chain: number,
  ): void {
    if (this.n === this.time.length) this.grow();
    const i = this.n++;
    this.time[i] = time;
    this.seq[i] = this.arrivals++;
    this.ev[i] = ev;
    this.pid[i] = pid;
    this.ipHi[i] = ipHi;
    this.ipLo[i] = ipLo;
    this.mode[i] = mode;
    this.period[i] = period;
    this.tid[i] = tid;
    this.cpu[i] = cpu;
    this.chain[i] = chain;
    if (time > this.maxTime) this.maxTime = time;
    if (this.n + this.side.length > MAX_QUEUED) giveUp();
  }

  pushSide(rec: PerfRecord, time: number | undefined): void {
    if (!time) {
      this.deliverSide(rec);
      return;
    }
    this.side.push({ time, seq: this.arrivals++, rec });
    if (time > this.maxTime) this.maxTime = time;
    if (this.n + this.side.length > MAX_QUEUED) giveUp();
  }

  round(): void {
    if (this.n + this.side.length === 0) return;
    this.flushUpTo(this.nextFlush);
    this.nextFlush = this.maxTime;
  }

  finish(): void {
    this.flushUpTo(Infinity);
  }

  private deliver(i: number): void {
    const hi = this.ipHi[i]!;
    const lo = this.ipLo[i]!;
    this.count(
      this.ev[i]!,
      this.pid[i]!,
      hi < SAFE_HI ? hi * TWO32 + lo : (BigInt(hi) << 32n) | BigInt(lo),
      this.mode[i]!,
      this.period[i]!,
      this.tid[i]!,
      this.cpu[i]!,
      this.time[i]!,
      this.chain[i]!,
    );
  }

  private flushUpTo(limit: number): void {
    if (!limit) return;
    const due = this.side.length
      ? this.side.filter((s) => s.time <= limit).sort((a, b) => a.time - b.time || a.seq - b.seq)
      : [];
    const { time, seq, ev, pid, ipHi, ipLo, mode, period, count, tid, cpu, chain } = this;
    const n = this.n;
    if (due.length > 0) {
      const idx: number[] = [];
      for (let i = 0; i < n; i++) if (time[i]! <= limit) idx.push(i);
      idx.sort((a, b) => time[a]! - time[b]! || seq[a]! - seq[b]!);
      let k = 0;
      for (const i of idx) {
        while (k < due.length && (due[k]!.time < time[i]! || (due[k]!.time === time[i]! && due[k]!.seq < seq[i]!)))
          this.deliverSide(due[k++]!.rec);
        this.deliver(i);
      }
      while (k < due.length) this.deliverSide(due[k++]!.rec);
      this.side = this.side.filter((s) => s.time > limit);
    }
    // One pass: count what is due (unless counted in order above), keep the rest in arrival order.
    const counted = due.length > 0;
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (time[i]! <= limit) {
        if (!counted) {
          const hi = ipHi[i]!;
          count(
            ev[i]!,
            pid[i]!,
            hi < SAFE_HI ? hi * TWO32 + ipLo[i]! : (BigInt(hi) << 32n) | BigInt(ipLo[i]!),
            mode[i]!,
            period[i]!,
            tid[i]!,
            cpu[i]!,
            time[i]!,
            chain[i]!,
          );
        }
        continue;
      }
      if (w !== i) {
        time[w] = time[i]!;
        seq[w] = seq[i]!;
        ev[w] = ev[i]!;
        pid[w] = pid[i]!;
        ipHi[w] = ipHi[i]!;
        ipLo[w] = ipLo[i]!;
        mode[w] = mode[i]!;
        period[w] = period[i]!;
        tid[w] = tid[i]!;
        cpu[w] = cpu[i]!;
        chain[w] = chain[i]!;
      }
      w++;
    }
    this.n = w;
  }

  private grow(): void {
    const size = this.time.length * 2;
    const more = <A extends Float64Array | Uint16Array | Int32Array | Uint32Array | Uint8Array>(
      a: A,
      make: new (n: number) => A,
    ): A => {
      const b = new make(size);
      b.set(a);
      return b;
    };
    this.time = more(this.time, Float64Array);
    this.seq = more(this.seq, Float64Array);
    this.ev = more(this.ev, Uint16Array);
    this.pid = more(this.pid, Int32Array);
    this.ipHi = more(this.ipHi, Uint32Array);
    this.ipLo = more(this.ipLo, Uint32Array);
    this.mode = more(this.mode, Uint8Array);
    this.period = more(this.period, Float64Array);
    this.tid = more(this.tid, Int32Array);
    this.cpu = more(this.cpu, Int32Array);
    this.chain = more(this.chain, Int32Array);
  }
}

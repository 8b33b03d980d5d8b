/**
 * PERF_RECORD_SAMPLE: fields in the kernel's order (perf_output_sample), each present only when its
 * sample_type bit is set. Every variable-length field is bounds-checked against the record before it is read,
 * so a damaged sample produces a 'bad-sample' error instead of reading into the next record.
 *
 * This is the hot path (one call per sample): no closures or arrays are created per call, and the constants
 * are module-local numbers rather than property reads on an imported object.
 */
import { Bytes, type Addr } from './binary';
import { BRANCH_COUNTERS, BRANCH_HW_INDEX, KNOWN_SAMPLE_TYPE_BITS, Misc, ReadFormat, SampleType } from './constants';
import type { DecodeContext } from './context';
import { PerfDataError } from './errors';
import type { SampleRecord } from './types';

const {
  IDENTIFIER,
  IP,
  TID,
  TIME,
  ADDR,
  ID,
  STREAM_ID,
  CPU,
  PERIOD,
  READ,
  CALLCHAIN,
  RAW,
  BRANCH_STACK,
  REGS_USER,
  STACK_USER,
  WEIGHT,
  WEIGHT_STRUCT,
  DATA_SRC,
  TRANSACTION,
  REGS_INTR,
  PHYS_ADDR,
  CGROUP,
  DATA_PAGE_SIZE,
  CODE_PAGE_SIZE,
  AUX,
} = SampleType;
const RF_GROUP = ReadFormat.GROUP;
const RF_ID = ReadFormat.ID;
const RF_LOST = ReadFormat.LOST;
const RF_ENABLED = ReadFormat.TOTAL_TIME_ENABLED;
const RF_RUNNING = ReadFormat.TOTAL_TIME_RUNNING;
const CPUMODE_MASK = Misc.CPUMODE_MASK;
/** Fields after PERIOD: their presence means the slow, variable-length part of the decoder is needed. */
const TAIL_FIELDS =
  KNOWN_SAMPLE_TYPE_BITS & ~(IDENTIFIER | IP | TID | TIME | ADDR | ID | STREAM_ID | CPU | PERIOD | CALLCHAIN);

/** Bytes of the fixed head (IDENTIFIER … PERIOD), 8 per present field. */
export function sampleHeadSize(sampleType: number): number {
  let n = 0;
  for (const bit of [IDENTIFIER, IP, TID, TIME, ADDR, ID, STREAM_ID, CPU, PERIOD]) if (sampleType & bit) n += 8;
  return n;
}

function bad(ctx: DecodeContext, fileOffset: number, compressed: boolean, size: number, what: string): never {
  throw new PerfDataError(
    'bad-sample',
    ctx.path,
    fileOffset,
    `${compressed ? 'in compressed data: ' : ''}SAMPLE record of ${size} bytes: ${what}`,
  );
}

function short(
  ctx: DecodeContext,
  fileOffset: number,
  compressed: boolean,
  size: number,
  what: string,
  n: number,
  at: number,
): never {
  return bad(ctx, fileOffset, compressed, size, `${what} runs past the record's end (needs ${n} bytes at +${at})`);
}

export function decodeSample(
  b: Bytes,
  off: number,
  size: number,
  fileOffset: number,
  compressed: boolean,
  ctx: DecodeContext,
): SampleRecord {
  const end = off + size;
  const misc = b.u16(off + 4);
  let event = 0;
  if (ctx.attrs.length === 0) bad(ctx, fileOffset, compressed, size, 'no attr describes it');
  if (ctx.attrs.length > 1) {
    if (ctx.sampleIdPos === -2) {
      bad(ctx, fileOffset, compressed, size, 'the events disagree on where the sample id is and none has IDENTIFIER');
    }
    if (ctx.sampleIdPos >= 0) {
      const idOff = off + 8 + ctx.sampleIdPos * 8;
      if (idOff + 8 > end) bad(ctx, fileOffset, compressed, size, 'too short to hold its sample id');
      event = ctx.attrForId(b.num(idOff));
    }
  }
  const rec: SampleRecord = {
    kind: 'sample',
    type: 9,
    misc,
    size,
    offset: fileOffset,
    compressed,
    event,
    cpumode: misc & CPUMODE_MASK,
    period: 0,
  };
  if (event < 0) return rec;
  const attr = ctx.attrs[event]!;
  const layout = ctx.layouts[event]!;
  const st = attr.sampleType;
  if (st > KNOWN_SAMPLE_TYPE_BITS) {
    bad(ctx, fileOffset, compressed, size, `sample_type 0x${st.toString(16)} has bits this reader cannot size`);
  }
  // In freq mode attr.sample_period holds the frequency, and perf always samples PERIOD then; count 1 if not.
  rec.period = attr.freq ? 1 : attr.samplePeriod;
  let p = off + 8;
  if (p + layout.headSize > end) short(ctx, fileOffset, compressed, size, 'the fixed fields', layout.headSize, 8);
  if (st & IDENTIFIER) {
    rec.id = b.num(p);
    p += 8;
  }
  if (st & IP) {
    rec.ip = b.addr(p);
    p += 8;
  }
  if (st & TID) {
    rec.pid = b.i32(p);
    rec.tid = b.i32(p + 4);
    p += 8;
  }
  if (st & TIME) {
    rec.time = b.num(p);
    p += 8;
  }
  if (st & ADDR) {
    rec.addr = b.addr(p);
    p += 8;
  }
  if (st & ID) {
    rec.id = b.num(p);
    p += 8;
  }
  if (st & STREAM_ID) {
    rec.streamId = b.num(p);
    p += 8;
  }
  if (st & CPU) {
    rec.cpu = b.u32(p);
    p += 8;
  }
  if (st & PERIOD) {
    rec.period = b.num(p);
    p += 8;
  }
  if (st & READ) p = decodeRead(b, p, end, off, rec, attr.readFormat, ctx);
  if (st & CALLCHAIN) {
    if (p + 8 > end) short(ctx, fileOffset, compressed, size, 'CALLCHAIN count', 8, p - off);
    const nr = b.num(p);
    p += 8;
    if (p + nr * 8 > end) short(ctx, fileOffset, compressed, size, `CALLCHAIN of ${nr} entries`, nr * 8, p - off);
    if (ctx.callchains) {
      const chain: Addr[] = new Array(nr);
      for (let i = 0; i < nr; i++) chain[i] = b.addr(p + i * 8);
      rec.callchain = chain;
    }
    p += nr * 8;
  }
  if (st & TAIL_FIELDS) decodeTail(b, p, end, off, rec, st, ctx);
  return rec;
}

function decodeRead(
  b: Bytes,
  p: number,
  end: number,
  off: number,
  rec: SampleRecord,
  rf: number,
  ctx: DecodeContext,
): number {
  const need = (n: number, what: string) => {
    if (p + n > end) short(ctx, rec.offset, rec.compressed, rec.size, what, n, p - off);
  };
  const read: NonNullable<SampleRecord['read']> = { values: [] };
  const perValue = 1 + (rf & RF_ID ? 1 : 0) + (rf & RF_LOST ? 1 : 0);
  let nr = 1;
  if (rf & RF_GROUP) {
    need(8, 'READ group count');
    nr = b.num(p);
    p += 8;
  } else {
    need(8, 'READ value');
    read.values.push({ value: b.num(p) });
    p += 8;
  }
  if (rf & RF_ENABLED) {
    need(8, 'READ time_enabled');
    read.timeEnabled = b.num(p);
    p += 8;
  }
  if (rf & RF_RUNNING) {
    need(8, 'READ time_running');
    read.timeRunning = b.num(p);
    p += 8;
  }
  if (rf & RF_GROUP) {
    need(nr * perValue * 8, `READ group of ${nr} values`);
    for (let i = 0; i < nr; i++) {
      const v: (typeof read.values)[number] = { value: b.num(p) };
      p += 8;
      if (rf & RF_ID) {
        v.id = b.num(p);
        p += 8;
      }
      if (rf & RF_LOST) {
        v.lost = b.num(p);
        p += 8;
      }
      read.values.push(v);
    }
  } else {
    need((perValue - 1) * 8, 'READ id/lost');
    const v = read.values[0]!;
    if (rf & RF_ID) {
      v.id = b.num(p);
      p += 8;
    }
    if (rf & RF_LOST) {
      v.lost = b.num(p);
      p += 8;
    }
  }
  rec.read = read;
  return p;
}

/** The fields after CALLCHAIN: rare in heat profiles, so clarity over speed. */
function decodeTail(
  b: Bytes,
  p: number,
  end: number,
  off: number,
  rec: SampleRecord,
  st: number,
  ctx: DecodeContext,
): void {
  const attr = ctx.attrs[rec.event]!;
  const layout = ctx.layouts[rec.event]!;
  const need = (n: number, what: string) => {
    if (p + n > end) short(ctx, rec.offset, rec.compressed, rec.size, what, n, p - off);
  };
  const regs = (count: number, what: string): { abi: number; regs: bigint[] } => {
    need(8, `${what} abi`);
    const abi = b.num(p);
    p += 8;
    // abi 0 (PERF_SAMPLE_REGS_ABI_NONE) means no registers follow, e.g. a kernel thread's user regs.
    if (!abi) return { abi, regs: [] };
    need(count * 8, `${what} of ${count} registers`);
    const out: bigint[] = [];
    for (let i = 0; i < count; i++, p += 8) out.push(b.big(p));
    return { abi, regs: out };
  };
  if (st & RAW) {
    // The only u32-sized length: u32 size + data is padded so the next field is 8-byte aligned again.
    need(4, 'RAW size');
    const n = b.u32(p);
    need(4 + n, `RAW of ${n} bytes`);
    rec.raw = new Uint8Array(b.buf.subarray(p + 4, p + 4 + n)); // a copy: the chunk buffer is reused
    p += 4 + n;
  }
  if (st & BRANCH_STACK) {
    need(8, 'BRANCH_STACK count');
    const nr = b.num(p);
    p += 8;
    const bs: NonNullable<SampleRecord['branchStack']> = { entries: [] };
    if (attr.branchSampleType & BRANCH_HW_INDEX) {
      need(8, 'BRANCH_STACK hw_idx');
      bs.hwIdx = b.num(p);
      p += 8;
    }
    need(nr * 24, `BRANCH_STACK of ${nr} entries`);
    for (let i = 0; i < nr; i++, p += 24) bs.entries.push({ from: b.addr(p), to: b.addr(p + 8), flags: b.big(p + 16) });
    if (attr.branchSampleType & BRANCH_COUNTERS) {
      need(nr * 8, 'BRANCH_STACK counters');
      p += nr * 8;
    }
    rec.branchStack = bs;
  }
  if (st & REGS_USER) rec.regsUser = regs(layout.regsUser, 'REGS_USER');
  if (st & STACK_USER) {
    need(8, 'STACK_USER size');
    const n = b.num(p);
    p += 8;
    need(n, `STACK_USER of ${n} bytes`);
    p += n;
    let dyn = 0;
    if (n) {
      need(8, 'STACK_USER dyn_size');
      dyn = b.num(p);
      p += 8;
    }
    rec.stackUser = { size: n, dynSize: dyn };
  }
  if (st & (WEIGHT | WEIGHT_STRUCT)) {
    need(8, 'WEIGHT');
    rec.weight = b.big(p);
    p += 8;
  }
  if (st & DATA_SRC) {
    need(8, 'DATA_SRC');
    rec.dataSrc = b.big(p);
    p += 8;
  }
  if (st & TRANSACTION) {
    need(8, 'TRANSACTION');
    rec.transaction = b.big(p);
    p += 8;
  }
  if (st & REGS_INTR) rec.regsIntr = regs(layout.regsIntr, 'REGS_INTR');
  if (st & PHYS_ADDR) {
    need(8, 'PHYS_ADDR');
    rec.physAddr = b.addr(p);
    p += 8;
  }
  if (st & CGROUP) {
    need(8, 'CGROUP');
    rec.cgroup = b.num(p);
    p += 8;
  }
  if (st & DATA_PAGE_SIZE) {
    need(8, 'DATA_PAGE_SIZE');
    rec.dataPageSize = b.num(p);
    p += 8;
  }
  if (st & CODE_PAGE_SIZE) {
    need(8, 'CODE_PAGE_SIZE');
    rec.codePageSize = b.num(p);
    p += 8;
  }
  if (st & AUX) {
    need(8, 'AUX size');
    const n = b.num(p);
    p += 8;
    need(n, `AUX of ${n} bytes`);
    rec.auxSize = n;
  }
}

/** True for a callchain entry that is a PERF_CONTEXT_* marker, not an address. */
export function isContextMarker(a: Addr): boolean {
  return typeof a === 'bigint' && a >= 0xfffffffffffff001n;
}

/**
 * The records the reader yields. Only what heat attribution and its diagnostics need is decoded; every other
 * record type still comes out (as `other`) so a consumer can count it, and is skipped by its size.
 */
import type { Addr } from './binary';
import type { PerfEventAttr } from './attr';

interface RecordBase {
  /** The PERF_RECORD_* number. */
  type: number;
  misc: number;
  size: number;
  /** File offset of the record; for a record unpacked from COMPRESSED data, that of the COMPRESSED record. */
  offset: number;
  /** True when the record came out of a COMPRESSED record (`perf record -z`). */
  compressed: boolean;
}

/** The sample_id_all trailer of a non-sample kernel record: who and when, and which event's buffer it came from. */
export interface SampleId {
  pid?: number;
  tid?: number;
  time?: number;
  id?: number;
  streamId?: number;
  cpu?: number;
  /** Index into the attrs; -1 when the id matches none. */
  event: number;
}

export interface ReadValue {
  value: number;
  id?: number;
  lost?: number;
}

export interface SampleRecord extends RecordBase {
  kind: 'sample';
  /** Index into the attrs (the event this sample counts for); -1 when its id matches no attr (perf skips those). */
  event: number;
  /** misc & 7: 1 kernel, 2 user, 3 hypervisor, 4 guest kernel, 5 guest user. */
  cpumode: number;
  ip?: Addr;
  pid?: number;
  tid?: number;
  /** ns; exact below 2^53 ns (104 days of uptime), within a few ns above. */
  time?: number;
  addr?: Addr;
  id?: number;
  streamId?: number;
  cpu?: number;
  /** The sampled period, or the attr's fixed sample_period when PERIOD is not sampled. */
  period: number;
  read?: { timeEnabled?: number; timeRunning?: number; values: ReadValue[] };
  /** Raw entries, PERF_CONTEXT_* markers included (see isContextMarker); omitted when the reader skips callchains. */
  callchain?: Addr[];
  /** A copy of the RAW payload (tracepoint data). */
  raw?: Uint8Array;
  branchStack?: { hwIdx?: number; entries: { from: Addr; to: Addr; flags: bigint }[] };
  regsUser?: { abi: number; regs: bigint[] };
  /** The user stack copy is not kept, only its sizes. */
  stackUser?: { size: number; dynSize: number };
  weight?: bigint;
  dataSrc?: bigint;
  transaction?: bigint;
  regsIntr?: { abi: number; regs: bigint[] };
  physAddr?: Addr;
  cgroup?: number;
  dataPageSize?: number;
  codePageSize?: number;
  auxSize?: number;
}

export interface MmapRecord extends RecordBase {
  kind: 'mmap';
  /** -1 for the kernel and its modules. */
  pid: number;
  tid: number;
  addr: Addr;
  len: Addr;
  pgoff: Addr;
  filename: string;
  /** MMAP2 only. */
  prot?: number;
  flags?: number;
  maj?: number;
  min?: number;
  ino?: number;
  inoGeneration?: number;
  /** MMAP2 with misc & 0x4000: the DSO's build-id, hex. */
  buildId?: string;
  sampleId?: SampleId;
}

export interface CommRecord extends RecordBase {
  kind: 'comm';
  pid: number;
  tid: number;
  comm: string;
  /** The comm changed because the process exec'ed. */
  exec: boolean;
  sampleId?: SampleId;
}

export interface TaskRecord extends RecordBase {
  kind: 'fork' | 'exit';
  pid: number;
  ppid: number;
  tid: number;
  ptid: number;
  time: number;
  sampleId?: SampleId;
}

export interface LostRecord extends RecordBase {
  kind: 'lost';
  id: number;
  /** Events the kernel dropped because the ring buffer was full. */
  lost: number;
  sampleId?: SampleId;
}

export interface LostSamplesRecord extends RecordBase {
  kind: 'lost-samples';
  lost: number;
  sampleId?: SampleId;
}

export interface FinishedRoundRecord extends RecordBase {
  kind: 'finished-round';
}

/** Pipe mode: an event's attr and ids. */
export interface AttrRecord extends RecordBase {
  kind: 'attr';
  attr: PerfEventAttr;
}

/** Pipe mode, old perf: an event's name by config. */
export interface EventTypeRecord extends RecordBase {
  kind: 'event-type';
  eventId: bigint;
  name: string;
}

export interface BuildIdRecord extends RecordBase {
  kind: 'build-id';
  pid: number;
  buildId: string;
  filename: string;
}

export interface EventUpdateRecord extends RecordBase {
  kind: 'event-update';
  /** 0 unit, 1 scale, 2 name, 3 cpus. */
  updateType: number;
  id: number;
  name?: string;
  unit?: string;
  scale?: number;
}

/** Pipe mode: one header feature section, carried as a record (its content is merged into `features`). */
export interface FeatureRecord extends RecordBase {
  kind: 'feature';
  feature: number;
}

export interface OtherRecord extends RecordBase {
  kind: 'other';
}

export type PerfRecord =
  | SampleRecord
  | MmapRecord
  | CommRecord
  | TaskRecord
  | LostRecord
  | LostSamplesRecord
  | FinishedRoundRecord
  | AttrRecord
  | EventTypeRecord
  | BuildIdRecord
  | EventUpdateRecord
  | FeatureRecord
  | OtherRecord;

export interface BuildIdEntry {
  /** -1 for host-wide entries (perf writes all of them so). */
  pid: number;
  /** cpumode of the DSO (1 kernel, 2 user…). */
  cpumode: number;
  buildId: string;
  filename: string;
}

/** The header feature sections (or pipe-mode feature records) this reader understands. */
export interface PerfDataFeatures {
  /** Feature bits present in the file. */
  present: number[];
  hostname?: string;
  osRelease?: string;
  perfVersion?: string;
  arch?: string;
  nrCpus?: { online: number; available: number };
  cpuDesc?: string;
  cpuId?: string;
  totalMemKiB?: number;
  cmdline?: string[];
  /** EVENT_DESC: each event's name and ids. */
  eventDesc?: { name: string; ids: number[] }[];
  /** TRACING_DATA (the feature, or pipe mode's record): tracepoint id → `system:name` (tracing-data.ts). */
  tracepoints?: Map<number, string>;
  buildIds: BuildIdEntry[];
  sampleTime?: { first: number; last: number };
  compression?: { version: number; type: number; level: number; ratio: number; mmapLen: number };
}

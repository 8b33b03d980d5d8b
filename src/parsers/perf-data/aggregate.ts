/**
 * `summarizePerfData(path)`: one pass over a perf.data file giving what a heat view needs: the events, per-event
 * sample and period totals, per (DSO, file offset) counts, lost samples, build-ids and the command line.
 *
 * Memory is proportional to the number of distinct sampled addresses (plus the maps and two rounds of queued
 * records), never to the number of samples: samples are counted as they are replayed and then dropped.
 */
import { type Addr } from './binary';
import { SampleType } from './constants';
import { OrderedQueue } from './ordered';
import type { ByteSourceOpener } from './byte-source';
import { openPerfData, type PerfData, type PerfDataTruncation } from './reader';
import {
  countSideRecord,
  deliverSideRecord,
  emptyAccumulated,
  summarizeSimple,
  type Accumulated,
  type SummaryWants,
} from './simple-samples';
import type { PerfRecord, SampleRecord } from './types';
import type { CallchainSummary } from './callchains';
import { isEmptyFilter, SampleFilterState, type SampleFilter } from './sample-filter';

export interface EventSummary {
  /** Index into the file's attrs: the position of this event's column in every `samples`/`period` array. */
  index: number;
  name: string;
  type: number;
  /** perf_event_attr.config, hex. */
  config: string;
  samples: number;
  period: number;
}

export interface AddressCounts {
  dso: string;
  /** See ResolvedAddress.fileOffset: a file offset for user DSOs, the address for the kernel and `[unknown]`. */
  fileOffset: Addr;
  /** Per event, indexed like `events`. */
  samples: number[];
  period: number[];
}

export interface PerfDataSummary {
  path: string;
  format: 'file' | 'pipe';
  byteOrder: 'little' | 'big';
  events: EventSummary[];
  /** Sorted by DSO, then file offset. */
  addresses: AddressCounts[];
  lost: {
    /** PERF_RECORD_LOST: events the kernel dropped on a full ring buffer (samples and side-band alike). */
    events: number;
    /** PERF_RECORD_LOST_SAMPLES: samples dropped before they reached the buffer. */
    samples: number;
  };
  /** Samples whose id matches no event (perf drops them too). */
  unknownEventSamples: number;
  /** Samples that carry no ip (the event was recorded without PERF_SAMPLE_IP), per event; counted in the totals. */
  samplesWithoutIp: number;
  samplesWithoutIpByEvent: number[];
  /**
   * Leader-sampled groups (PERF_SAMPLE_READ): how many samples were weighted by the counter values they read, and
   * how many group values named no event (perf's nr_unknown_id) or read no change (perf delivers nothing for those).
   */
  groupRead?: { samples: number; unknownIds: number; zeroDeltas: number };
  /** pgoff of the `[kernel.kallsyms]_text` map: the recorded kernel's `_text`, to relocate a kallsyms copy by. */
  kernelText?: Addr;
  /** DSO path as recorded → build-id (hex), from the BUILD_ID feature, pipe-mode records and MMAP2. */
  buildIds: Record<string, string>;
  cmdline?: string[];
  hostname?: string;
  osRelease?: string;
  arch?: string;
  perfVersion?: string;
  /** Record counts by PERF_RECORD_* type, COMPRESSED ones counted by what they contained. */
  recordTypes: Record<number, number>;
  truncated?: PerfDataTruncation;
  /** Present when the events sampled callchains (`perf record -g`) and they were asked for. */
  callchains?: CallchainSummary;
  /** Present when a filter was given: the samples it kept are the summary; `droppedSamples` were not read. */
  filter?: { filter: SampleFilter; droppedSamples: number };
  warnings: string[];
}

export interface SummaryOptions {
  chunkSize?: number;
  source?: ByteSourceOpener;
  /** Aggregate callchains when the events sampled them (default true). */
  callchains?: boolean;
  /** perf report's --tid / --comm / --cpu / --time. */
  filter?: SampleFilter;
}

export async function summarizePerfData(path: string, opts: SummaryOptions = {}): Promise<PerfDataSummary> {
  const pd = await openPerfData(path, { source: opts.source });
  const sampled = pd.attrs.some((a) => (a.sampleType & SampleType.CALLCHAIN) !== 0);
  const filter = isEmptyFilter(opts.filter) ? undefined : opts.filter;
  const wants = (): SummaryWants => ({
    callchains: (opts.callchains ?? true) && sampled,
    ...(filter ? { filter: new SampleFilterState(filter) } : {}),
  });
  // The common shape (file mode, fixed sample fields) without an object per sample; anything else the general way.
  const acc =
    (await summarizeSimple(pd, opts.chunkSize ?? 1 << 20, wants())) ??
    (await summarizeRecords(pd, opts.chunkSize, wants()));
  const {
    byDso,
    totals,
    buildIds,
    recordTypes,
    unknownEventSamples,
    samplesWithoutIp,
    withoutIpByEvent,
    lostEvents,
    lostSamples,
    kernelText,
  } = acc;
  const { groupSamples, unknownIds, zeroDeltas } = acc;

  for (const b of pd.features.buildIds) buildIds[b.filename] ??= b.buildId;
  const n = pd.attrs.length;
  const addresses: AddressCounts[] = [];
  for (const [dso, offsets] of byDso) {
    for (const [fileOffset, c] of offsets) {
      const samples: number[] = new Array(n);
      const period: number[] = new Array(n);
      for (let e = 0; e < n; e++) {
        samples[e] = c[2 * e] ?? 0;
        period[e] = c[2 * e + 1] ?? 0;
      }
      addresses.push({ dso, fileOffset, samples, period });
    }
  }
  addresses.sort((a, b) =>
    a.dso < b.dso ? -1 : a.dso > b.dso ? 1 : a.fileOffset < b.fileOffset ? -1 : a.fileOffset > b.fileOffset ? 1 : 0,
  );

  const f = pd.features;
  const summary: PerfDataSummary = {
    path,
    format: pd.format,
    byteOrder: pd.littleEndian ? 'little' : 'big',
    events: pd.attrs.map((a, index) => ({
      index,
      name: a.name,
      type: a.type,
      config: '0x' + a.config.toString(16),
      samples: totals[index]?.samples ?? 0,
      period: totals[index]?.period ?? 0,
    })),
    addresses,
    lost: { events: lostEvents, samples: lostSamples },
    unknownEventSamples,
    samplesWithoutIp,
    samplesWithoutIpByEvent: pd.attrs.map((_, i) => withoutIpByEvent[i] ?? 0),
    buildIds,
    recordTypes,
    warnings: pd.warnings,
  };
  if (f.cmdline) summary.cmdline = f.cmdline;
  if (f.hostname !== undefined) summary.hostname = f.hostname;
  if (f.osRelease !== undefined) summary.osRelease = f.osRelease;
  if (f.arch !== undefined) summary.arch = f.arch;
  if (f.perfVersion !== undefined) summary.perfVersion = f.perfVersion;
  if (pd.truncation) summary.truncated = pd.truncation;
  if (groupSamples) summary.groupRead = { samples: groupSamples, unknownIds, zeroDeltas };
  if (kernelText !== undefined) summary.kernelText = kernelText;
  if (acc.chains) summary.callchains = acc.chains.result(n);
  if (filter) summary.filter = { filter, droppedSamples: acc.filteredOut };
  if (acc.stackUserSamples && acc.chains) {
    summary.warnings = [
      ...summary.warnings,
      `${acc.stackUserSamples} samples were recorded with --call-graph dwarf: their user-space callers are in a stack copy that perf unwinds with libdw, which Perf Heat does not do, so those samples' call graph has only their kernel frames and the sampled function. Record with -g (frame pointers, build with -fno-omit-frame-pointer) for callers.`,
    ];
  }
  return summary;
}

/** Every record as an object, replayed through the OrderedQueue: any file the reader reads. */
export async function summarizeRecords(
  pd: PerfData,
  chunkSize: number | undefined,
  wants: SummaryWants = { callchains: false },
): Promise<Accumulated> {
  const acc = emptyAccumulated(wants);
  const { spaces, byDso, totals, recordTypes, withoutIpByEvent, chains, filter } = acc;
  // PERF_SAMPLE_READ: the last value read per sample id, to weight each member by its delta (perf's sid->period).
  const lastRead = new Map<number, number>();
  const attrOfId = new Map<number, number>();
  pd.attrs.forEach((a, i) => a.ids.forEach((id) => attrOfId.set(id, i)));

  /**
   * perf_session__deliver_sample: a sample with PERF_SAMPLE_READ is delivered once per value it read, to the event
   * that value's id belongs to, weighted by how much that counter grew since the last sample with this id; values
   * with no growth, or an id of no event, deliver nothing.
   */
  const deliverRead = (s: SampleRecord): void => {
    acc.groupSamples++;
    for (const v of s.read!.values) {
      const ev = v.id === undefined ? undefined : attrOfId.get(v.id);
      if (ev === undefined || v.id === undefined) {
        acc.unknownIds++;
        continue;
      }
      const delta = v.value - (lastRead.get(v.id) ?? 0);
      lastRead.set(v.id, v.value);
      if (delta === 0) {
        acc.zeroDeltas++;
        continue;
      }
      countOne(s, ev, delta);
    }
  };

  const countSample = (s: SampleRecord): void => {
    if (filter && !filter.accepts(s.tid, s.cpu, s.time)) {
      acc.filteredOut++;
      return;
    }
    if (s.stackUser) acc.stackUserSamples++;
    if (s.read && pd.attrs[s.event]?.sampleType !== undefined && pd.attrs[s.event]!.sampleType & SampleType.READ)
      deliverRead(s);
    else countOne(s, s.event, s.period);
  };

  const countOne = (s: SampleRecord, ev: number, period: number): void => {
    const t = totals[ev] ?? (totals[ev] = { samples: 0, period: 0 });
    t.samples++;
    t.period += period;
    if (s.ip === undefined) {
      acc.samplesWithoutIp++;
      withoutIpByEvent[ev] = (withoutIpByEvent[ev] ?? 0) + period;
      return;
    }
    if (chains)
      chains.count(
        s.callchain?.length ? chains.internAddrs(s.callchain) : -1,
        s.pid ?? -1,
        s.ip,
        s.cpumode,
        ev,
        period,
      );
    const r = spaces.resolve(s.pid ?? -1, s.ip, s.cpumode);
    let offsets = byDso.get(r.dso);
    if (!offsets) byDso.set(r.dso, (offsets = new Map()));
    let c = offsets.get(r.fileOffset);
    if (!c) offsets.set(r.fileOffset, (c = []));
    // [samples, period] per event, interleaved; holes (events never seen here) read as 0 later.
    c[2 * ev] = (c[2 * ev] ?? 0) + 1;
    c[2 * ev + 1] = (c[2 * ev + 1] ?? 0) + period;
  };

  const queue = new OrderedQueue<PerfRecord>((r) => {
    if (r.kind === 'sample') countSample(r);
    else deliverSideRecord(r, acc);
  });

  for await (const batch of pd.batches({ callchains: chains !== undefined, chunkSize })) {
    for (const r of batch) {
      recordTypes[r.type] = (recordTypes[r.type] ?? 0) + 1;
      if (r.kind === 'sample') {
        if (r.event < 0) acc.unknownEventSamples++;
        else queue.push(r, r.time);
      } else
        countSideRecord(
          r,
          acc,
          (rec, time) => queue.push(rec, time),
          () => queue.round(),
        );
    }
  }
  queue.finish();
  return acc;
}

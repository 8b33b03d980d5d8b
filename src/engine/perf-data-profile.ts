/**
 * perf.data → Profile, without perf: the native reader aggregates samples per (DSO, file offset); each DSO's
 * binary is found and checked against the recorded build-id; offsets become ELF addresses through its PT_LOAD
 * segments; one batched addr2line per binary gives the inline chains. Counts are periods, as perf report's
 * Overhead column, so shares equal `perf report --no-children --sort srcline`.
 */
import { basename } from 'node:path';
import { ProfileFormatError } from '../parsers/errors';
import {
  JIT_DSO_PREFIX,
  PerfDataError,
  addrToHex,
  describeFilter,
  isKernelModuleDso,
  openPerfData,
  summarizePerfData,
  type AddressCounts,
  type PerfDataSummary,
} from '../parsers/perf-data';
import { dropPrefetched, prefetchForBuildIds } from '../symbolize/prefetch';
import { ProfileBuilder, type Profile, type ProfileMetadata } from '../model/profile';
import { symbolizeDso, type SymbolizedAddress } from './symbolize-dso';
import { KERNEL, addKernelSamples, kernelFrameNames } from './kernel-samples';
import { symbolizedCallchains } from './callchain-frames';
import { coverageWarning } from './coverage';
import { addJitSamples } from './jit-samples';
import type { LoadOptions } from './load-profile';

export async function loadPerfDataProfile(path: string, options: LoadOptions): Promise<Profile> {
  let summary: PerfDataSummary;
  const prefetch = prefetchDebugFiles(path, options);
  try {
    summary = await summarizePerfData(path, { filter: options.filter, callchains: options.callchains });
  } catch (e) {
    if (e instanceof PerfDataError) throw new ProfileFormatError(path, { offset: e.offset }, e.detail);
    throw e;
  }
  const metadata: ProfileMetadata = {
    format: `perf.data (${summary.format === 'pipe' ? 'pipe mode, ' : ''}${summary.byteOrder}-endian)`,
    binaries: [],
    command: summary.cmdline?.join(' '),
    lostSamples: summary.lost.samples,
  };
  const builder = new ProfileBuilder(
    path,
    summary.events.map((e) => ({ name: e.name, unit: 'period' })),
    metadata,
  );
  for (const w of summary.warnings) builder.warn(`${basename(path)}: ${w}`);
  if (summary.filter) {
    builder.setFilter(describeFilter(summary.filter.filter));
    if (summary.events.every((e) => e.samples === 0))
      builder.warn(`${basename(path)}: no sample is left by the filter (${describeFilter(summary.filter.filter)}).`);
  }
  if (summary.truncated) {
    const t = summary.truncated;
    builder.warn(
      `${basename(path)} is truncated: ${t.detail}; ${t.complete ? 'every complete record was read, ' : ''}${t.bytesLost} bytes were lost.`,
    );
  }
  if (summary.lost.samples > 0)
    builder.warn(`perf lost ${summary.lost.samples} samples while recording (shares are of what was recorded).`);

  const byDso = new Map<string, AddressCounts[]>();
  for (const a of summary.addresses) {
    const list = byDso.get(a.dso);
    if (list) list.push(a);
    else byDso.set(a.dso, [a]);
  }
  // Callers' frames are symbolized with the sampled addresses, in the same batch per binary.
  const frameOffsets = new Map<string, Set<number>>();
  for (const f of summary.callchains?.frames ?? []) {
    if (typeof f.fileOffset !== 'number' || isPseudoDso(f.dso)) continue;
    let set = frameOffsets.get(f.dso);
    if (!set) frameOffsets.set(f.dso, (set = new Set()));
    set.add(f.fileOffset);
  }
  const symbolizedOf = new Map<string, Map<number, SymbolizedAddress>>();
  const kernelNames = new Map<string, (a: import('../parsers/perf-data').Addr) => string | undefined>();
  // Kernel frames are named as kernel samples are, one lookup per kernel binary for all its frames.
  const kernelFrames = new Map<string, import('../parsers/perf-data').Addr[]>();
  for (const f of summary.callchains?.frames ?? []) {
    if (f.dso !== KERNEL && !isKernelModuleDso(f.dso)) continue;
    const list = kernelFrames.get(f.dso);
    if (list) list.push(f.fileOffset);
    else kernelFrames.set(f.dso, [f.fileOffset]);
  }
  for (const [dso, addrs] of kernelFrames) {
    const names = kernelFrameNames(path, dso, summary.buildIds[KERNEL], summary.kernelText, options, addrs);
    const byAddr = new Map(addrs.map((a, i) => [String(a), names[i]]));
    kernelNames.set(dso, (a) => byAddr.get(String(a)));
  }
  // Each binary's addr2line runs in its own process: symbolize them together, then add in a fixed order so the
  // profile does not depend on which finished first.
  // The kernel and its modules are named from the recorded kernel's kallsyms, never from a file on disk; JIT code
  // from the JIT's perf map.
  for (const dso of [...byDso.keys()]) {
    if (dso.startsWith(JIT_DSO_PREFIX)) {
      addJitSamples(dso, byDso.get(dso)!, builder);
      byDso.delete(dso);
      continue;
    }
    if (dso !== KERNEL && !isKernelModuleDso(dso)) continue;
    addKernelSamples(
      path,
      dso,
      byDso.get(dso)!,
      summary.buildIds[KERNEL],
      summary.kernelText,
      options,
      builder,
      metadata,
    );
    byDso.delete(dso);
  }
  if (summary.samplesWithoutIp > 0) {
    builder.addToTotals(summary.samplesWithoutIpByEvent);
    builder.warn(
      `${summary.samplesWithoutIp} samples carry no instruction address (recorded without PERF_SAMPLE_IP): they count in the totals, but belong to no function or line.`,
    );
  }
  if (summary.groupRead) {
    const g = summary.groupRead;
    if (g.unknownIds)
      builder.warn(
        `${g.unknownIds} counter values read by group samples name no event of the file; perf drops them too.`,
      );
  }
  // A binary seen only in callers' frames (no sample of its own) is symbolized too.
  for (const dso of frameOffsets.keys())
    if (!byDso.has(dso) && dso !== KERNEL && !isKernelModuleDso(dso) && !dso.startsWith(JIT_DSO_PREFIX))
      byDso.set(dso, []);
  const entries = [...byDso.entries()];
  const done = await Promise.all(
    entries.map(([dso, addresses]) =>
      prepareDso(dso, addresses, frameOffsets.get(dso), summary.buildIds[dso], options, builder, metadata),
    ),
  );
  entries.forEach(([dso], i) => {
    const { add, symbolized } = done[i]!;
    add();
    if (symbolized) symbolizedOf.set(dso, symbolized);
  });
  if (summary.callchains)
    builder.setCallchains(symbolizedCallchains(summary.callchains, summary.events.length, symbolizedOf, kernelNames));
  await prefetch;
  dropPrefetched();
  const profile = builder.build();
  const coverage = coverageWarning(profile);
  return coverage ? { ...profile, warnings: [...profile.warnings, coverage] } : profile;
}

/**
 * The builtin symbolizer in this thread reads and inflates compressed debug files (libc's) while the samples are
 * read: the header names the binaries with samples, prefetch.ts starts the work on libuv's pool.
 */
async function prefetchDebugFiles(path: string, options: LoadOptions): Promise<void> {
  const builtin = (options.symbolizer ?? 'builtin') === 'builtin' || options.allowExternalPrograms === false;
  if (!builtin || options.symbolizeWorkerBytes !== undefined) return;
  try {
    prefetchForBuildIds((await openPerfData(path)).features.buildIds, options.symbolCache);
  } catch {
    /* the summary reports what is wrong with the file */
  }
}

/** Pseudo-DSOs perf names in brackets (kernel, vdso, anonymous memory) are never files on disk. */
export function isPseudoDso(dso: string): boolean {
  return dso.startsWith('[') || dso === '//anon' || dso.startsWith('/memfd:') || dso === '';
}

/** Symbolizes one DSO's addresses and returns the step that adds them to the profile. */
async function prepareDso(
  dso: string,
  addresses: AddressCounts[],
  frameOffsets: ReadonlySet<number> | undefined,
  recordedBuildId: string | undefined,
  options: LoadOptions,
  builder: ProfileBuilder,
  metadata: ProfileMetadata,
): Promise<{ add: () => void; symbolized: Map<number, SymbolizedAddress> | undefined }> {
  const asUnresolved = (a: AddressCounts, symbol: string): void => {
    // Kept visible as dso+offset rather than dropped: they belong to the total and to the function list.
    builder.addAddress({ dso, address: -1, symbol, counts: a.period, samples: a.samples, inlineChain: [] });
  };
  const offsets = addresses.map((a) => a.fileOffset).filter((o): o is number => typeof o === 'number');
  if (frameOffsets) for (const o of frameOffsets) offsets.push(o);
  const symbolized = isPseudoDso(dso)
    ? undefined
    : await symbolizeDso(dso, recordedBuildId, [...new Set(offsets)], options, builder, metadata);
  return { add: () => addAll(dso, addresses, symbolized, builder, asUnresolved), symbolized };
}

function addAll(
  dso: string,
  addresses: AddressCounts[],
  symbolized: Map<number, SymbolizedAddress> | undefined,
  builder: ProfileBuilder,
  asUnresolved: (a: AddressCounts, symbol: string) => void,
): void {
  for (const a of addresses) {
    const r = typeof a.fileOffset === 'number' ? symbolized?.get(a.fileOffset) : undefined;
    if (!r) {
      asUnresolved(a, `${isPseudoDso(dso) ? dso : basename(dso)}+${addrToHex(a.fileOffset)}`);
      continue;
    }
    builder.addAddress({
      dso,
      address: r.vaddr,
      symbol: r.symbol ?? `${basename(dso)}+0x${r.vaddr.toString(16)}`,
      counts: a.period,
      samples: a.samples,
      inlineChain: r.chain,
    });
  }
}

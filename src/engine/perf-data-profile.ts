/**
 * perf.data → Profile, without perf: the native reader aggregates samples per (DSO, file offset); each DSO's
 * binary is found and checked against the recorded build-id; offsets become ELF addresses through its PT_LOAD
 * segments; one batched addr2line per binary gives the inline chains. Counts are periods, as perf report's
 * Overhead column, so shares equal `perf report --no-children --sort srcline`.
 */
import { basename } from 'node:path';
import { ProfileFormatError } from '../parsers/errors';
import { PerfDataError, addrToHex, fileOffsetToVaddr, summarizePerfData, type AddressCounts, type PerfDataSummary } from '../parsers/perf-data';
import { ProfileBuilder, normaliseFunctionName, type InlineFrame, type Profile, type ProfileMetadata } from '../model/profile';
import { functionLookup, readElf, type ElfFile } from '../symbolize/elf';
import { binaryCandidates } from '../symbolize/find-binary';
import { buildIdPaths, debugLinkPaths } from '../symbolize/debug-files';
import { symbolizeAddresses } from '../symbolize/addr2line';
import type { LoadOptions } from './load-profile';

export async function loadPerfDataProfile(path: string, options: LoadOptions): Promise<Profile> {
  let summary: PerfDataSummary;
  try {
    summary = await summarizePerfData(path);
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
  const builder = new ProfileBuilder(path, summary.events.map((e) => ({ name: e.name, unit: 'period' })), metadata);
  for (const w of summary.warnings) builder.warn(`${basename(path)}: ${w}`);
  if (summary.truncated) builder.warn(`${basename(path)} is truncated: ${summary.truncated.detail}; every complete record was read, ${summary.truncated.bytesLost} bytes were lost.`);
  if (summary.lost.samples > 0) builder.warn(`perf lost ${summary.lost.samples} samples while recording (shares are of what was recorded).`);

  const byDso = new Map<string, AddressCounts[]>();
  for (const a of summary.addresses) {
    const list = byDso.get(a.dso);
    if (list) list.push(a);
    else byDso.set(a.dso, [a]);
  }
  for (const [dso, addresses] of byDso) {
    await addDso(dso, addresses, summary.buildIds[dso], options, builder, metadata);
  }
  return builder.build();
}

/** Pseudo-DSOs perf names in brackets (kernel, vdso, anonymous memory) are never files on disk. */
function isPseudoDso(dso: string): boolean {
  return dso.startsWith('[') || dso === '//anon' || dso.startsWith('/memfd:') || dso === '';
}

async function addDso(
  dso: string,
  addresses: AddressCounts[],
  recordedBuildId: string | undefined,
  options: LoadOptions,
  builder: ProfileBuilder,
  metadata: ProfileMetadata,
): Promise<void> {
  const asUnresolved = (a: AddressCounts, symbol = `[${basename(dso) || 'unknown'}]`): void => {
    // Kept visible as dso+offset rather than dropped: they belong to the total and to the function list.
    builder.addAddress({ dso, address: typeof a.fileOffset === 'number' ? a.fileOffset : Number(BigInt.asUintN(52, a.fileOffset)), symbol, counts: a.period, inlineChain: [] });
  };
  if (isPseudoDso(dso)) {
    for (const a of addresses) asUnresolved(a, `${dso}+${addrToHex(a.fileOffset)}`);
    return;
  }
  const entry: ProfileMetadata['binaries'][number] = { recorded: dso, buildId: recordedBuildId };
  metadata.binaries.push(entry);
  const found = findMatchingBinary(dso, recordedBuildId, options, builder);
  if (!found) {
    entry.note = 'not found';
    for (const a of addresses) asUnresolved(a, `${basename(dso)}+${addrToHex(a.fileOffset)}`);
    return;
  }
  entry.foundAt = found.path;
  const loads = found.loadSegments.map((s) => ({ offset: s.offset, vaddr: s.vaddr, filesz: s.fileSize }));
  const symbolOf = functionLookup(found);
  const vaddrs = addresses.map((a) => fileOffsetToVaddr(a.fileOffset, loads));
  let chains = new Map<number, InlineFrame[]>();
  const debugFile = options.allowExternalPrograms === false ? undefined : debugInfoFile(found, builder);
  if (options.allowExternalPrograms === false) entry.note = 'not symbolized: external programs are disabled in an untrusted workspace';
  else if (debugFile) {
    try {
      chains = await symbolizeAddresses(debugFile, vaddrs.filter((v): v is number => v !== undefined), { program: options.addr2line, signal: options.signal });
    } catch (e) {
      builder.warn(`symbolizing ${debugFile} failed: ${(e as Error).message}`);
    }
  }
  addresses.forEach((a, i) => {
    const v = vaddrs[i];
    if (v === undefined) return asUnresolved(a, `${basename(dso)}+${addrToHex(a.fileOffset)}`);
    const chain = chains.get(v) ?? [];
    for (const f of chain) f.function = f.function && normaliseFunctionName(f.function);
    const symbol = symbolOf(v) ?? chain[chain.length - 1]?.function ?? `${basename(dso)}+0x${v.toString(16)}`;
    builder.addAddress({ dso, address: v, symbol, counts: a.period, inlineChain: chain });
  });
}

function findMatchingBinary(dso: string, buildId: string | undefined, options: LoadOptions, builder: ProfileBuilder): ElfFile | undefined {
  const candidates = [...binaryCandidates(dso, options), ...(buildId ? buildIdPaths(buildId) : [])];
  let fallback: ElfFile | undefined;
  for (const c of candidates) {
    let elf: ElfFile;
    try {
      elf = readElf(c);
    } catch {
      continue;
    }
    if (!buildId || !elf.buildId || elf.buildId === buildId) return elf;
    fallback ??= elf;
  }
  if (fallback) {
    builder.warn(`${fallback.path} is not the binary that was recorded (build-id ${fallback.buildId}, the recording has ${buildId}): it changed since the recording, so lines may be wrong. Point perfHeat.binaryPaths (--binary-path) at the recorded build.`);
  }
  return fallback;
}

/** The file whose DWARF describes the binary: itself when built with -g, else its separate debug file. */
function debugInfoFile(elf: ElfFile, builder: ProfileBuilder): string | undefined {
  if (elf.hasDebugInfo) return elf.path;
  const separate = [...(elf.buildId ? buildIdPaths(elf.buildId) : []), ...(elf.debugLink ? debugLinkPaths(elf.path, elf.debugLink) : [])];
  for (const p of separate) {
    try {
      if (readElf(p).hasDebugInfo) return p;
    } catch {
      /* not an ELF file: try the next place */
    }
  }
  builder.warn(`${elf.path} has no debug info (no .debug_line, no separate debug file found): its samples are attributed to functions only. Build with -g, or install its -dbg package.`);
  return undefined;
}

/**
 * One binary's sampled file offsets → ELF addresses, symbols and inline chains, shared by every input that records
 * DSO-relative addresses (perf.data, perf script callchain frames). The binary is found by recorded path,
 * configured folders, name in the workspace or build-id cache, and checked against the recorded build-id.
 */
import { fileOffsetToVaddr } from '../parsers/perf-data';
import { sourceFunctionName, type InlineFrame, type ProfileBuilder, type ProfileMetadata } from '../model/profile';
import { functionLookup, readElf, type ElfFile } from '../symbolize/elf';
import { chooseBinary } from '../symbolize/find-binary';
import { buildIdPaths, debugLinkPaths } from '../symbolize/debug-files';
import { symbolize } from '../symbolize/symbolize';
import { codeStamp, SymbolCache } from '../symbolize/symbol-cache';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { symbolizerOptions, type LoadOptions } from './load-profile';

export interface SymbolizedAddress {
  vaddr: number;
  /** The ELF symbol covering the address (perf's symbol), clone suffix kept. */
  symbol?: string;
  /** Innermost first; empty without debug info or in an untrusted workspace. */
  chain: InlineFrame[];
}

/** Keyed by file offset. Undefined when the binary was not found: the caller keeps the samples unresolved. */
export async function symbolizeDso(
  dso: string,
  recordedBuildId: string | undefined,
  fileOffsets: readonly number[],
  options: LoadOptions,
  builder: ProfileBuilder,
  metadata: ProfileMetadata,
): Promise<Map<number, SymbolizedAddress> | undefined> {
  const entry: ProfileMetadata['binaries'][number] = { recorded: dso, buildId: recordedBuildId };
  metadata.binaries.push(entry);
  const found = findMatchingBinary(dso, recordedBuildId, options, builder, entry);
  if (!found) return undefined;
  entry.foundAt = found.path;
  const loads = found.loadSegments.map((s) => ({ offset: s.offset, vaddr: s.vaddr, filesz: s.fileSize }));
  const vaddrs = new Map<number, number>();
  for (const off of fileOffsets) {
    const v = fileOffsetToVaddr(off, loads);
    if (v !== undefined) vaddrs.set(off, v);
  }
  let chains = new Map<number, InlineFrame[]>();
  const debugFile = debugInfoFile(found, builder);
  if (debugFile) {
    try {
      chains = await symbolize(debugFile, [...vaddrs.values()], {
        ...symbolizerOptions(options, (m) => builder.warn(m)),
        binary: found.path,
        buildId: found.buildId,
      });
    } catch (e) {
      builder.warn(`symbolizing ${debugFile} failed: ${(e as Error).message}`);
    }
  }
  const symbolOf =
    options.functionNames === false ? () => undefined : functionNames(found, [...vaddrs.values()], options.symbolCache);
  const out = new Map<number, SymbolizedAddress>();
  for (const [off, v] of vaddrs) {
    const chain = chains.get(v) ?? [];
    for (const f of chain) f.function = f.function && sourceFunctionName(f.function);
    out.set(off, { vaddr: v, symbol: symbolOf(v) ?? chain[chain.length - 1]?.function, chain });
  }
  return out;
}

/**
 * perf's symbol for each address (`functionLookup`), kept in the symbol cache per binary and address set: reading
 * and indexing libc's 10,000 symbols is most of what a load the DWARF cache answers still costs. The key names
 * the binary and every separate file its symbols could come from (size and mtime), so installing a -dbg package
 * or rebuilding gives a new key.
 */
function functionNames(
  elf: ElfFile,
  vaddrs: readonly number[],
  cache: SymbolCache | false | undefined,
): (vaddr: number) => string | undefined {
  const store = cache === false ? undefined : (cache ?? new SymbolCache());
  let key: string | undefined;
  if (store) {
    try {
      const h = createHash('sha256').update(`${codeStamp()}\0`);
      const separate = [
        ...(elf.buildId ? buildIdPaths(elf.buildId) : []),
        ...(elf.debugLink ? debugLinkPaths(elf.path, elf.debugLink) : []),
      ];
      for (const p of [elf.path, ...separate]) {
        try {
          const st = statSync(p);
          h.update(`${p}\0${st.size}\0${st.mtimeMs}\0`);
        } catch {
          h.update(`${p}\0absent\0`);
        }
      }
      h.update(vaddrs.join(','));
      key = `names-${elf.buildId ?? 'nobuildid'}-${h.digest('hex').slice(0, 16)}`;
      const hit = store.readEntry(key);
      const names = hit?.names;
      if (
        Array.isArray(names) &&
        names.length === vaddrs.length &&
        names.every((n) => n === null || typeof n === 'string')
      ) {
        const byAddress = new Map<number, string | undefined>();
        vaddrs.forEach((v, i) => byAddress.set(v, (names[i] as string | null) ?? undefined));
        return (v) => byAddress.get(v);
      }
    } catch {
      key = undefined;
    }
  }
  const lookup = functionLookup(elf);
  const names = vaddrs.map((v) => lookup(v));
  if (store && key) store.writeEntry(key, { names: names.map((n) => n ?? null) });
  const byAddress = new Map<number, string | undefined>();
  vaddrs.forEach((v, i) => byAddress.set(v, names[i]));
  return (v) => (byAddress.has(v) ? byAddress.get(v) : lookup(v));
}

function findMatchingBinary(
  dso: string,
  buildId: string | undefined,
  options: LoadOptions,
  builder: ProfileBuilder,
  entry: ProfileMetadata['binaries'][number],
): ElfFile | undefined {
  // The rules (recorded build-id, else recorded path, else a guess that says so) live in find-binary.ts.
  const choice = chooseBinary(dso, buildId, options, buildId ? buildIdPaths(buildId) : []);
  for (const w of choice.warnings) builder.warn(w);
  if (choice.note) entry.note = choice.note;
  return choice.elf;
}

/** The file whose DWARF describes the binary: itself when built with -g, else its separate debug file. */
export function debugInfoFile(elf: ElfFile, builder: Pick<ProfileBuilder, 'warn'>): string | undefined {
  if (elf.hasDebugInfo) return elf.path;
  const separate = [
    ...(elf.buildId ? buildIdPaths(elf.buildId) : []),
    ...(elf.debugLink ? debugLinkPaths(elf.path, elf.debugLink) : []),
  ];
  for (const p of separate) {
    try {
      if (readElf(p).hasDebugInfo) return p;
    } catch {
      /* not an ELF file: try the next place */
    }
  }
  builder.warn(
    `${elf.path} has no debug info (no .debug_line, no separate debug file found): its samples are attributed to functions only. Build with -g, or install its -dbg package.`,
  );
  return undefined;
}

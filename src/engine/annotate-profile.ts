/**
 * perf annotate text → Profile. Lines come from the binary's debug info through the batch symbolizer whenever the
 * binary is found and matches the text; the `-l` suffixes are the fallback; instructions with neither stay
 * attributed to their function only. Annotate's own line numbers are never used (docs/perf-formats.md §2).
 */
import { basename } from 'node:path';
import { instructionCounts, parsePerfAnnotate, type AnnotatedSymbol } from '../parsers/perf-annotate';
import { ProfileFormatError } from '../parsers/errors';
import {
  ProfileBuilder,
  sourceFunctionName,
  type InlineFrame,
  type Profile,
  type ProfileMetadata,
} from '../model/profile';
import { binaryCandidates } from '../symbolize/find-binary';
import { readElf } from '../symbolize/elf';
import { symbolize } from '../symbolize/symbolize';
import { symbolizerOptions, type LoadOptions } from './load-profile';
import { sharesOf } from '../model/share';

interface DsoGroup {
  recorded: string;
  symbols: AnnotatedSymbol[];
}

export async function loadAnnotateProfile(path: string, text: string, options: LoadOptions): Promise<Profile> {
  const parsed = parsePerfAnnotate(text, path);
  const events = parsed.symbols[0].events;
  for (const s of parsed.symbols) {
    if (s.events.join('\0') !== events.join('\0')) {
      throw new ProfileFormatError(
        path,
        undefined,
        `symbols annotated for different events (${events.join(', ')} vs ${s.events.join(', ')}): annotate one event list per file`,
      );
    }
  }
  const column = parsed.symbols[0].column;
  const metadata: ProfileMetadata = {
    format: `perf annotate --stdio${parsed.hasLineSuffixes ? ' -l' : ''}`,
    binaries: [],
  };
  const builder = new ProfileBuilder(
    path,
    events.map((name) => ({ name, unit: column === 'period' ? 'period' : 'samples' })),
    metadata,
  );
  if (parsed.symbols[0].events.length > 1 && column === 'percent') {
    builder.warn(
      `${basename(path)}: with --group perf prints the sample count of ${events[0]} only; the other events are scaled by it (shares within each function are exact; add -n for exact counts).`,
    );
  }

  const groups = new Map<string, DsoGroup>();
  for (const s of parsed.symbols) {
    const recorded = s.dsoPath ?? s.dso;
    let g = groups.get(recorded);
    if (!g) groups.set(recorded, (g = { recorded, symbols: [] }));
    g.symbols.push(s);
  }

  for (const g of groups.values()) {
    const chains = await symbolizeGroup(g, options, metadata, builder);
    for (const sym of g.symbols) {
      for (const insn of sym.instructions) {
        const counts = instructionCounts(sym, insn);
        if (!counts.some((c) => c > 0)) continue;
        let inlineChain: InlineFrame[] = chains?.get(insn.address) ?? [];
        if (!chains && insn.srcline) inlineChain = [{ function: '', ...insn.srcline }];
        builder.addAddress({
          dso: g.recorded,
          address: insn.address,
          symbol: sym.symbol,
          counts,
          instruction: insn.text,
          inlineChain,
        });
      }
    }
  }

  // Percent columns: the header's sample count is the symbol's total (each event scaled by it, see above).
  // -n / --show-total-period: the values themselves are exact, so their sums are.
  if (column === 'percent') builder.setTotals(events.map(() => parsed.symbols.reduce((a, s) => a + s.sampleCount, 0)));
  const profile = builder.build();
  const lost = sharesOf(profile.unattributed, profile.totals);
  if (lost[0] > 0.05) {
    const missing = metadata.binaries.filter((b) => !b.foundAt).map((b) => b.recorded);
    const why = parsed.hasLineSuffixes
      ? 'perf prints -l suffixes only on instructions above 0.5% of their function'
      : 'the text has no -l suffixes';
    const fix = missing.length
      ? `the binary (${missing.join(', ')}) was not found: set perfHeat.binaryPaths or pass --binary-path DIR`
      : 'the binary has no line info for them (build with -g)';
    profile.warnings.push(
      `${basename(path)}: ${lost[0].toFixed(1)}% of ${events[0]} is attributed to functions only, not to lines: ${why}, and ${fix}. ` +
        (parsed.hasLineSuffixes
          ? ''
          : 'Run `perf annotate --stdio -l` for line suffixes, or load the perf.data itself.'),
    );
  }
  return profile;
}

/**
 * Finds the group's binary, checks it is the one annotated (every annotated symbol starts at the same address in its
 * symbol table: objdump took the addresses from that file), and symbolizes every sampled address at once.
 * Returns undefined when lines must come from the text instead.
 */
async function symbolizeGroup(
  g: DsoGroup,
  options: LoadOptions,
  metadata: ProfileMetadata,
  builder: ProfileBuilder,
): Promise<Map<number, InlineFrame[]> | undefined> {
  const entry: ProfileMetadata['binaries'][number] = { recorded: g.recorded };
  metadata.binaries.push(entry);
  const candidates = binaryCandidates(g.recorded, options);
  const mismatches: string[] = [];
  for (const candidate of candidates) {
    let elf;
    try {
      elf = readElf(candidate);
    } catch (e) {
      mismatches.push(`${candidate}: ${(e as Error).message}`);
      continue;
    }
    const starts = new Map<string, number>();
    for (const s of elf.symbols()) if (s.isFunction && s.value) starts.set(s.name, s.value);
    const wrong = g.symbols.find((s) => s.startAddress !== undefined && starts.get(s.symbol) !== s.startAddress);
    if (wrong) {
      const at = starts.get(wrong.symbol);
      mismatches.push(
        `${candidate}: ${wrong.symbol} is at ${at === undefined ? 'no address' : '0x' + at.toString(16)}, the profile has 0x${wrong.startAddress!.toString(16)}`,
      );
      continue;
    }
    if (!elf.hasDebugInfo) {
      mismatches.push(`${candidate}: no .debug_line (built without -g)`);
      continue;
    }
    const addresses = g.symbols.flatMap((s) =>
      s.instructions.filter((i) => i.values.some((v) => v > 0)).map((i) => i.address),
    );
    try {
      const chains = await symbolize(candidate, addresses, {
        ...symbolizerOptions(options, (m) => builder.warn(m)),
        buildId: elf.buildId,
      });
      entry.foundAt = candidate;
      entry.buildId = elf.buildId;
      for (const [addr, chain] of chains) {
        for (const frame of chain) frame.function = frame.function && sourceFunctionName(frame.function);
        chains.set(addr, chain);
      }
      return chains;
    } catch (e) {
      builder.warn(`symbolizing ${candidate} failed: ${(e as Error).message}`);
      entry.note = (e as Error).message;
      return undefined;
    }
  }
  entry.note = candidates.length === 0 ? 'not found' : `no candidate matches the profile: ${mismatches.join('; ')}`;
  if (candidates.length > 0)
    builder.warn(
      `${g.recorded}: found ${candidates.length} file(s) of that name, none is the annotated binary (${mismatches.join('; ')}); lines come from the -l suffixes.`,
    );
  return undefined;
}

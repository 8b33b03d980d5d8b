/**
 * `perf-heat annotate <profile>… FUNCTION [--json] [--dso BINARY] [--binary-path DIR]… [--remap FROM=TO]…`: a sampled
 * function's instructions with their counts, interleaved with the source lines they come from (inline chains
 * included), laid out as `perf annotate --stdio` lays them out; `--json` gives one row per instruction. Its own
 * bundle (dist/cli-annotate-command.js), so `lines` never loads Capstone.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadProfiles } from '../engine/load-profile';
import { disassembleFunction, listing, type FunctionDisassembly } from '../engine/disassembly';
import { applyRemaps, parseRemap, type PathRemap } from '../model/path-map';
import { sharesOf } from '../model/share';
import type { SampleFilter } from '../parsers/perf-data';
import { FILTER_OPTIONS, FILTER_USAGE, sampleFilterOf } from './filter-options';

export const ANNOTATE_USAGE = `  annotate <profile>… FUNCTION  the function's instructions with count and share (of the function, per event,
                    as perf annotate's local period), the source lines they come from between them; disassembled
                    in process from the recorded binary (no objdump needed)
      --json              JSON: [{address, instruction, file, line, counts: {event: n}, samples?: {event: n},
                            percent: {event: p}, symbol, inlined: [function…]}], one row per instruction
      --dso NAME          the binary, when FUNCTION is sampled in several
      --binary-path DIR   where the profiled binaries are (repeatable)
      --remap FROM=TO     rewrite recorded source paths starting with FROM (repeatable)
${FILTER_USAGE}`;

class AnnotateUsageError extends Error {}

export interface AnnotateRow {
  address: string;
  instruction: string;
  file: string | null;
  line: number | null;
  counts: Record<string, number>;
  samples?: Record<string, number>;
  percent: Record<string, number>;
  symbol: string;
  /** The inline chain's functions, innermost first (one entry when the instruction is the function's own code). */
  inlined: string[];
}

export function annotateRows(d: FunctionDisassembly, remaps: PathRemap[] = []): AnnotateRow[] {
  const names = d.events.map((e) => e.name);
  const byEvent = (v: readonly number[]): Record<string, number> => Object.fromEntries(names.map((n, i) => [n, v[i]]));
  return d.symbols.flatMap((s) =>
    s.instructions.map((i) => ({
      address: `0x${i.address.toString(16)}`,
      instruction: i.text,
      file: i.chain[0] ? applyRemaps(i.chain[0].file, remaps) : null,
      line: i.chain[0]?.line ?? null,
      counts: byEvent(i.counts),
      ...(s.samples ? { samples: byEvent(i.samples ?? names.map(() => 0)) } : {}),
      percent: byEvent(sharesOf(i.counts, s.counts).map((p) => Math.round(p * 1e4) / 1e4)),
      symbol: s.symbol,
      inlined: i.chain.map((f) => f.function),
    })),
  );
}

export async function annotateCommand(
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  let values;
  let positionals: string[];
  let remaps: PathRemap[];
  let filter: SampleFilter | undefined;
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        dso: { type: 'string' },
        'binary-path': { type: 'string', multiple: true, default: [] },
        remap: { type: 'string', multiple: true, default: [] },
        ...FILTER_OPTIONS,
      },
    }));
    // A malformed filter is a usage error like any other option's (FilterOptionError is caught below).
    filter = sampleFilterOf(values);
    if (positionals.length < 2)
      throw new AnnotateUsageError('annotate takes one or more profile files and then the function to annotate');
    remaps = values.remap.map(parseRemap);
  } catch (e) {
    err(`perf-heat: ${(e as Error).message}\n\n${ANNOTATE_USAGE}`);
    return 2;
  }
  const name = positionals[positionals.length - 1];
  const files = positionals.slice(0, -1);
  try {
    const profile = await loadProfiles(files, {
      binaryPaths: values['binary-path'],
      searchRoots: [process.cwd()],
      ...(filter ? { filter } : {}),
    });
    for (const w of profile.warnings) err(`warning: ${w}`);
    if (profile.filter) err(`filter: ${profile.filter} (shares are of the samples it keeps)`);
    const d = await disassembleFunction(profile, name, { dso: values.dso });
    for (const w of d.warnings) err(`warning: ${w}`);
    if (values.json) {
      out(JSON.stringify(annotateRows(d, remaps), null, 2));
      return 0;
    }
    const sources = new Map<string, string[] | null>();
    const sourceLine = (file: string, line: number): string | undefined => {
      const path = applyRemaps(file, remaps);
      let text = sources.get(path);
      if (text === undefined) {
        try {
          text = readFileSync(path, 'utf8').split('\n');
        } catch {
          text = null;
        }
        sources.set(path, text);
      }
      return text?.[line - 1];
    };
    for (const r of listing(d, { sourceLine })) out(r.text.trimEnd());
    return 0;
  } catch (e) {
    err(`perf-heat: ${(e as Error).message}`);
    return 1;
  }
}

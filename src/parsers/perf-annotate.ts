/**
 * `perf annotate --stdio` text (plain, `-l`, `--full-paths`, `-n`, `--show-total-period`, `--group`, several symbols).
 *
 * Only two things in this text can be trusted (docs/perf-formats.md §2): the instruction address and the values in front
 * of it. The number after `:` on source lines is objdump's output line counter, shifted or plain wrong, and the
 * source text itself may come from the wrong file. So this parser keeps address → values, plus the ` // file:line`
 * suffix of `-l`, which is real addr2line output. Lines are mapped from addresses by the symbolizer when the binary
 * is at hand; the suffix is the fallback.
 */
import { ProfileFormatError } from './errors';
import type { SourceLocation } from '../model/profile';
import { maxOf } from '../model/extremes';

export type AnnotateColumn = 'percent' | 'samples' | 'period';

export interface AnnotatedInstruction {
  address: number;
  /** One value per event, as printed: a percentage, a sample count or a period, per `column`. */
  values: number[];
  /** The disassembly, without the `-l` suffix. */
  text: string;
  /** From the `-l` suffix, carried forward as perf suppresses repeats; undefined where perf prints none. */
  srcline?: SourceLocation;
  /** 1-based line of the annotate file, for error messages and hovers. */
  fileLine: number;
}

export interface AnnotatedSymbol {
  symbol: string;
  /** Start address from the `<symbol>:` line; undefined when perf omitted it. */
  startAddress?: number;
  /** The binary as the header names it (a basename). */
  dso: string;
  /** Full path of the binary from `-l`'s `Sorted summary for file …`. */
  dsoPath?: string;
  events: string[];
  column: AnnotateColumn;
  percentType: 'local' | 'global';
  /** The symbol's sample count from the header: the group leader's only, with `--group`. */
  sampleCount: number;
  instructions: AnnotatedInstruction[];
}

export interface AnnotateFile {
  symbols: AnnotatedSymbol[];
  /** True when `-l` suffixes were present anywhere. */
  hasLineSuffixes: boolean;
}

const HEADER =
  /^\s*(Percent|Samples|Period)\s*\|\s*Source code & Disassembly of (.+?) for (.+) \((\d+) samples?, percent: (local|global) \w+\)\s*$/;
const SUMMARY = /^Sorted summary for file (.+)$/;
const INSTRUCTION = /^\s*((?:[-+]?\d+(?:\.\d+)?\s+)+):\s+([0-9a-f]+):\s?(.*)$/;
const SYMBOL_START = /^\s*:\s*(?:\d+\s+)?([0-9a-f]{8,16}) <(.+)>:\s*$/;
const SUFFIX = /\s\/\/ (\S+):(\d+)(?: \(discriminator \d+\))?$/;

/** Cheap content sniff for format detection: the annotate header appears within the first lines. */
export function looksLikePerfAnnotate(head: string): boolean {
  return head.split('\n', 40).some((l) => HEADER.test(l));
}

export function parsePerfAnnotate(text: string, file: string): AnnotateFile {
  const lines = text.split(/\r?\n/);
  const symbols: AnnotatedSymbol[] = [];
  let current: AnnotatedSymbol | undefined;
  let pendingDsoPath: string | undefined;
  let hasLineSuffixes = false;
  // perf keeps the last printed suffix in a function-static variable, across symbols: mirror it exactly.
  let prevSuffix: SourceLocation | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = i + 1;
    const summary = SUMMARY.exec(line);
    if (summary) {
      pendingDsoPath = summary[1].trim();
      current = undefined;
      continue;
    }
    const header = HEADER.exec(line);
    if (header) {
      const column = header[1].toLowerCase() as AnnotateColumn;
      current = {
        symbol: '',
        dso: header[2],
        dsoPath: pendingDsoPath,
        events: header[3].split(/,\s+/).map((e) => e.trim()),
        column,
        percentType: header[5] as 'local' | 'global',
        sampleCount: Number(header[4]),
        instructions: [],
      };
      pendingDsoPath = undefined;
      symbols.push(current);
      continue;
    }
    if (!current) continue; // summary rows, perf's warnings, blank lines before the first header
    const start = SYMBOL_START.exec(line);
    if (start) {
      if (!current.symbol) {
        current.symbol = start[2];
        current.startAddress = parseInt(start[1], 16);
      }
      continue;
    }
    const insn = INSTRUCTION.exec(line);
    if (!insn) continue;
    const values = insn[1].trim().split(/\s+/).map(Number);
    if (values.length !== current.events.length) {
      throw new ProfileFormatError(
        file,
        { line: lineNo },
        `expected ${current.events.length} value column(s) (${current.events.join(', ')}), found ${values.length}`,
      );
    }
    if (values.some((v) => !Number.isFinite(v) || v < 0)) {
      throw new ProfileFormatError(
        file,
        { line: lineNo },
        `a value column is not a non-negative number: "${insn[1].trim()}"`,
      );
    }
    let text = insn[3];
    let srcline: SourceLocation | undefined;
    const suffix = SUFFIX.exec(text);
    if (suffix) {
      srcline = { file: suffix[1], line: Number(suffix[2]) };
      text = text.slice(0, suffix.index);
      prevSuffix = srcline;
      hasLineSuffixes = true;
    } else if (prevSuffix && maxPercent(values, current) > 0.5) {
      // perf computes the srcline of every instruction above 0.5% and prints it only when it differs from the last
      // one printed; at or below 0.5% it computes none, so the missing suffix means "unknown", not "same".
      srcline = prevSuffix;
    }
    current.instructions.push({ address: parseInt(insn[2], 16), values, text: text.trim(), srcline, fileLine: lineNo });
  }

  for (const s of symbols) {
    if (!s.symbol) s.symbol = `${s.dso}@${s.instructions[0] ? '0x' + s.instructions[0].address.toString(16) : '?'}`;
  }
  if (symbols.length === 0) {
    throw new ProfileFormatError(
      file,
      undefined,
      'no "Percent | Source code & Disassembly of …" header: not perf annotate --stdio output (--stdio2 and --tui output cannot be read)',
    );
  }
  return { symbols, hasLineSuffixes };
}

function maxPercent(values: number[], sym: AnnotatedSymbol): number {
  if (sym.column === 'percent') return maxOf(values, (v) => v);
  // -n / --show-total-period: the header's count is the leader's; only the leader can be turned back into a share.
  return sym.sampleCount > 0 && sym.column === 'samples' ? (100 * values[0]) / sym.sampleCount : 100;
}

/**
 * The symbol's per-instruction values as counts in each event's unit. Percentages are shares of the symbol's own
 * total (`local`), which the header gives in samples for the leader event only; with `--group`, the other events are
 * scaled by the same total, which keeps every share within the symbol exact.
 */
export function instructionCounts(sym: AnnotatedSymbol, insn: AnnotatedInstruction): number[] {
  if (sym.column !== 'percent') return insn.values.slice();
  if (sym.percentType === 'local') return insn.values.map((v) => (v / 100) * sym.sampleCount);
  // `--percent-type global-*`: values are shares of the whole profile, so the symbol's own sum is its share.
  const sums = globalSums(sym);
  return insn.values.map((v, e) => (sums[e] > 0 ? (v / sums[e]) * sym.sampleCount : 0));
}

const sumsCache = new WeakMap<AnnotatedSymbol, number[]>();
function globalSums(sym: AnnotatedSymbol): number[] {
  let sums = sumsCache.get(sym);
  if (!sums) {
    sums = sym.events.map((_, e) => sym.instructions.reduce((acc, i) => acc + i.values[e], 0));
    sumsCache.set(sym, sums);
  }
  return sums;
}

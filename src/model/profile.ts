/**
 * The one model every input becomes: events, and self counts per address, per source line and per function.
 *
 * Counts are per event, in the event's unit (samples, or period for events recorded with a period). A count may be
 * fractional when a format only gives percentages (annotate without `-n`): it is then the exact share times the
 * symbol's sample total, which is what perf itself rounds from.
 */
import type { ProfileCallchains } from './call-graph';

export type EventUnit = 'samples' | 'period' | 'count';

export interface ProfileEvent {
  /** As perf names it: `cpu-clock`, `cycles`, `cache-misses`, cachegrind's `D1mr`… */
  name: string;
  unit: EventUnit;
}

/** A place in the source as the debug info names it: the path is as recorded (absolute or build-relative). */
export interface SourceLocation {
  file: string;
  line: number;
}

/** One frame of an inline chain, innermost first: the function whose code this is, and where that code is. */
export interface InlineFrame extends SourceLocation {
  function: string;
}

/** Samples on one instruction. */
export interface AddressHeat {
  /** The binary (DSO) the address belongs to, as recorded. */
  dso: string;
  /** ELF virtual address inside the DSO (what objdump and addr2line use); -1 where the input gave lines only. */
  address: number;
  /** The symbol the profile named, as perf shows it: clone suffixes and symbol versions kept. */
  symbol: string;
  counts: number[];
  /**
   * Samples per event where the input counts them apart from the period (perf.data): perf report's `-n` column. Absent
   * where counts are already samples or only shares are known.
   */
  samples?: number[];
  /** Instruction text where the input had it (annotate): for hovers. */
  instruction?: string;
  /** Innermost first. Empty when the address could not be mapped to a line (see Profile.unattributed). */
  inlineChain: InlineFrame[];
}

export interface LineHeat extends SourceLocation {
  counts: number[];
}

export interface FunctionHeat {
  /**
   * As perf report shows it (`mix.constprop.0`, `cfree@GLIBC_2.2.5`, `malloc@plt`), so rows line up with perf's.
   * The source function it is code of is `sourceFunctionName(name)`.
   */
  name: string;
  dso: string;
  counts: number[];
  /** Samples per event, when every address of the function had them (see AddressHeat.samples). */
  samples?: number[];
}

/** Self heat of a source function's own lines in one file (the innermost frame's function), from debug info. */
export interface SourceFunctionHeat {
  file: string;
  function: string;
  counts: number[];
}

export interface ProfileMetadata {
  /** Which parser read it. */
  format: string;
  /** The binaries the profile refers to, as recorded, and where each was found on this machine (or why not). */
  binaries: { recorded: string; foundAt?: string; buildId?: string; note?: string }[];
  command?: string;
  /** Samples lost by perf (PERF_RECORD_LOST), or bytes lost to a truncated file. */
  lostSamples?: number;
  /** A profile merged from several recordings of one build (model/profile-merge.ts): each file and its events. */
  recordings?: { source: string; format: string; events: string[] }[];
}

export interface Profile {
  /** The file the profile was read from. */
  source: string;
  events: ProfileEvent[];
  /** Per-event totals over everything in the profile, attributed or not: the denominator of every share. */
  totals: number[];
  addresses: AddressHeat[];
  lines: LineHeat[];
  functions: FunctionHeat[];
  /** Empty when the input names no functions for its lines (annotate -l suffixes without the binary). */
  sourceFunctions: SourceFunctionHeat[];
  /** Counts that reached a function but no source line (no -l suffix and no binary to symbolize with). */
  unattributed: number[];
  metadata: ProfileMetadata;
  /** Things the user should know: missing binaries, function-only attribution, ambiguous paths. */
  warnings: string[];
  /** The samples' callchains, symbolized (`perf record -g`): model/call-graph.ts makes the call graph of them. */
  callchains?: ProfileCallchains;
  /** The sample filter the profile was read with (tid, comm, CPU, time), in words; absent when it has every sample. */
  filter?: string;
}

const CLONE_SUFFIX = /(\.(part|constprop|isra|lto_priv|cold|clone)(\.\d+)?)+$/;

/**
 * The source function a symbol is code of: `pop.part.0` and `pop.cold` are parts of `pop`, `memcpy@GLIBC_2.14` is
 * `memcpy`. A PLT stub (`malloc@plt`) is not: it is the binary's own code, named as perf names it. Rows show
 * perf's names; this is for what maps them to source (function spans, a function's `#if` blocks, pairing the
 * functions of two builds where only one has a clone).
 */
export function sourceFunctionName(symbol: string): string {
  // Asked once per address and per inline frame (tens of thousands), for a few thousand distinct names.
  let name = normalised.get(symbol);
  if (name === undefined) {
    if (symbol.endsWith('@plt')) name = symbol;
    else {
      const at = symbol.indexOf('@');
      const base = at > 0 ? symbol.slice(0, at) : symbol;
      name = base.replace(CLONE_SUFFIX, '');
    }
    if (normalised.size >= 100_000) normalised.clear();
    normalised.set(symbol, name);
  }
  return name;
}
const normalised = new Map<string, string>();

/** The kernel and its modules, as perf names their binaries (`[kernel.kallsyms]`, `[ext4]`, `[guest.kernel.kallsyms]`). */
export function isKernelDso(dso: string): boolean {
  return /^\[[\w.]+\]$/.test(dso) && !USER_SPACE_PSEUDO.has(dso);
}
const USER_SPACE_PSEUDO = new Set([
  '[vdso]',
  '[vsyscall]',
  '[vvar]',
  '[heap]',
  '[stack]',
  '[unknown]',
  '[anon]',
  '[uprobes]',
]);

/**
 * The name a function row carries: the symbol exactly as perf report shows it (`mix.constprop.0`,
 * `finish_task_switch.isra.0`, `cfree@GLIBC_2.2.5`), for user code and the kernel alike, so a row's numbers can be
 * read against perf's row of the same name. The dso is part of a row's key, not of its name.
 */
export function functionKeyName(_dso: string, symbol: string): string {
  return symbol;
}

export function addCounts(into: number[], from: readonly number[]): void {
  for (let i = 0; i < from.length; i++) into[i] = (into[i] ?? 0) + from[i];
}

/**
 * Aggregates address-level heat into lines and functions. Lines take the innermost frame of each address's inline
 * chain, as every flat view of perf does (docs/perf-formats.md §3), so header code inlined into a hot function heats the
 * header's line.
 */
export class ProfileBuilder {
  private readonly addresses: AddressHeat[] = [];
  private readonly warnings: string[] = [];
  private readonly totals: number[];
  private statedTotals: number[] | undefined;
  private callchains: ProfileCallchains | undefined;
  private filter: string | undefined;

  constructor(
    private readonly source: string,
    private readonly events: ProfileEvent[],
    private readonly metadata: ProfileMetadata,
  ) {
    this.totals = events.map(() => 0);
  }

  addAddress(heat: AddressHeat): void {
    this.addresses.push(heat);
    addCounts(this.totals, heat.counts);
  }

  /**
   * Heat known by source line only (perf report rows, cachegrind rows, perf script srclines without a usable ip):
   * aggregated like an address whose inline chain is this one frame.
   */
  addSourceLine(heat: {
    dso: string;
    symbol: string;
    function?: string;
    file?: string;
    line?: number;
    counts: number[];
  }): void {
    const inlineChain: InlineFrame[] =
      heat.file && heat.line ? [{ function: heat.function ?? '', file: heat.file, line: heat.line }] : [];
    this.addAddress({ dso: heat.dso, address: -1, symbol: heat.symbol, counts: heat.counts, inlineChain });
  }

  /** Counts that belong to the profile's total but to no known address (kernel samples without symbols, …). */
  addToTotals(counts: readonly number[]): void {
    addCounts(this.totals, counts);
  }

  /**
   * For formats that state their totals (annotate headers): the sum of rounded per-instruction values is not the
   * total, and shares must use the one the tool printed.
   */
  setTotals(totals: readonly number[]): void {
    this.statedTotals = totals.slice();
  }

  setCallchains(chains: ProfileCallchains): void {
    this.callchains = chains;
  }

  setFilter(description: string): void {
    this.filter = description;
  }

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  build(): Profile {
    // Keyed by nested maps rather than joined strings (no string built and hashed per address; tens of thousands
    // of addresses), listed in order of first appearance as before.
    const functions: FunctionHeat[] = [];
    const sourceFunctions: SourceFunctionHeat[] = [];
    const functionOf = new Map<string, Map<string, FunctionHeat>>();
    const sourceFunctionOf = new Map<string, Map<string, SourceFunctionHeat>>();
    const { lines, unattributed } = innermostLines(this.addresses, this.events.length);
    const zeros = (): number[] => this.events.map(() => 0);
    for (const a of this.addresses) {
      const name = functionKeyName(a.dso, a.symbol);
      let inDso = functionOf.get(a.dso);
      if (!inDso) functionOf.set(a.dso, (inDso = new Map()));
      let f = inDso.get(name);
      if (!f) {
        inDso.set(name, (f = { name, dso: a.dso, counts: zeros(), ...(a.samples ? { samples: zeros() } : {}) }));
        functions.push(f);
      }
      addCounts(f.counts, a.counts);
      if (f.samples && a.samples) addCounts(f.samples, a.samples);
      else delete f.samples;
      const inner = a.inlineChain[0];
      if (!inner) continue;
      if (inner.function) {
        let fns = sourceFunctionOf.get(inner.file);
        if (!fns) sourceFunctionOf.set(inner.file, (fns = new Map()));
        let sf = fns.get(inner.function);
        if (!sf) {
          fns.set(inner.function, (sf = { file: inner.file, function: inner.function, counts: zeros() }));
          sourceFunctions.push(sf);
        }
        addCounts(sf.counts, a.counts);
      }
    }
    return {
      source: this.source,
      events: this.events,
      totals: this.statedTotals ?? this.totals.slice(),
      addresses: this.addresses,
      lines,
      functions,
      sourceFunctions,
      unattributed,
      metadata: this.metadata,
      warnings: this.warnings.slice(),
      ...(this.callchains ? { callchains: this.callchains } : {}),
      ...(this.filter ? { filter: this.filter } : {}),
    };
  }
}

/**
 * Counts per innermost source line: each address's counts go to the first frame of its inline chain (the line that
 * ran, inlined header code included), keyed by (file, line) — never line alone. Lines are listed in order of first
 * appearance; what has no frame is summed in `unattributed`. The one place this aggregation is written: the
 * profile's lines, a function's lines in the report and the hotspot index all use it. `fileOf` names the file a
 * recorded path is counted under (a workspace path, say); by default the recorded path.
 */
export function innermostLines(
  addresses: Iterable<AddressHeat>,
  events: number,
  fileOf: (recorded: string) => string = (f) => f,
): { lines: LineHeat[]; unattributed: number[] } {
  const lines: LineHeat[] = [];
  const unattributed = new Array<number>(events).fill(0);
  // Nested maps rather than joined strings: no string built and hashed per address (tens of thousands of them).
  const lineOf = new Map<string, Map<number, LineHeat>>();
  for (const a of addresses) {
    const inner = a.inlineChain[0];
    if (!inner) {
      addCounts(unattributed, a.counts);
      continue;
    }
    const file = fileOf(inner.file);
    let inFile = lineOf.get(file);
    if (!inFile) lineOf.set(file, (inFile = new Map()));
    let l = inFile.get(inner.line);
    if (!l) {
      inFile.set(inner.line, (l = { file, line: inner.line, counts: new Array<number>(events).fill(0) }));
      lines.push(l);
    }
    addCounts(l.counts, a.counts);
  }
  return { lines, unattributed };
}

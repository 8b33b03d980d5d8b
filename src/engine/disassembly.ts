/**
 * A sampled function's instructions with their counts, each with the inline chain it comes from, ready to be shown
 * beside the source (the editor's disassembly document, `perf-heat annotate`, hovers).
 *
 * Everything comes from the profile and the recorded binary, in process: the symbol's bytes are read from the
 * binary found at load time (same build-id), decoded by Capstone (engine/capstone.ts), and every instruction —
 * sampled or not — is placed in the source by the builtin symbolizer, so the interleave shows the lines the
 * compiler left without samples too. Counts are the profile's per-address counts (periods for perf.data, as perf
 * annotate's `--show-total-period`; `samples` as its `-n`), and each share is of the symbol's own total, as perf
 * annotate's default `--percent-type local-period`.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { decode } from './capstone';
import {
  functionKeyName,
  sourceFunctionName,
  type InlineFrame,
  type Profile,
  type ProfileEvent,
} from '../model/profile';
import { readElf, type ElfFile, type ElfSymbol } from '../symbolize/elf';
import { symbolize } from '../symbolize/symbolize';
import type { SymbolCache } from '../symbolize/symbol-cache';
import { debugInfoFile } from './symbolize-dso';
import { formatShare } from '../model/format';
import { sharesOf } from '../model/share';

export interface DisassembledInstruction {
  address: number;
  /** Capstone's mnemonic and operands; a direct branch or call gets objdump's `<symbol+0xoff>` after its target. */
  text: string;
  counts: number[];
  /** Samples per event where the profile counts them apart from the period (perf.data). */
  samples?: number[];
  /** Innermost first, from the builtin symbolizer; empty where the debug info places the instruction on no line. */
  chain: InlineFrame[];
}

/** One ELF symbol's code: what perf annotate shows under `Source code & Disassembly of … for EVENT`. */
export interface SymbolDisassembly {
  /** As the profile and perf report name it (`pop.cold`, `cfree@GLIBC_2.2.5` kept). */
  symbol: string;
  start: number;
  /** One past the last byte. */
  end: number;
  /** The symbol's own totals, per event: the denominator of each instruction's share (perf's local period). */
  counts: number[];
  samples?: number[];
  instructions: DisassembledInstruction[];
}

export interface FunctionDisassembly {
  /** The function as the function list (and perf report) names it. */
  function: string;
  dso: string;
  /** The binary the bytes were read from (the one matched to the recording at load time). */
  binary: string;
  events: ProfileEvent[];
  symbols: SymbolDisassembly[];
  warnings: string[];
}

export interface DisassemblyOptions {
  /** Which binary, when the function name is sampled in several. */
  dso?: string;
  symbolCache?: SymbolCache | false;
  signal?: AbortSignal;
  /** False: instruction text and counts only, no inline chains (hovers need no source placement). Default true. */
  placeInSource?: boolean;
}

/** A function larger than this is shown up to here, with a warning: hot code is never this big, data might be. */
export const MAX_SYMBOL_BYTES = 1 << 20;

/** The error the CLI and the server show as it is: one line naming what is missing. */
export class DisassemblyError extends Error {}

/** The sampled functions matching `name` (source function or exact symbol), hottest first by the first event. */
export function sampledFunctions(profile: Profile, name: string): { dso: string; function: string }[] {
  const exact = matching(profile, (fn) => fn === name);
  // `pthread_barrier_wait` for `pthread_barrier_wait@@GLIBC_2.34`, `scan` for `scan.part.0`: the name as written in
  // the source, when no row has the name as given.
  return exact.length ? exact : matching(profile, (fn) => sourceFunctionName(fn) === name);
}

function matching(profile: Profile, accept: (fn: string) => boolean): { dso: string; function: string }[] {
  const out = new Map<string, { dso: string; function: string; count: number }>();
  for (const a of profile.addresses) {
    if (a.address < 0) continue;
    const fn = functionKeyName(a.dso, a.symbol);
    if (!accept(fn)) continue;
    const key = `${a.dso}\0${fn}`;
    const e = out.get(key);
    if (e) e.count += a.counts[0] ?? 0;
    else out.set(key, { dso: a.dso, function: fn, count: a.counts[0] ?? 0 });
  }
  return [...out.values()].sort((x, y) => y.count - x.count).map(({ dso, function: f }) => ({ dso, function: f }));
}

export async function disassembleFunction(
  profile: Profile,
  name: string,
  options: DisassemblyOptions = {},
): Promise<FunctionDisassembly> {
  const matches = sampledFunctions(profile, name).filter(
    (m) => options.dso === undefined || m.dso === options.dso || basename(m.dso) === options.dso,
  );
  if (matches.length === 0) {
    const hottest = profile.functions
      .filter((f) => !f.dso.startsWith('['))
      .sort((a, b) => b.counts[0] - a.counts[0])
      .slice(0, 5)
      .map((f) => f.name);
    throw new DisassemblyError(
      `no instruction of "${name}"${options.dso ? ` in ${options.dso}` : ''} was sampled in ${basename(profile.source)}${hottest.length ? ` (the hottest functions are ${hottest.join(', ')})` : ''}`,
    );
  }
  const { dso, function: fn } = matches[0];
  const warnings: string[] = [];
  if (matches.length > 1 && options.dso === undefined)
    warnings.push(
      `"${name}" is sampled in ${matches.length} binaries; showing ${basename(dso)} (the hottest; choose another with its binary name).`,
    );
  const binary = profile.metadata.binaries.find((b) => b.recorded === dso && b.foundAt)?.foundAt;
  if (!binary) {
    const note = profile.metadata.binaries.find((b) => b.recorded === dso)?.note;
    throw new DisassemblyError(
      `the binary ${dso} was not found${note ? ` (${note})` : ''}: its instructions cannot be shown; point perfHeat.binaryPaths (or --binary-path) at the folder that holds it`,
    );
  }
  const elf = readElf(binary);
  const symbols = symbolTable(elf);

  // Sampled addresses of this function, per covering symbol (aliases at one address are one symbol).
  const sampled = new Map<number, { counts: number[]; samples?: number[] }>();
  const ranges = new Map<number, ElfSymbol & { end: number }>();
  // Each symbol as the profile (and perf) names it: `pthread_barrier_wait@@GLIBC_2.34`, `scan.part.0`.
  const shownName = new Map<number, string>();
  for (const a of profile.addresses) {
    if (a.dso !== dso || a.address < 0 || functionKeyName(a.dso, a.symbol) !== fn) continue;
    const s = symbols.at(a.address);
    if (!s) continue;
    ranges.set(s.value, s);
    if (!shownName.has(s.value)) shownName.set(s.value, a.symbol);
    const e = sampled.get(a.address);
    if (!e) sampled.set(a.address, { counts: a.counts.slice(), samples: a.samples?.slice() });
    else {
      a.counts.forEach((c, i) => (e.counts[i] += c));
      if (e.samples && a.samples) a.samples.forEach((c, i) => (e.samples![i] += c));
      else delete e.samples;
    }
  }
  const zero = (): number[] => profile.events.map(() => 0);
  const out: SymbolDisassembly[] = [];
  for (const s of [...ranges.values()].sort((a, b) => a.value - b.value)) {
    let end = s.end;
    if (end - s.value > MAX_SYMBOL_BYTES) {
      warnings.push(`${s.name} is ${end - s.value} bytes: only its first ${MAX_SYMBOL_BYTES} are shown.`);
      end = s.value + MAX_SYMBOL_BYTES;
    }
    const bytes = codeBytes(elf, s.value, end);
    const decoded = await decode(machineOf(elf), bytes, s.value);
    options.signal?.throwIfAborted();
    const symbolCounts = zero();
    const symbolSamples: number[] | undefined = zero();
    let withSamples = true;
    const instructions: DisassembledInstruction[] = decoded.map((d) => {
      const hit = sampled.get(d.address);
      const counts = hit ? hit.counts : zero();
      counts.forEach((c, i) => (symbolCounts[i] += c));
      if (hit && !hit.samples) withSamples = false;
      if (hit?.samples) hit.samples.forEach((c, i) => (symbolSamples[i] += c));
      return {
        address: d.address,
        text: branchText(d.mnemonic, d.operands, symbols),
        counts,
        ...(hit?.samples ? { samples: hit.samples } : {}),
        chain: [],
      };
    });
    const starts = new Set(decoded.map((d) => d.address));
    const stray = [...sampled.keys()].filter((a) => a >= s.value && a < end && !starts.has(a));
    if (stray.length)
      warnings.push(
        `${stray.length} sampled addresses of ${s.name} are not where an instruction starts (${stray
          .slice(0, 3)
          .map((a) => '0x' + a.toString(16))
          .join(', ')}): their counts are not on any row.`,
      );
    out.push({
      symbol: shownName.get(s.value) ?? s.name,
      start: s.value,
      end,
      counts: symbolCounts,
      ...(withSamples ? { samples: symbolSamples } : {}),
      instructions,
    });
  }

  // One symbolization over every instruction of every symbol: the builtin symbolizer reads only the units that
  // hold them, and starts no process (untrusted workspaces too).
  const debugFile =
    options.placeInSource === false ? undefined : debugInfoFile(elf, { warn: (m: string) => warnings.push(m) });
  if (debugFile) {
    const all = out.flatMap((s) => s.instructions.map((i) => i.address));
    try {
      const chains = await symbolize(debugFile, all, {
        kind: 'builtin',
        binary: elf.path,
        buildId: elf.buildId,
        cache: options.symbolCache,
        signal: options.signal,
        onWarning: (m) => warnings.push(m),
      });
      for (const s of out)
        for (const i of s.instructions) i.chain = (chains.get(i.address) ?? []).filter((f) => f.line > 0);
    } catch (e) {
      warnings.push(`placing the instructions of ${fn} in the source failed: ${(e as Error).message}`);
    }
  }
  return { function: fn, dso, binary, events: profile.events, symbols: out, warnings };
}

interface SymbolTable {
  /** The function symbol covering an address (a zero-size one runs to the next symbol, as perf's fixup does). */
  at(vaddr: number): (ElfSymbol & { end: number }) | undefined;
}

function symbolTable(elf: ElfFile): SymbolTable {
  const sorted = elf
    .symbols()
    .filter((s) => s.isFunction && s.value > 0)
    .sort((a, b) => a.value - b.value || b.size - a.size);
  const funcs: (ElfSymbol & { end: number })[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i];
    if (funcs.length && funcs[funcs.length - 1].value === s.value) continue;
    const next = sorted.slice(i + 1).find((n) => n.value > s.value)?.value;
    funcs.push({ ...s, end: s.size > 0 ? s.value + s.size : (next ?? s.value) });
  }
  return {
    at(vaddr) {
      let lo = 0;
      let hi = funcs.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (funcs[mid].value <= vaddr) lo = mid + 1;
        else hi = mid - 1;
      }
      const s = funcs[hi];
      return s && vaddr < s.end ? s : undefined;
    },
  };
}

/** The symbol's bytes from the section that holds them (a file offset, not an address, is what is read). */
function codeBytes(elf: ElfFile, start: number, end: number): Uint8Array {
  const SHT_NOBITS = 8;
  const sec = elf.sections.find(
    (s) => s.type !== SHT_NOBITS && (s.flags & 4) !== 0 && s.addr <= start && start < s.addr + s.size,
  );
  if (!sec) throw new DisassemblyError(`${elf.path} has no code section holding 0x${start.toString(16)}`);
  const len = Math.min(end, sec.addr + sec.size) - start;
  const buf = Buffer.alloc(len);
  const fd = openSync(elf.path, 'r');
  try {
    const n = readSync(fd, buf, 0, len, sec.offset + (start - sec.addr));
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function machineOf(elf: ElfFile): number {
  const fd = openSync(elf.path, 'r');
  try {
    const b = Buffer.alloc(2);
    readSync(fd, b, 0, 2, 18);
    return elf.littleEndian ? b.readUInt16LE(0) : b.readUInt16BE(0);
  } finally {
    closeSync(fd);
  }
}

/** `jne 0x1c36` → `jne 0x1c36 <mh3_owner_stash_pop+0x86>`, as objdump names a direct target. */
function branchText(mnemonic: string, operands: string, symbols: SymbolTable): string {
  const text = operands ? `${mnemonic} ${operands}` : mnemonic;
  const m = /^(?:j|call|b\b|b\.|bl\b|cb|tb|loop|jmp|xbegin)/.test(mnemonic) ? /^#?(0x[0-9a-f]+)$/.exec(operands) : null;
  if (!m) return text;
  const target = Number.parseInt(m[1], 16);
  const s = symbols.at(target);
  if (!s) return text;
  return `${text} <${s.name}${target > s.value ? `+0x${(target - s.value).toString(16)}` : ''}>`;
}

// ---- the interleaved listing: one renderer for the CLI text, the editor document and the tests ----

export interface ListingRow {
  kind: 'symbol' | 'inline' | 'source' | 'instruction';
  text: string;
  /** instruction rows */
  symbol?: number;
  instruction?: number;
  /** Where the row's code is: the innermost frame (recorded path), for source and instruction rows. */
  location?: { file: string; line: number };
  /** Columns of the text naming the location (`file:line`), for links. */
  locationColumns?: [number, number];
}

export interface ListingOptions {
  /** The source text of a line (1-based), when the file can be read. */
  sourceLine?(file: string, line: number): string | undefined;
  /** How a recorded path is shown (default: its base name). */
  fileLabel?(file: string): string;
}

/**
 * perf annotate --stdio's layout: a share column per event (of the symbol's total), the address, the
 * instruction; each time the innermost source line changes, that line (`file:line  text`) above its
 * instructions, and each time the inline chain changes, which function's code follows and where it was inlined.
 */
export function listing(d: FunctionDisassembly, options: ListingOptions = {}): ListingRow[] {
  const label = options.fileLabel ?? ((f: string) => basename(f));
  const width = 9;
  const blank = ' '.repeat(width * d.events.length);
  const rows: ListingRow[] = [];
  d.symbols.forEach((s, si) => {
    const totals = d.events.map((ev, i) => `${s.samples ? `${s.samples[i]} samples, ` : ''}${ev.name}`).join('; ');
    rows.push({
      kind: 'symbol',
      text: `${d.events.map(() => 'Percent'.padStart(width - 1) + ' ').join('')}| ${s.symbol} (${basename(d.binary)}, 0x${s.start.toString(16)}–0x${s.end.toString(16)}; ${totals})`,
    });
    let lastChain = '';
    let lastLine = '';
    s.instructions.forEach((ins, ii) => {
      const inner = ins.chain[0];
      const chainKey = ins.chain.map((f, k) => (k === 0 ? f.function : `${f.function}@${f.file}:${f.line}`)).join('<');
      if (chainKey !== lastChain && ins.chain.length > 1) {
        const text = ins.chain
          .slice(1)
          .reduce(
            (acc, f) => `${acc}, inlined at ${label(f.file)}:${f.line} into ${f.function || '?'}`,
            `${blank}:   ${ins.chain[0].function || '?'}()`,
          );
        rows.push({ kind: 'inline', text });
        lastLine = '';
      }
      lastChain = chainKey;
      const lineKey = inner ? `${inner.file}:${inner.line}` : '';
      if (inner && lineKey !== lastLine) {
        const where = `${label(inner.file)}:${inner.line}`;
        const prefix = `${blank}:   `;
        const src = options.sourceLine?.(inner.file, inner.line)?.trim();
        rows.push({
          kind: 'source',
          text: `${prefix}${where}${src ? `   ${src}` : ''}`,
          location: { file: inner.file, line: inner.line },
          locationColumns: [prefix.length, prefix.length + where.length],
        });
      }
      lastLine = lineKey;
      const shares = sharesOf(ins.counts, s.counts);
      const cols = shares.map((p) => (p > 0 ? formatShare(p) : '').padStart(width - 1) + ' ').join('');
      rows.push({
        kind: 'instruction',
        text: `${cols}:   ${ins.address.toString(16).padStart(6)}:   ${ins.text}`,
        symbol: si,
        instruction: ii,
        ...(inner ? { location: { file: inner.file, line: inner.line } } : {}),
      });
    });
  });
  return rows;
}

/**
 * The in-process symbolizer: a binary's addresses → inline chains (function, file, line; innermost first), the
 * answers of `addr2line -f -i` and `llvm-symbolizer`, without starting a process (so an untrusted workspace gets
 * them too). Only the compilation units that hold a sampled address are decoded: `.debug_aranges` (or each unit's
 * own ranges) names them, then their DIE trees give the inline scopes and their line programs the innermost
 * file:line. Function names come from DWARF, else from `.symtab` / `.dynsym`, as both reference tools do.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { LOOKUP_SECTIONS, takePrefetched } from './prefetch';
import { parseElf, type ElfFile } from './elf';
import { functionFiles } from './symtab-files';
import { debugSectionsOf, inflateDebugSections, type DebugSections } from './dwarf/sections';
import { LineTable } from './dwarf/line-table';
import { parseLineProgramHeader, type FileEntry, type LineContext } from './dwarf/line-header';
import {
  AbbrevCache,
  readCompUnit,
  readUnitHeaders,
  UnitStrings,
  unitAt,
  type CompUnit,
  type UnitHeader,
} from './dwarf/units';
import { arangeUnit, readAranges, readRanges } from './dwarf/ranges';
import { DieNames, readUnitScopes, type UnitScopes } from './dwarf/inline-scopes';
import { ByteReader, type SectionData } from './dwarf/reader';

/** One frame as the reference tools print it: '' for an unknown function or file, 0 for an unknown line. */
export interface SymbolFrame {
  function: string;
  file: string;
  line: number;
}

export interface BuiltinOptions {
  /** The binary itself, when `debugFile` is its separate debug file: its `.symtab` / `.dynsym` name what DWARF does not. */
  binary?: string;
  /** Told about units whose DWARF could not be read (their addresses keep symbol names and line-table lines). */
  onWarning?: (message: string) => void;
}

export interface BuiltinStats {
  units: number;
  unitsDecoded: number;
}

/** Maps every address to its frames, innermost first; [] where nothing at all is known of it. */
export function symbolizeInProcess(
  debugFile: string,
  addresses: readonly number[],
  options: BuiltinOptions = {},
  stats?: BuiltinStats,
): Map<number, SymbolFrame[]> {
  return symbolizeBuffer(readFileSync(debugFile), debugFile, addresses, options, stats);
}

/**
 * As symbolizeInProcess, with the file read and its compressed sections inflated off the main thread (libuv's
 * pool), so that several binaries' files are read and inflated at once and beside the main thread's DWARF work;
 * or taken from a prefetch (prefetch.ts) started while the profile was being read.
 */
export async function symbolizeInProcessAsync(
  debugFile: string,
  addresses: readonly number[],
  options: BuiltinOptions = {},
): Promise<Map<number, SymbolFrame[]>> {
  const ready = await takePrefetched(debugFile);
  const buf = ready?.buf ?? (await readFile(debugFile));
  const inflated = ready?.inflated ?? (await inflateDebugSections(buf, debugFile, LOOKUP_SECTIONS));
  return symbolizeBuffer(buf, debugFile, addresses, options, undefined, inflated);
}

/** The same over a file's bytes (`debugFile` names it in messages); `inflated` as debugSectionsOf takes it. */
export function symbolizeBuffer(
  buf: Buffer,
  debugFile: string,
  addresses: readonly number[],
  options: BuiltinOptions = {},
  stats?: BuiltinStats,
  inflated?: ReadonlyMap<string, Uint8Array>,
): Map<number, SymbolFrame[]> {
  const sections = debugSectionsOf(buf, debugFile, inflated);
  const unique = [...new Set(addresses)].sort((a, b) => a - b);
  const symbolOf = symbolNames(sections.elf, buf, options.binary);
  const warned = new Set<string>();
  const onWarning = options.onWarning;
  options = {
    ...options,
    onWarning: (m) => {
      if (!warned.has(m)) {
        warned.add(m);
        onWarning?.(m);
      }
    },
  };
  const out = new Map<number, SymbolFrame[]>();
  const info = sections.get('.debug_info');
  const units = info ? readUnitHeaders(debugFile, info, sections.littleEndian) : [];
  if (stats) stats.units = units.length;
  const abbrevs = new AbbrevCache(sections);
  const cus = new Map<number, CompUnit | undefined>();
  const cuOf = (u: UnitHeader): CompUnit | undefined => {
    if (!cus.has(u.offset))
      cus.set(u.offset, info ? withRanges(sections, info, readCompUnit(sections, info, u, abbrevs)) : undefined);
    return cus.get(u.offset);
  };

  // Which unit holds each address: .debug_aranges first, then the units' own ranges for what it leaves out.
  const unitOfAddress = new Map<number, UnitHeader>();
  const aranges = info ? safely(() => readAranges(sections), options, debugFile) : undefined;
  let left: number[] = unique;
  if (aranges) {
    left = [];
    for (const a of unique) {
      const u = unitAt(units, arangeUnit(aranges, a));
      if (u) unitOfAddress.set(a, u);
      else left.push(a);
    }
  }
  if (left.length > 0 && units.length > 0) {
    // As llvm-symbolizer builds its address map: units .debug_aranges lists are known by it; the others' own
    // ranges fill in. (Addresses in no unit at all — PLT stubs, padding — then cost nothing more.)
    const listed = new Set(aranges ? aranges.units : []);
    const index: [number, number, UnitHeader][] = [];
    for (const u of units) {
      if (listed.has(u.offset)) continue;
      const cu = safely(
        () => (info ? withRanges(sections, info, readCompUnit(sections, info, u, abbrevs, false)) : undefined),
        options,
        debugFile,
      );
      if (cu) for (let k = 0; k < cu.ranges.length; k += 2) index.push([cu.ranges[k]!, cu.ranges[k + 1]!, u]);
    }
    index.sort((x, y) => x[0] - y[0]);
    for (const a of left) {
      const hit = findRange(index, a);
      if (hit) unitOfAddress.set(a, hit);
    }
  }

  // Decode the units that hold sampled addresses: their scopes, their line programs.
  const scopesOf = new Map<number, UnitScopes | undefined>();
  const lineOffsets: number[] = [];
  const compDirs = new Map<number, string>();
  for (const u of new Set(unitOfAddress.values())) {
    const cu = safely(() => cuOf(u), options, debugFile);
    scopesOf.set(
      u.offset,
      cu ? safely(() => readUnitScopes(sections, info!, cu, abbrevs), options, debugFile) : undefined,
    );
    if (cu?.stmtList !== undefined) {
      lineOffsets.push(cu.stmtList);
      if (cu.compDir !== undefined && !compDirs.has(cu.stmtList)) compDirs.set(cu.stmtList, cu.compDir);
    }
  }
  if (stats) stats.unitsDecoded = scopesOf.size;
  // Without .debug_info the whole line table is the only source of lines. With it, an address no unit claims
  // (a PLT stub, padding) has no line in llvm-symbolizer either, and must not cost a decode of every line program.
  const wholeTable = !info && sections.get('.debug_line') !== undefined;
  const table = sections.get('.debug_line')
    ? safely(
        () => LineTable.fromSections(sections, wholeTable ? undefined : { offsets: lineOffsets, compDirs }),
        options,
        debugFile,
      )
    : undefined;

  const names = info
    ? new DieNames(sections, info, units, abbrevs, (u) => unitStringsOf(sections, cuOf(u), u))
    : undefined;
  const files = new Map<number, FileEntry[] | undefined>();
  const filesOf = (cu: CompUnit): FileEntry[] | undefined => {
    const at = cu.stmtList;
    if (at === undefined) return undefined;
    if (!files.has(at))
      files.set(
        at,
        safely(() => lineHeaderFiles(sections, at, compDirs.get(at) ?? cu.compDir), options, debugFile),
      );
    return files.get(at);
  };

  for (const a of unique) {
    const loc = table?.lookup(a);
    const file = loc?.file ?? '';
    const line = loc?.line ?? 0;
    const u = unitOfAddress.get(a);
    const scopes = u ? scopesOf.get(u.offset) : undefined;
    const chain = scopes ? scopes.chainAt(a) : [];
    if (chain.length === 0 || !scopes || !names) {
      // No DWARF function: the covering ELF symbol, and its STT_FILE when no line row names a file either.
      const sym = symbolOf(a);
      const fn = sym?.name ?? '';
      out.set(a, fn || file ? [{ function: fn, file: file || (sym?.file ?? ''), line }] : []);
      continue;
    }
    const frames: SymbolFrame[] = [];
    const fileTable = filesOf(scopes.cu);
    const v5 = scopes.cu.header.version >= 5;
    for (let k = 0; k < chain.length; k++) {
      const sc = scopes.scopes[chain[k]!]!;
      // Inline rather than through safely(): no closure per frame (tens of thousands of them).
      let fn = '';
      try {
        fn = names.ofScope(sc, scopes.strings, scopes.reader) ?? '';
      } catch (e) {
        reportFailure(e, options, debugFile);
      }
      if (k === 0) frames.push({ function: fn, file, line });
      else {
        const callee = scopes.scopes[chain[k - 1]!]!;
        // call_file numbers the unit's line-table files: 0-based in DWARF 5, 1-based before.
        const entry = fileTable?.[v5 ? callee.callFile : callee.callFile - 1];
        frames.push({ function: fn, file: entry?.path ?? '', line: callee.callLine });
      }
    }
    out.set(a, frames);
  }
  return out;
}

/** Resolves a unit's DW_AT_ranges now that its bases are known. */
function withRanges(sections: DebugSections, info: SectionData, cu: CompUnit | undefined): CompUnit | undefined {
  if (!cu || !cu.rangesAttr) return cu;
  const from = new ByteReader(sections.file, info, sections.littleEndian, cu.header.dieOffset);
  const strings = new UnitStrings(sections, cu.header, cu.strOffsetsBase, cu.addrBase);
  readRanges(
    { sections, unit: cu.header, strings, baseAddress: cu.lowPc ?? 0, rnglistsBase: cu.rnglistsBase, from },
    cu.rangesAttr.form,
    cu.rangesAttr.value,
    cu.ranges,
  );
  return cu;
}

function unitStringsOf(sections: DebugSections, cu: CompUnit | undefined, u: UnitHeader): UnitStrings {
  return new UnitStrings(sections, u, cu?.strOffsetsBase, cu?.addrBase);
}

function lineHeaderFiles(sections: DebugSections, offset: number, compDir: string | undefined): FileEntry[] {
  const ctx: LineContext = {
    file: sections.file,
    littleEndian: sections.littleEndian,
    debugLine: sections.get('.debug_line')!,
    debugLineStr: sections.get('.debug_line_str'),
    debugStr: sections.get('.debug_str'),
    defaultAddressSize: sections.elf.is64 ? 8 : 4,
    compDirFor: () => compDir,
  };
  if (!ctx.debugLine) return [];
  return parseLineProgramHeader(ctx, offset).files;
}

function findRange(index: [number, number, UnitHeader][], a: number): UnitHeader | undefined {
  let lo = 0;
  let hi = index.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (index[mid]![0] <= a) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  for (let i = at; i >= 0 && i > at - 8; i--) if (a < index[i]![1]) return index[i]![2];
  return undefined;
}

/**
 * `.symtab` / `.dynsym` function names of the debug file, else of the binary (read only when first needed), with
 * the STT_FILE name each one follows. The covering symbol is chosen as `functionLookup` chooses it.
 */
function symbolNames(
  debugElf: ElfFile,
  debugBuf: Uint8Array,
  binary: string | undefined,
): (a: number) => { name: string; file: string } | undefined {
  let lookup: ((a: number) => { name: string; file: string } | undefined) | undefined;
  const build = (elf: ElfFile, buf: Uint8Array): ((a: number) => { name: string; file: string } | undefined) => {
    const funcs = elf
      .symbols()
      .filter((s) => s.isFunction && s.value > 0)
      .sort((x, y) => x.value - y.value || y.size - x.size);
    let files: Map<string, string> | undefined;
    return (a) => {
      let lo = 0;
      let hi = funcs.length - 1;
      let at = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (funcs[mid]!.value <= a) {
          at = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      for (let i = at; i >= 0 && i > at - 4; i--) {
        const f = funcs[i]!;
        if (a < f.value + f.size || (f.size === 0 && i === at)) {
          files ??= functionFiles(buf, elf);
          return { name: f.name, file: files.get(`${f.name}\0${f.value}`) ?? '' };
        }
      }
      return undefined;
    };
  };
  return (a) => {
    if (!lookup) {
      const own = build(debugElf, debugBuf);
      let other: ((a: number) => { name: string; file: string } | undefined) | undefined;
      if (binary && binary !== debugElf.path) {
        try {
          const buf = readFileSync(binary);
          other = build(parseElf(buf, binary), buf);
        } catch {
          other = undefined;
        }
      }
      lookup = (x) => own(x) ?? other?.(x);
    }
    return lookup(a);
  };
}

/** Runs one step of DWARF reading; a malformed unit is reported and skipped, not fatal to the whole binary. */
function safely<T>(f: () => T, options: BuiltinOptions, file: string): T | undefined {
  try {
    return f();
  } catch (e) {
    reportFailure(e, options, file);
    return undefined;
  }
}

function reportFailure(e: unknown, options: BuiltinOptions, file: string): void {
  const message = (e as Error).message;
  options.onWarning?.(message.startsWith(file) ? message : `${file}: ${message}`);
}

/** The frames the model keeps: those with a file and a line (as `parseAddr2lineOutput` keeps them). */
export function modelChain(frames: SymbolFrame[]): { function: string; file: string; line: number }[] {
  // Usually every frame is kept: hand the array on as it is (tens of thousands of addresses, no copies).
  return frames.every((f) => f.file !== '' && f.line > 0) ? frames : frames.filter((f) => f.file !== '' && f.line > 0);
}

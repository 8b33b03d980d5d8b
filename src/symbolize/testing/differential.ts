/**
 * Test support: our frames against addr2line's and llvm-symbolizer's for one address, frame by frame and field
 * by field. Where the two reference tools agree we must equal them; where they disagree, a named rule says which
 * one we follow, and anything no rule explains is a mismatch.
 */
import type { SymbolFrame } from '../builtin';

export type Rule =
  /** binutils 2.40 numbers DWARF 5 line-table files from 1 (perf-formats.md §2.4): its file is the including one. */
  | 'binutils-dwarf5-file-index'
  /**
   * llvm-symbolizer 14 puts the ELF symbol covering the address in place of the outermost frame's DWARF name
   * (an alias, a versioned or a `.part.N` name; nothing at all where no symbol covers it).
   */
  | 'llvm-outer-name-from-symtab'
  /** Where no DWARF function covers the address, binutils names the preceding ELF symbol even past its st_size. */
  | 'binutils-symbol-past-size'
  /** Several ELF symbols at one address and no DWARF function: the tools pick different aliases. */
  | 'symbol-alias'
  /** binutils 2.40 drops an inlined call whose DW_AT_ranges is a DW_FORM_rnglistx index (the unit's own works). */
  | 'binutils-rnglistx-inline'
  /**
   * No code symbol covers the address (ld.so's `.plt` at 0x1010): llvm-symbolizer names the nearest linker-defined
   * symbol before it (`__ehdr_start`, STT_NOTYPE outside every code section), binutils nothing.
   */
  | 'llvm-linker-symbol';

export const FOLLOWS: Record<Rule, 'addr2line' | 'llvm-symbolizer'> = {
  'binutils-dwarf5-file-index': 'llvm-symbolizer',
  'llvm-outer-name-from-symtab': 'addr2line',
  'binutils-symbol-past-size': 'llvm-symbolizer',
  'symbol-alias': 'llvm-symbolizer',
  'binutils-rnglistx-inline': 'llvm-symbolizer',
  // perf names such an address by its PLT stub, never by a linker symbol; we give no frame, as addr2line.
  'llvm-linker-symbol': 'addr2line',
};

export interface Verdict {
  /** Rules that applied (the tools disagreed, we followed the rule's side). */
  rules: Rule[];
  /** What no rule explains, as text; empty when we match. */
  mismatches: string[];
}

/**
 * `dwarf5`: the file has DWARF 5 line tables (the only place binutils' file numbering goes wrong); `aliases`: true
 * when two names are ELF function symbols at the same address.
 */
export function compareFrames(
  ours: readonly SymbolFrame[],
  a2l: readonly SymbolFrame[],
  llvm: readonly SymbolFrame[],
  dwarf5: boolean,
  aliases: (a: string, b: string) => boolean = () => false,
  /** Rules that apply only where the caller knows the DWARF shape (hand-written units). */
  shapeRules: Rule[] = [],
): Verdict {
  const rules = new Set<Rule>();
  const mismatches: string[] = [];
  const same = (x: readonly SymbolFrame[], y: readonly SymbolFrame[]): boolean =>
    x.length === y.length &&
    x.every((f, i) => f.function === y[i]!.function && f.file === y[i]!.file && f.line === y[i]!.line);
  if (shapeRules.includes('binutils-rnglistx-inline') && a2l.length < llvm.length && same(ours, llvm))
    return { rules: ['binutils-rnglistx-inline'], mismatches };
  // Padding after a function: addr2line prints the preceding symbol with line 0, llvm-symbolizer and we nothing.
  if (llvm.length === 0 && ours.length === 0 && a2l.length === 1 && a2l[0]!.line === 0)
    return { rules: ['binutils-symbol-past-size'], mismatches };
  if (a2l.length === 0 && ours.length === 0 && llvm.length === 1 && llvm[0]!.line === 0)
    return { rules: ['llvm-linker-symbol'], mismatches };
  const n = Math.max(ours.length, a2l.length, llvm.length);
  if (ours.length !== a2l.length || ours.length !== llvm.length) {
    mismatches.push(`chain length: ours ${ours.length}, addr2line ${a2l.length}, llvm-symbolizer ${llvm.length}`);
    return { rules: [], mismatches };
  }
  for (let i = 0; i < n; i++) {
    const o = ours[i]!;
    const x = a2l[i]!;
    const y = llvm[i]!;
    const field = (name: keyof SymbolFrame, rule?: Rule, applies = true): void => {
      if (x[name] === y[name]) {
        if (o[name] !== x[name]) mismatches.push(`frame ${i} ${name}: ours ${o[name]}, both tools ${x[name]}`);
        return;
      }
      if (rule && applies) {
        const want = FOLLOWS[rule] === 'addr2line' ? x[name] : y[name];
        if (o[name] === want) {
          rules.add(rule);
          return;
        }
      }
      mismatches.push(`frame ${i} ${name}: ours ${o[name]}, addr2line ${x[name]}, llvm-symbolizer ${y[name]}`);
    };
    if (i === 0 && y.function === '' && x.function !== '' && o.function === '') rules.add('binutils-symbol-past-size');
    else if (n === 1 && x.function !== y.function && x.line === 0 && aliases(x.function, y.function))
      field('function', 'symbol-alias');
    else field('function', 'llvm-outer-name-from-symtab', i === n - 1);
    field('file', 'binutils-dwarf5-file-index', dwarf5);
    field('line');
  }
  return { rules: [...rules], mismatches };
}

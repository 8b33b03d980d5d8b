/**
 * The function scopes of one compilation unit: every `DW_TAG_subprogram` and `DW_TAG_inlined_subroutine` with
 * code (low_pc/high_pc or DW_AT_ranges), its enclosing scope, its call site (`DW_AT_call_file` / `call_line`) and
 * where its name is (`DW_AT_linkage_name` / `DW_AT_name`, else `DW_AT_abstract_origin` / `DW_AT_specification`,
 * followed across units). `chainAt(address)` gives the scopes holding an address, innermost first — the frames
 * of `addr2line -i` and llvm-symbolizer's inlining chain.
 *
 * The DIE tree is walked with an explicit stack; every DIE consumes at least one byte, so depth and count are
 * bounded by the unit's size.
 */
import { AT, TAG, UnitStrings, unitAt, type AbbrevCache, type CompUnit, type UnitHeader } from './units';
import { FORM, isConstantForm, isUnitRefForm, readForm } from './forms';
import { readRanges, type RangeContext } from './ranges';
import { ByteReader, type SectionData } from './reader';
import type { DebugSections } from './sections';

export interface Scope {
  /** `.debug_info` offset of the DIE. */
  die: number;
  tag: number;
  /** Index of the enclosing subprogram / inlined_subroutine scope, −1 at the top. */
  parent: number;
  depth: number;
  /** Where the name is: a string attribute (form, value) or, failing that, the DIE to take it from. */
  nameForm: number;
  nameValue: number;
  /** Global `.debug_info` offset of DW_AT_abstract_origin or DW_AT_specification, −1 when none. */
  origin: number;
  /** Call site of an inlined_subroutine: a file index into the unit's line table, and a line; 0 when absent. */
  callFile: number;
  callLine: number;
}

export class UnitScopes {
  readonly scopes: Scope[] = [];
  /** [start, end, scope] triples, flattened. */
  private readonly ranges: number[] = [];
  private sorted?: { start: Float64Array; end: Float64Array; scope: Int32Array; maxEnd: Float64Array };
  readonly strings: UnitStrings;

  constructor(
    readonly cu: CompUnit,
    sections: DebugSections,
    /** A reader over the unit, for messages and DW_FORM_string names. */
    readonly reader: ByteReader,
  ) {
    this.strings = new UnitStrings(sections, cu.header, cu.strOffsetsBase, cu.addrBase);
  }

  addRange(start: number, end: number, scope: number): void {
    if (end > start) this.ranges.push(start, end, scope);
  }

  /** Scope indices holding `address`, innermost first (empty when no function of this unit has it). */
  chainAt(address: number): number[] {
    const s = (this.sorted ??= this.sort());
    // Every range with start ≤ address is a candidate; the deepest containing one is the innermost scope.
    let lo = 0;
    let hi = s.start.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (s.start[mid]! <= address) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let best = -1;
    for (let i = at; i >= 0 && s.maxEnd[i]! > address; i--) {
      if (s.end[i]! > address) {
        const sc = s.scope[i]!;
        if (best < 0 || this.scopes[sc]!.depth > this.scopes[best]!.depth) best = sc;
      }
    }
    const chain: number[] = [];
    for (let sc = best; sc >= 0 && chain.length <= this.scopes.length; sc = this.scopes[sc]!.parent) chain.push(sc);
    return chain;
  }

  private sort(): { start: Float64Array; end: Float64Array; scope: Int32Array; maxEnd: Float64Array } {
    const n = this.ranges.length / 3;
    const idx = Array.from({ length: n }, (_, i) => i);
    const r = this.ranges;
    idx.sort((a, b) => r[a * 3]! - r[b * 3]! || a - b);
    const start = new Float64Array(n);
    const end = new Float64Array(n);
    const scope = new Int32Array(n);
    const maxEnd = new Float64Array(n);
    let m = -Infinity;
    idx.forEach((k, i) => {
      start[i] = r[k * 3]!;
      end[i] = r[k * 3 + 1]!;
      scope[i] = r[k * 3 + 2]!;
      m = Math.max(m, end[i]!);
      maxEnd[i] = m;
    });
    return { start, end, scope, maxEnd };
  }
}

/** Walks every DIE of `cu` and collects its function scopes. */
export function readUnitScopes(
  sections: DebugSections,
  info: SectionData,
  cu: CompUnit,
  abbrevs: AbbrevCache,
): UnitScopes {
  const header = cu.header;
  const r = new ByteReader(sections.file, info, sections.littleEndian, header.dieOffset, header.end, 'unit');
  const out = new UnitScopes(cu, sections, r);
  const table = abbrevs.of(header, r);
  const rangeCtx: RangeContext = {
    sections,
    unit: header,
    strings: out.strings,
    baseAddress: cu.lowPc ?? 0,
    rnglistsBase: cu.rnglistsBase,
    from: r,
  };
  // Per tree level: the scope index in force there (the nearest enclosing function scope).
  const scopeAt: number[] = [-1];
  let depth = 0;
  const actual = [0];
  const pcRanges: number[] = [];
  while (r.remaining > 0) {
    const dieAt = r.offset;
    const code = r.uleb('abbreviation code');
    if (code === 0) {
      // End of a sibling list; at depth 0 it is padding after the unit's DIE.
      if (depth > 0) depth--;
      continue;
    }
    const a = table.get(code);
    if (!a)
      throw r.error(
        `abbreviation code ${code} is not in the table at .debug_abbrev offset 0x${header.abbrevOffset.toString(16)}`,
        dieAt,
      );
    const isScope = a.tag === TAG.subprogram || a.tag === TAG.inlinedSubroutine;
    if (!isScope) {
      // Skip attributes fast: most DIEs (types, variables, parameters) matter only for their size.
      for (let i = 0; i < a.forms.length; i++) {
        const size = a.sizes[i]!;
        if (size > 0) {
          if (r.offset + size > r.end) r.need(size, 'attribute');
          r.offset += size;
        } else if (size === 0) readForm(r, a.forms[i]!, a.implicit[i]!, header);
      }
    } else {
      let lowForm = -1;
      let low = 0;
      let highForm = -1;
      let high = 0;
      let rangesForm = -1;
      let rangesValue = 0;
      let nameForm = -1;
      let nameValue = 0;
      let linkage = false;
      let origin = -1;
      let callFile = 0;
      let callLine = 0;
      for (let i = 0; i < a.forms.length; i++) {
        actual[0] = a.forms[i]!;
        const value = readForm(r, a.forms[i]!, a.implicit[i]!, header, actual);
        const form = actual[0]!;
        switch (a.names[i]) {
          case AT.lowPc:
            lowForm = form;
            low = value;
            break;
          case AT.highPc:
            highForm = form;
            high = value;
            break;
          case AT.ranges:
            rangesForm = form;
            rangesValue = value;
            break;
          case AT.linkageName:
          case AT.mipsLinkageName:
            // The linkage name wins over DW_AT_name, as in both addr2line and llvm-symbolizer.
            nameForm = form;
            nameValue = value;
            linkage = true;
            break;
          case AT.name:
            if (!linkage) {
              nameForm = form;
              nameValue = value;
            }
            break;
          case AT.abstractOrigin:
          case AT.specification:
            if (origin < 0) origin = isUnitRefForm(form) ? header.offset + value : form === FORM.refAddr ? value : -1;
            break;
          case AT.callFile:
            callFile = value;
            break;
          case AT.callLine:
            callLine = value;
            break;
        }
      }
      pcRanges.length = 0;
      if (lowForm >= 0 && highForm >= 0) {
        const start = out.strings.address(lowForm, low, r);
        const end = isConstantForm(highForm) ? start + high : out.strings.address(highForm, high, r);
        if (end > start) pcRanges.push(start, end);
      } else if (rangesForm >= 0) {
        readRanges(rangeCtx, rangesForm, rangesValue, pcRanges);
      }
      if (pcRanges.length > 0) {
        const index = out.scopes.length;
        const parent = scopeAt[depth] ?? -1;
        out.scopes.push({
          die: dieAt,
          tag: a.tag,
          parent,
          depth: parent >= 0 ? out.scopes[parent]!.depth + 1 : 0,
          nameForm,
          nameValue,
          origin,
          callFile,
          callLine,
        });
        for (let k = 0; k < pcRanges.length; k += 2) out.addRange(pcRanges[k]!, pcRanges[k + 1]!, index);
        if (a.hasChildren) {
          depth++;
          scopeAt[depth] = index;
          continue;
        }
      }
    }
    if (a.hasChildren) {
      depth++;
      scopeAt[depth] = scopeAt[depth - 1] ?? -1;
    }
  }
  return out;
}

/**
 * Function names of DIEs, following abstract_origin / specification across units (memoised; a chain of
 * references is followed at most 16 deep, so a cycle in crafted DWARF ends).
 */
export class DieNames {
  private readonly memo = new Map<number, string | undefined>();
  constructor(
    private readonly sections: DebugSections,
    private readonly info: SectionData,
    private readonly units: readonly UnitHeader[],
    private readonly abbrevs: AbbrevCache,
    private readonly unitStrings: (u: UnitHeader) => UnitStrings,
  ) {}

  ofScope(scope: Scope, strings: UnitStrings, from: ByteReader): string | undefined {
    if (scope.nameForm >= 0) {
      const s = strings.string(scope.nameForm, scope.nameValue, from);
      if (s !== undefined) return s;
    }
    return scope.origin >= 0 ? this.ofDie(scope.origin, 0) : undefined;
  }

  private ofDie(offset: number, hops: number): string | undefined {
    if (this.memo.has(offset)) return this.memo.get(offset);
    if (hops > 16) return undefined;
    const unit = unitAt(this.units, offset);
    let name: string | undefined;
    if (unit && offset >= unit.dieOffset) {
      const r = new ByteReader(this.sections.file, this.info, this.sections.littleEndian, offset, unit.end, 'unit');
      const codeAt = r.offset;
      const code = r.uleb('abbreviation code');
      const a = code === 0 ? undefined : this.abbrevs.of(unit, r).get(code);
      if (code !== 0 && !a)
        throw r.error(`abbreviation code ${code} (referred to as an abstract origin) is not in its table`, codeAt);
      if (a) {
        let nameForm = -1;
        let nameValue = 0;
        let linkage = false;
        let origin = -1;
        const actual = [0];
        for (let i = 0; i < a.forms.length; i++) {
          actual[0] = a.forms[i]!;
          const value = readForm(r, a.forms[i]!, a.implicit[i]!, unit, actual);
          const form = actual[0]!;
          const at = a.names[i];
          if (at === AT.linkageName || at === AT.mipsLinkageName) {
            nameForm = form;
            nameValue = value;
            linkage = true;
          } else if (at === AT.name && !linkage) {
            nameForm = form;
            nameValue = value;
          } else if ((at === AT.abstractOrigin || at === AT.specification) && origin < 0) {
            origin = isUnitRefForm(form) ? unit.offset + value : form === FORM.refAddr ? value : -1;
          }
        }
        if (nameForm >= 0) name = this.unitStrings(unit).string(nameForm, nameValue, r);
        if (name === undefined && origin >= 0 && origin !== offset) name = this.ofDie(origin, hops + 1);
      }
    }
    this.memo.set(offset, name);
    return name;
  }
}

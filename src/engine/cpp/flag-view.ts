/**
 * Flag views: one build configuration (the base `-D`s of a Makefile lane, a compile_commands entry, or the
 * command line) plus the user's overrides, and what it makes of a file: its active and inactive line ranges, each
 * `#if` branch with its condition and value, and every flag its conditions use, with value, origin and
 * description. The engine caches scans (by content) and include resolutions, so evaluating again after a toggle
 * is a directive walk only.
 */
import { dirname, extname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { describeFlag, type FlagDescription } from './descriptions';
import { formatValue, evaluate } from './expr';
import { branchCondition, includersOf, type IncludePaths, listTranslationUnits, NO_PATHS } from './include-graph';
import { assumedPredefined } from './predefined';
import { prepared } from './prepared';
import { type BranchKind, type FileScan, LINE_CODE, LINE_DIRECTIVE, ScanCache } from './scanner';
import {
  type CommandLineMacro,
  type ErrorHit,
  type FileOutcome,
  type SimDiagnostic,
  simulate,
  type Simulation,
} from './simulate';
import { FileSystemSources, type SourceProvider } from './sources';
import type { MacroDef, MacroTable } from './tokens';

export type { CommandLineMacro, ErrorHit, SimDiagnostic };

export interface FlagView {
  /** The build's `-D`/`-U`, in command-line order. */
  base: CommandLineMacro[];
  /** The user's toggles: each replaces every base entry of the same name. */
  overrides: CommandLineMacro[];
  paths: IncludePaths;
  /** Read before the file, like `-include` (absolute paths). */
  configHeaders: string[];
  /** Predefined macros; default: gcc on x86-64 Linux adjusted for `compileOptions`. */
  predefined?: MacroTable;
  /** `-std=`, `-O2`, `-pthread`…: they change predefined macros. */
  compileOptions?: string[];
  /** What the user would call this view (`Makefile preset_lite`, `compile_commands.json`). */
  label?: string;
}

export function emptyView(): FlagView {
  return { base: [], overrides: [], paths: NO_PATHS, configHeaders: [] };
}

/** The view with NAME set to VALUE (null: `-U NAME`), replacing any earlier override of it. */
export function withOverride(view: FlagView, name: string, value: string | null): FlagView {
  const overrides = view.overrides.filter((o) => o.name !== name);
  overrides.push(value === null ? { op: 'U', name, via: 'override' } : { op: 'D', name, value, via: 'override' });
  return { ...view, overrides };
}

/** The command line the view amounts to: base entries of overridden names dropped, overrides last. */
export function commandLineOf(view: FlagView): CommandLineMacro[] {
  const over = new Set(view.overrides.map((o) => o.name));
  return [...view.base.filter((b) => !over.has(b.name)), ...view.overrides];
}

export interface BlockInfo {
  /** Position in `FileRegions.blocks` (source order). */
  index: number;
  /** The directive's line. */
  line: number;
  /** Last line of the branch body: the line before the next `#elif`/`#else`/`#endif`. */
  endLine: number;
  /** The group's `#if` and `#endif` lines. */
  groupLine: number;
  groupEndLine: number;
  directive: BranchKind;
  /** As written (comments removed); '' for `#else`. */
  condition: string;
  /** What must hold for this branch to be chosen, earlier branches included (`!(A) && B`). */
  effectiveCondition: string;
  /** The condition's value in decimal; for `#else`, 1 when no earlier branch was chosen; null if never evaluated. */
  value: string | null;
  /** `live`: evaluated by the preprocessor; `display`: evaluated here only, for reading. */
  evaluated: 'live' | 'display' | 'none';
  /** Chosen in its group. */
  taken: boolean;
  /** Chosen, inside active blocks, in a file the build includes: its lines are compiled. */
  active: boolean;
  depth: number;
  /** Index of the enclosing block, or -1. */
  parent: number;
  error?: string;
  notes?: string[];
  uncertain?: boolean;
  varies?: boolean;
}

export interface FlagSource {
  kind: 'default' | 'override' | 'define' | '-D' | 'predefined' | 'compiler' | 'undefined';
  file?: string;
  line?: number;
  via?: string;
}

export interface FlagInfo {
  name: string;
  defined: boolean;
  /** The replacement text; null when undefined. */
  value: string | null;
  /** Its value as an `#if` expression (undefined names are 0); null when it is not an expression. */
  numeric: string | null;
  source: FlagSource;
  /** Earlier definitions it replaced, newest first (a `-D` overridden by the header, …). */
  history: FlagSource[];
  /** Set when the unit changes it after this file's first condition on it (config headers: later overrides). */
  later?: { value: string | null; source: FlagSource };
  description?: FlagDescription;
  /** First line of this file whose condition mentions it. */
  firstLine: number;
}

export interface FileRegions {
  file: string;
  /** The translation unit evaluated (the `.c` that includes the file, or the file itself). */
  unit: string;
  /** The build includes the file. False: every line is inactive; block values are "as if included". */
  reached: boolean;
  lineCount: number;
  active: [number, number][];
  inactive: [number, number][];
  blocks: BlockInfo[];
  flags: FlagInfo[];
  /** `#error`s reached anywhere in the unit: the view does not build. */
  errors: ErrorHit[];
  /** Problems in this file (unbalanced conditionals, bad expressions) and in the unit's command line. */
  diagnostics: SimDiagnostic[];
  includedFrom: { file: string; line: number }[];
  notes: string[];
}

const MARKERS = [
  'compile_commands.json',
  'Makefile',
  'makefile',
  'GNUmakefile',
  'CMakeLists.txt',
  'meson.build',
  '.git',
];

export class FlagViewEngine {
  readonly sources: SourceProvider;
  readonly scans: ScanCache;
  private readonly resolveCaches = new Map<string, Map<string, string | null>>();
  private readonly units = new Map<string, string | null>();

  constructor(opts: { sources?: SourceProvider; scans?: ScanCache } = {}) {
    this.sources = opts.sources ?? new FileSystemSources();
    this.scans = opts.scans ?? new ScanCache();
  }

  /** One directive walk of `unit` under `view`. */
  simulate(unit: string, view: FlagView, focus: readonly string[] | 'all' = [], shadowTarget?: string): Simulation {
    this.sources.nextGeneration();
    const key = JSON.stringify(view.paths);
    let rc = this.resolveCaches.get(key);
    if (!rc) this.resolveCaches.set(key, (rc = new Map()));
    return simulate({
      mainFile: resolve(unit),
      forcedIncludes: view.configHeaders.map((h) => resolve(h)),
      commandLine: commandLineOf(view),
      predefined: view.predefined ?? assumedPredefined(view.compileOptions),
      paths: view.paths,
      sources: this.sources,
      scans: this.scans,
      focus: focus === 'all' ? 'all' : new Set(focus.map((f) => resolve(f))),
      shadowTarget: shadowTarget && resolve(shadowTarget),
      resolveCache: rc,
    });
  }

  /** The `.c` file to evaluate `file` in: itself for a source file, else one that includes it (cached). */
  unitFor(file: string, view: FlagView, roots?: readonly string[]): string | undefined {
    const abs = resolve(file);
    if (/^\.(c|cc|cpp|cxx)$/.test(extname(abs))) return abs;
    const key = `${abs}\0${JSON.stringify(view.paths)}`;
    if (!this.units.has(key)) {
      const candidates = listTranslationUnits(roots ?? [projectRoot(abs)], abs);
      this.units.set(
        key,
        includersOf(abs, candidates, { paths: view.paths, sources: this.sources, scans: this.scans })[0] ?? null,
      );
    }
    return this.units.get(key) ?? undefined;
  }

  /** The regions of `file` under `view`, evaluated in `unit` (found with `unitFor` when not given). */
  evaluate(file: string, view: FlagView, opts: { unit?: string; flags?: boolean } = {}): FileRegions {
    const abs = resolve(file);
    const notes: string[] = [];
    let unit = opts.unit ? resolve(opts.unit) : this.unitFor(abs, view);
    if (!unit) {
      unit = abs;
      notes.push('no source file of the project includes this file: evaluated on its own, after the config headers');
    }
    let sim = this.simulate(unit, view, [abs]);
    let fo = sim.files.get(abs);
    if (!fo || fo.liveVisits === 0) {
      const shadow = this.simulate(unit, view, [abs], abs);
      const sfo = shadow.files.get(abs);
      if (sfo?.shadow) {
        fo = sfo;
        const site = sfo.includedFrom[0];
        notes.push(
          `not included by this build${site ? `: its #include at ${site.file}:${site.line} is in an inactive block` : ''}; block values are as if it were included there`,
        );
      } else {
        const alone = this.simulate(abs, view, [abs]);
        fo = alone.files.get(abs);
        notes.push(`not included by ${unit} under this view; block values are from the file on its own`);
        if (fo) fo = { ...fo, liveVisits: 0 };
        sim = { ...sim, macros: alone.macros };
      }
    }
    return regionsOf(abs, unit, sim, fo, notes, opts.flags !== false);
  }

  /**
   * Regions of every project file of a unit, from one walk (whole-tree evaluation). Flag details (values,
   * origins, descriptions) are left out unless asked for: they are for the file a user looks at.
   */
  evaluateUnit(unit: string, view: FlagView, opts: { flags?: boolean } = {}): FileRegions[] {
    const sim = this.simulate(unit, view, 'all');
    return [...sim.files.keys()].map((f) =>
      regionsOf(f, resolve(unit), sim, sim.files.get(f), [], opts.flags === true),
    );
  }
}

/** The nearest folder above `file` with a build marker (Makefile, compile_commands.json, .git, …). */
export function projectRoot(file: string): string {
  let dir = dirname(resolve(file));
  for (let i = 0; i < 8; i++) {
    if (MARKERS.some((m) => existsSync(resolve(dir, m)))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dirname(resolve(file));
}

function toRanges(mask: Uint8Array, want: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== want) continue;
    const s = i;
    while (i + 1 < mask.length && mask[i + 1] === want) i++;
    out.push([s + 1, i + 1]);
  }
  return out;
}

function sourceOf(def: MacroDef | null | undefined): FlagSource {
  if (!def) return { kind: 'undefined' };
  const o = def.origin;
  switch (o.kind) {
    case 'command-line':
      return { kind: '-D', ...(o.via && o.via !== '-D' ? { via: o.via } : {}) };
    case 'predefined':
    case 'compiler':
      return { kind: o.kind };
    case 'define':
      return { kind: o.role ?? 'define', file: o.file, line: o.line };
  }
}

function regionsOf(
  file: string,
  unit: string,
  sim: Simulation,
  fo: FileOutcome | undefined,
  notes: string[],
  withFlags: boolean,
): FileRegions {
  const scanText = fo?.scan;
  const lineCount = scanText?.lineCount ?? 0;
  const reached = !!fo && fo.liveVisits > 0;
  const mask = new Uint8Array(lineCount).fill(reached ? 1 : 0);
  const blocks: BlockInfo[] = [];
  const flags: FlagInfo[] = [];
  if (fo) {
    const taken = reached ? fo.taken : fo.shadowTaken;
    for (const b of fo.scan.branches) {
      if (reached && fo.reached[b.index] && !taken[b.index]) mask.fill(0, b.line, b.endLine);
      const o = fo.outcomes[b.index];
      const parentBranch = b.group.parent;
      const parent = parentBranch ? parentBranch.index : -1;
      const info: BlockInfo = {
        index: b.index,
        line: b.line,
        endLine: b.endLine,
        groupLine: b.group.line,
        groupEndLine: b.group.endLine,
        directive: b.kind,
        condition: b.condition,
        effectiveCondition: branchCondition(b),
        value: o ? formatValue({ value: o.value, unsigned: o.unsigned }) : null,
        evaluated: o ? (o.live ? 'live' : 'display') : 'none',
        taken: !!taken[b.index],
        active: reached && !!taken[b.index] && (parent < 0 || blocks[parent].active),
        depth: b.group.depth,
        parent,
      };
      if (o?.error) info.error = o.error;
      if (o?.notes) info.notes = o.notes;
      if (o?.uncertain) info.uncertain = true;
      if (o?.varies) info.varies = true;
      blocks.push(info);
    }
    if (withFlags) flags.push(...flagsOf(fo, sim));
  }
  const diagnostics = sim.diagnostics.filter((d) => d.file === file || d.file === '<command-line>');
  for (const u of sim.unresolved)
    if (u.file === file)
      notes.push(
        `#include "${u.spelled}" at line ${u.line}: not found in the project's include folders (gcc may find it in its own)`,
      );
  return {
    file,
    unit,
    reached,
    lineCount,
    active: toRanges(mask, 1),
    inactive: toRanges(mask, 0),
    blocks,
    flags,
    errors: sim.errors,
    diagnostics,
    includedFrom: fo?.includedFrom ?? [],
    notes,
  };
}

/**
 * The include guard of a file: its only top-level conditional is `#ifndef X` (or `#if !defined(X)`) starting with
 * an empty `#define X`, with no code outside it.
 */
export function includeGuard(scan: FileScan): string | undefined {
  const groups = scan.top.filter((i) => i.group);
  if (groups.length !== 1 || scan.top.some((i) => i.directive && !/^(pragma|line|ident)$/.test(i.directive.name)))
    return undefined;
  const g = groups[0].group!;
  const b = g.branches[0];
  if (g.branches.length !== 1) return undefined;
  const m =
    b.kind === 'ifndef'
      ? /^(\w+)$/.exec(b.condition)
      : b.kind === 'if'
        ? /^!\s*defined\s*\(?\s*(\w+)\s*\)?$/.exec(b.condition)
        : null;
  const first = b.items[0]?.directive;
  if (!m || !first || first.name !== 'define' || first.text.trim() !== m[1]) return undefined;
  for (let l = 1; l <= scan.lineCount; l++)
    if ((l < g.line || l > g.endLine) && scan.lineFlags[l - 1] & LINE_CODE && !(scan.lineFlags[l - 1] & LINE_DIRECTIVE))
      return undefined;
  return m[1];
}

function flagsOf(fo: FileOutcome, sim: Simulation): FlagInfo[] {
  const prep = prepared(fo.scan);
  const first = new Map<string, number>();
  for (const b of fo.scan.branches) for (const id of prep.identifiers(b)) if (!first.has(id)) first.set(id, b.line);
  // Names reached through macros the conditions use (`#if MH3_FAST` where MH3_FAST is `A && B`).
  const queue = [...first.keys()];
  for (let i = 0; i < queue.length && i < 2000; i++) {
    const def = fo.firstUse.get(queue[i]) ?? sim.macros.get(queue[i]);
    for (const t of def?.body ?? []) {
      if (t.k === 'id' && !first.has(t.s) && t.s !== 'defined') {
        first.set(t.s, first.get(queue[i])!);
        queue.push(t.s);
      }
    }
  }
  const visited = [...sim.files.values()].map((f) => ({ path: f.path, scan: f.scan }));
  const guard = includeGuard(fo.scan);
  const out: FlagInfo[] = [];
  for (const [name, line] of first) {
    const def = fo.firstUse.has(name) ? fo.firstUse.get(name) : sim.macros.get(name);
    // Not a flag anyone sets: the file's include guard.
    if (name === guard) continue;
    const history: FlagSource[] = [];
    for (let p = def?.previous; p && history.length < 10; p = p.previous) history.push(sourceOf(p));
    let numeric: string | null = null;
    if (def) {
      const r = evaluate(name, sim.macros.get(name) === def ? sim.macros : new Map(sim.macros).set(name, def));
      if (!r.error) numeric = formatValue(r);
    } else numeric = '0';
    const info: FlagInfo = {
      name,
      defined: !!def,
      value: def ? def.text : null,
      numeric,
      source: sourceOf(def),
      history,
      firstLine: line,
    };
    const final = sim.macros.get(name);
    if (final !== (def ?? undefined)) info.later = { value: final ? final.text : null, source: sourceOf(final) };
    const desc = describeFlag(name, visited);
    if (desc) info.description = desc;
    out.push(info);
  }
  return out.sort((a, b) => a.firstLine - b.firstLine || a.name.localeCompare(b.name));
}

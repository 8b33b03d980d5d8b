/**
 * What a directive walk of one translation unit takes (the command line, include paths, sources) and gives (per
 * file: which branches were reached and taken, their values; the final macros, `#error`s, diagnostics). See
 * simulate.ts.
 */
import type { IncludePaths } from './include-graph';
import type { FileScan, ScanCache } from './scanner';
import type { SourceProvider } from './sources';
import type { MacroDef, MacroTable } from './tokens';

export interface CommandLineMacro {
  op: 'D' | 'U';
  name: string;
  /** For `-D`: the text after `=`; undefined means `-DNAME` (value 1). */
  value?: string;
  /** Where the build got it (`Makefile: DEFS_SCALE`, `compile_commands.json`, `override`). */
  via?: string;
}

export interface SimulationInput {
  mainFile: string;
  /** Config headers read before the file, like `-include` (absolute paths). */
  forcedIncludes?: readonly string[];
  commandLine: readonly CommandLineMacro[];
  predefined: MacroTable;
  paths: IncludePaths;
  sources: SourceProvider;
  scans: ScanCache;
  /** Files whose unevaluated branches are evaluated for display ('all': every file). */
  focus?: ReadonlySet<string> | 'all';
  /** A file not reached by the build: evaluate it at its first (inactive) `#include`, with the macros there. */
  shadowTarget?: string;
  /** Include resolutions, shared between runs with the same include paths. */
  resolveCache?: Map<string, string | null>;
}

export interface ErrorHit {
  file: string;
  line: number;
  column: number;
  /** As gcc prints it after `error: `, e.g. `#error "S90 is archived"`. */
  message: string;
}

export interface SimDiagnostic {
  file: string;
  line: number;
  column?: number;
  severity: 'error' | 'warning' | 'note';
  message: string;
}

export interface BranchOutcome {
  value: bigint;
  unsigned: boolean;
  /** False: evaluated for display only; the preprocessor did not evaluate it here. */
  live: boolean;
  error?: string;
  notes?: string[];
  uncertain?: boolean;
  /** The file was included more than once and this condition was true in one inclusion, false in another. */
  varies?: boolean;
}

export interface FileOutcome {
  path: string;
  scan: FileScan;
  focus: boolean;
  /** How many times the build includes the file (0: only reached "as if", see `shadow`). */
  liveVisits: number;
  /** Reached only by the what-if walk of `shadowTarget`. */
  shadow: boolean;
  /** Per branch (scan order): its group was reached / it was taken, in some inclusion by the build. */
  reached: Uint8Array;
  taken: Uint8Array;
  /** Per branch: taken in the what-if walk (files with `shadow` set). */
  shadowTaken: Uint8Array;
  outcomes: (BranchOutcome | undefined)[];
  /** Focus files: each identifier of a condition, with the definition it had when the preprocessor first evaluated it. */
  firstUse: Map<string, MacroDef | null>;
  includedFrom: { file: string; line: number }[];
}

export interface Simulation {
  mainFile: string;
  files: Map<string, FileOutcome>;
  /** The macros at the end of the translation unit. */
  macros: MacroTable;
  errors: ErrorHit[];
  diagnostics: SimDiagnostic[];
  /** `#include "…"` that no project folder has. */
  unresolved: { file: string; line: number; spelled: string }[];
}

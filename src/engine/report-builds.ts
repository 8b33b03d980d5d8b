/**
 * The builds behind an A/B report: where each build's flags come from (compile_commands.json, a Makefile target
 * read with make's command-line variables, a compiler command line such as the experiment's `${defines}`, `-D`
 * toggles on top), and the flag view of the `#if` engine (src/engine/cpp) each source file is compiled with. The
 * report asks a build for a file's view; the same engine as the Flags view then says which branch is compiled.
 *
 * A build is given as plain data (`BuildSpec`: what the CLI's options, the experiment runner or the server know),
 * or as a `ReportBuild` that answers views itself (the server's Flags view, with the user's toggles).
 */
import { isAbsolute, relative, resolve } from 'node:path';
import {
  type BuildFlags,
  flagsFromCompileCommands,
  mergeFlags,
  parseCompilerArgs,
  shellSplit,
  viewFromFlags,
} from './cpp/build-flags';
import {
  commandLineOf,
  emptyView,
  type CommandLineMacro,
  type FlagView,
  FlagViewEngine,
  projectRoot,
} from './cpp/flag-view';
import { flagsFromMakefile } from './cpp/make-flags';

/** How one build's flags are known. Every field is optional; with none, the build's flags are unknown. */
export interface BuildSpec {
  /** What the reader calls the build (`base`, `S121 on`); default: where the flags come from. */
  label?: string;
  /** Compiler arguments with the build's `-D`/`-U`/`-I`/`-include`: an argument list or one command line. */
  flags?: string | readonly string[];
  /** compile_commands.json: the entry compiling the file (or the unit that includes it). */
  compileCommands?: string;
  /** A Makefile, read without running make (the default goal, or `target`). */
  makefile?: string;
  target?: string;
  /** make's command-line variables, `NAME=VALUE` (`HZ3_LDPRELOAD_DEFS_EXTRA=-DX=1`). */
  makeVariables?: readonly string[];
  /** `NAME[=VALUE]` defines and `-UNAME` undefines on top of the build, as the Flags view's toggles. */
  defines?: readonly string[];
}

export interface BuildView {
  view: FlagView;
  /** The translation unit the file is compiled in, when known. */
  unit?: string;
}

/** A build the report can ask for a file's flag view. */
export interface ReportBuild {
  /** One line: where the flags come from. */
  readonly label: string;
  /**
   * The flag view a file is compiled with; undefined when this build's flags for it cannot be found. `unit`: the
   * translation unit to read it in (a header the hot function inlines, in the hot function's `.c`).
   */
  view(file: string, unit?: string): BuildView | undefined;
  /** Problems met finding the flags, each one line naming the file. */
  readonly notes: string[];
}

export const isReportBuild = (b: BuildSpec | ReportBuild): b is ReportBuild =>
  typeof (b as ReportBuild).view === 'function';

/** True when the spec says anything about the build. */
export function specGiven(spec: BuildSpec): boolean {
  return !!(
    spec.flags?.length ||
    spec.compileCommands ||
    spec.makefile ||
    spec.target ||
    spec.makeVariables?.length ||
    spec.defines?.length
  );
}

const noFlags = (source: string): BuildFlags => ({
  defines: [],
  paths: { quote: [], angled: [], system: [] },
  forcedIncludes: [],
  compileOptions: [],
  source,
  notes: [],
});

function makeVars(list: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const v of list) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new Error(`make variable "${v}" is not NAME=VALUE`);
    vars[v.slice(0, eq).trim()] = v.slice(eq + 1);
  }
  return vars;
}

/** `-DNAME=1`, `NAME=1`, `NAME`, `-UNAME` → a command-line macro. */
export function parseDefine(d: string, via: string): CommandLineMacro {
  if (d.startsWith('-U')) return { op: 'U', name: d.slice(2).trim(), via };
  const s = d.startsWith('-D') ? d.slice(2) : d;
  const eq = s.indexOf('=');
  return eq < 0
    ? { op: 'D', name: s.trim(), via }
    : { op: 'D', name: s.slice(0, eq).trim(), value: s.slice(eq + 1), via };
}

/**
 * A build from plain data. Paths are resolved against `cwd`; a Makefile given by target only is the one at the
 * source root's project root. Views are computed on first use per file and kept.
 */
export function resolveBuild(spec: BuildSpec, engine: FlagViewEngine, cwd: string = process.cwd()): ReportBuild {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));
  const vars = makeVars(spec.makeVariables ?? []);
  const varsText = Object.keys(vars).length
    ? ` with ${Object.entries(vars)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`
    : '';
  const extraArgs = typeof spec.flags === 'string' ? shellSplit(spec.flags) : [...(spec.flags ?? [])];
  // Paths in the label relative to the source root: a report names no machine paths.
  const show = (p: string): string => {
    const r = relative(cwd, abs(p));
    if (r && !r.startsWith('..') && !isAbsolute(r)) return r.split('\\').join('/');
    return `…/${abs(p).split(/[\\/]/).filter(Boolean).slice(-2).join('/')}`;
  };
  const parts: string[] = [];
  if (spec.compileCommands) parts.push(`${show(spec.compileCommands)}`);
  else if (spec.makefile || spec.target)
    parts.push(
      `${spec.makefile ? show(spec.makefile) : 'Makefile'} target ${spec.target ?? '(default goal)'}${varsText}, read without running make`,
    );
  if (extraArgs.length) parts.push(`the flags ${extraArgs.join(' ')}`);
  if (spec.defines?.length) parts.push(`-D ${spec.defines.join(' ')}`);
  const label = spec.label ?? (parts.join(' + ') || 'flags unknown');
  const notes: string[] = [];
  const cache = new Map<string, BuildView | undefined>();
  const compute = (file: string, unitHint: string | undefined): BuildView | undefined => {
    let flags = noFlags(spec.label ?? 'the command line');
    let unit: string | undefined = unitHint;
    if (spec.compileCommands) {
      const cc = abs(spec.compileCommands);
      const found = flagsFromCompileCommands(
        cc,
        unitHint ?? file,
        unitHint ? undefined : engine.unitFor(file, emptyView()),
      );
      if (!found) {
        notes.push(`${spec.compileCommands}: no entry compiles ${file} or a file including it`);
        return undefined;
      }
      flags = found;
      unit = found.file;
    } else if (spec.makefile || spec.target) {
      const mf = spec.makefile ? abs(spec.makefile) : resolve(projectRoot(file), 'Makefile');
      // The unit decides which of the target's compile commands applies: find it with the first one's paths.
      const first = flagsFromMakefile(mf, spec.target, { commandLine: vars });
      unit ??= engine.unitFor(file, viewFromFlags(first));
      flags = flagsFromMakefile(mf, spec.target, { sourceFile: unit, commandLine: vars });
    }
    if (extraArgs.length) {
      // Appended after the build's own, as a Makefile's *_EXTRA variable does: a later -D wins.
      const extra = parseCompilerArgs(extraArgs, cwd, spec.label ?? 'the build flags');
      flags = mergeFlags(flags, extra);
    }
    const view = viewFromFlags(flags);
    for (const d of spec.defines ?? []) view.overrides.push(parseDefine(d, '-D'));
    return { view, unit };
  };
  return {
    label,
    notes,
    view(file: string, unit?: string): BuildView | undefined {
      const key = `${resolve(file)}\0${unit ? resolve(unit) : ''}`;
      if (!cache.has(key)) {
        let v: BuildView | undefined;
        try {
          v = compute(resolve(file), unit && resolve(unit));
        } catch (e) {
          notes.push(`${label}: ${(e as Error).message}`);
        }
        cache.set(key, v);
      }
      return cache.get(key);
    },
  };
}

/** The command line a view amounts to, as `-DNAME=VALUE` / `-UNAME` words. */
export function defineWords(view: FlagView): string[] {
  return commandLineOf(view).map((m) =>
    m.op === 'U' ? `-U${m.name}` : `-D${m.name}${m.value === undefined ? '' : `=${m.value}`}`,
  );
}

/** Each name's last command-line setting: its value (`1` for a bare `-DNAME`), or null for `-U`. */
export function commandLineValues(view: FlagView): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const m of commandLineOf(view)) out.set(m.name, m.op === 'U' ? null : (m.value ?? '1'));
  return out;
}

/**
 * Where a file's build flags come from, in the order a real project offers them: compile_commands.json (the
 * `perfHeat.compileCommands` setting, else at a workspace root or in its `build/`), then the nearest Makefile read
 * without running anything (with the `perfHeat.make.variables` the user passes to make), then — in trusted
 * workspaces only — `make -n -B <target>` as ground truth when reading finds nothing. When none of them gives the
 * file's flags the build is unknown: the caller shows no dimming, or a view inferred from the profile.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import type { BuildChoice, FlagOrigin } from '../protocol';
import {
  type BuildFlags,
  type CompileCommand,
  parseCompilerArgs,
  readCompileCommands,
  viewFromFlags,
} from '../engine/cpp/build-flags';
import { emptyView, type FlagView, type FlagViewEngine } from '../engine/cpp/flag-view';
import { flagsFromMakeDryRun, flagsFromMakefile, makefilesOf, targetsCompiling } from '../engine/cpp/make-flags';

export interface BaseBuild {
  view: FlagView;
  origin: FlagOrigin;
  /** One line for the Flags view: `Makefile all_ldpreload_scale`, `compile_commands.json`, … */
  base: string;
  /** Why the flags could not be found, or the notes of reading them (Output channel). */
  detail?: string;
  /** The translation unit the build compiles the file in. */
  unit?: string;
}

export const CC_ENTRY = 'compile_commands.json#';

function mtime(p: string | undefined): number {
  try {
    return p ? statSync(p).mtimeMs : 0;
  } catch {
    return 0;
  }
}

export class BuildFinder {
  compileCommandsSetting = '';
  makeVariables: string[] = [];
  private readonly buildLists = new Map<string, BuildChoice[]>();

  constructor(
    private readonly roots: () => string[],
    private readonly engine: FlagViewEngine,
  ) {}

  /** `NAME=VALUE` settings as make's command line; malformed entries are reported, not guessed at. */
  makeVars(): { vars: Record<string, string>; problems: string[] } {
    const vars: Record<string, string> = {};
    const problems: string[] = [];
    for (const v of this.makeVariables) {
      const eq = v.indexOf('=');
      if (eq <= 0) problems.push(`perfHeat.make.variables: "${v}" is not NAME=VALUE; left out`);
      else vars[v.slice(0, eq).trim()] = v.slice(eq + 1);
    }
    return { vars, problems };
  }

  compileCommandsFile(): string | undefined {
    const roots = this.roots();
    if (this.compileCommandsSetting) {
      const p = isAbsolute(this.compileCommandsSetting)
        ? this.compileCommandsSetting
        : join(roots[0] ?? process.cwd(), this.compileCommandsSetting);
      return existsSync(p) ? p : undefined;
    }
    for (const r of roots)
      for (const c of [join(r, 'compile_commands.json'), join(r, 'build', 'compile_commands.json')])
        if (existsSync(c)) return c;
    return undefined;
  }

  /** The nearest Makefile above the file, inside the workspace (or within a few folders, for files outside it). */
  makefileFor(file: string): string | undefined {
    const roots = this.roots();
    const inside = roots.find((r) => file.startsWith(r + '/'));
    let dir = dirname(file);
    for (let i = 0; i < 12; i++) {
      for (const name of ['GNUmakefile', 'makefile', 'Makefile'])
        if (existsSync(join(dir, name))) return join(dir, name);
      if (dir === inside || dirname(dir) === dir || (!inside && i >= 5)) break;
      dir = dirname(dir);
    }
    for (const r of roots)
      for (const name of ['GNUmakefile', 'makefile', 'Makefile']) if (existsSync(join(r, name))) return join(r, name);
    return undefined;
  }

  /** The makefiles a Makefile reads (itself and its includes), re-read only when it changes. */
  private readonly included = new Map<string, { mtime: number; files: string[] }>();

  /** What the cached views depend on besides the file: the build files' timestamps and the settings. */
  stamp(file: string): string {
    const cc = this.compileCommandsFile();
    const mf = this.makefileFor(file);
    let mfs: string[] = [];
    if (mf) {
      const key = `${mf}\0${this.makeVariables.join('\0')}`;
      const hit = this.included.get(key);
      if (hit && hit.mtime === mtime(mf)) mfs = hit.files;
      else {
        mfs = makefilesOf(mf, this.makeVars().vars);
        if (this.included.size > 32) this.included.clear();
        this.included.set(key, { mtime: mtime(mf), files: mfs });
      }
    }
    return JSON.stringify([
      cc,
      mtime(cc),
      mfs.map((m) => [m, mtime(m)]),
      this.makeVariables,
      this.compileCommandsSetting,
    ]);
  }

  /** compile_commands.json entries that compile the file, or the unit that includes it. */
  private entriesFor(cc: string, file: string): { entries: { entry: CompileCommand; index: number }[]; unit?: string } {
    const all = readCompileCommands(cc).map((entry, index) => ({ entry, index }));
    const direct = all.filter((e) => e.entry.file === file);
    if (direct.length) return { entries: direct, unit: file };
    for (const e of all.slice(0, 50)) {
      const unit = this.engine.unitFor(
        file,
        viewFromFlags(parseCompilerArgs(e.entry.arguments, e.entry.directory, 'compile_commands.json')),
        this.roots(),
      );
      if (!unit) continue;
      const forUnit = all.filter((x) => x.entry.file === unit);
      if (forUnit.length) return { entries: forUnit, unit };
    }
    return { entries: [] };
  }

  /** The build without running anything: compile_commands.json, else the Makefile read. */
  staticBuild(file: string, choice: string | undefined): BaseBuild {
    const why: string[] = [];
    const cc = this.compileCommandsFile();
    if (this.compileCommandsSetting && !cc)
      why.push(`perfHeat.compileCommands: ${this.compileCommandsSetting} does not exist`);
    const wantsTarget = choice !== undefined && !choice.startsWith(CC_ENTRY);
    if (cc && !wantsTarget) {
      try {
        const { entries, unit } = this.entriesFor(cc, file);
        const n = choice?.startsWith(CC_ENTRY) ? Number(choice.slice(CC_ENTRY.length)) : undefined;
        const e = entries.find((x) => n === undefined || x.index === n) ?? entries[0];
        if (e) {
          const flags = parseCompilerArgs(e.entry.arguments, e.entry.directory, 'compile_commands.json');
          return {
            view: viewFromFlags(flags),
            origin: 'compile_commands',
            base: `${this.display(cc)}${entries.length > 1 ? ` entry ${e.index + 1}` : ''}`,
            unit,
            detail: notes(flags),
          };
        }
        why.push(`${this.display(cc)} has no entry that compiles ${basename(file)} or a file including it`);
      } catch (e) {
        why.push((e as Error).message);
      }
    }
    const mf = this.makefileFor(file);
    if (!mf) {
      why.push('no compile_commands.json and no Makefile above this file');
      return this.unknown(why);
    }
    const { vars, problems } = this.makeVars();
    why.push(...problems);
    try {
      const target = wantsTarget ? choice : undefined;
      // The unit decides which of the target's compiles applies; find it with the include paths of its first.
      const first = flagsFromMakefile(mf, target, { commandLine: vars });
      const unit = this.unitIn(file, viewFromFlags(first), mf);
      const flags = flagsFromMakefile(mf, target, { sourceFile: unit, commandLine: vars });
      if (flags.file !== unit && unit !== file)
        why.push(`the target compiles no ${basename(unit)}; its flags for ${basename(flags.file ?? '?')} are used`);
      return {
        view: viewFromFlags(flags),
        origin: 'makefile',
        base: `${basename(mf)} ${target ?? 'default goal'}`,
        unit,
        detail: [...why, ...flags.notes].join('; ') || undefined,
      };
    } catch (e) {
      why.push((e as Error).message);
    }
    return this.unknown(why);
  }

  /** `make -n -B <target>` (trusted workspaces): the commands make would run, when reading found none. */
  async dryRunBuild(file: string, choice: string | undefined, signal?: AbortSignal): Promise<BaseBuild | string> {
    const mf = this.makefileFor(file);
    if (!mf) return 'no Makefile to run make -n in';
    const target = choice && !choice.startsWith(CC_ENTRY) ? choice : undefined;
    const { vars } = this.makeVars();
    try {
      const first = await flagsFromMakeDryRun(mf, target, {
        commandLine: vars,
        allowExternalPrograms: true,
        timeoutMs: 30_000,
        signal,
      });
      const unit = this.unitIn(file, viewFromFlags(first), mf);
      const flags = await flagsFromMakeDryRun(mf, target, {
        sourceFile: unit,
        commandLine: vars,
        allowExternalPrograms: true,
        timeoutMs: 30_000,
        signal,
      });
      return {
        view: viewFromFlags(flags),
        origin: 'make -n',
        base: `make -n ${target ?? '(default goal)'}`,
        unit,
        detail: notes(flags),
      };
    } catch (e) {
      return (e as Error).message;
    }
  }

  /** Every build that compiles the file: the Makefile's targets (read) and compile_commands.json's entries. */
  builds(file: string, unit: string | undefined): BuildChoice[] {
    const key = JSON.stringify([file, unit, this.stamp(file)]);
    let list = this.buildLists.get(key);
    if (list) return list;
    list = [];
    const cc = this.compileCommandsFile();
    if (cc) {
      try {
        for (const { entry, index } of this.entriesFor(cc, file).entries) {
          list.push({
            id: `${CC_ENTRY}${index}`,
            label: `compile_commands.json entry ${index + 1}`,
            description: entry.arguments.join(' ').slice(0, 160),
          });
        }
      } catch {
        /* the error is in the view's detail already */
      }
    }
    const mf = this.makefileFor(file);
    if (mf)
      for (const t of targetsCompiling(mf, unit ?? file, { commandLine: this.makeVars().vars }))
        list.push({ id: t, label: t, description: `make ${t}` });
    if (this.buildLists.size > 32) this.buildLists.clear();
    this.buildLists.set(key, list);
    return list;
  }

  /** The .c that includes the file: looked for under the Makefile's folder first (its project), then the workspace. */
  private unitIn(file: string, view: FlagView, makefile: string): string {
    return (
      this.engine.unitFor(file, view, [dirname(makefile)]) ?? this.engine.unitFor(file, view, this.roots()) ?? file
    );
  }

  private unknown(why: string[]): BaseBuild {
    // The usual cause on a real tree: a Makefile written for another folder layout (paths from ROOT, …).
    if (why.some((w) => /matches no file/.test(w)) && !this.makeVariables.length)
      why.push(
        'if the Makefile expects another folder layout, give make its variables in perfHeat.make.variables (e.g. ROOT=…)',
      );
    return { view: emptyView(), origin: 'none', base: 'build flags not found', detail: why.join('; ') };
  }

  private display(p: string): string {
    const r = this.roots().find((x) => p.startsWith(x + '/'));
    return r ? relative(r, p) : p;
  }
}

function notes(flags: BuildFlags): string | undefined {
  return flags.notes.length ? flags.notes.join('; ') : undefined;
}

/**
 * Flag views in the server: which `#if` branches a build compiles, per file. The base view comes from the file's
 * build (flag-build.ts: compile_commands.json, the nearest Makefile read, or make -n in trusted workspaces); when no
 * build gives the file's flags, the view is inferred from the profile (sampled lines are compiled) or nothing is
 * dimmed. The user's `-D` settings and toggles are overrides on top. The flag state with block heat and the
 * diagnostics are in flag-state.ts.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BuildsRequest,
  FlagStateRequest,
  SelectPresetRequest,
  SetFlagRequest,
  type FlagOrigin,
  type FlagsChanged,
  type FlagState,
  type ServerSettings,
} from '../protocol';
import { FlagViewEngine, withOverride, type FlagView } from '../engine/cpp/flag-view';
import { FileSystemSources } from '../engine/cpp/sources';
import { readMakefile } from '../engine/cpp/makefile';
import { applyChanges, viewHeat } from '../engine/cpp/view-heat';
import { compilerArgs, compilerTruth, type CompilerTruth } from '../engine/cpp/compiler';
import type { ServerContext } from './context';
import { type BaseBuild, BuildFinder } from './flag-build';
import { flagState, publishDiagnostics } from './flag-state';
import { onRequest } from './rpc';

export { flagState, publishDiagnostics };

export interface ResolvedView {
  view: FlagView;
  /** One line: where the flags come from. */
  base: string;
  origin: FlagOrigin;
  /** See FlagState.known. */
  known: boolean;
  detail?: string;
  unit?: string;
  /** A build gave the flags (compile_commands.json, the Makefile read, make -n). */
  buildFound: boolean;
}

export class FlagService {
  readonly sources = new FileSystemSources();
  readonly engine = new FlagViewEngine({ sources: this.sources });
  readonly builds: BuildFinder;
  private chosenPreset: string | undefined;
  private readonly userToggles = new Map<string, string | null>();
  private defines: string[] = [];
  /** Proposed flag assignments already searched, by file, profile and view. */
  private readonly proposals = new Map<string, { text: string | undefined }>();
  private compiler: boolean | undefined;
  /** External programs (make -n, cc -E) may run: a trusted workspace. */
  trusted = true;
  /** The active profile's samples on a file's lines, and a key that changes with the profile (set by register). */
  countsOf: (file: string) => Map<number, number[]> = () => new Map();
  profileKey: () => unknown = () => undefined;
  /** make -n results by file, build choice and build-file stamp. */
  private readonly dryRuns = new Map<string, BaseBuild | string>();
  private readonly views = new Map<string, ResolvedView>();

  constructor(private readonly roots: () => string[]) {
    this.builds = new BuildFinder(roots, this.engine);
  }

  /** The build the user picked (a Makefile target or a compile_commands.json entry); undefined: the default. */
  get preset(): string | undefined {
    return this.chosenPreset;
  }

  /** The user's toggles, by flag name (null: #undef). */
  get overrides(): ReadonlyMap<string, string | null> {
    return this.userToggles;
  }

  /** `-D`s from the perfHeat.flags.defines setting, applied on top of the build. */
  get settingDefines(): readonly string[] {
    return this.defines;
  }

  /** undefined: not tried yet; false: no compiler here. */
  get compilerWorks(): boolean | undefined {
    return this.compiler;
  }

  selectPreset(preset: string | undefined): void {
    this.chosenPreset = preset;
  }

  setFlag(name: string, value: string | null): void {
    if (value === null) this.userToggles.delete(name);
    else this.userToggles.set(name, value);
  }

  /** True when the defines differ from the ones in use (the views change). */
  setSettingDefines(defines: readonly string[]): boolean {
    if (defines.join() === this.defines.join()) return false;
    this.defines = [...defines];
    return true;
  }

  /**
   * The flag settings (`perfHeat.flags.defines`, `perfHeat.compileCommands`, `perfHeat.make.variables`); true when
   * one changed (clients then pull flag states again).
   */
  applySettings(s: Pick<ServerSettings, 'flagDefines' | 'compileCommands' | 'makeVariables'>): boolean {
    const before = JSON.stringify([this.builds.compileCommandsSetting, this.builds.makeVariables]);
    this.builds.compileCommandsSetting = s.compileCommands;
    this.builds.makeVariables = [...s.makeVariables];
    return this.setSettingDefines(s.flagDefines) || before !== JSON.stringify([s.compileCommands, s.makeVariables]);
  }

  /** What perfHeat/flagsChanged carries. */
  toggles(): FlagsChanged {
    return { preset: this.chosenPreset, overrides: Object.fromEntries(this.userToggles) };
  }

  knownProposal(key: string): { text: string | undefined } | undefined {
    return this.proposals.get(key);
  }

  rememberProposal(key: string, text: string | undefined): void {
    if (this.proposals.size > 64) this.proposals.clear();
    this.proposals.set(key, { text });
  }

  noteCompiler(works: boolean): void {
    this.compiler = works;
  }

  /** Targets a user picks as presets: cheap (target-specific variables, `preset_*`); BuildsRequest lists all. */
  presets(file?: string): string[] {
    const mf = file
      ? this.builds.makefileFor(file)
      : this.roots()
          .map((r) => join(r, 'Makefile'))
          .find((p) => existsSync(p));
    if (!mf) return [];
    try {
      const parsed = readMakefile(mf, { commandLine: this.builds.makeVars().vars });
      const names = new Set<string>();
      for (const t of parsed.targetVars) if (!t.target.includes('%')) names.add(t.target);
      for (const r of parsed.rules) for (const t of r.targets) if (/^preset[_-]/.test(t)) names.add(t);
      return [...names].sort();
    } catch {
      return [];
    }
  }

  private dryRunKey(file: string): string {
    return JSON.stringify([file, this.preset, this.builds.stamp(file)]);
  }

  /**
   * The build's view of this file, with the user's toggles on top. Cached per file, build file timestamps, preset,
   * settings, toggles (and the profile, for inferred views): hovers, symbols and tokens ask for it on every request.
   */
  view(file: string): ResolvedView {
    const stamp = this.builds.stamp(file);
    const key = JSON.stringify([file, stamp, this.preset, this.settingDefines, [...this.overrides], this.profileKey()]);
    let v = this.views.get(key);
    if (!v) {
      if (this.views.size > 64) this.views.clear();
      this.views.set(key, (v = this.computeView(file)));
    }
    return v;
  }

  /**
   * In trusted workspaces, when reading found no flags: `make -n -B` once per file, build and build-file stamp
   * (the Makefile's mtime), then the view is computed again. True when a new result arrived.
   */
  async dryRunIfNeeded(file: string, signal?: AbortSignal): Promise<boolean> {
    if (!this.trusted || this.view(file).buildFound) return false;
    const key = this.dryRunKey(file);
    if (this.dryRuns.has(key)) return false;
    const r = await this.builds.dryRunBuild(file, this.preset, signal);
    if (signal?.aborted) return false;
    if (this.dryRuns.size > 64) this.dryRuns.clear();
    this.dryRuns.set(key, r);
    this.views.clear();
    return true;
  }

  private computeView(file: string): ResolvedView {
    let b: BaseBuild = this.builds.staticBuild(file, this.preset);
    if (b.origin === 'none') {
      const ran = this.dryRuns.get(this.dryRunKey(file));
      if (typeof ran === 'object') b = ran;
      else if (typeof ran === 'string') b = { ...b, detail: `${b.detail ?? ''}; ${ran}` };
      else if (!this.trusted)
        b = { ...b, detail: `${b.detail ?? ''}; make -n was not run: the workspace is not trusted` };
    }
    let view = b.view;
    let base = b.base;
    let origin = b.origin;
    let known = origin !== 'none';
    for (const d of this.settingDefines) {
      const eq = d.indexOf('=');
      view = withOverride(view, (eq < 0 ? d : d.slice(0, eq)).trim(), eq < 0 ? '1' : d.slice(eq + 1));
    }
    if (this.settingDefines.length) {
      base += ` + ${this.settingDefines.map((d) => `-D${d}`).join(' ')}`;
      if (!known) [origin, known] = ['settings', true];
    }
    if (!known && this.overrides.size === 0) {
      // No build says which lines are compiled: the profile does (its sampled lines ran), else nothing is dimmed.
      const counts = this.countsOf(file);
      if (counts.size) {
        const vh = viewHeat(this.engine, file, view, counts, { events: 1, unit: b.unit });
        if (vh.proposal?.changes.length) view = applyChanges(view, vh.proposal.changes);
        view = { ...view, label: 'inferred from the profile' };
        return {
          view,
          base: 'inferred from the profile',
          origin: 'inferred',
          known: false,
          detail: b.detail,
          unit: b.unit,
          buildFound: false,
        };
      }
    }
    for (const [name, value] of this.overrides) view = withOverride(view, name, value);
    if (!known && this.overrides.size) [origin, known] = ['settings', true];
    return { view, base, origin, known, detail: b.detail, unit: b.unit, buildFound: b.origin !== 'none' };
  }

  /** Compiler runs by unit and flags, valid while every file the compiler read keeps its mtime. */
  private readonly truths = new Map<string, { truth: CompilerTruth; stamps: [string, number][] }>();
  private readonly running = new Map<string, AbortController>();

  /** `cc -E` of the unit under the view: cached (file, view, mtimes); a newer request for the file cancels this one. */
  async compilerTruth(file: string, unit: string, view: FlagView): Promise<CompilerTruth | undefined> {
    const key = JSON.stringify([unit, compilerArgs(view)]);
    const hit = this.truths.get(key);
    if (hit && hit.stamps.every(([f, m]) => mtimeOf(f) === m)) return hit.truth;
    this.running.get(file)?.abort();
    const abort = new AbortController();
    this.running.set(file, abort);
    try {
      const truth = await compilerTruth(unit, view, {
        allowExternalPrograms: true,
        cwd: dirname(unit),
        signal: abort.signal,
      });
      const files = [...new Set([unit, ...truth.liveLines.keys()])].filter((f) => !f.startsWith('<'));
      if (this.truths.size > 64) this.truths.clear();
      this.truths.set(key, { truth, stamps: files.map((f) => [f, mtimeOf(f)]) });
      return truth;
    } catch (e) {
      if (abort.signal.aborted) return undefined;
      throw e;
    } finally {
      if (this.running.get(file) === abort) this.running.delete(file);
    }
  }
}

export function register(ctx: ServerContext): void {
  const { connection, documents, flags, profiles } = ctx;
  // The engine reads unsaved editor text, so the dimming follows what the user sees.
  documents.onDidChangeContent(
    (e) =>
      e.document.uri.startsWith('file:') &&
      flags.sources.setOverlay(fileURLToPath(e.document.uri), e.document.getText()),
  );
  documents.onDidClose(
    (e) => e.document.uri.startsWith('file:') && flags.sources.setOverlay(fileURLToPath(e.document.uri), undefined),
  );
  flags.countsOf = (file) =>
    new Map<number, number[]>((profiles.heatMap?.linesOf(file) ?? []).map((l) => [l.line, l.counts]));
  flags.profileKey = () => profiles.summary?.id;

  onRequest(connection, SetFlagRequest, ({ name, value }) => {
    flags.setFlag(name, value);
    ctx.flagsChanged();
  });
  onRequest(connection, SelectPresetRequest, ({ preset }) => {
    flags.selectPreset(preset ?? undefined);
    ctx.flagsChanged();
  });
  onRequest(connection, BuildsRequest, ({ uri }) => {
    if (!uri.startsWith('file:')) return [];
    const file = fileURLToPath(uri);
    return flags.builds.builds(file, flags.view(file).unit);
  });
  const apply = async (): Promise<void> => {
    if (flags.applySettings(await ctx.settings())) ctx.flagsChanged();
  };
  ctx.onInitialized(() => void apply());
  ctx.onSettingsChanged(() => void apply());

  onRequest(connection, FlagStateRequest, async ({ uri }, token): Promise<FlagState | null> => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    const r = await flagState(ctx, uri, { compiler: true, signal: abort.signal });
    if (r) publishDiagnostics(connection, uri, r.state, r.deadLines);
    return r?.state ?? null;
  });
}

function mtimeOf(p: string): number {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

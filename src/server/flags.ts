/**
 * Flag views in the server: which `#if` branches a build compiles, per file, with every block's heat.
 * The base view comes from the workspace's Makefile (its default goal or a preset target the user picks) or from
 * compile_commands.json; the user's toggles are overrides on top. Samples on lines the view does not compile are
 * published as diagnostics with the flag values that would compile them.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection, Diagnostic } from 'vscode-languageserver/node';
import { DiagnosticSeverity } from 'vscode-languageserver/node';
import { FlagStateRequest, SelectPresetRequest, SetFlagRequest, type FlagsChanged, type FlagState } from '../protocol';
import { emptyView, FlagViewEngine, withOverride, type FlagView } from '../engine/cpp/flag-view';
import { FileSystemSources } from '../engine/cpp/sources';
import { readMakefile } from '../engine/cpp/makefile';
import { flagsFromMakefile } from '../engine/cpp/make-flags';
import { flagsFromCompileCommands, viewFromFlags } from '../engine/cpp/build-flags';
import { viewHeat } from '../engine/cpp/view-heat';
import { blockHeat } from '../engine/cpp/block-heat';
import { compilerTruth } from '../engine/cpp/compiler';
import type { ServerContext } from './context';
import { onRequest } from './rpc';

export class FlagService {
  readonly sources = new FileSystemSources();
  readonly engine = new FlagViewEngine({ sources: this.sources });
  private chosenPreset: string | undefined;
  private readonly userToggles = new Map<string, string | null>();
  private defines: string[] = [];
  /** Proposed flag assignments already searched, by file, profile and view. */
  private readonly proposals = new Map<string, { text: string | undefined }>();
  private compiler: boolean | undefined;

  constructor(private readonly roots: () => string[]) {}

  /** The Makefile preset target the user picked; undefined: the default goal. */
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

  private makefile(): string | undefined {
    for (const r of this.roots()) for (const name of ['GNUmakefile', 'makefile', 'Makefile']) if (existsSync(join(r, name))) return join(r, name);
    return undefined;
  }

  presets(): string[] {
    const mf = this.makefile();
    if (!mf) return [];
    try {
      const parsed = readMakefile(mf);
      const names = new Set<string>();
      for (const t of parsed.targetVars) if (!t.target.includes('%')) names.add(t.target);
      for (const r of parsed.rules) for (const t of r.targets) if (/^preset[_-]/.test(t)) names.add(t);
      return [...names].sort();
    } catch {
      return [];
    }
  }

  private readonly views = new Map<string, { view: FlagView; base: string }>();

  /**
   * The build's view of this file, with the user's toggles on top. Cached per file, build file timestamps, preset,
   * settings and toggles: hovers, symbols and tokens ask for it on every request.
   */
  view(file: string): { view: FlagView; base: string } {
    const mf = this.makefile();
    const stamp = (p: string | undefined): number => {
      try {
        return p ? statSync(p).mtimeMs : 0;
      } catch {
        return 0;
      }
    };
    const cc = this.roots().map((r) => join(r, 'compile_commands.json')).find((p) => existsSync(p));
    const key = JSON.stringify([file, mf, stamp(mf), cc, stamp(cc), this.preset, this.settingDefines, [...this.overrides]]);
    let v = this.views.get(key);
    if (!v) {
      if (this.views.size > 64) this.views.clear();
      this.views.set(key, (v = this.computeView(file, mf)));
    }
    return v;
  }

  private computeView(file: string, mf: string | undefined): { view: FlagView; base: string } {
    let view = emptyView();
    let base = 'config headers only';
    const cc = this.roots().map((r) => join(r, 'compile_commands.json')).find((p) => existsSync(p));
    try {
      if (mf) {
        view = viewFromFlags(flagsFromMakefile(mf, this.preset, { sourceFile: file }));
        base = `${basename(mf)} ${this.preset ?? 'default goal'}`;
      } else if (cc) {
        const flags = flagsFromCompileCommands(cc, file);
        if (flags) {
          view = viewFromFlags(flags);
          base = 'compile_commands.json';
        }
      }
    } catch (e) {
      base = `config headers only (${(e as Error).message})`;
    }
    for (const d of this.settingDefines) {
      const eq = d.indexOf('=');
      view = withOverride(view, (eq < 0 ? d : d.slice(0, eq)).trim(), eq < 0 ? '1' : d.slice(eq + 1));
    }
    if (this.settingDefines.length) base += ` + ${this.settingDefines.map((d) => `-D${d}`).join(' ')}`;
    for (const [name, value] of this.overrides) view = withOverride(view, name, value);
    return { view, base };
  }
}

export function register(ctx: ServerContext): void {
  const { connection, documents, flags } = ctx;
  // The engine reads unsaved editor text, so the dimming follows what the user sees.
  documents.onDidChangeContent((e) => e.document.uri.startsWith('file:') && flags.sources.setOverlay(fileURLToPath(e.document.uri), e.document.getText()));
  documents.onDidClose((e) => e.document.uri.startsWith('file:') && flags.sources.setOverlay(fileURLToPath(e.document.uri), undefined));

  onRequest(connection, SetFlagRequest, ({ name, value }) => {
    flags.setFlag(name, value);
    ctx.flagsChanged();
  });
  onRequest(connection, SelectPresetRequest, ({ preset }) => {
    flags.selectPreset(preset ?? undefined);
    ctx.flagsChanged();
  });
  const applyDefines = async (): Promise<void> => {
    if (flags.setSettingDefines((await ctx.settings()).flagDefines)) ctx.flagsChanged();
  };
  ctx.onInitialized(() => void applyDefines());
  ctx.onSettingsChanged(() => void applyDefines());

  onRequest(connection, FlagStateRequest, async ({ uri }): Promise<FlagState | null> => {
    const r = await flagState(ctx, uri);
    if (r) publishDiagnostics(connection, uri, r.state, r.deadLines);
    return r?.state ?? null;
  });
}

/**
 * The flag state of one file under the current view, with block heat and the lines whose samples the view does
 * not compile. `compiler: false` skips the `cc -E` check (diagnostics do not depend on it).
 */
export async function flagState({ flags, profiles }: ServerContext, uri: string, options: { compiler: boolean } = { compiler: true }): Promise<{ state: FlagState; deadLines: number[] } | null> {
  if (!uri.startsWith('file:')) return null;
  const file = fileURLToPath(uri);
  const { view, base } = flags.view(file);
  const heatMap = profiles.heatMap;
  const events = heatMap?.profile.events.map((e) => e.name) ?? [];
  const counts = new Map<number, number[]>((heatMap?.linesOf(file) ?? []).map((l) => [l.line, l.counts]));
  // The proposal search evaluates the view up to a few hundred times: once per file, view and profile is enough
  // (the Flags view asks again on every editor switch).
  const proposalKey = JSON.stringify([file, profiles.summary?.id, flags.preset, flags.settingDefines, [...flags.overrides]]);
  const known = flags.knownProposal(proposalKey);
  const vh = viewHeat(flags.engine, file, view, counts, { events: Math.max(1, events.length), propose: counts.size > 0 && !known });
  const r = vh.regions;
  const share = (c: number[]): number[] => c.map((x, e) => (heatMap ? heatMap.share(x, e) : 0));
  const heatByIndex = new Map(vh.heat.blocks.map((b) => [b.block.index, b]));
  // While comparing: the same blocks weighed by the baseline's samples, for block-level diffs.
  const diff = profiles.diff;
  const baseMap = profiles.baselineHeatMap;
  const baseByIndex = new Map<number, number[]>();
  if (diff && baseMap && heatMap) {
    const names = diff.diff.events;
    const baseCounts = new Map<number, number[]>(baseMap.linesOf(file).map((l) => [l.line, names.map((n) => l.counts[baseMap.profile.events.findIndex((x) => x.name === n)] ?? 0)]));
    for (const b of blockHeat(r, baseCounts, names.length).blocks) {
      baseByIndex.set(b.block.index, b.inclusive.map((c, i) => baseMap.share(c, baseMap.profile.events.findIndex((x) => x.name === names[i]))));
    }
  }
  const root = (p: string): string => {
    const base = profiles.roots().find((x) => p.startsWith(x + '/'));
    return base ? relative(base, p) : p;
  };
  const state: FlagState = {
    uri,
    preset: flags.preset,
    presets: flags.presets(),
    base,
    events,
    flags: r.flags.map((f) => ({
      name: f.name,
      value: f.value,
      source: flags.overrides.has(f.name) ? 'user' : f.source.kind,
      where: f.source.file ? `${root(f.source.file)}${f.source.line ? `:${f.source.line}` : ''}` : undefined,
      description: f.description?.text,
      overridden: flags.overrides.has(f.name),
    })),
    inactive: r.inactive.map(([a, b]) => [a - 1, b - 1]),
    blocks: r.blocks.map((b) => {
      const h = heatByIndex.get(b.index);
      const self = h?.self ?? events.map(() => 0);
      const inclusive = h?.inclusive ?? events.map(() => 0);
      const base = baseByIndex.get(b.index);
      const baseline = base && diff ? { events: diff.diff.events, inclusiveShares: base } : undefined;
      return { line: b.line - 1, endLine: b.endLine - 1, directive: b.directive, condition: b.condition, value: b.value, active: b.active, depth: b.depth, self, inclusive, selfShares: share(self), inclusiveShares: share(inclusive), baseline };
    }),
    errors: r.errors.map((e) => ({ message: e.message, where: `${root(e.file)}:${e.line}` })),
  };
  const dead = vh.heat.inactiveSamples;
  if (heatMap && dead.length) {
    const proposal = known ? known.text : vh.proposal && vh.proposal.changes.length ? vh.proposal.changes.map((c) => `${c.name}=${c.value ?? '(undefined)'}`).join(' ') : undefined;
    if (!known) flags.rememberProposal(proposalKey, proposal);
    state.inactiveSamples = { share: heatMap.share(vh.heat.inactiveTotal[0] ?? 0, 0), lines: dead.length, proposal };
  }
  if (options.compiler && profiles.trusted && flags.compilerWorks !== false) await checkWithCompiler(flags, file, r.unit, view, state);
  return { state, deadLines: dead.map((d) => d.line) };
}

/**
 * The compiler as ground truth (trusted workspaces): `cc -E` of the unit with the view's flags. Lines it compiles
 * that the engine dims are shown as compiled, and the Flags view says whether the two agree. A missing compiler is
 * remembered, not retried on every toggle.
 */
async function checkWithCompiler(flags: FlagService, file: string, unit: string, view: FlagView, state: FlagState): Promise<void> {
  try {
    const truth = await compilerTruth(unit, view, { allowExternalPrograms: true, cwd: dirname(unit) });
    flags.noteCompiler(true);
    const live = truth.codeLines.get(file) ?? new Set<number>();
    const dimmed = new Set(state.inactive.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i + 1)));
    const wrong = [...live].filter((l) => dimmed.has(l));
    if (wrong.length) {
      const keep = new Set(wrong.map((l) => l - 1));
      state.inactive = ranges([...dimmed].map((l) => l - 1).filter((l) => !keep.has(l)));
    }
    state.compiler = { agrees: wrong.length === 0, disagreements: wrong.length, command: truth.command.join(' '), errors: truth.errors.map((e) => e.message) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || /could not run|ENOENT/.test((e as Error).message)) flags.noteCompiler(false);
  }
}

function ranges(lines: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const l of lines.sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && last[1] === l - 1) last[1] = l;
    else out.push([l, l]);
  }
  return out;
}

/**
 * Samples on lines this view does not compile mean the profile was recorded with other flags: one warning on the
 * first such line, naming the flag values that would compile them all (the proposal), and hints on the others.
 */
export function publishDiagnostics(connection: Connection, uri: string, state: FlagState, deadLines: number[]): void {
  const diagnostics: Diagnostic[] = [];
  const s = state.inactiveSamples;
  deadLines.sort((a, b) => a - b).forEach((line, i) => {
    const range = { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: 200 } };
    diagnostics.push({
      range,
      severity: i === 0 ? DiagnosticSeverity.Warning : DiagnosticSeverity.Hint,
      source: 'Perf Heat',
      message:
        i === 0 && s
          ? `${s.share.toFixed(2)}% of ${state.events[0] ?? 'samples'} lands on ${s.lines} line(s) that ${state.base} does not compile: the profile was recorded with other flags.${s.proposal ? ` These would compile them: ${s.proposal}.` : ''}`
          : 'Samples on a line this flag view does not compile.',
    });
  });
  for (const e of state.errors) {
    diagnostics.push({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Error, source: 'Perf Heat', message: `This flag view does not build: #error ${e.message} (${e.where})` });
  }
  void connection.sendDiagnostics({ uri, diagnostics });
}

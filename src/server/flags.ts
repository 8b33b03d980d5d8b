/**
 * Flag views in the server: which `#if` branches a build compiles, per file, with every block's heat.
 * The base view comes from the workspace's Makefile (its default goal or a preset target the user picks) or from
 * compile_commands.json; the user's toggles are overrides on top. Samples on lines the view does not compile are
 * published as diagnostics with the flag values that would compile them.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection, Diagnostic, TextDocuments } from 'vscode-languageserver/node';
import { DiagnosticSeverity } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { FlagsChangedNotification, FlagStateRequest, SelectPresetRequest, SetFlagRequest, type FlagState } from '../protocol';
import { emptyView, FlagViewEngine, withOverride, type FlagView } from '../engine/cpp/flag-view';
import { FileSystemSources } from '../engine/cpp/sources';
import { readMakefile } from '../engine/cpp/makefile';
import { flagsFromMakefile } from '../engine/cpp/make-flags';
import { flagsFromCompileCommands, viewFromFlags } from '../engine/cpp/build-flags';
import { viewHeat } from '../engine/cpp/view-heat';
import { blockHeat } from '../engine/cpp/block-heat';
import { compilerTruth } from '../engine/cpp/compiler';
import type { ProfileService } from './profile-service';
import { notify, onRequest } from './rpc';

export class FlagService {
  readonly sources = new FileSystemSources();
  readonly engine = new FlagViewEngine({ sources: this.sources });
  preset: string | undefined;
  readonly overrides = new Map<string, string | null>();
  /** `-D`s from the perfHeat.flags.defines setting, applied on top of the build. */
  settingDefines: string[] = [];
  /** Proposed flag assignments already searched, by file, profile and view. */
  readonly proposals = new Map<string, { text: string | undefined }>();
  /** undefined: not tried yet; false: no compiler here. */
  compilerWorks: boolean | undefined;

  constructor(private readonly roots: () => string[]) {}

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

export function register(connection: Connection, documents: TextDocuments<TextDocument>, profiles: ProfileService, flags: FlagService): void {
  // The engine reads unsaved editor text, so the dimming follows what the user sees.
  documents.onDidChangeContent((e) => e.document.uri.startsWith('file:') && flags.sources.setOverlay(fileURLToPath(e.document.uri), e.document.getText()));
  documents.onDidClose((e) => e.document.uri.startsWith('file:') && flags.sources.setOverlay(fileURLToPath(e.document.uri), undefined));

  const changed = (): void => {
    notify(connection, FlagsChangedNotification, { preset: flags.preset, overrides: Object.fromEntries(flags.overrides) });
  };
  onRequest(connection, SetFlagRequest, ({ name, value }) => {
    if (value === null) flags.overrides.delete(name);
    else flags.overrides.set(name, value);
    changed();
  });
  onRequest(connection, SelectPresetRequest, ({ preset }) => {
    flags.preset = preset ?? undefined;
    changed();
  });

  onRequest(connection, FlagStateRequest, async ({ uri }): Promise<FlagState | null> => {
    if (!uri.startsWith('file:')) return null;
    const file = fileURLToPath(uri);
    const { view, base } = flags.view(file);
    const heatMap = profiles.heatMap;
    const events = heatMap?.profile.events.map((e) => e.name) ?? [];
    const counts = new Map<number, number[]>((heatMap?.linesOf(file) ?? []).map((l) => [l.line, l.counts]));
    // The proposal search evaluates the view up to a few hundred times: once per file, view and profile is enough
    // (the Flags view asks again on every editor switch).
    const proposalKey = JSON.stringify([file, profiles.summary?.id, flags.preset, flags.settingDefines, [...flags.overrides]]);
    const known = flags.proposals.get(proposalKey);
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
      if (!known) {
        if (flags.proposals.size > 64) flags.proposals.clear();
        flags.proposals.set(proposalKey, { text: proposal });
      }
      state.inactiveSamples = { share: heatMap.share(vh.heat.inactiveTotal[0] ?? 0, 0), lines: dead.length, proposal };
    }
    if (profiles.trusted && flags.compilerWorks !== false) await checkWithCompiler(flags, file, r.unit, view, state);
    publish(connection, uri, state, dead.map((d) => d.line));
    return state;
  });
}

/**
 * The compiler as ground truth (trusted workspaces): `cc -E` of the unit with the view's flags. Lines it compiles
 * that the engine dims are shown as compiled, and the Flags view says whether the two agree. A missing compiler is
 * remembered, not retried on every toggle.
 */
async function checkWithCompiler(flags: FlagService, file: string, unit: string, view: FlagView, state: FlagState): Promise<void> {
  try {
    const truth = await compilerTruth(unit, view, { allowExternalPrograms: true, cwd: dirname(unit) });
    flags.compilerWorks = true;
    const live = truth.codeLines.get(file) ?? new Set<number>();
    const dimmed = new Set(state.inactive.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i + 1)));
    const wrong = [...live].filter((l) => dimmed.has(l));
    if (wrong.length) {
      const keep = new Set(wrong.map((l) => l - 1));
      state.inactive = ranges([...dimmed].map((l) => l - 1).filter((l) => !keep.has(l)));
    }
    state.compiler = { agrees: wrong.length === 0, disagreements: wrong.length, command: truth.command.join(' '), errors: truth.errors.map((e) => e.message) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || /could not run|ENOENT/.test((e as Error).message)) flags.compilerWorks = false;
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
function publish(connection: Connection, uri: string, state: FlagState, deadLines: number[]): void {
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

/**
 * The server's state: every loaded profile with its HeatMap over the workspace, which one is active (heat, hover,
 * panel), and which one is the baseline the active one is compared with.
 *
 * Loads race with each other and with the user: each role (active, baseline) has a generation, bumped by every
 * load, switch and clear of that role. A load installs its profile only if its generation is still current when it
 * ends; a newer load, a switch or Clear Heat aborts the one in flight (its addr2line is killed) and it answers
 * {@link LoadCancelled}, having installed nothing.
 */
import { isAbsolute } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadProfile, type LoadOptions } from '../engine/load-profile';
import type { Profile } from '../model/profile';
import { mergeProfiles } from '../model/profile-merge';
import { HeatMap } from '../model/heat-map';
import { PathMapper } from '../model/path-map';
import { ProfileIndex } from '../model/profile-index';
import { diffProfiles, type LineDiff, type ProfileDiff } from '../model/profile-diff';
import type { ProfileSummary, ServerSettings } from '../protocol';
import { isEmptyFilter, type SampleFilter } from '../parsers/perf-data';
import { listSourceFiles } from './workspace-index';
import { formatShare } from '../model/format';

interface Loaded {
  heatMap: HeatMap;
  /** Built on first use (hotspots, hover, flag block totals): the heat the user waits for after a load needs none of it. */
  index(): ProfileIndex;
  summary: ProfileSummary;
  mapper: PathMapper;
}

/** A baseline compared with the active profile, line by line, indexed by workspace file. */
export interface ActiveDiff {
  baseline: ProfileSummary;
  diff: ProfileDiff;
  byFile: Map<string, LineDiff[]>;
}

type Role = 'active' | 'baseline';

/** A load that was cancelled or superseded before it could install its profile. */
export class LoadCancelled extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadCancelled';
  }
}

export class ProfileService {
  private readonly loaded = new Map<number, Loaded>();
  private readonly generation: Record<Role, number> = { active: 0, baseline: 0 };
  private readonly inFlight: Record<Role, AbortController | undefined> = { active: undefined, baseline: undefined };
  private activeId: number | undefined;
  private baselineId: number | undefined;
  private cachedDiff: ActiveDiff | undefined;
  private nextId = 1;
  trusted: boolean;

  constructor(
    private readonly workspaceRoots: () => string[],
    trusted: boolean,
    /** The pipeline; tests put a gate in front of it to make loads finish in the order they want. */
    private readonly read: typeof loadProfile = loadProfile,
  ) {
    this.trusted = trusted;
  }

  private get active(): Loaded | undefined {
    return this.activeId === undefined ? undefined : this.loaded.get(this.activeId);
  }

  get heatMap(): HeatMap | undefined {
    return this.active?.heatMap;
  }

  get index(): ProfileIndex | undefined {
    return this.active?.index();
  }

  /** The active profile's index, built when first called: for work that may never need it (share of function). */
  get lazyIndex(): (() => ProfileIndex) | undefined {
    return this.active?.index;
  }

  /** Recorded source paths → workspace files, for the active profile. */
  get mapper(): PathMapper | undefined {
    return this.active?.mapper;
  }

  /** The sample filter every load uses (perfHeat/setFilter); undefined for every sample. */
  get filter(): SampleFilter | undefined {
    return this.sampleFilter;
  }
  private sampleFilter: SampleFilter | undefined;

  /**
   * Sets the sample filter (tid, comm, CPU, time) and reads the active profile (every recording of it) and the
   * baseline again with it: heat, panel, hovers and the call graph all follow. Undefined or empty: every sample.
   */
  async setFilter(
    filter: SampleFilter | undefined,
    settings: ServerSettings,
    signal?: AbortSignal,
  ): Promise<ProfileSummary | undefined> {
    this.sampleFilter = isEmptyFilter(filter) ? undefined : filter;
    const a = this.active?.summary;
    const b = this.baseline;
    if (b && b !== a) await this.load(b.source, settings, signal, 'baseline');
    if (!a) return undefined;
    const recordings = a.recordings ?? [a.source];
    let summary = await this.load(recordings[0]!, settings, signal);
    for (const r of recordings.slice(1)) summary = await this.addRecording(r, settings, signal);
    return summary;
  }

  get summary(): ProfileSummary | undefined {
    return this.active?.summary;
  }

  get baselineHeatMap(): HeatMap | undefined {
    return this.baselineId === undefined ? undefined : this.loaded.get(this.baselineId)?.heatMap;
  }

  get baseline(): ProfileSummary | undefined {
    return this.baselineId === undefined ? undefined : this.loaded.get(this.baselineId)?.summary;
  }

  roots(): string[] {
    return this.workspaceRoots();
  }

  inWorkspace(path: string): boolean {
    return this.workspaceRoots().some((r) => path === r || path.startsWith(r.endsWith('/') ? r : r + '/'));
  }

  list(): ProfileSummary[] {
    return [...this.loaded.values()].map((l) => l.summary);
  }

  /** The active profile against the baseline; undefined unless both are set and differ. */
  get diff(): ActiveDiff | undefined {
    const a = this.active;
    const b = this.baselineId === undefined ? undefined : this.loaded.get(this.baselineId);
    if (!a || !b || a === b) return undefined;
    if (this.cachedDiff?.baseline === b.summary && this.cachedDiffFor === a.summary) return this.cachedDiff;
    const diff = diffProfiles(b.heatMap.profile, a.heatMap.profile, a.mapper);
    const byFile = new Map<string, LineDiff[]>();
    for (const l of diff.lines) {
      const list = byFile.get(l.file);
      if (list) list.push(l);
      else byFile.set(l.file, [l]);
    }
    this.cachedDiff = { baseline: b.summary, diff, byFile };
    this.cachedDiffFor = a.summary;
    return this.cachedDiff;
  }
  private cachedDiffFor: ProfileSummary | undefined;

  /**
   * Reads a profile; by default it becomes the active one. Loading a path again replaces its earlier load (the
   * file was re-recorded), keeping its role.
   */
  async load(
    path: string,
    settings: ServerSettings,
    signal?: AbortSignal,
    role: Role = 'active',
  ): Promise<ProfileSummary> {
    return this.guarded(role, path, signal, settings, async (options, warnings, t0) => {
      const [profile, files] = await Promise.all([
        this.read(path, options),
        listSourceFiles(options.searchRoots ?? []),
      ]);
      return () => this.install(path, role, profile, files, settings, warnings, t0);
    });
  }

  /**
   * Merges another recording of the active profile's build into it (model/profile-merge.ts): its events join the
   * active ones. A recording of another build, or one with an event the profile has, is refused (the error says
   * why) and the active profile stays as it was. Without an active profile, the file is loaded as the active one.
   * It is a load of the active role: a later load, a switch or Clear Heat supersedes it like any other.
   */
  async addRecording(path: string, settings: ServerSettings, signal?: AbortSignal): Promise<ProfileSummary> {
    const a = this.active;
    if (!a) return this.load(path, settings, signal);
    return this.guarded('active', path, signal, settings, async (options, warnings, t0) => {
      const [added, files] = await Promise.all([this.read(path, options), listSourceFiles(options.searchRoots ?? [])]);
      const merged = mergeProfiles([a.heatMap.profile, added]);
      return () =>
        this.install(a.summary.source, 'active', merged, files, settings, warnings, t0, [
          ...(a.summary.recordings ?? [a.summary.source]),
          path,
        ]);
    });
  }

  /**
   * Runs one load of `role` under the generation rule: `work` reads (cancellable through the options' signal) and
   * returns the step that installs, which runs only if no later load, switch or clear of the role came meanwhile.
   */
  private async guarded(
    role: Role,
    path: string,
    signal: AbortSignal | undefined,
    settings: ServerSettings,
    work: (options: LoadOptions, programWarnings: string[], t0: number) => Promise<() => ProfileSummary>,
  ): Promise<ProfileSummary> {
    const t0 = performance.now();
    const generation = this.supersede(
      role,
      `a later load of ${role === 'active' ? 'a profile' : 'a baseline'} started`,
    );
    const abort = new AbortController();
    this.inFlight[role] = abort;
    const onCancel = (): void => abort.abort(new LoadCancelled(`loading ${path} was cancelled`));
    if (signal?.aborted) onCancel();
    signal?.addEventListener('abort', onCancel, { once: true });
    const stale = (): boolean => abort.signal.aborted || this.generation[role] !== generation;
    const cancelled = (): LoadCancelled => {
      const why = abort.signal.reason;
      return why instanceof LoadCancelled ? why : new LoadCancelled(`loading ${path} was cancelled`);
    };
    try {
      const program = programPath('perfHeat.addr2linePath', settings.addr2linePath);
      const llvm = programPath('perfHeat.llvmSymbolizerPath', settings.llvmSymbolizerPath);
      const options: LoadOptions = {
        binaryPaths: settings.binaryPaths,
        searchRoots: this.workspaceRoots(),
        allowExternalPrograms: this.trusted,
        addr2line: program.path,
        symbolizer: settings.symbolizer,
        llvmSymbolizer: llvm.path,
        // Big debug files (libc's) are decoded off the server's thread, so requests keep being answered.
        symbolizeWorkerBytes: 2 * 1024 * 1024,
        signal: abort.signal,
        ...(this.sampleFilter ? { filter: this.sampleFilter } : {}),
      };
      let installStep: () => ProfileSummary;
      try {
        installStep = await work(
          options,
          [program.warning, llvm.warning].filter((w): w is string => !!w),
          t0,
        );
      } catch (e) {
        // An abort surfaces as whatever the step in progress threw (AbortError from addr2line…): say what it was.
        if (stale()) throw cancelled();
        throw e;
      }
      // Work that ignored the abort (parsing is synchronous) still must not install a stale result.
      if (stale()) throw cancelled();
      return installStep();
    } finally {
      signal?.removeEventListener('abort', onCancel);
      if (this.inFlight[role] === abort) this.inFlight[role] = undefined;
    }
  }

  /** Starts a new generation of a role: the load in flight for it (if any) is aborted with `why`. */
  private supersede(role: Role, why: string): number {
    this.inFlight[role]?.abort(new LoadCancelled(`superseded: ${why}`));
    this.inFlight[role] = undefined;
    return ++this.generation[role];
  }

  private install(
    path: string,
    role: Role,
    profile: Profile,
    files: string[],
    settings: ServerSettings,
    programWarnings: string[],
    t0: number,
    recordings?: string[],
  ): ProfileSummary {
    const remaps = Object.entries(settings.pathRemaps ?? {}).map(([from, to]) => ({ from, to }));
    const mapper = new PathMapper(files, remaps);
    const heatMap = new HeatMap(profile, mapper);
    let built: ProfileIndex | undefined;
    const index = (): ProfileIndex => (built ??= new ProfileIndex(profile, mapper));
    const summary: ProfileSummary = {
      id: this.nextId++,
      source: path,
      format: profile.metadata.format,
      events: profile.events.map((e, i) => ({ ...e, total: profile.totals[i] })),
      files: heatMap.files(),
      unmapped: heatMap.unmapped.map((u) => ({
        recorded: u.recorded,
        share: heatMap.share(u.counts[0], 0),
        reason: u.resolution.kind,
        candidates: u.resolution.kind === 'ambiguous' ? u.resolution.candidates : [],
      })),
      binaries: profile.metadata.binaries.map((b) => ({ recorded: b.recorded, foundAt: b.foundAt, note: b.note })),
      warnings: [...programWarnings, ...profile.warnings, ...unmappedWarnings(heatMap)],
      loadMs: Math.round(performance.now() - t0),
      ...(recordings ? { recordings } : {}),
      ...(profile.filter ? { filter: profile.filter } : {}),
      callGraph: profile.callchains !== undefined,
    };
    for (const [id, l] of this.loaded) {
      if (l.summary.source !== path) continue;
      this.loaded.delete(id);
      if (this.activeId === id) this.activeId = summary.id;
      if (this.baselineId === id) this.baselineId = summary.id;
    }
    this.loaded.set(summary.id, { heatMap, index, summary, mapper });
    if (role === 'active') this.activeId = summary.id;
    else this.baselineId = summary.id;
    return summary;
  }

  activate(id: number): ProfileSummary {
    const l = this.loaded.get(id);
    if (!l) throw new Error(`no loaded profile has id ${id}`);
    this.supersede('active', 'another profile was switched to');
    this.activeId = id;
    return l.summary;
  }

  setBaseline(id: number | undefined): void {
    if (id !== undefined && !this.loaded.has(id)) throw new Error(`no loaded profile has id ${id}`);
    this.supersede('baseline', id === undefined ? 'comparing was stopped' : 'another baseline was chosen');
    this.baselineId = id;
  }

  /** Unloads every profile: no heat, no comparison. */
  clear(): void {
    this.supersede('active', 'the heat was cleared');
    this.supersede('baseline', 'the heat was cleared');
    this.loaded.clear();
    this.activeId = this.baselineId = undefined;
  }
}

/**
 * A program path from the settings. Only an absolute path is run: a relative one would be resolved against
 * whatever directory the server runs in, which a cloned repository can arrange; it is ignored with a warning and
 * the program is looked up on PATH instead.
 */
export function programPath(setting: string, value: string | undefined): { path?: string; warning?: string } {
  if (!value) return {};
  if (isAbsolute(value)) return { path: value };
  return {
    warning: `${setting} "${value}" is not an absolute path, so it is not run; the program on PATH is used instead. Set it to an absolute path in your user settings.`,
  };
}

function unmappedWarnings(heatMap: HeatMap): string[] {
  const out: string[] = [];
  for (const u of heatMap.unmapped) {
    const share = heatMap.share(u.counts[0], 0);
    if (u.resolution.kind === 'ambiguous') {
      out.push(
        `${u.recorded} (${formatShare(share)}) matches several workspace files equally well: ${u.resolution.candidates.join(', ')}; add a perfHeat.pathRemaps entry to choose.`,
      );
    } else if (share >= 1) {
      // Usually the file did not move: it is the benchmark driver or a library beside the workspace. Say where
      // it is; a remap is the fix only when the workspace holds a copy under another path.
      out.push(
        `${u.recorded} (${formatShare(share)} of ${heatMap.profile.events[0].name}) lives outside the workspace, so its lines get no heat; if the workspace has a copy of it elsewhere, add a perfHeat.pathRemaps entry.`,
      );
    }
  }
  return out;
}

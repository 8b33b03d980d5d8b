/**
 * The server's state: every loaded profile with its HeatMap over the workspace, which one is active (heat, hover,
 * panel), and which one is the baseline the active one is compared with.
 */
import { performance } from 'node:perf_hooks';
import { loadProfile, type LoadOptions } from '../engine/load-profile';
import type { Profile } from '../model/profile';
import { mergeProfiles } from '../model/profile-merge';
import { HeatMap } from '../model/heat-map';
import { PathMapper } from '../model/path-map';
import { ProfileIndex } from '../model/profile-index';
import { diffProfiles, type LineDiff, type ProfileDiff } from '../model/profile-diff';
import type { ProfileSummary, ServerSettings } from '../protocol';
import { listSourceFiles } from './workspace-index';

interface Loaded {
  heatMap: HeatMap;
  index: ProfileIndex;
  summary: ProfileSummary;
  mapper: PathMapper;
}

/** A baseline compared with the active profile, line by line, indexed by workspace file. */
export interface ActiveDiff {
  baseline: ProfileSummary;
  diff: ProfileDiff;
  byFile: Map<string, LineDiff[]>;
}

export class ProfileService {
  private readonly loaded = new Map<number, Loaded>();
  private activeId: number | undefined;
  private baselineId: number | undefined;
  private cachedDiff: ActiveDiff | undefined;
  private nextId = 1;
  trusted: boolean;

  constructor(private readonly workspaceRoots: () => string[], trusted: boolean) {
    this.trusted = trusted;
  }

  private get active(): Loaded | undefined {
    return this.activeId === undefined ? undefined : this.loaded.get(this.activeId);
  }

  get heatMap(): HeatMap | undefined {
    return this.active?.heatMap;
  }

  get index(): ProfileIndex | undefined {
    return this.active?.index;
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
  async load(path: string, settings: ServerSettings, signal?: AbortSignal, role: 'active' | 'baseline' = 'active'): Promise<ProfileSummary> {
    const t0 = performance.now();
    const [profile, files] = await Promise.all([loadProfile(path, this.loadOptions(settings, signal)), listSourceFiles(this.workspaceRoots())]);
    return this.install(profile, path, files, settings, t0, role);
  }

  private loadOptions(settings: ServerSettings, signal?: AbortSignal): LoadOptions {
    return {
      binaryPaths: settings.binaryPaths,
      searchRoots: this.workspaceRoots(),
      allowExternalPrograms: this.trusted,
      addr2line: settings.addr2linePath || undefined,
      symbolizer: settings.symbolizer,
      llvmSymbolizer: settings.llvmSymbolizerPath || undefined,
      // Big debug files (libc's) are decoded off the server's thread, so requests keep being answered.
      symbolizeWorkerBytes: 2 * 1024 * 1024,
      signal,
    };
  }

  /**
   * Merges another recording of the active profile's build into it (model/profile-merge.ts): its events join the
   * active ones. A recording of another build, or one with an event the profile has, is refused (the error says
   * why) and the active profile stays as it was. Without an active profile, the file is loaded as the active one.
   */
  async addRecording(path: string, settings: ServerSettings, signal?: AbortSignal): Promise<ProfileSummary> {
    const a = this.active;
    if (!a) return this.load(path, settings, signal);
    const t0 = performance.now();
    const [added, files] = await Promise.all([loadProfile(path, this.loadOptions(settings, signal)), listSourceFiles(this.workspaceRoots())]);
    const merged = mergeProfiles([a.heatMap.profile, added]);
    return this.install(merged, a.summary.source, files, settings, t0, 'active', [...(a.summary.recordings ?? [a.summary.source]), path]);
  }

  private install(profile: Profile, path: string, files: string[], settings: ServerSettings, t0: number, role: 'active' | 'baseline', recordings?: string[]): ProfileSummary {
    const remaps = Object.entries(settings.pathRemaps ?? {}).map(([from, to]) => ({ from, to }));
    const mapper = new PathMapper(files, remaps);
    const heatMap = new HeatMap(profile, mapper);
    const index = new ProfileIndex(profile, mapper);
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
      warnings: [...profile.warnings, ...unmappedWarnings(heatMap)],
      loadMs: Math.round(performance.now() - t0),
      ...(recordings ? { recordings } : {}),
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
    this.activeId = id;
    return l.summary;
  }

  setBaseline(id: number | undefined): void {
    if (id !== undefined && !this.loaded.has(id)) throw new Error(`no loaded profile has id ${id}`);
    this.baselineId = id;
  }

  /** Unloads every profile: no heat, no comparison. */
  clear(): void {
    this.loaded.clear();
    this.activeId = this.baselineId = undefined;
  }
}

function unmappedWarnings(heatMap: HeatMap): string[] {
  const out: string[] = [];
  for (const u of heatMap.unmapped) {
    const share = heatMap.share(u.counts[0], 0);
    if (u.resolution.kind === 'ambiguous') {
      out.push(`${u.recorded} (${share.toFixed(2)}%) matches several workspace files equally well: ${u.resolution.candidates.join(', ')}; add a perfHeat.pathRemaps entry to choose.`);
    } else if (share >= 1) {
      // Usually the file did not move: it is the benchmark driver or a library beside the workspace. Say where
      // it is; a remap is the fix only when the workspace holds a copy under another path.
      out.push(`${u.recorded} (${share.toFixed(2)}% of ${heatMap.profile.events[0].name}) lives outside the workspace, so its lines get no heat; if the workspace has a copy of it elsewhere, add a perfHeat.pathRemaps entry.`);
    }
  }
  return out;
}

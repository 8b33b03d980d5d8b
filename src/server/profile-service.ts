/**
 * The server's state: the active profile and its HeatMap over the workspace. One profile is active at a time in this
 * version; loading another replaces it.
 */
import { performance } from 'node:perf_hooks';
import { loadProfile } from '../engine/load-profile';
import { HeatMap } from '../model/heat-map';
import { PathMapper } from '../model/path-map';
import { ProfileIndex } from '../model/profile-index';
import type { ProfileSummary, ServerSettings } from '../protocol';
import { listSourceFiles } from './workspace-index';

export class ProfileService {
  private active: { heatMap: HeatMap; index: ProfileIndex; summary: ProfileSummary } | undefined;
  private nextId = 1;
  trusted: boolean;

  constructor(private readonly workspaceRoots: () => string[], trusted: boolean) {
    this.trusted = trusted;
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

  async load(path: string, settings: ServerSettings, signal?: AbortSignal): Promise<ProfileSummary> {
    const t0 = performance.now();
    const roots = this.workspaceRoots();
    const [profile, files] = await Promise.all([
      loadProfile(path, {
        binaryPaths: settings.binaryPaths,
        searchRoots: roots,
        allowExternalPrograms: this.trusted,
        addr2line: settings.addr2linePath || undefined,
        signal,
      }),
      listSourceFiles(roots),
    ]);
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
    };
    this.active = { heatMap, index, summary };
    return summary;
  }

  clear(): void {
    this.active = undefined;
  }
}

function unmappedWarnings(heatMap: HeatMap): string[] {
  const out: string[] = [];
  for (const u of heatMap.unmapped) {
    const share = heatMap.share(u.counts[0], 0);
    if (u.resolution.kind === 'ambiguous') {
      out.push(`${u.recorded} (${share.toFixed(2)}%) matches several workspace files equally well: ${u.resolution.candidates.join(', ')}; add a perfHeat.pathRemaps entry to choose.`);
    } else if (share >= 1) {
      out.push(`${u.recorded} (${share.toFixed(2)}%) is not in the workspace; add a perfHeat.pathRemaps entry if it moved.`);
    }
  }
  return out;
}

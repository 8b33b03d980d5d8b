/**
 * Every request and notification between the extension and the language server, declared once. No `vscode` import:
 * the server, the client and Node tests all use this module. Lines are 0-based here, as everywhere in LSP.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';

/** What the server reads from `perfHeat.*` (pulled with workspace/configuration; the schema is in package.json). */
export interface ServerSettings {
  /** Loaded by the server itself for clients other than Perf Heat's own (which sends LoadProfileRequest). */
  profile: string;
  binaryPaths: string[];
  pathRemaps: Record<string, string>;
  addr2linePath: string;
}

export interface InitializationOptions {
  /** Workspace trust: when false the server starts no external program (addr2line, perf, cc, make). */
  trusted: boolean;
  /** Perf Heat's own client loads profiles by request; other LSP clients leave this out. */
  clientLoadsProfile?: boolean;
  /** For clients without workspace/configuration: the profile to load (else `perfHeat.profile` is pulled). */
  profile?: string;
}

export interface ProfileEventInfo {
  name: string;
  unit: 'samples' | 'period' | 'count';
  total: number;
}

export interface UnmappedSourceInfo {
  recorded: string;
  /** Share of the first event that this path holds. */
  share: number;
  reason: 'missing' | 'ambiguous';
  candidates: string[];
}

export interface ProfileSummary {
  id: number;
  source: string;
  format: string;
  events: ProfileEventInfo[];
  /** Workspace files with heat. */
  files: string[];
  unmapped: UnmappedSourceInfo[];
  binaries: { recorded: string; foundAt?: string; note?: string }[];
  warnings: string[];
  loadMs: number;
}

export interface LoadProfileParams {
  /** Absolute path of the profile file. */
  path: string;
}
export const LoadProfileRequest = new RequestType<LoadProfileParams, ProfileSummary, void>('perfHeat/loadProfile');

export const ClearProfileRequest = new RequestType0<void, void>('perfHeat/clearProfile');

export interface LineHeatInfo {
  /** 0-based. */
  line: number;
  counts: number[];
  /** Percent of the profile's total, per event. */
  shares: number[];
}

export interface FunctionHeatInfo {
  name: string;
  /** 0-based line of the function's name. */
  line: number;
  counts: number[];
  shares: number[];
}

export interface FileHeatParams {
  uri: string;
}

export interface FileHeat {
  uri: string;
  profileId: number;
  /** The file changed on disk after the profiled binary was built: lines may have moved since. */
  stale: boolean;
  events: string[];
  lines: LineHeatInfo[];
  functions: FunctionHeatInfo[];
  /** The hottest line's share per event over the whole profile: one colour scale across files. */
  maxShares: number[];
}
export const FileHeatRequest = new RequestType<FileHeatParams, FileHeat | null, void>('perfHeat/fileHeat');

/** Sent by the server when the active profile changes (loaded, reloaded or cleared): clients pull heat again. */
export const ProfileChangedNotification = new NotificationType<{ profile: ProfileSummary | null }>('perfHeat/profileChanged');

export const TrustChangedNotification = new NotificationType<{ trusted: boolean }>('perfHeat/trustChanged');

export interface HotspotLine {
  /** file: URI of a workspace file; absent when the recorded path maps to none. */
  uri?: string;
  /** The recorded or workspace path, for display. */
  path: string;
  /** 0-based. */
  line: number;
  counts: number[];
  shares: number[];
}

export interface HotspotFunction {
  name: string;
  dso: string;
  counts: number[];
  shares: number[];
  lines: HotspotLine[];
}

export interface HotspotFile {
  uri: string;
  path: string;
  counts: number[];
  shares: number[];
  lines: HotspotLine[];
}

export interface HotspotsParams {
  /** Sort by this event. */
  event: number;
  /** At most this many functions and files (lines per item are capped too). */
  limit?: number;
}

export interface Hotspots {
  profileId: number;
  events: string[];
  functions: HotspotFunction[];
  files: HotspotFile[];
}
export const HotspotsRequest = new RequestType<HotspotsParams, Hotspots | null, void>('perfHeat/hotspots');

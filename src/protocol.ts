/**
 * Every request and notification between the extension and the language server, declared once. No `vscode` import:
 * the server, the client and Node tests all use this module. Lines are 0-based here, as everywhere in LSP.
 */
import type { DrawnFunction, DrawnLine, HeatMode, HeatTone, LineText } from './model/heat-modes';
/**
 * A request or notification: its method name and, for the type checker only, its parameter and result types.
 * Plain objects rather than vscode-jsonrpc's classes: the extension's activation bundle then carries no JSON-RPC
 * code, and the client and server bundles can each use their own copy of it without instanceof mismatches.
 */
export interface Request<P, R> {
  readonly method: string;
  readonly types?: { params: P; result: R };
}
export interface Notification<P> {
  readonly method: string;
  readonly types?: { params: P };
}
const request = <P, R>(method: string): Request<P, R> => ({ method });
const notification = <P>(method: string): Notification<P> => ({ method });

/** What the server reads from `perfHeat.*` (pulled with workspace/configuration; the schema is in package.json). */
export interface ServerSettings {
  /** Loaded by the server itself for clients other than Perf Heat's own (which sends LoadProfileRequest). */
  profile: string;
  binaryPaths: string[];
  pathRemaps: Record<string, string>;
  addr2linePath: string;
  /** `perfHeat.symbolizer`: builtin (in process, the default), addr2line or llvm-symbolizer. */
  symbolizer: 'builtin' | 'addr2line' | 'llvm-symbolizer';
  llvmSymbolizerPath: string;
  /** `NAME=VALUE` (or `NAME`) defines applied on top of the build's flags in flag views. */
  flagDefines: string[];
  /** compile_commands.json to take flags from (absolute, or '' to look at the workspace root and `build/`). */
  compileCommands: string;
  /** `NAME=VALUE` make command-line variables for reading (and dry-running) the Makefile. */
  makeVariables: string[];
  /** The exported report's function groups (`allocator=hz3_`, `allocator=binary:libhz3.so`). */
  reportGroups: string[];
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
  /** A profile merged from several recordings of one build: every file, in the order added. */
  recordings?: string[];
  /** The sample filter it was read with, in words (`tid 4242, time 1703.6,1704 s`); absent for every sample. */
  filter?: string;
  /** The samples carried callchains (`perf record -g`): callers, callees and inclusive cost are known. */
  callGraph?: boolean;
}

export interface LoadProfileParams {
  /** Absolute path of the profile file. */
  path: string;
  /** `active` (default): its heat is shown. `baseline`: the active profile is compared with it. */
  role?: 'active' | 'baseline';
  /**
   * The load follows a change of the settings (perfHeat.profile): the server pulls them anew rather than use its
   * copy, since the client's notice of the change (workspace/didChangeConfiguration) may still be on its way.
   */
  freshSettings?: boolean;
}
export const LoadProfileRequest = request<LoadProfileParams, ProfileSummary>('perfHeat/loadProfile');

export interface AddRecordingParams {
  /** Absolute path of another recording of the active profile's build (other events: cycles + cache-misses). */
  path: string;
}
/**
 * Merges a recording into the active profile (its events are added beside the active ones; build-ids must match,
 * and no event may be in both). Fails with the reason (build-ids differ, event in both) and changes nothing then.
 * Without an active profile it loads the file as the active one.
 */
export const AddRecordingRequest = request<AddRecordingParams, ProfileSummary>('perfHeat/addRecording');

export const ClearProfileRequest = request<void, void>('perfHeat/clearProfile');

export interface LoadedProfiles {
  profiles: ProfileSummary[];
  activeId?: number;
  baselineId?: number;
}
export const ListProfilesRequest = request<void, LoadedProfiles>('perfHeat/listProfiles');
export const ActivateProfileRequest = request<{ id: number }, ProfileSummary>('perfHeat/activateProfile');
/** `id: null` stops comparing. */
export const SetBaselineRequest = request<{ id: number | null }, void>('perfHeat/setBaseline');

// The heat modes and a drawn line's shape are the model's (model/heat-modes.ts computes them); re-exported as types
// only, so the protocol still loads nothing at run time and the two cannot drift apart.
export type { DrawnFunction, DrawnLine, HeatMode, HeatTone, LineText };

/** A line with its counts and shares per event (0-based line): what a hotspot row or a block's line carries. */
export interface LineHeat {
  /** 0-based. */
  line: number;
  counts: number[];
  /** Percent of the profile's total, per event. */
  shares: number[];
}

export interface FileHeatParams {
  uri: string;
  mode: HeatMode;
  /** Event modes' labels (default `share`). */
  lineText?: LineText;
}

/** perfHeat/fileHeat: one file's heat in one heat mode, ready to draw (the client computes nothing). */
export interface FileHeat {
  uri: string;
  profileId: number;
  /** The file changed on disk after the profiled binary was built: lines may have moved since. */
  stale: boolean;
  mode: HeatMode;
  events: string[];
  lines: DrawnLine[];
  functions: DrawnFunction[];
  /**
   * The value drawn with the strongest colour: the hottest line's share over the whole profile (event modes), the
   * file's densest line with at least 0.05% of the cycles (density), the comparison's largest change (diff).
   */
  scale: number;
  /** The line with the strongest colour (0-based), where Go to Hottest Line and a first open go. */
  hottest?: number;
  /** While comparing: the baseline's source. */
  baseline?: string;
}
export const FileHeatRequest = request<FileHeatParams, FileHeat | null>('perfHeat/fileHeat');

/** Sent by the server when the active profile changes (loaded, reloaded or cleared): clients pull heat again. */
export const ProfileChangedNotification = notification<{
  profile: ProfileSummary | null;
  baseline?: ProfileSummary | null;
}>('perfHeat/profileChanged');

export const TrustChangedNotification = notification<{ trusted: boolean }>('perfHeat/trustChanged');

/** A line's heat with its file: a hotspot row. */
export interface HotspotLine extends LineHeat {
  /** file: URI of a workspace file; absent when the recorded path maps to none. */
  uri?: string;
  /** The recorded or workspace path, for display. */
  path: string;
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

export interface HotspotChange extends HotspotLine {
  /** Points, other − base, for the sorted event. */
  delta: number;
  only?: 'base' | 'other';
}

export interface Hotspots {
  profileId: number;
  events: string[];
  functions: HotspotFunction[];
  files: HotspotFile[];
  /** While comparing: lines by |change| of the sorted event, biggest first. */
  changes?: { baseline: string; lines: HotspotChange[] };
  /** The profile's hottest workspace line by the sorted event: where Go to Hottest Line goes from a file without heat. */
  hottest?: HotspotLine;
  /** The sample filter the profile was read with, in words (perfHeat/setFilter). */
  filter?: string;
}
export const HotspotsRequest = request<HotspotsParams, Hotspots | null>('perfHeat/hotspots');

export interface ExportReportParams {
  /** Where to write the Markdown. */
  output: string;
  /** perf stat outputs to compare (the first is the base), optional. */
  statFiles: string[];
  /** Break this function down by #if block (default: the hottest). */
  functionName?: string;
  /** Function groups (`allocator=hz3_`, `allocator=binary:libhz3.so`); default: the perfHeat.report.groups setting. */
  groups?: string[];
  /**
   * Each build's flags: `profile` is the active profile's build (B), `baseline` the baseline's (A). Default for the
   * active profile: what the Flags view knows (the build's flags with the user's toggles); the baseline's are unknown
   * unless given.
   */
  builds?: { profile?: ReportBuildParams; baseline?: ReportBuildParams };
  /** The experiment that made the pair: its name and the flags its variant flipped (`NAME` or `NAME=VALUE`). */
  experiment?: { name?: string; flipped?: string[] };
}

/** How one build's flags are known (engine/report-builds.ts `BuildSpec`); every field optional. */
export interface ReportBuildParams {
  label?: string;
  /** Compiler arguments added to the build's (the experiment's `${defines}`: `-DX=1 -DY`). */
  flags?: string;
  compileCommands?: string;
  makefile?: string;
  target?: string;
  /** make's command-line variables, `NAME=VALUE`. */
  makeVariables?: string[];
  /** `NAME[=VALUE]` / `-UNAME` on top. */
  defines?: string[];
}
/** perf report's sample filters; every field optional, all empty (or no filter) for every sample. */
export interface SampleFilterParams {
  tids?: number[];
  comms?: string[];
  cpus?: number[];
  /** Nanoseconds of perf's clock (perf script's timestamps × 1e9); either end may be left out; both ends kept. */
  time?: { start?: number; end?: number };
}
/**
 * Reads the active profile (and the baseline) again keeping only these samples; heat, panel, hovers and the call
 * graph follow. Answers the new active summary (null without a profile). perf.data only: text profiles say so in a
 * warning and keep every sample.
 */
export const SetFilterRequest = request<{ filter: SampleFilterParams | null }, ProfileSummary | null>(
  'perfHeat/setFilter',
);

/** A function of the call graph, with self and inclusive cost. */
export interface CallGraphFunctionInfo {
  name: string;
  dso: string;
  self: number[];
  inclusive: number[];
  selfShares: number[];
  inclusiveShares: number[];
  /** Only ever seen inlined into other functions. */
  inlineOnly: boolean;
  /** A line of its own code, when it maps to the workspace or at least to a recorded path. */
  location?: HotspotLine;
}

export interface CallGraphNeighbour {
  function: CallGraphFunctionInfo;
  /** What went through this call (inclusive, once per sample), per event. */
  counts: number[];
  shares: number[];
  /** Where the call is, in the caller's code, hottest first. */
  sites: HotspotLine[];
}

export interface CallGraphEntry extends CallGraphFunctionInfo {
  callers: CallGraphNeighbour[];
  callees: CallGraphNeighbour[];
}

export interface CallGraphParams {
  /** Sort by this event. */
  event: number;
  /** One function (name as in the panel, and its binary); without it, the hottest functions by inclusive cost. */
  function?: { name: string; dso?: string };
  /** At most this many functions (default 50) and neighbours per direction (default 20). */
  limit?: number;
}

export interface CallGraphInfo {
  profileId: number;
  events: string[];
  filter?: string;
  functions: CallGraphEntry[];
}
/** Callers and callees with inclusive cost; null without a profile or when it has no callchains. */
export const CallGraphRequest = request<CallGraphParams, CallGraphInfo | null>('perfHeat/callGraph');

/** Writes the analysis report of the active profile (against the baseline when one is set). */
export const ExportReportRequest = request<ExportReportParams, { output: string; bytes: number }>(
  'perfHeat/exportReport',
);

/** One flag a file's conditions use, under the current build view. */
export interface FlagItem {
  name: string;
  /** Replacement text; null when undefined. */
  value: string | null;
  /** default (config header), override (a later #undef/#define), -D, define, predefined, compiler, undefined, user */
  source: string;
  /** Where the value comes from, `file:line`, when known. */
  where?: string;
  /** The comment above its default in the config header. */
  description?: string;
  /** The user toggled it (an override on top of the build). */
  overridden: boolean;
}

/** One `#if`/`#elif`/`#else` branch with its heat; lines 0-based. */
export interface BlockItem {
  line: number;
  endLine: number;
  directive: string;
  condition: string;
  value: string | null;
  active: boolean;
  depth: number;
  /** Per event: the branch's own lines, and with nested blocks. */
  self: number[];
  inclusive: number[];
  selfShares: number[];
  inclusiveShares: number[];
  /**
   * While comparing, per event of `FlagState.events` (null where the baseline lacks the event): the block's share in
   * the baseline and the change in share points (this profile − baseline).
   */
  baseline?: { inclusiveShares: (number | null)[]; delta: (number | null)[] };
  /** The sampled lines inside the block (nested blocks' included), in line order. */
  lines: LineHeat[];
}

export interface FlagState {
  uri: string;
  /** The build the view starts from: a Makefile target, or undefined for the Makefile's default goal. */
  preset?: string;
  presets: string[];
  /** What the base view came from (`Makefile all`, `compile_commands.json`, `inferred from the profile`). */
  base: string;
  /** Where the view's flags come from; only a known build (`compile_commands`, `makefile`, `make -n`) dims lines. */
  origin: FlagOrigin;
  /** Why the build's flags could not be found, or notes on how they were: the Output channel shows it in full. */
  detail?: string;
  /**
   * A known build (or the user's own -D settings and toggles) says which lines are compiled: only then is anything
   * dimmed as a build's choice, or a sampled line called "not compiled".
   */
  known: boolean;
  flags: FlagItem[];
  /** 0-based inclusive ranges. */
  inactive: [number, number][];
  blocks: BlockItem[];
  /** `#error`s the view reaches: it does not build. */
  errors: { message: string; where: string }[];
  /** Samples on lines this view does not compile, and the flag values that would compile them. */
  inactiveSamples?: { share: number; lines: number; proposal?: string };
  events: string[];
  /** The compiler's own answer (`cc -E` with the view's flags), in trusted workspaces where a compiler runs. */
  compiler?: {
    agrees: boolean;
    disagreements: number;
    command: string;
    errors: string[];
    /** cc -E stopped (a header not found, …): its answer is not used. */ failed?: string;
  };
}

/** `none`: no build found and no profile to infer from, so nothing is dimmed. */
export type FlagOrigin = 'compile_commands' | 'makefile' | 'make -n' | 'settings' | 'inferred' | 'none';

/** A build to view a file under (`id` goes to SelectPresetRequest). */
export interface BuildChoice {
  id: string;
  label: string;
  description?: string;
}

export const FlagStateRequest = request<{ uri: string }, FlagState | null>('perfHeat/flagState');
/** `value: null` removes the user's override (back to the build's value). */
export const SetFlagRequest = request<{ name: string; value: string | null }, void>('perfHeat/setFlag');
/** Every build that compiles the file: the Makefile's targets (read, not run) and compile_commands.json's entries. */
export const BuildsRequest = request<{ uri: string }, BuildChoice[]>('perfHeat/builds');
/** `preset`: a Makefile target or a BuildChoice id (`compile_commands.json#N`); null goes back to the default. */
export const SelectPresetRequest = request<{ preset: string | null }, void>('perfHeat/selectPreset');
/** The flag view changed (toggle, preset): clients pull flag states again. */
/** The build preset and the user's toggles, after any change to the flag view. */
export interface FlagsChanged {
  preset?: string;
  overrides: Record<string, string | null>;
}
export const FlagsChangedNotification = notification<FlagsChanged>('perfHeat/flagsChanged');

/**
 * Which function to disassemble: the function owning a heated source line (its instructions are then the focus),
 * or a function by name (the hotspot panel, another editor).
 */
export type DisassemblyParams = ({ uri: string; line: number } | { function: string; dso?: string }) & {
  /** Heat the rows by this event (default: the first). */
  event?: number;
};

/** One line of the disassembly document, as the server laid it out (the client joins `text` and draws). */
export interface DisassemblyLine {
  kind: 'symbol' | 'inline' | 'source' | 'instruction';
  text: string;
  /** Instruction rows: the ELF address, and counts per event. */
  address?: number;
  counts?: number[];
  /** Instruction rows: percent of the symbol's total per event (perf annotate's local period). */
  shares?: number[];
  /** Instruction rows with samples: heat step 1..10 of the event the document was asked for. */
  heat?: number;
  /** Where the row's code is in the workspace (0-based line); absent when the recorded path maps to no file. */
  source?: { uri: string; line: number };
  /** Columns of `text` naming the source location, for a link. */
  link?: [number, number];
  /** A direct branch or call to an instruction of this document: its row (0-based) and the target's columns. */
  jump?: { line: number; columns: [number, number] };
}

export interface Disassembly {
  profileId: number;
  function: string;
  dso: string;
  binary: string;
  events: string[];
  lines: DisassemblyLine[];
  /** Document lines (0-based) of the instructions of the requested source line, when one was given. */
  focus: number[];
  warnings: string[];
}
export const DisassemblyRequest = request<DisassemblyParams, Disassembly | null>('perfHeat/disassembly');

/** An A/B experiment of the workspace's experiments file (engine/experiment.ts), or "A/B this flag" built from it. */
export interface ExperimentParams {
  /** The experiments file, absolute (`.vscode/perf-heat-experiments.json`). */
  config: string;
  /** Which experiment of the file (default: the first). */
  experiment?: string;
  /** Only these variants beside the base. */
  variants?: string[];
  /** A/B one flag: the experiment's base (plus `baseDefines`: the user's toggles) against it with `flag` = `value` (null: undefined). */
  ab?: { flag: string; value: string | null; baseDefines?: Record<string, string | null> };
}

/** What an experiment runs and writes, for the confirmation, the progress and loading the results. */
export interface ExperimentPlanInfo {
  experiment: string;
  /** Every experiment of the file (the plan is of `experiment`). */
  experiments: string[];
  outDir: string;
  /** Where the commands run. */
  cwd: string;
  /** Every command, in order: its title (`build base`) and its exact text. */
  steps: { title: string; text: string }[];
  /** The base first. */
  variants: { name: string; changes: Record<string, string | null>; perfData: string; statFile: string }[];
  /** One per non-base variant, with how the report learns each build's flags (ExportReportParams' `builds`, `experiment`). */
  reports: {
    variant: string;
    base: string;
    path: string;
    builds: { profile: ReportBuildParams; baseline: ReportBuildParams };
    experiment: { name: string; flipped: string[] };
  }[];
}
/** Reads and plans; runs nothing (the client shows the commands before they first run). */
export const PlanExperimentRequest = request<ExperimentParams, ExperimentPlanInfo>('perfHeat/planExperiment');
/**
 * Runs the planned commands (trusted workspaces only), streaming their output as ExperimentOutputNotification with
 * this `runId`; cancelling the request stops the running command. Resolves with the plan once every command exited 0.
 */
export const RunExperimentRequest = request<RunExperimentParams, ExperimentPlanInfo>('perfHeat/runExperiment');
export interface RunExperimentParams extends ExperimentParams {
  /** Tags this run's ExperimentOutputNotifications. */
  runId: number;
  /** The commands the user confirmed (the plan's step texts): refused, running nothing, if the file now plans others. */
  confirmed?: string[];
}
export interface ExperimentOutput {
  runId: number;
  /** Output of the running command. */
  text?: string;
  /** A command starts: its index in the plan's steps. */
  step?: number;
}
export const ExperimentOutputNotification = notification<ExperimentOutput>('perfHeat/experimentOutput');
/** Writes a starting experiments file at `config` (refused when one exists); `flag` makes its one variant flip that flag. */
export const WriteExperimentTemplateRequest = request<
  { config: string; flag?: { name: string; value: string | null } },
  void
>('perfHeat/writeExperimentTemplate');

/**
 * The running extension, as every command and view sees it: the views, the language client once started, the
 * active profile and baseline, and the heat mode. Built once by activate(); commands.ts receives it as `ctx`.
 * Every computation happens in the language server; this side only asks and draws.
 */
import * as vscode from 'vscode';
import { addRecording } from './add-recording';
import type { LanguageClient } from 'vscode-languageclient/node';
import { notify, onNotification, send } from './rpc';
import {
  ExportReportRequest,
  LoadProfileRequest,
  ProfileChangedNotification,
  TrustChangedNotification,
  type FlagState,
  type HeatMode,
  type HotspotLine,
  type Hotspots,
  type ProfileSummary,
  type SampleFilterParams,
} from '../protocol';
import type * as ClientModule from './client';
import { Config } from './config';
import { HeatDecorations, type AppliedHeat } from './heat-decorations';
import { cycleMode, describeMode, diffMode } from './heat-mode';
import { cycleEvent } from '../model/events';
import { HotspotPanel } from './hotspot-panel';
import { StatusItem } from './status-item';
import { FlagsView } from './flags-view';
import { IncLanguage } from './inc-language';
import type * as StatViewModule from './stat-view';
import type { StatViewApi } from './stat-view';
import { hottestLineHint } from './hottest-line';
import { offerOutsideFiles } from './outside-files';
import { formatEventValue, formatMs } from '../model/format';
import { DisassemblyView } from './disassembly-view';
import type { Disassembly } from '../protocol';
import type * as ExperimentModule from './experiment';
import type { AbArgument, ConfirmHook, Experiments, ExperimentResult } from './experiment';

/** What activate() returns: used by the integration tests, and by other extensions that want the loaded profile. */
export interface PerfHeatApi {
  loadProfile(path: string): Promise<ProfileSummary>;
  /** "Add Recording to Profile…" without its dialog: merges another recording of the build into the active one. */
  addRecording(path: string): Promise<ProfileSummary>;
  activeProfile(): ProfileSummary | undefined;
  appliedHeat(uri: vscode.Uri): AppliedHeat | undefined;
  onDidApplyHeat: vscode.Event<AppliedHeat>;
  heatMode(): HeatMode;
  /** The Flags view: the active editor's flag state, and toggling with a wait for the redraw. */
  flags: {
    current(): FlagState | null;
    setFlag(name: string, value: string | null): Promise<FlagState | null>;
    refresh(): Promise<void>;
    onDidApply: vscode.Event<FlagState | null>;
    selectBuild(id: string | null): Promise<FlagState | null>;
  };
  baselineProfile(): ProfileSummary | undefined;
  /** What "Export Analysis Report" writes, without its dialogs. */
  exportReport(output: string, statFiles: string[]): Promise<{ output: string; bytes: number }>;
  onDidRefreshHotspots: vscode.Event<Hotspots | null>;
  /** The Functions rows the hotspot panel shows (after its filter and the kernel-rows toggle). */
  hotspotFunctions(): { name: string; dso: string }[];
  /** The disassembly document last opened (Show Disassembly), as the server laid it out. */
  lastDisassembly(): Disassembly | undefined;
  /** Run Experiment and A/B This Flag without their pickers; `confirmWith` answers the command confirmation instead of the modal. */
  experiments: {
    run(config?: string, experiment?: string): Promise<ExperimentResult | undefined>;
    abFlag(arg: AbArgument): Promise<ExperimentResult | undefined>;
    confirmWith(hook: ConfirmHook | undefined): void;
    forgetApprovals(): Promise<void>;
  };
  /** The hotspot panel's Callers / Callees section: a function's callers or callees (share of the sorted event, call site). */
  callGraphRows(name: string, direction: 'callers' | 'callees'): { name: string; share: number; site?: HotspotLine }[];
  /** The section's function rows with inclusive and self shares. */
  callGraphFunctions(): { name: string; inclusive: number; self: number }[];
}

/** Loads shorter than this show only the status-bar spinner; longer ones get a notification with Cancel. */
const PROGRESS_DELAY_MS = 300;

interface Started {
  client: LanguageClient;
  decorations: HeatDecorations;
}

export class Session {
  readonly config = new Config((m) => this.output.warn(m));
  readonly status = new StatusItem();
  readonly flagsView: FlagsView;
  /** `.inc` files a C file includes, or the profile names, open as C. */
  private readonly incLanguage: IncLanguage;
  readonly panel: HotspotPanel;
  readonly disassembly: DisassemblyView;
  private experimentsRun: Experiments | undefined;
  private started: Started | undefined;
  private starting: Promise<Started> | undefined;
  private activeProfile: ProfileSummary | undefined;
  private baselineProfile: ProfileSummary | undefined;
  /** The sample filter last sent (perfHeat/setFilter), to change one part of it at a time. */
  filter: SampleFilterParams | undefined;
  private heatMode: HeatMode = { kind: 'event', event: 0 };
  private readonly applied = new vscode.EventEmitter<AppliedHeat>();
  private outputChannel: vscode.LogOutputChannel | undefined;
  private statView: StatViewApi | undefined;

  /**
   * The Output channel, made on first use: a log channel opens a log file through the main process, which the
   * activation path (npm run bench:editor) need not wait for.
   */
  get output(): vscode.LogOutputChannel {
    if (!this.outputChannel) {
      this.outputChannel = vscode.window.createOutputChannel('Perf Heat', { log: true });
      this.extension.subscriptions.push(this.outputChannel);
    }
    return this.outputChannel;
  }

  /** The perf stat webview's module (with the parsers and metrics behind it), loaded by the first Compare perf stat Runs. */
  get statModule(): typeof StatViewModule {
    // Its own bundle (scripts/build.mjs), required by path like the client: a `require('./stat-view')` would be
    // bundled into dist/extension.js and compiled on the way to every activation (npm run bench:editor).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred: not on the activation path
    return require(this.extension.asAbsolutePath('dist/stat-view.js')) as typeof StatViewModule;
  }

  /**
   * Run Experiment and A/B This Flag, made on first use from their own bundle (dist/experiment.js, as the stat view):
   * no command before them needs their code.
   */
  get experiments(): Experiments {
    if (!this.experimentsRun) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred: not on the activation path
      const m = require(this.extension.asAbsolutePath('dist/experiment.js')) as typeof ExperimentModule;
      this.experimentsRun = new m.Experiments(this);
      this.extension.subscriptions.push(this.experimentsRun);
    }
    return this.experimentsRun;
  }

  get stat(): StatViewApi {
    return (this.statView ??= this.statModule.activate(this.extension));
  }

  constructor(readonly extension: vscode.ExtensionContext) {
    this.flagsView = new FlagsView(
      () => this.client,
      () => this.event(),
      { appendLine: (line) => this.output.appendLine(line) },
    );
    this.incLanguage = new IncLanguage(
      () => this.activeProfile?.files ?? [],
      (s) => this.output.info(s),
    );
    this.panel = new HotspotPanel(
      () => (this.active ? this.client : undefined),
      () => this.event(),
      (uri) => this.loadReportingErrors(uri.fsPath),
      () => this.flagsView.current(),
      () => this.activeProfile?.events ?? [],
    );
    this.disassembly = new DisassemblyView({
      client: async () => (await this.ensureStarted()).client,
      event: () => this.event(),
      events: () => this.activeProfile?.events ?? [],
      hasProfile: () => !!this.activeProfile,
      heatedLine: (uri, line) =>
        this.decorations?.lastApplied(vscode.Uri.parse(uri))?.lines.some((l) => l.line === line) ?? false,
      warn: (m) => this.output.warn(m),
    });
    extension.subscriptions.push(
      this.disassembly,
      hottestLineHint(() => this.decorations, this.status, this.applied.event),
      this.status,
      this.applied,
      this.flagsView,
      this.incLanguage,
      this.panel,
      this.flagsView.onDidApply(() => this.panel.blocksChanged()),
      // The server starts on first need (a profile configured or loaded, or the Flags view opened), so opening a
      // C file in a workspace without either costs nothing.
      this.flagsView.onDidBecomeVisible((e) => e.visible && void this.ensureStarted()),
      vscode.workspace.onDidGrantWorkspaceTrust(
        () => this.client && notify(this.client, TrustChangedNotification, { trusted: true }),
      ),
      vscode.workspace.onDidChangeConfiguration((e) => this.settingsChanged(e)),
    );
  }

  get client(): LanguageClient | undefined {
    return this.started?.client;
  }

  get decorations(): HeatDecorations | undefined {
    return this.started?.decorations;
  }

  get active(): ProfileSummary | undefined {
    return this.activeProfile;
  }

  get baseline(): ProfileSummary | undefined {
    return this.baselineProfile;
  }

  get mode(): HeatMode {
    return this.heatMode;
  }

  /**
   * The event the panel and the block totals sort by: the mode's own, or cycles. In density mode the misses: a
   * block's share of the misses is meaningful there, its share of Ir is not what density shows.
   */
  private event(): number {
    const m = this.heatMode;
    return m.kind === 'event' || m.kind === 'inclusive'
      ? m.event
      : m.kind === 'density'
        ? m.miss
        : this.activeProfile
          ? cycleEvent(this.activeProfile.events.map((e) => e.name))
          : 0;
  }

  async setMode(next: HeatMode): Promise<void> {
    this.heatMode = next;
    this.showStatus();
    await Promise.all([this.decorations?.setMode(next), this.panel.refresh(), this.flagsView.refresh()]);
  }

  /** Tells the user to load a profile first when none is; returns the active one. */
  requireProfile(): ProfileSummary | undefined {
    if (!this.activeProfile)
      void vscode.window.showInformationMessage('Perf Heat: load a profile first (Perf Heat: Load Profile…).');
    return this.activeProfile;
  }

  ensureStarted(): Promise<Started> {
    return (this.starting ??= this.start());
  }

  private async start(): Promise<Started> {
    const ctx = this.extension;
    // vscode-languageclient is most of the extension's code: it lives in its own bundle, loaded on first need,
    // so activation stays cheap (npm run bench:editor measures it).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a runtime path into dist/, not a module import
    const { createClient, recoverAfterRestart } = require(ctx.asAbsolutePath('dist/client.js')) as typeof ClientModule;
    const client = createClient(ctx, this.output, () => this.config.totalsStyle === 'codeLens');
    await client.start();
    this.flagsView.attach(client);
    const config = this.config;
    const decorations = new HeatDecorations(client, () => ({
      lineText: config.lineText,
      gutterBar: config.gutterBar,
      totalsStyle: config.totalsStyle,
      revealHottest: config.revealHottestLine,
    }));
    this.started = { client, decorations };
    ctx.subscriptions.push(
      client,
      decorations,
      decorations.onDidApply((a) => this.applied.fire(a)),
      onNotification(client, ProfileChangedNotification, (p) =>
        this.profileChanged(p.profile ?? undefined, p.baseline ?? undefined),
      ),
    );
    // A crashed server comes back empty: undraw its heat now, and give the new one the profile, baseline and toggles.
    ctx.subscriptions.push(
      recoverAfterRestart(client, this.output, {
        state: () => ({
          active: this.activeProfile?.source,
          baseline: this.baselineProfile?.source,
          flags: this.flagsView.serverFlags(),
          ...(this.filter ? { filter: this.filter } : {}),
        }),
        lost: () => {
          decorations.clear();
          void this.panel.refresh();
        },
      }),
    );
    return this.started;
  }

  private profileChanged(profile: ProfileSummary | undefined, base: ProfileSummary | undefined): void {
    const changedEvents =
      profile?.events.map((e) => e.name).join() !== this.activeProfile?.events.map((e) => e.name).join();
    const startedComparing = !!base && base.id !== this.baselineProfile?.id;
    this.activeProfile = profile;
    this.baselineProfile = base;
    this.incLanguage.recheck();
    this.disassembly.profileChanged();
    if (profile && changedEvents) this.heatMode = cycleMode(profile);
    if (profile && base && (startedComparing || this.heatMode.kind !== 'diff')) {
      const d = diffMode(profile, base);
      if (typeof d === 'string') void vscode.window.showWarningMessage(`Perf Heat: ${d}`);
      else if (startedComparing) this.heatMode = d;
    }
    if (!base && this.heatMode.kind === 'diff' && profile) this.heatMode = cycleMode(profile);
    if (startedComparing) this.output.appendLine(`comparing ${profile?.source} with baseline ${base?.source}`);
    const decorations = this.decorations!;
    decorations.mode = this.heatMode;
    void vscode.commands.executeCommand('setContext', 'perfHeat.comparing', !!base);
    this.showStatus();
    // Heat first: it is what the user waits for; the panel and the block totals follow.
    void decorations.refresh().then(() => Promise.all([this.panel.refresh(), this.flagsView.refresh()]));
  }

  private showStatus(): void {
    const p = this.activeProfile;
    this.status.show(
      p,
      p
        ? describeMode(
            this.heatMode,
            p.events.map((e) => e.name),
            this.baselineProfile,
          )
        : '',
    );
  }

  private settingsChanged(e: vscode.ConfigurationChangeEvent): void {
    const { config } = this;
    if (config.affects(e, 'profile') && config.profile) void this.loadReportingErrors(config.profile, true);
    if (config.affects(e, 'heat.lineText') || config.affects(e, 'totals.style')) void this.decorations?.applyAll();
    if (config.affects(e, 'heat.gutterBar')) void this.decorations?.rebuildPalettes();
  }

  /** `freshSettings`: the load follows a settings change, which the server may not have heard of yet. */
  async load(path: string, freshSettings = false): Promise<ProfileSummary> {
    const { client } = await this.ensureStarted();
    const output = this.output;
    const cancel = new vscode.CancellationTokenSource();
    const request = send(
      client,
      LoadProfileRequest,
      { path, ...(freshSettings ? { freshSettings } : {}) },
      cancel.token,
    );
    const title = `Perf Heat: loading ${vscode.workspace.asRelativePath(path)}`;
    const slow = setTimeout(() => {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        (_p, token) => {
          token.onCancellationRequested(() => cancel.cancel());
          return request.catch(() => undefined);
        },
      );
    }, PROGRESS_DELAY_MS);
    let summary: ProfileSummary;
    try {
      summary = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, () => request);
    } finally {
      clearTimeout(slow);
      cancel.dispose();
    }
    output.appendLine(
      `loaded ${summary.source} (${summary.format}) in ${formatMs(summary.loadMs)}: ${summary.events.map((e) => `${e.name} ${formatEventValue(e.total, e)}`).join(', ')}; ${summary.files.length} workspace files with heat`,
    );
    for (const b of summary.binaries)
      output.appendLine(`  binary ${b.recorded}: ${b.foundAt ? `found at ${b.foundAt}` : (b.note ?? 'not found')}`);
    for (const w of summary.warnings) output.appendLine(`  warning: ${w}`);
    const warnings = offerOutsideFiles(summary, this.extension.workspaceState);
    if (warnings.length) {
      void vscode.window
        .showWarningMessage(`Perf Heat: ${warnings[0]}`, 'Show Details')
        .then((a) => a && output.show(true));
    }
    return summary;
  }

  async loadReportingErrors(path: string, freshSettings = false): Promise<void> {
    try {
      await this.load(path, freshSettings);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      // -32800 (RequestCancelled): the user cancelled, or a later load, switch or Clear Heat superseded this one.
      if ((e as { code?: number }).code === -32800) return void this.output.info(message);
      this.output.error(message);
      void vscode.window
        .showErrorMessage(`Perf Heat could not load the profile: ${message}`, 'Show Output')
        .then((a) => a && this.output.show(true));
    }
  }

  api(): PerfHeatApi {
    return {
      loadProfile: (path) => this.load(path),
      addRecording: async (path) => addRecording((await this.ensureStarted()).client, path, this.output),
      activeProfile: () => this.activeProfile,
      appliedHeat: (uri) => this.decorations?.lastApplied(uri),
      onDidApplyHeat: this.applied.event,
      heatMode: () => this.heatMode,
      flags: {
        current: () => this.flagsView.current(),
        setFlag: (n, v) => this.flagsView.setFlag(n, v),
        refresh: () => this.flagsView.refresh(),
        onDidApply: this.flagsView.onDidApply,
        selectBuild: (id) => this.flagsView.selectBuild(id),
      },
      baselineProfile: () => this.baselineProfile,
      exportReport: async (out, statFiles) =>
        send((await this.ensureStarted()).client, ExportReportRequest, { output: out, statFiles }),
      onDidRefreshHotspots: this.panel.onDidRefresh,
      hotspotFunctions: () => this.panel.visibleFunctions(),
      lastDisassembly: () => this.disassembly.lastShown(),
      experiments: {
        run: (config, experiment) =>
          this.experiments.runExperiment(config || experiment ? { config, experiment } : undefined),
        abFlag: (arg) => this.experiments.abFlag(arg),
        confirmWith: (hook) => this.experiments.confirmWith(hook),
        forgetApprovals: () => this.experiments.forgetApprovals(),
      },
      callGraphRows: (name, direction) => this.panel.callGraphRows(name, direction),
      callGraphFunctions: () => this.panel.callGraphFunctions(),
    };
  }
}

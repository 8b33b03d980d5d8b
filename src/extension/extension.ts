/**
 * Perf Heat's extension entry: wires commands, the language client, the heat decorations, the hotspot panel and
 * the status bar. Every computation happens in the language server; this side only asks and draws.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { notify, onNotification, send } from './rpc';
import {
  ActivateProfileRequest,
  ClearProfileRequest,
  ExportReportRequest,
  ListProfilesRequest,
  LoadProfileRequest,
  ProfileChangedNotification,
  SetBaselineRequest,
  TrustChangedNotification,
  type FlagState,
  type Hotspots,
  type ProfileSummary,
} from '../protocol';
import type * as ClientModule from './client';
import { Config } from './config';
import { HeatDecorations, type AppliedHeat } from './heat-decorations';
import type { HeatMode } from './heat-values';
import { cycleMode, densityMode, describeMode, diffMode, missMode, pickHeatMode } from './heat-mode';
import { cycleEvent } from '../model/events';
import { HotspotPanel } from './hotspot-panel';
import { StatusItem } from './status-item';
import { FlagsView } from './flags-view';
import { activate as activateStatView } from './stat-view';

/** What activate() returns: used by the integration tests, and by other extensions that want the loaded profile. */
export interface PerfHeatApi {
  loadProfile(path: string): Promise<ProfileSummary>;
  activeProfile(): ProfileSummary | undefined;
  appliedHeat(uri: vscode.Uri): AppliedHeat | undefined;
  onDidApplyHeat: vscode.Event<AppliedHeat>;
  heatMode(): HeatMode;
  /** The Flags view: the active editor's flag state, and toggling with a wait for the redraw. */
  flags: { current(): FlagState | null; setFlag(name: string, value: string | null): Promise<FlagState | null>; refresh(): Promise<void> };
  baselineProfile(): ProfileSummary | undefined;
  /** What "Export Analysis Report" writes, without its dialogs. */
  exportReport(output: string, statFiles: string[]): Promise<{ output: string; bytes: number }>;
  onDidRefreshHotspots: vscode.Event<Hotspots | null>;
}

/** Loads shorter than this show only the status-bar spinner; longer ones get a notification with Cancel. */
const PROGRESS_DELAY_MS = 300;

export async function activate(ctx: vscode.ExtensionContext): Promise<PerfHeatApi> {
  const config = new Config();
  activateStatView(ctx);
  const output = vscode.window.createOutputChannel('Perf Heat', { log: true });
  const status = new StatusItem();
  ctx.subscriptions.push(output, status);
  let client: LanguageClient | undefined;
  let decorations: HeatDecorations | undefined;
  let active: ProfileSummary | undefined;
  let baseline: ProfileSummary | undefined;
  let mode: HeatMode = { kind: 'event', event: 0 };
  const applyEmitter = new vscode.EventEmitter<AppliedHeat>();
  ctx.subscriptions.push(applyEmitter);
  const flagsView = new FlagsView(
    () => client,
    () => (mode.kind === 'event' ? mode.event : mode.kind === 'density' ? mode.cycles : active ? cycleEvent(active.events.map((e) => e.name)) : 0),
  );
  ctx.subscriptions.push(flagsView);
  const panel = new HotspotPanel(
    () => (active ? client : undefined),
    () => (mode.kind === 'event' ? mode.event : mode.kind === 'density' ? mode.cycles : active ? cycleEvent(active.events.map((e) => e.name)) : 0),
    (uri) => loadReportingErrors(uri.fsPath),
    () => flagsView.current(),
  );
  ctx.subscriptions.push(flagsView.onDidApply(() => panel.blocksChanged()));
  ctx.subscriptions.push(panel);

  const setMode = async (next: HeatMode): Promise<void> => {
    mode = next;
    status.show(active, active ? describeMode(mode, active.events.map((e) => e.name), baseline) : '');
    await Promise.all([decorations?.setMode(mode), panel.refresh(), flagsView.refresh()]);
  };

  // The server starts on first need (a profile configured or loaded, or the Flags view opened), so opening a C
  // file in a workspace without either costs nothing.
  let starting: Promise<{ client: LanguageClient; decorations: HeatDecorations }> | undefined;
  const ensureStarted = (): Promise<{ client: LanguageClient; decorations: HeatDecorations }> =>
    (starting ??= (async () => {
      // vscode-languageclient is most of the extension's code: it lives in its own bundle, loaded on first need,
      // so activation stays cheap (npm run bench:editor measures it).
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a runtime path into dist/, not a module import
      const { createClient } = require(ctx.asAbsolutePath('dist/client.js')) as typeof ClientModule;
      client = createClient(ctx, output, () => config.totalsStyle === 'codeLens');
      await client.start();
      flagsView.attach(client);
      decorations = new HeatDecorations(client, () => ({ lineText: config.lineText, gutterBar: config.gutterBar, totalsStyle: config.totalsStyle }));
      ctx.subscriptions.push(client, decorations, decorations.onDidApply((a) => applyEmitter.fire(a)));
      ctx.subscriptions.push(
        onNotification(client, ProfileChangedNotification, ({ profile, baseline: base }) => {
          const changedEvents = profile?.events.map((e) => e.name).join() !== active?.events.map((e) => e.name).join();
          const startedComparing = !!base && base.id !== baseline?.id;
          active = profile ?? undefined;
          baseline = base ?? undefined;
          if (active && changedEvents) mode = cycleMode(active);
          if (active && baseline && (startedComparing || mode.kind !== 'diff')) {
            const d = diffMode(active, baseline);
            if (typeof d === 'string') void vscode.window.showWarningMessage(`Perf Heat: ${d}`);
            else if (startedComparing) mode = d;
          }
          if (!baseline && mode.kind === 'diff' && active) mode = cycleMode(active);
          if (startedComparing) output.appendLine(`comparing ${active?.source} with baseline ${baseline?.source}`);
          decorations!.mode = mode;
          void vscode.commands.executeCommand('setContext', 'perfHeat.comparing', !!baseline);
          status.show(active, active ? describeMode(mode, active.events.map((e) => e.name), baseline) : '');
          // Heat first: it is what the user waits for; the panel and the block totals follow.
          void decorations!.refresh().then(() => Promise.all([panel.refresh(), flagsView.refresh()]));
        }),
      );
      return { client, decorations };
    })());

  const load = async (path: string): Promise<ProfileSummary> => {
    const { client } = await ensureStarted();
    const cancel = new vscode.CancellationTokenSource();
    const request = send(client, LoadProfileRequest, { path }, cancel.token);
    const title = `Perf Heat: loading ${vscode.workspace.asRelativePath(path)}`;
    const slow = setTimeout(() => {
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_p, token) => {
        token.onCancellationRequested(() => cancel.cancel());
        return request.catch(() => undefined);
      });
    }, PROGRESS_DELAY_MS);
    let summary: ProfileSummary;
    try {
      summary = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, () => request);
    } finally {
      clearTimeout(slow);
      cancel.dispose();
    }
    output.appendLine(`loaded ${summary.source} (${summary.format}) in ${summary.loadMs} ms: ${summary.events.map((e) => `${e.name} ${e.total}`).join(', ')}; ${summary.files.length} workspace files with heat`);
    for (const b of summary.binaries) output.appendLine(`  binary ${b.recorded}: ${b.foundAt ? `found at ${b.foundAt}` : b.note ?? 'not found'}`);
    for (const w of summary.warnings) output.appendLine(`  warning: ${w}`);
    if (summary.warnings.length) {
      void vscode.window.showWarningMessage(`Perf Heat: ${summary.warnings[0]}`, 'Show Details').then((a) => a && output.show(true));
    }
    return summary;
  };

  const loadReportingErrors = async (path: string): Promise<void> => {
    try {
      await load(path);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      output.error(message);
      void vscode.window.showErrorMessage(`Perf Heat could not load the profile: ${message}`, 'Show Output').then((a) => a && output.show(true));
    }
  };

  const requireProfile = (): ProfileSummary | undefined => {
    if (!active) void vscode.window.showInformationMessage('Perf Heat: load a profile first (Perf Heat: Load Profile…).');
    return active;
  };
  const modeCommand = (make: (p: ProfileSummary) => HeatMode | string) => async () => {
    const p = requireProfile();
    if (!p) return;
    const m = make(p);
    if (typeof m === 'string') void vscode.window.showWarningMessage(`Perf Heat: ${m}`);
    else await setMode(m);
  };

  ctx.subscriptions.push(
    vscode.commands.registerCommand('perfHeat.loadProfile', async (uri?: vscode.Uri) => {
      const target =
        uri ??
        (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Load Profile', title: 'Perf Heat: Load Profile' }))?.[0];
      if (target) await loadReportingErrors(target.fsPath);
    }),
    vscode.commands.registerCommand('perfHeat.clearHeat', async () => {
      if (!client) return;
      await send(client, ClearProfileRequest);
      decorations?.clear();
    }),
    vscode.commands.registerCommand('perfHeat.toggleHeat', async () => {
      const { decorations } = await ensureStarted();
      await decorations.setEnabled(!decorations.enabled);
    }),
    vscode.commands.registerCommand('perfHeat.selectHeatMode', async () => {
      const p = requireProfile();
      const next = p && (await pickHeatMode(p, mode, baseline));
      if (next) await setMode(next);
    }),
    vscode.commands.registerCommand('perfHeat.compareWithBaseline', async (uri?: vscode.Uri) => {
      const p = requireProfile();
      if (!p || !client) return;
      let target: { id: number } | vscode.Uri | undefined = uri;
      if (!target) {
        const { profiles } = await send(client, ListProfilesRequest);
        type Item = vscode.QuickPickItem & { id?: number; browse?: true };
        const items: Item[] = [
          ...profiles.filter((x) => x.id !== p.id).map((x) => ({ label: `$(history) ${vscode.workspace.asRelativePath(x.source)}`, description: x.format, id: x.id })),
          { label: '$(folder-opened) Choose a profile file…', browse: true },
        ];
        const chosen = await vscode.window.showQuickPick(items, { title: `Perf Heat: compare ${vscode.workspace.asRelativePath(p.source)} with…`, placeHolder: 'the baseline (for example the A build of an A/B pair)' });
        if (!chosen) return;
        target = chosen.browse ? (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use as Baseline', title: 'Perf Heat: Baseline Profile' }))?.[0] : { id: chosen.id! };
      }
      if (!target) return;
      try {
        if (target instanceof vscode.Uri) await send(client, LoadProfileRequest, { path: target.fsPath, role: 'baseline' });
        else await send(client, SetBaselineRequest, { id: target.id });
      } catch (e) {
        output.error(`baseline: ${(e as Error).message}`);
        void vscode.window.showErrorMessage(`Perf Heat could not load the baseline: ${(e as Error).message}`);
      }
    }),
    vscode.commands.registerCommand('perfHeat.loadThisProfile', async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (target) await loadReportingErrors(target.fsPath);
    }),
    vscode.commands.registerCommand('perfHeat.stopComparing', () => client && send(client, SetBaselineRequest, { id: null })),
    vscode.commands.registerCommand('perfHeat.switchProfile', async () => {
      if (!client) return requireProfile();
      const { profiles, activeId } = await send(client, ListProfilesRequest);
      const chosen = await vscode.window.showQuickPick(
        profiles.map((x) => ({ label: `${x.id === activeId ? '$(check) ' : ''}${vscode.workspace.asRelativePath(x.source)}`, description: `${x.format} · ${x.events.map((e) => e.name).join(', ')}`, id: x.id })),
        { title: 'Perf Heat: Switch Profile' },
      );
      if (chosen) await send(client, ActivateProfileRequest, { id: chosen.id });
    }),
    vscode.commands.registerCommand('perfHeat.exportReport', async () => {
      if (!client) return requireProfile();
      const stats = await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Compare These perf stat Runs', title: 'Perf Heat: perf stat outputs for the report (Cancel: none)' });
      const root = vscode.workspace.workspaceFolders?.[0]?.uri;
      const target = await vscode.window.showSaveDialog({ title: 'Perf Heat: Export Analysis Report', filters: { Markdown: ['md'] }, defaultUri: root && vscode.Uri.joinPath(root, 'perf-analysis.md') });
      if (!target) return;
      try {
        const r = await send(client, ExportReportRequest, { output: target.fsPath, statFiles: (stats ?? []).map((u) => u.fsPath) });
        output.appendLine(`report written to ${r.output} (${r.bytes} bytes)`);
        await vscode.window.showTextDocument(target);
      } catch (e) {
        void vscode.window.showErrorMessage(`Perf Heat could not write the report: ${(e as Error).message}`);
      }
    }),
    vscode.commands.registerCommand('perfHeat.showCycleHeat', modeCommand(cycleMode)),
    vscode.commands.registerCommand('perfHeat.showCacheMissHeat', modeCommand(missMode)),
    vscode.commands.registerCommand('perfHeat.showMissDensity', modeCommand(densityMode)),
    vscode.commands.registerCommand('perfHeat.revealLine', async (uri: string, line: number) => {
      const editor = await vscode.window.showTextDocument(vscode.Uri.parse(uri), { preview: true });
      const pos = new vscode.Position(line, 0);
      editor.selection = new vscode.Selection(pos, pos);
      editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }),
    vscode.commands.registerCommand('perfHeat.filterHotspots', async () => {
      const text = await vscode.window.showInputBox({ title: 'Filter hotspots', prompt: 'Show functions and files whose name contains this text', value: panel.currentFilter });
      if (text !== undefined) await panel.setFilter(text);
    }),
    vscode.commands.registerCommand('perfHeat.clearHotspotFilter', () => panel.setFilter('')),
    vscode.commands.registerCommand('perfHeat.refreshHotspots', () => panel.refresh()),
    vscode.commands.registerCommand('perfHeat.showOutput', () => output.show()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => client && notify(client, TrustChangedNotification, { trusted: true })),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (config.affects(e, 'profile') && config.profile) void loadReportingErrors(config.profile);
      if (config.affects(e, 'heat.lineText') || config.affects(e, 'totals.style')) void decorations?.applyAll();
      if (config.affects(e, 'heat.gutterBar')) void decorations?.rebuildPalettes();
    }),
  );
  void vscode.commands.executeCommand('setContext', 'perfHeat.hasProfile', false);
  if (!vscode.workspace.isTrusted) {
    output.appendLine('Untrusted workspace: no external program (addr2line) runs; lines come from perf annotate -l suffixes and perf\'s printed srclines only.');
  }

  ctx.subscriptions.push(flagsView.onDidBecomeVisible((e) => e.visible && void ensureStarted()));

  const configured = config.profile;
  if (configured) void loadReportingErrors(configured);

  return {
    loadProfile: load,
    activeProfile: () => active,
    appliedHeat: (uri) => decorations?.lastApplied(uri),
    onDidApplyHeat: applyEmitter.event,
    heatMode: () => mode,
    flags: { current: () => flagsView.current(), setFlag: (n, v) => flagsView.setFlag(n, v), refresh: () => flagsView.refresh() },
    baselineProfile: () => baseline,
    exportReport: async (out, statFiles) => send((await ensureStarted()).client, ExportReportRequest, { output: out, statFiles }),
    onDidRefreshHotspots: panel.onDidRefresh,
  };
}

export function deactivate(): void {
  // Everything is in ctx.subscriptions; the client stops when disposed.
}

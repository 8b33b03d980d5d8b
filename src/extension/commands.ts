/**
 * Every `perfHeat.*` command, as a table of factories: each takes the session (`ctx`) and returns the handler.
 * activate() registers the whole table in one place; a feature adds its commands here, never in its own
 * constructor, so the table and package.json's `contributes.commands` can be compared (test/vscode/suite/1-heat).
 */
import * as vscode from 'vscode';
import {
  ActivateProfileRequest,
  ClearProfileRequest,
  ExportReportRequest,
  ListProfilesRequest,
  LoadProfileRequest,
  SetBaselineRequest,
  type HeatMode,
  type ProfileSummary,
} from '../protocol';
import { cycleMode, densityMode, missMode, pickHeatMode } from './heat-mode';
import type { FlagsNode } from './flags-view';
import { send } from './rpc';
import type { Session } from './session';
import { addRecordingCommand } from './add-recording';
import { pickStatFiles } from './pickers';
import { goToHottestLine } from './hottest-line';
import { formatCount } from '../model/format';
import type { AbArgument } from './experiment';
import { filterSamplesCommand } from './filter-command';

// Command arguments come from menus, keybindings and other extensions: each handler states what it accepts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (...args: any[]) => unknown;

export const COMMANDS: Record<string, (ctx: Session) => Handler> = {
  'perfHeat.loadProfile': (ctx) => async (uri?: vscode.Uri) => {
    const target =
      uri ??
      (
        await vscode.window.showOpenDialog({
          canSelectMany: false,
          openLabel: 'Load Profile',
          title: 'Perf Heat: Load Profile',
        })
      )?.[0];
    if (target) await ctx.loadReportingErrors(target.fsPath);
  },
  'perfHeat.loadThisProfile': (ctx) => async (uri?: vscode.Uri) => {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (target) await ctx.loadReportingErrors(target.fsPath);
  },
  'perfHeat.addRecording': (ctx) => addRecordingCommand(() => ctx.ensureStarted(), ctx.output),
  'perfHeat.filterSamples': (ctx) => filterSamplesCommand(ctx),
  'perfHeat.clearHeat': (ctx) => async () => {
    if (!ctx.client) return;
    await send(ctx.client, ClearProfileRequest);
    ctx.decorations?.clear();
  },
  'perfHeat.toggleHeat': (ctx) => async () => {
    const { decorations } = await ctx.ensureStarted();
    await decorations.setEnabled(!decorations.enabled);
  },
  'perfHeat.selectHeatMode': (ctx) => async () => {
    const p = ctx.requireProfile();
    const next = p && (await pickHeatMode(p, ctx.mode, ctx.baseline));
    if (next) await ctx.setMode(next);
  },
  'perfHeat.showCycleHeat': (ctx) => modeCommand(ctx, cycleMode),
  'perfHeat.showCacheMissHeat': (ctx) => modeCommand(ctx, missMode),
  'perfHeat.showMissDensity': (ctx) => modeCommand(ctx, densityMode),
  'perfHeat.compareWithBaseline': (ctx) => (uri?: vscode.Uri) => compareWithBaseline(ctx, uri),
  'perfHeat.stopComparing': (ctx) => () => ctx.client && send(ctx.client, SetBaselineRequest, { id: null }),
  'perfHeat.switchProfile': (ctx) => async () => {
    const client = ctx.client;
    if (!client) return ctx.requireProfile();
    const { profiles, activeId } = await send(client, ListProfilesRequest);
    const chosen = await vscode.window.showQuickPick(
      profiles.map((x) => ({
        label: `${x.id === activeId ? '$(check) ' : ''}${vscode.workspace.asRelativePath(x.source)}`,
        description: `${x.format} · ${x.events.map((e) => e.name).join(', ')}`,
        id: x.id,
      })),
      { title: 'Perf Heat: Switch Profile' },
    );
    if (chosen) await send(client, ActivateProfileRequest, { id: chosen.id });
  },
  'perfHeat.exportReport': (ctx) => () => exportReport(ctx),
  'perfHeat.revealLine': () => async (uri: string, line: number) => {
    const editor = await vscode.window.showTextDocument(vscode.Uri.parse(uri), { preview: true });
    const pos = new vscode.Position(line, 0);
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  },
  'perfHeat.filterHotspots': (ctx) => async () => {
    const text = await vscode.window.showInputBox({
      title: 'Filter hotspots',
      prompt: 'Show functions and files whose name contains this text',
      value: ctx.panel.currentFilter,
    });
    if (text !== undefined) await ctx.panel.setFilter(text);
  },
  'perfHeat.clearHotspotFilter': (ctx) => () => ctx.panel.setFilter(''),
  'perfHeat.refreshHotspots': (ctx) => () => ctx.panel.refresh(),
  'perfHeat.hideKernelRows': (ctx) => () => ctx.panel.toggleKernelRows(true),
  'perfHeat.showKernelRows': (ctx) => () => ctx.panel.toggleKernelRows(false),
  'perfHeat.goToHottestLine': (ctx) => () => goToHottestLine(ctx.decorations, ctx.panel),
  // From the editor (cursor, code action, hover link: a source line), a Functions row of the panel, or by name.
  'perfHeat.showDisassembly': (ctx) => (target?: { uri: string; line: number } | { function: string; dso?: string }) =>
    ctx.disassembly.show(ctx.panel.functionOf(target) ?? target),
  'perfHeat.goToSource': (ctx) => () => ctx.disassembly.goToSource(),
  'perfHeat.showOutput': (ctx) => () => ctx.output.show(),
  'perfHeat.toggleFlag': (ctx) => (node?: FlagsNode) => ctx.flagsView.toggle(node),
  'perfHeat.resetFlag': (ctx) => (node?: FlagsNode) => node?.kind === 'flag' && ctx.flagsView.set(node.flag.name, null),
  'perfHeat.selectBuild': (ctx) => () => ctx.flagsView.pickPreset(),
  'perfHeat.runExperiment': (ctx) => (arg?: vscode.Uri | { config?: string; experiment?: string }) =>
    ctx.experiments.runExperiment(arg),
  // From the Flags view's context menu: the row; from code: { flag, value? }.
  'perfHeat.abFlag': (ctx) => (arg?: AbArgument) => ctx.experiments.abFlag(arg),
  // From the explorer: (clicked, all selected); from code: (uris[]) or (uri); from the palette: nothing.
  'perfHeat.compareStat': (ctx) => async (first?: vscode.Uri | vscode.Uri[], selected?: vscode.Uri[]) => {
    let uris =
      Array.isArray(selected) && selected.length
        ? selected
        : Array.isArray(first)
          ? first
          : first instanceof vscode.Uri
            ? [first]
            : undefined;
    // Several at once from the workspace's stat files: code-server's file dialog takes one file at a time.
    uris ??= await ctx.statModule.pickRuns();
    if (!uris?.length) return undefined;
    try {
      return await ctx.stat.open(uris);
    } catch (e) {
      void vscode.window.showErrorMessage(`Perf Heat could not compare the perf stat runs: ${(e as Error).message}`);
      return undefined;
    }
  },
};

export function registerCommands(ctx: Session): void {
  for (const [id, make] of Object.entries(COMMANDS))
    ctx.extension.subscriptions.push(vscode.commands.registerCommand(id, make(ctx)));
}

function modeCommand(ctx: Session, make: (p: ProfileSummary) => HeatMode | string): Handler {
  return async () => {
    const p = ctx.requireProfile();
    if (!p) return;
    const m = make(p);
    if (typeof m === 'string') void vscode.window.showWarningMessage(`Perf Heat: ${m}`);
    else await ctx.setMode(m);
  };
}

async function compareWithBaseline(ctx: Session, uri?: vscode.Uri): Promise<void> {
  const p = ctx.requireProfile();
  const client = ctx.client;
  if (!p || !client) return;
  let target: { id: number } | vscode.Uri | undefined = uri;
  if (!target) {
    const { profiles } = await send(client, ListProfilesRequest);
    type Item = vscode.QuickPickItem & { id?: number; browse?: true };
    const items: Item[] = [
      ...profiles
        .filter((x) => x.id !== p.id)
        .map((x) => ({
          label: `$(history) ${vscode.workspace.asRelativePath(x.source)}`,
          description: x.format,
          id: x.id,
        })),
      { label: '$(folder-opened) Choose a profile file…', browse: true },
    ];
    const chosen = await vscode.window.showQuickPick(items, {
      title: `Perf Heat: compare ${vscode.workspace.asRelativePath(p.source)} with…`,
      placeHolder: 'the baseline (for example the A build of an A/B pair)',
    });
    if (!chosen) return;
    target = chosen.browse
      ? (
          await vscode.window.showOpenDialog({
            canSelectMany: false,
            openLabel: 'Use as Baseline',
            title: 'Perf Heat: Baseline Profile',
          })
        )?.[0]
      : { id: chosen.id! };
  }
  if (!target) return;
  try {
    if (target instanceof vscode.Uri) await send(client, LoadProfileRequest, { path: target.fsPath, role: 'baseline' });
    else await send(client, SetBaselineRequest, { id: target.id });
  } catch (e) {
    ctx.output.error(`baseline: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(`Perf Heat could not load the baseline: ${(e as Error).message}`);
  }
}

async function exportReport(ctx: Session): Promise<void> {
  const client = ctx.client;
  if (!client) return void ctx.requireProfile();
  const stats = await pickStatFiles({
    title: 'Perf Heat: Export Analysis Report (1/2)',
    placeholder: 'perf stat runs for the report, or none (OK)',
    allowNone: true,
  });
  if (!stats) return;
  // Saved in the workspace folder by default (the last folder a dialog used may be anywhere, src/ say).
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = `perf-analysis-${(ctx.active?.source.split('/').pop() ?? 'profile').replace(/[^\w.-]+/g, '_')}.md`;
  const target = await vscode.window.showSaveDialog({
    title: 'Perf Heat: Export Analysis Report (2/2): save the Markdown report as',
    saveLabel: 'Export Report',
    filters: { Markdown: ['md'] },
    defaultUri: root && vscode.Uri.joinPath(root, name),
  });
  if (!target) return;
  try {
    const r = await send(client, ExportReportRequest, { output: target.fsPath, statFiles: stats.map((u) => u.fsPath) });
    ctx.output.appendLine(`report written to ${r.output} (${formatCount(r.bytes)} bytes)`);
    await vscode.window.showTextDocument(target);
  } catch (e) {
    void vscode.window.showErrorMessage(`Perf Heat could not write the report: ${(e as Error).message}`);
  }
}

/**
 * Perf Heat's extension entry: wires commands, the language client and the heat decorations. Every computation
 * happens in the language server; this side only asks and draws.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ClearProfileRequest, LoadProfileRequest, ProfileChangedNotification, TrustChangedNotification, type ProfileSummary } from '../protocol';
import { createClient } from './client';
import { Config } from './config';
import { HeatDecorations, type AppliedHeat } from './heat-decorations';
import { StatusItem } from './status-item';

/** What activate() returns: used by the integration tests, and by other extensions that want the loaded profile. */
export interface PerfHeatApi {
  loadProfile(path: string): Promise<ProfileSummary>;
  activeProfile(): ProfileSummary | undefined;
  appliedHeat(uri: vscode.Uri): AppliedHeat | undefined;
  onDidApplyHeat: vscode.Event<AppliedHeat>;
}

export async function activate(ctx: vscode.ExtensionContext): Promise<PerfHeatApi> {
  const config = new Config();
  const output = vscode.window.createOutputChannel('Perf Heat', { log: true });
  const status = new StatusItem();
  ctx.subscriptions.push(output, status);
  let client: LanguageClient | undefined;
  let decorations: HeatDecorations | undefined;
  let active: ProfileSummary | undefined;
  const applyEmitter = new vscode.EventEmitter<AppliedHeat>();
  ctx.subscriptions.push(applyEmitter);

  // The server starts on first need, so opening a C file in a workspace without a profile costs nothing.
  let starting: Promise<{ client: LanguageClient; decorations: HeatDecorations }> | undefined;
  const ensureStarted = (): Promise<{ client: LanguageClient; decorations: HeatDecorations }> =>
    (starting ??= (async () => {
      client = createClient(ctx, output);
      await client.start();
      decorations = new HeatDecorations(client, () => config.showLineText);
      ctx.subscriptions.push(client, decorations, decorations.onDidApply((a) => applyEmitter.fire(a)));
      ctx.subscriptions.push(
        client.onNotification(ProfileChangedNotification, ({ profile }) => {
          active = profile ?? undefined;
          status.show(active);
          decorations!.refresh();
        }),
      );
      return { client, decorations };
    })());

  const load = async (path: string): Promise<ProfileSummary> => {
    const { client } = await ensureStarted();
    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Perf Heat: loading ${vscode.workspace.asRelativePath(path)}`, cancellable: true },
      (_progress, token) => client.sendRequest(LoadProfileRequest, { path }, token),
    );
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

  ctx.subscriptions.push(
    vscode.commands.registerCommand('perfHeat.loadProfile', async (uri?: vscode.Uri) => {
      const target =
        uri ??
        (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Load Profile', title: 'Perf Heat: Load Profile' }))?.[0];
      if (target) await loadReportingErrors(target.fsPath);
    }),
    vscode.commands.registerCommand('perfHeat.clearHeat', async () => {
      if (!client) return;
      await client.sendRequest(ClearProfileRequest);
      decorations?.clear();
    }),
    vscode.commands.registerCommand('perfHeat.toggleHeat', async () => {
      const { decorations } = await ensureStarted();
      await decorations.setEnabled(!decorations.enabled);
    }),
    vscode.commands.registerCommand('perfHeat.showOutput', () => output.show()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => client?.sendNotification(TrustChangedNotification, { trusted: true })),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (config.affects(e, 'profile') && config.profile) void loadReportingErrors(config.profile);
      if (config.affects(e, 'heat.showLineText')) void decorations?.applyAll();
    }),
  );

  const configured = config.profile;
  if (configured) void loadReportingErrors(configured);

  return {
    loadProfile: load,
    activeProfile: () => active,
    appliedHeat: (uri) => decorations?.lastApplied(uri),
    onDidApplyHeat: applyEmitter.event,
  };
}

export function deactivate(): void {
  // Everything is in ctx.subscriptions; the client stops when disposed.
}

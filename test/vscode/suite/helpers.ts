/**
 * What every suite file inside VS Code shares: the extension's API, the demo workspace, waiting for heat and
 * hotspots without sleeping blindly, hover text, and `freshState`, which each file runs first so that it depends
 * on no other file having run before it, or in any order (PERF_HEAT_TEST_ORDER=reverse runs the files backwards).
 * Not a test file itself (index.ts loads only *.test.js).
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PerfHeatApi } from '../../../src/extension/extension';
import type { AppliedHeat } from '../../../src/extension/heat-decorations';
import type { Hotspots } from '../../../src/protocol';

export const EXTENSION_ID = 'perf-heat.perf-heat';

export function workspaceRoot(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the demo workspace is open');
  return f.uri.fsPath;
}

export async function api(): Promise<PerfHeatApi> {
  const ext = vscode.extensions.getExtension<PerfHeatApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  return ext.isActive ? ext.exports : await ext.activate();
}

/** The next event that `accept`s, or an error naming `what` after `ms`. */
export function next<T>(event: vscode.Event<T>, accept: (t: T) => boolean, what: string, ms = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (sub.dispose(), reject(new Error(`timed out waiting for ${what}`))), ms);
    const sub = event((t) => {
      if (accept(t)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(t);
      }
    });
  });
}

/** The heat drawn on `uri` once it satisfies `accept` (now, or when it is next drawn). */
export async function heatWhere(
  a: PerfHeatApi,
  uri: vscode.Uri,
  accept: (h: AppliedHeat) => boolean,
  what: string,
  ms = 30_000,
): Promise<AppliedHeat> {
  const now = a.appliedHeat(uri);
  if (now && accept(now)) return now;
  return next(a.onDidApplyHeat, (h) => h.uri === uri.toString() && accept(h), what, ms).catch((e: Error) => {
    throw new Error(`${e.message} on ${uri.fsPath} (active profile: ${a.activeProfile()?.source ?? 'none'})`);
  });
}

/** Heat drawn on `uri` from the active profile (not what an earlier profile left drawn). */
export function heatOn(a: PerfHeatApi, uri: vscode.Uri): Promise<AppliedHeat> {
  return heatWhere(
    a,
    uri,
    (h) => h.lines.length > 0 && h.profileId === a.activeProfile()?.id,
    'heat of the active profile',
  );
}

/** Loads a profile of the demo workspace (path relative to it) and waits for the hotspot panel to show it. */
export async function loadAndWait(a: PerfHeatApi, rel: string): Promise<Hotspots> {
  const refreshed = next(
    a.onDidRefreshHotspots,
    (h) => !!h && (a.activeProfile()?.source.endsWith(rel) ?? false),
    `hotspots of ${rel}`,
  );
  await a.loadProfile(join(workspaceRoot(), rel));
  return (await refreshed)!;
}

/** The workspace's configured profile (`perfHeat.profile`, what loads on activation), loaded unless it is active. */
export async function configuredProfile(a: PerfHeatApi): Promise<string> {
  const rel = vscode.workspace.getConfiguration('perfHeat').get<string>('profile');
  assert.ok(rel, 'the demo workspace configures perfHeat.profile');
  if (!a.activeProfile()?.source.endsWith(rel) || a.baselineProfile()) {
    if (a.baselineProfile()) await vscode.commands.executeCommand('perfHeat.stopComparing');
    await a.loadProfile(join(workspaceRoot(), rel));
  }
  return rel;
}

/** The hover's Markdown at a position, as the rendered hover reads (Markdown escapes removed) unless `raw`. */
export async function hoverText(uri: vscode.Uri, position: vscode.Position, raw = false): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
  const markdown = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
  return raw ? markdown : markdown.replace(/\\(.)/g, '$1');
}

/**
 * Undoes what any suite file may leave behind: comparing with a baseline, a heat mode other than cycles, flag
 * toggles, a changed line-text setting, unsaved edits. Each file calls it in `suiteSetup`; it loads no profile
 * (each test loads the one it needs) and activates nothing (before activation there is nothing to undo).
 */
export async function freshState(): Promise<void> {
  const ext = vscode.extensions.getExtension<PerfHeatApi>(EXTENSION_ID);
  if (!ext?.isActive) return;
  const a = ext.exports;
  if (a.baselineProfile()) await vscode.commands.executeCommand('perfHeat.stopComparing');
  const mode = a.heatMode();
  if (a.activeProfile() && !(mode.kind === 'event' && mode.event === 0))
    await vscode.commands.executeCommand('perfHeat.showCycleHeat');
  for (const f of a.flags.current()?.flags ?? []) if (f.overridden) await a.flags.setFlag(f.name, null);
  const cfg = vscode.workspace.getConfiguration('perfHeat');
  if (cfg.inspect('heat.lineText')?.globalValue !== undefined)
    await cfg.update('heat.lineText', undefined, vscode.ConfigurationTarget.Global);
  for (const d of vscode.workspace.textDocuments) {
    if (!d.isDirty || d.uri.scheme !== 'file') continue;
    await vscode.window.showTextDocument(d);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
}

/**
 * "Perf Heat: Add Recording to Profile…": another recording of the active profile's build (a cache-misses recording
 * beside a cycles one) joins the active profile on the server (perfHeat/addRecording), so cache-miss heat and miss
 * density work across both. The server refuses recordings of another build or with an event already loaded; the
 * reason is shown as it is.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { AddRecordingRequest, type ProfileSummary } from '../protocol';
import { send } from './rpc';
import { formatEventValue } from '../model/format';

export async function addRecording(
  client: LanguageClient,
  path: string,
  output: vscode.LogOutputChannel,
): Promise<ProfileSummary> {
  const summary = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Perf Heat: adding ${vscode.workspace.asRelativePath(path)}` },
    () => send(client, AddRecordingRequest, { path }),
  );
  output.appendLine(
    `added ${path}: the profile is now ${(summary.recordings ?? [summary.source]).join(' + ')} with ${summary.events.map((e) => `${e.name} ${formatEventValue(e.total, e)}`).join(', ')}`,
  );
  for (const w of summary.warnings) output.appendLine(`  warning: ${w}`);
  return summary;
}

/** The command: a file from the Explorer's context menu or a dialog; errors shown with the server's reason. */
export function addRecordingCommand(start: () => Promise<{ client: LanguageClient }>, output: vscode.LogOutputChannel) {
  return async (uri?: vscode.Uri): Promise<void> => {
    const target =
      uri ??
      (
        await vscode.window.showOpenDialog({
          canSelectMany: false,
          openLabel: 'Add to Profile',
          title: 'Perf Heat: Add Recording to Profile (another event of the same build)',
        })
      )?.[0];
    if (!target) return;
    try {
      await addRecording((await start()).client, target.fsPath, output);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      output.error(message);
      void vscode.window
        .showErrorMessage(`Perf Heat could not add the recording: ${message}`, 'Show Output')
        .then((a) => a && output.show(true));
    }
  };
}

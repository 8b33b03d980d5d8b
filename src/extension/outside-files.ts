/**
 * Sampled source files that live outside the workspace (a benchmark driver, a library checked out beside it):
 * said once per profile, in one message, with an offer to open the file — instead of a warning on every load
 * that suggests the file moved.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { ProfileSummary } from '../protocol';
import { formatShare } from '../model/format';

/** Below this share of the first event a file outside the workspace is not worth a message (the server's cut). */
const MIN_SHARE = 1;
const SHOWN_KEY = 'perfHeat.outsideFilesShown';

/**
 * Shows the message for this profile's outside files (unless already shown for this profile file) and returns the
 * profile's other warnings, for the caller to show as before.
 */
export function offerOutsideFiles(summary: ProfileSummary, state: vscode.Memento): string[] {
  const outside = summary.unmapped.filter((u) => u.reason === 'missing' && u.share >= MIN_SHARE);
  const rest = summary.warnings.filter((w) => !outside.some((u) => w.startsWith(`${u.recorded} (`)));
  if (outside.length === 0) return rest;
  const shown = state.get<string[]>(SHOWN_KEY, []);
  if (shown.includes(summary.source)) return rest;
  void state.update(SHOWN_KEY, [...shown.filter((s) => s !== summary.source), summary.source].slice(-50));
  const first = outside[0];
  const onDisk = isAbsolute(first.recorded) && existsSync(first.recorded);
  const name = (p: string): string => p.split('/').pop() ?? p;
  const more =
    outside.length > 1
      ? ` (and ${outside.length - 1} more: ${outside
          .slice(1, 4)
          .map((u) => `${name(u.recorded)} ${formatShare(u.share)}`)
          .join(', ')}${outside.length > 4 ? ', …' : ''})`
      : '';
  const where = onDisk
    ? ` at ${first.recorded}`
    : isAbsolute(first.recorded)
      ? ` (recorded as ${first.recorded}, not on this machine)`
      : '';
  const message = `Perf Heat: ${name(first.recorded)} (${formatShare(first.share)} of ${summary.events[0]?.name ?? 'the samples'}) lives outside the workspace${where}, so its lines get no heat here${more}. If the workspace has a copy of it under another path, add a perfHeat.pathRemaps entry.`;
  void vscode.window.showInformationMessage(message, ...(onDisk ? ['Open File'] : [])).then(async (a) => {
    if (a === 'Open File') await vscode.window.showTextDocument(vscode.Uri.file(first.recorded), { preview: true });
  });
  return rest;
}

/**
 * The status bar: the active profile and what the heat shows (a click switches event or mode), and, for the
 * active editor, where its heat is — the hottest line and its label (a click goes there).
 */
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { ProfileSummary } from '../protocol';
import { formatEventValue } from '../model/format';

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('perfHeat.status', vscode.StatusBarAlignment.Left, 10);
  private readonly hottest = vscode.window.createStatusBarItem('perfHeat.hottest', vscode.StatusBarAlignment.Left, 9);

  constructor() {
    this.item.name = 'Perf Heat';
    this.item.command = 'perfHeat.selectHeatMode';
    this.hottest.name = 'Perf Heat: Hottest Line';
    this.hottest.command = 'perfHeat.goToHottestLine';
  }

  show(profile: ProfileSummary | undefined, mode = ''): void {
    if (!profile) {
      this.item.hide();
      this.hottest.hide();
      return;
    }
    this.item.text = `$(flame) ${basename(profile.source)} · ${mode || profile.events[0]?.name || ''}${profile.filter ? ` · $(filter) ${profile.filter}` : ''}`;
    this.item.tooltip = `Perf Heat: ${profile.source}\n${profile.format}, ${profile.events.map((e) => `${e.name} ${formatEventValue(e.total, e)}`).join(', ')}\n${profile.files.length} workspace files with heat${profile.filter ? `\nSamples filtered: ${profile.filter} (Perf Heat: Filter Samples… to change)` : ''}\nClick to choose what the heat shows`;
    this.item.show();
  }

  /**
   * The active editor's hottest line (0-based) and its label, or nothing when the file has no heat; `what` names
   * it for the mode (hottest, densest, largest change).
   */
  showHottest(hot: { line: number; text: string } | undefined, what = 'hottest'): void {
    if (!hot) {
      this.hottest.hide();
      return;
    }
    this.hottest.text = `$(arrow-right) ${what}: line ${hot.line + 1} · ${hot.text}`;
    this.hottest.tooltip = `Perf Heat: the ${what} line of this file is ${hot.line + 1} (${hot.text}). Click to go there (Perf Heat: Go to Hottest Line).`;
    this.hottest.show();
  }

  dispose(): void {
    this.item.dispose();
    this.hottest.dispose();
  }
}

/** The status-bar item naming the active profile and its first event; a click shows the output with details. */
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { ProfileSummary } from '../protocol';

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('perfHeat.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'Perf Heat';
    this.item.command = 'perfHeat.showOutput';
  }

  show(profile: ProfileSummary | undefined): void {
    if (!profile) {
      this.item.hide();
      return;
    }
    this.item.text = `$(flame) ${basename(profile.source)} · ${profile.events[0]?.name ?? ''}`;
    this.item.tooltip = `Perf Heat: ${profile.source}\n${profile.format}, ${profile.events.map((e) => `${e.name} ${e.total.toLocaleString('en-US')} ${e.unit}`).join(', ')}\n${profile.files.length} workspace files with heat`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

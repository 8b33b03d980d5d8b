/** The status-bar item naming the active profile and what the heat shows; a click switches event or mode. */
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { ProfileSummary } from '../protocol';

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('perfHeat.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'Perf Heat';
    this.item.command = 'perfHeat.selectHeatMode';
  }

  show(profile: ProfileSummary | undefined, mode = ''): void {
    if (!profile) {
      this.item.hide();
      return;
    }
    this.item.text = `$(flame) ${basename(profile.source)} · ${mode || profile.events[0]?.name || ''}`;
    this.item.tooltip = `Perf Heat: ${profile.source}\n${profile.format}, ${profile.events.map((e) => `${e.name} ${e.total.toLocaleString('en-US')} ${e.unit}`).join(', ')}\n${profile.files.length} workspace files with heat\nClick to choose what the heat shows`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

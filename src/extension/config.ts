/**
 * Every `perfHeat.*` setting, read through one typed accessor over the list in settings.ts.
 */
import * as vscode from 'vscode';
import { SETTINGS, type SettingName } from './settings';

export class Config {
  /** Resource-scoped settings are read for the first workspace folder, the one the profile path is relative to. */
  private get section(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('perfHeat', vscode.workspace.workspaceFolders?.[0]?.uri ?? null);
  }

  private read<K extends SettingName>(name: K): (typeof SETTINGS)[K]['default'] {
    return this.section.get(name, SETTINGS[name].default) as (typeof SETTINGS)[K]['default'];
  }

  /** The profile to load at start, absolute or relative to the first workspace folder. */
  get profile(): string | undefined {
    const p = this.read('profile').trim();
    if (!p) return undefined;
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    return p.startsWith('/') || !root ? p : vscode.Uri.joinPath(root, p).fsPath;
  }

  /** What is written after a heated line: its share of the profile, of its function, its count, or nothing. */
  get lineText(): 'share' | 'shareOfFunction' | 'count' | 'none' {
    return this.read('heat.lineText');
  }

  get gutterBar(): boolean {
    return this.read('heat.gutterBar');
  }

  /** Function totals after the name (text), as code lenses above it, or not at all. */
  get totalsStyle(): 'text' | 'codeLens' | 'none' {
    return this.read('totals.style');
  }

  affects(e: vscode.ConfigurationChangeEvent, name: SettingName): boolean {
    return e.affectsConfiguration(`perfHeat.${name}`);
  }
}

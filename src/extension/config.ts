/**
 * Every `perfHeat.*` setting, read through one typed accessor. test/node/settings-schema.test.ts checks this list
 * against the schema in package.json, so neither can drift.
 */
import * as vscode from 'vscode';

export const SETTINGS = {
  profile: { default: '', restart: false },
  binaryPaths: { default: [] as string[], restart: false },
  pathRemaps: { default: {} as Record<string, string>, restart: false },
  addr2linePath: { default: '', restart: false },
  'heat.showLineText': { default: true, restart: false },
} as const;

export type SettingName = keyof typeof SETTINGS;

export class Config {
  private get section(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('perfHeat');
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

  get showLineText(): boolean {
    return this.read('heat.showLineText');
  }

  affects(e: vscode.ConfigurationChangeEvent, name: SettingName): boolean {
    return e.affectsConfiguration(`perfHeat.${name}`);
  }
}

/**
 * Every `perfHeat.*` setting, typed by the schema in src/settings.ts that the server reads too.
 */
import * as vscode from 'vscode';
import { readSettings, type SettingName, type Settings } from '../settings';

export class Config {
  /** Each wrong value is reported once, not on every read (the decorations read settings on every draw). */
  private readonly reported = new Set<string>();

  constructor(private readonly problem: (message: string) => void = () => undefined) {}

  /** Resource-scoped settings are read for the first workspace folder, the one the profile path is relative to. */
  private get all(): Settings {
    const section = vscode.workspace.getConfiguration('perfHeat', vscode.workspace.workspaceFolders?.[0]?.uri ?? null);
    return readSettings(
      (name) => section.get(name),
      (m) => {
        if (this.reported.has(m)) return;
        this.reported.add(m);
        this.problem(m);
      },
    );
  }

  /** The profile to load at start, absolute or relative to the first workspace folder. */
  get profile(): string | undefined {
    const p = this.all.profile.trim();
    if (!p) return undefined;
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    return p.startsWith('/') || !root ? p : vscode.Uri.joinPath(root, p).fsPath;
  }

  /** What is written after a heated line: its share of the profile, of its function, its count, or nothing. */
  get lineText(): Settings['heat.lineText'] {
    return this.all['heat.lineText'];
  }

  /** Take the editor to a file's hottest line on its first open. */
  get revealHottestLine(): boolean {
    return this.all['heat.revealHottestLine'];
  }

  get gutterBar(): boolean {
    return this.all['heat.gutterBar'];
  }

  /** Function totals after the name (text), as code lenses above it, or not at all. */
  get totalsStyle(): Settings['totals.style'] {
    return this.all['totals.style'];
  }

  affects(e: vscode.ConfigurationChangeEvent, name: SettingName): boolean {
    return e.affectsConfiguration(`perfHeat.${name}`);
  }
}

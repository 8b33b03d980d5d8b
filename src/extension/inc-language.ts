/**
 * `.inc` files open as C when they are C: when a C file of the workspace `#include`s them, or the loaded profile
 * names them. Without this, VS Code opens them as Plain Text, so there is no dimming, no block totals, and the Flags
 * view says "Open a C file". `*.inc` is never claimed globally: Pascal, PHP and assemblers use the extension too,
 * and a language the user (or another extension) chose is left alone — only Plain Text is changed.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';

export class IncLanguage implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  /** Basenames included by some C file of the workspace, found by one scan (refreshed when a C file is saved). */
  private included: Promise<Set<string>> | undefined;

  constructor(
    private readonly profileFiles: () => readonly string[],
    private readonly log: (s: string) => void,
  ) {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => void this.check(d)),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (d.languageId === 'c' || d.languageId === 'cpp') this.included = undefined;
      }),
    );
    this.recheck();
  }

  /** Looks again at every open `.inc` (the profile changed, so it may name them now). */
  recheck(): void {
    for (const d of vscode.workspace.textDocuments) void this.check(d);
  }

  private async check(doc: vscode.TextDocument): Promise<void> {
    if (doc.uri.scheme !== 'file' || !/\.inc$/i.test(doc.uri.fsPath) || doc.languageId !== 'plaintext') return;
    const path = doc.uri.fsPath;
    let why: string | undefined;
    if (this.profileFiles().includes(path)) why = 'the profile names it';
    else if ((await this.includedNames()).has(basename(path))) why = 'a C file of the workspace includes it';
    if (!why || doc.isClosed || doc.languageId !== 'plaintext') return;
    await vscode.languages.setTextDocumentLanguage(doc, 'c');
    this.log(`Opened ${vscode.workspace.asRelativePath(doc.uri)} as C: ${why}.`);
  }

  private includedNames(): Promise<Set<string>> {
    this.included ??= (async () => {
      const names = new Set<string>();
      const files = await vscode.workspace.findFiles('**/*.{c,h,cc,cpp,inc}', '**/{node_modules,.git}/**', 5000);
      for (const f of files) {
        let text: string;
        try {
          text = await readFile(f.fsPath, 'utf8');
        } catch {
          continue; // unreadable: it includes nothing we can see
        }
        for (const m of text.matchAll(/^[ \t]*#[ \t]*include[ \t]*["<]([^">\n]+\.inc)[">]/gim))
          names.add(basename(m[1]));
      }
      return names;
    })();
    return this.included;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * Where the heat is: "Perf Heat: Go to Hottest Line" (the active file's hottest line in the current mode, or,
 * from a file without heat, the profile's hottest workspace line), and the status-bar hint that names the active
 * file's hottest line. The first open of a file with heat goes there too (heat-decorations.ts).
 */
import * as vscode from 'vscode';
import type { AppliedHeat, HeatDecorations } from './heat-decorations';
import type { HotspotPanel } from './hotspot-panel';
import type { StatusItem } from './status-item';

/** Keeps the status-bar hint on the active editor's hottest line. */
export function hottestLineHint(
  decorations: () => HeatDecorations | undefined,
  status: StatusItem,
  onDidApply: vscode.Event<AppliedHeat>,
): vscode.Disposable {
  const hint = (): void => {
    const editor = vscode.window.activeTextEditor;
    const applied = editor && decorations()?.lastApplied(editor.document.uri);
    status.showHottest(
      applied?.hottest,
      applied?.mode.kind === 'diff' ? 'largest change' : applied?.mode.kind === 'density' ? 'densest' : 'hottest',
    );
  };
  return vscode.Disposable.from(
    onDidApply((a) => a.uri === vscode.window.activeTextEditor?.document.uri.toString() && hint()),
    vscode.window.onDidChangeActiveTextEditor(hint),
  );
}

export async function goToHottestLine(decorations: HeatDecorations | undefined, panel: HotspotPanel): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const here = editor && decorations?.lastApplied(editor.document.uri)?.hottest;
  if (editor && here) return reveal(editor, here.line);
  const top = panel.hottestLine();
  if (!top?.uri) {
    void vscode.window.showInformationMessage(
      'Perf Heat: no workspace file has heat (load a profile first: Perf Heat: Load Profile…).',
    );
    return;
  }
  reveal(await vscode.window.showTextDocument(vscode.Uri.parse(top.uri)), top.line);
}

function reveal(editor: vscode.TextEditor, line: number): void {
  const pos = new vscode.Position(line, 0);
  editor.selection = new vscode.Selection(pos, pos);
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

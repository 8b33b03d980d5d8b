/**
 * Choosing files without leaving VS Code's own picker: the workspace's perf stat outputs in one multi-select quick
 * pick (code-server's file dialog takes one file at a time), with a button for files elsewhere.
 */
import * as vscode from 'vscode';
import { open } from 'node:fs/promises';
import { looksLikePerfStat } from '../parsers/perf-stat';

/** Where perf stat output is usually kept; every candidate is then checked by content. */
const STAT_GLOB = '**/*.{csv,stat,txt,json,out}';
const EXCLUDE = '**/{node_modules,.git,.vscode-test,dist,build,obj}/**';
const MAX_CANDIDATES = 2000;
const HEAD_BYTES = 4096;

async function head(uri: vscode.Uri): Promise<string> {
  const f = await open(uri.fsPath, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await f.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await f.close();
  }
}

/** The workspace's perf stat outputs (by content, not by name), sorted by path. */
export async function workspaceStatFiles(): Promise<vscode.Uri[]> {
  const candidates = await vscode.workspace.findFiles(STAT_GLOB, EXCLUDE, MAX_CANDIDATES);
  const checked = await Promise.all(
    candidates.map(async (u) => (looksLikePerfStat(await head(u).catch(() => '')) ? u : undefined)),
  );
  return checked.filter((u): u is vscode.Uri => !!u).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
}

export interface StatPickOptions {
  title: string;
  placeholder: string;
  /** Files already chosen (the webview's runs): not offered again. */
  exclude?: readonly vscode.Uri[];
  /** Accepting with nothing selected is an answer (the report's stat section is optional). */
  allowNone?: boolean;
}

/**
 * The workspace's perf stat files, several at once; "Browse…" adds files from anywhere. Resolves with the files
 * in list order (the first is the base run), `[]` when none was wanted, undefined when the user cancelled.
 */
export async function pickStatFiles(options: StatPickOptions): Promise<vscode.Uri[] | undefined> {
  const excluded = new Set((options.exclude ?? []).map((u) => u.toString()));
  const found = (await workspaceStatFiles()).filter((u) => !excluded.has(u.toString()));
  type Item = vscode.QuickPickItem & { uri: vscode.Uri };
  const item = (uri: vscode.Uri): Item => {
    const rel = vscode.workspace.asRelativePath(uri, false);
    const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    return { label: rel.split('/').pop()!, description: dir || (rel === uri.fsPath ? uri.fsPath : undefined), uri };
  };
  const browse: vscode.QuickInputButton = {
    iconPath: new vscode.ThemeIcon('folder-opened'),
    tooltip: 'Browse for perf stat files outside the workspace…',
  };
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = options.title;
  qp.placeholder = found.length
    ? options.placeholder
    : 'No perf stat output found in the workspace: browse with the folder button';
  qp.canSelectMany = true;
  qp.matchOnDescription = true;
  qp.items = found.map(item);
  qp.buttons = [browse];
  qp.ignoreFocusOut = true;
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: vscode.Uri[] | undefined): void => {
      if (done) return;
      done = true;
      resolve(v);
      qp.dispose();
    };
    // The open dialog hides the quick pick while it is up: that hide is not a cancel.
    let browsing = false;
    qp.onDidTriggerButton(async () => {
      browsing = true;
      const more = await vscode.window.showOpenDialog({
        canSelectMany: true,
        openLabel: 'Add',
        title: `${options.title}: add files`,
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
        filters: { 'perf stat output': ['stat', 'csv', 'txt', 'json'], 'All files': ['*'] },
      });
      browsing = false;
      if (more?.length) {
        const known = new Map(qp.items.map((i) => [i.uri.toString(), i]));
        const added = more.filter((u) => !known.has(u.toString())).map(item);
        const reselected = more.map((u) => known.get(u.toString())).filter((i): i is Item => !!i);
        qp.items = [...qp.items, ...added];
        qp.selectedItems = [...new Set([...qp.selectedItems, ...reselected, ...added])];
      }
      qp.show();
    });
    qp.onDidAccept(() => {
      const chosen = qp.items.filter((i) => qp.selectedItems.includes(i)).map((i) => i.uri);
      if (chosen.length || options.allowNone) finish(chosen);
    });
    qp.onDidHide(() => {
      if (!browsing) finish(undefined);
    });
    qp.show();
  });
}

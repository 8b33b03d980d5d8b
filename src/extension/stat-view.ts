/**
 * "Perf Heat: Compare perf stat Runs…": a webview with every metric of several perf stat runs side by side (value,
 * ± variance, change and difference against the base run), the cycle-gap decomposition, and bar charts (chart.js).
 *
 * Where the numbers come from: perf stat files are small and self-contained, so this feature does not go through
 * the language server. The extension host reads the files with vscode.workspace.fs and calls the pure modules
 * (src/parsers/perf-stat.ts, src/model/stat-metrics*.ts: no Node built-ins, no state); the CLI and the report use
 * the same functions, so the three agree.
 *
 * The webview gets its data only by postMessage (StatViewMessage), builds its DOM with textContent (so no string
 * from a file is ever parsed as HTML), and runs under `default-src 'none'` with nonce'd scripts and a stylesheet
 * file: no inline script or style. Every table cell carries data-metric / data-run / data-kind, and after each
 * render the webview posts back the cell texts (`rendered`), which tests read through the returned handle.
 */
import * as vscode from 'vscode';
import { parsePerfStat } from '../parsers/perf-stat';
import { statRun, uniqueLabels, type StatRun } from '../model/stat-metrics';
import { viewModel, type StatViewModel } from '../model/stat-metrics-view';
import { pickStatFiles } from './pickers';

export type { StatViewCell, StatViewModel, StatViewRow } from '../model/stat-metrics-view';

/** What the webview drew: the table's cells read back from its DOM, and how many charts chart.js drew. */
export interface RenderedTable {
  cells: RenderedCell[];
  charts: number;
}

export interface RenderedCell {
  metric: string;
  run: number;
  kind: 'value' | 'variance' | 'change' | 'delta';
  text: string;
}

/** Everything that crosses the webview boundary, both ways. */
export type StatViewMessage =
  | { type: 'ready' } // webview → host: loaded (again, after being hidden); send the model
  | { type: 'show'; model: StatViewModel } // host → webview
  | { type: 'setBase'; base: number } // webview → host: the user picked another base run
  | { type: 'addRun' } // webview → host: the "Add run…" button
  | ({ type: 'rendered' } & RenderedTable); // webview → host: the table as drawn, for tests

/** One open comparison; `rendered()` resolves with the table's cells once the webview has drawn the latest model. */
export class StatViewPanel implements vscode.Disposable {
  private model: StatViewModel;
  private latest: RenderedTable | undefined;
  private readonly renderedEmitter = new vscode.EventEmitter<RenderedTable>();
  readonly onDidRender = this.renderedEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    private runs: StatRun[],
    base: number,
    onDispose: () => void,
    /** The files the runs were read from, and what "Add run…" does with more. */
    public uris: readonly vscode.Uri[] = [],
    private readonly addRun: (view: StatViewPanel) => Promise<void> = async () => undefined,
  ) {
    this.model = viewModel(runs, base);
    this.disposables.push(
      this.renderedEmitter,
      panel.onDidDispose(() => {
        onDispose();
        this.dispose();
      }),
      panel.webview.onDidReceiveMessage((m: StatViewMessage) => this.receive(m)),
    );
  }

  get currentModel(): StatViewModel {
    return this.model;
  }

  /** The table as last drawn, or the next drawing when the latest model is not drawn yet. */
  rendered(): Promise<RenderedTable> {
    if (this.latest) return Promise.resolve(this.latest);
    return new Promise((resolve) => {
      const sub = this.onDidRender((table) => {
        sub.dispose();
        resolve(table);
      });
    });
  }

  show(runs: StatRun[], base: number, uris: readonly vscode.Uri[] = this.uris): void {
    this.runs = runs;
    this.uris = uris;
    this.setBase(base);
  }

  get base(): number {
    return this.model.base;
  }

  private setBase(base: number): void {
    this.model = viewModel(this.runs, Math.min(Math.max(0, base), this.runs.length - 1));
    this.latest = undefined;
    this.panel.title = title(this.model);
    void this.post({ type: 'show', model: this.model });
  }

  private receive(m: StatViewMessage): void {
    switch (m.type) {
      case 'ready':
        this.latest = undefined;
        void this.post({ type: 'show', model: this.model });
        break;
      case 'setBase':
        if (Number.isInteger(m.base)) this.setBase(m.base);
        break;
      case 'addRun':
        void this.addRun(this);
        break;
      case 'rendered':
        this.latest = { cells: m.cells, charts: m.charts };
        this.renderedEmitter.fire(this.latest);
        break;
    }
  }

  private post(m: StatViewMessage): Thenable<boolean> {
    return this.panel.webview.postMessage(m);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function title(m: StatViewModel): string {
  return `perf stat: ${m.runs.map((r, i) => (i === m.base ? `${r.label} (base)` : r.label)).join(' · ')}`;
}

function nonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

/** The page: no data in it (that comes by postMessage), only resource URIs and the nonce. */
function html(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const n = nonce();
  const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${n}'; style-src ${webview.cspSource}; img-src ${webview.cspSource};">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${uri('media', 'stat-view', 'stat-view.css')}">
<title>perf stat comparison</title>
</head>
<body>
<header><h1>perf stat comparison</h1><label>Base run <select id="base"></select></label><button id="add" type="button" title="Add perf stat runs to the comparison">Add run…</button></header>
<p id="status">Loading…</p>
<p id="legend"></p>
<table id="metrics"></table>
<section id="gaps"></section>
<ul id="notes"></ul>
<section id="charts"></section>
<script nonce="${n}" src="${uri('dist', 'chart.umd.min.js')}"></script>
<script nonce="${n}" src="${uri('media', 'stat-view', 'stat-view.js')}"></script>
</body>
</html>`;
}

/** Reads and parses the files; errors name the file (ProfileFormatError already does, with the line). */
export async function readRuns(uris: readonly vscode.Uri[]): Promise<StatRun[]> {
  const names = uris.map((u) => vscode.workspace.asRelativePath(u, false));
  const labels = uniqueLabels(names);
  const runs: StatRun[] = [];
  for (const [i, u] of uris.entries()) {
    let text: string;
    try {
      text = new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(u));
    } catch (e) {
      throw new Error(`${names[i]}: cannot be read (${(e as Error).message})`);
    }
    runs.push(statRun(parsePerfStat(text, names[i]), names[i], labels[i]));
  }
  return runs;
}

export interface StatViewApi {
  /** Opens (or updates) the comparison of these files; base is an index into them. */
  open(uris: readonly vscode.Uri[], base?: number): Promise<StatViewPanel>;
  current(): StatViewPanel | undefined;
}

/** The runs to compare, chosen in one pick among the workspace's perf stat files. */
export function pickRuns(exclude: readonly vscode.Uri[] = []): Promise<vscode.Uri[] | undefined> {
  return pickStatFiles({
    title: exclude.length ? 'Perf Heat: Add perf stat Runs' : 'Perf Heat: Compare perf stat Runs',
    placeholder: exclude.length ? 'Tick the runs to add' : 'Tick the runs to compare (the first is the base)',
    exclude,
  });
}

export function activate(ctx: vscode.ExtensionContext): StatViewApi {
  let current: StatViewPanel | undefined;
  const addRun = async (view: StatViewPanel): Promise<void> => {
    const more = await pickRuns(view.uris);
    if (!more?.length) return;
    try {
      await open([...view.uris, ...more], view.base);
    } catch (e) {
      void vscode.window.showErrorMessage(`Perf Heat could not add the perf stat runs: ${(e as Error).message}`);
    }
  };
  const open = async (uris: readonly vscode.Uri[], base = 0): Promise<StatViewPanel> => {
    const runs = await readRuns(uris);
    if (current) {
      current.show(runs, base, uris);
      current.panel.reveal(undefined, false);
      return current;
    }
    const panel = vscode.window.createWebviewPanel('perfHeat.statView', 'perf stat', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [
        vscode.Uri.joinPath(ctx.extensionUri, 'media', 'stat-view'),
        vscode.Uri.joinPath(ctx.extensionUri, 'dist'),
      ],
    });
    const view = new StatViewPanel(
      panel,
      runs,
      base,
      () => (current = current?.panel === panel ? undefined : current),
      uris,
      addRun,
    );
    current = view;
    panel.title = title(view.currentModel);
    panel.webview.html = html(panel.webview, ctx.extensionUri);
    ctx.subscriptions.push(view);
    return view;
  };
  return { open, current: () => current };
}

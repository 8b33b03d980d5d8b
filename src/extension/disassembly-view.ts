/**
 * The disassembly beside the source: a read-only `perf-heat-disasm:` document per function, whose lines the server
 * lays out (perfHeat/disassembly: instructions with their shares, the source lines and inline chains between
 * them), drawn here with the heat palette. Both ways: "Perf Heat: Show Disassembly" (command, code action, the
 * hover's link) opens it from a source line with that line's instructions selected; links on its source rows and
 * "Perf Heat: Go to Source" go back.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { DisassemblyRequest, type Disassembly, type DisassemblyParams, type ProfileEventInfo } from '../protocol';
import { HEAT_LEVELS } from '../model/heat-scale';
import { formatEventValue, formatShare } from '../model/format';
import { send } from './rpc';

export const DISASSEMBLY_SCHEME = 'perf-heat-disasm';

export interface DisassemblyHost {
  client(): Promise<LanguageClient>;
  /** The event the heat mode shows (rows are heated by it). */
  event(): number;
  events(): readonly ProfileEventInfo[];
  hasProfile(): boolean;
  /** Heated lines of a file (0-based) as last drawn, to offer the code action only where there are samples. */
  heatedLine(uri: string, line: number): boolean;
  /** To the Output channel (made on first use: not at activation). */
  warn(message: string): void;
}

/** A function's document: `perf-heat-disasm:/BINARY/FUNCTION.s?dso=…&fn=…`. */
function documentUri(d: { function: string; dso: string }): vscode.Uri {
  const binary = d.dso.split('/').pop() || 'binary';
  const query = new URLSearchParams({ dso: d.dso, fn: d.function }).toString();
  return vscode.Uri.from({ scheme: DISASSEMBLY_SCHEME, path: `/${binary}/${d.function}.s`, query });
}

export class DisassemblyView implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly views = new Map<string, Disassembly>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private heatTypes: vscode.TextEditorDecorationType[] | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private last: Disassembly | undefined;

  constructor(private readonly host: DisassemblyHost) {
    const selector: vscode.DocumentSelector = { scheme: DISASSEMBLY_SCHEME };
    this.disposables.push(
      this.changed,
      { dispose: () => this.heatTypes?.forEach((t) => t.dispose()) },
      vscode.workspace.registerTextDocumentContentProvider(DISASSEMBLY_SCHEME, this),
      vscode.languages.registerDocumentLinkProvider(selector, { provideDocumentLinks: (doc) => this.links(doc) }),
      vscode.languages.registerHoverProvider(selector, { provideHover: (doc, pos) => this.hover(doc, pos) }),
      vscode.languages.registerCodeActionsProvider(
        [
          { scheme: 'file', language: 'c' },
          { scheme: 'file', language: 'cpp' },
        ],
        { provideCodeActions: (doc, range) => this.codeActions(doc, range) },
        { providedCodeActionKinds: [vscode.CodeActionKind.Empty] },
      ),
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.decorate(e))),
      // Asked again after a new profile: redraw once the new text is in.
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.scheme !== DISASSEMBLY_SCHEME) return;
        for (const ed of vscode.window.visibleTextEditors) if (ed.document === e.document) this.decorate(ed);
      }),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /** The last disassembly shown (tests read its rows' counts). */
  lastShown(): Disassembly | undefined {
    return this.last;
  }

  /** A new profile: open documents are asked for again (the function may have other counts, or none). */
  profileChanged(): void {
    const open = [...this.views.keys()];
    this.views.clear();
    for (const u of open) this.changed.fire(vscode.Uri.parse(u));
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    let view = this.views.get(uri.toString());
    if (!view) {
      const q = new URLSearchParams(uri.query);
      try {
        view = await this.request({
          function: q.get('fn') ?? '',
          dso: q.get('dso') ?? undefined,
          event: this.host.event(),
        });
      } catch (e) {
        return `Perf Heat: ${(e as Error).message}`;
      }
      if (!view) return 'Perf Heat: no profile is loaded.';
    }
    return view.lines.map((l) => l.text).join('\n');
  }

  private async request(params: DisassemblyParams): Promise<Disassembly | undefined> {
    const view = await send(await this.host.client(), DisassemblyRequest, params);
    if (!view) return undefined;
    this.views.set(documentUri(view).toString(), view);
    this.last = view;
    for (const w of view.warnings) this.host.warn(`disassembly of ${view.function}: ${w}`);
    return view;
  }

  /**
   * Opens a function's disassembly beside the editor: from a source line (default: the active editor's cursor),
   * whose instructions are then selected, or by function name.
   */
  async show(
    target?: { uri: string; line: number } | { function: string; dso?: string },
  ): Promise<vscode.TextEditor | undefined> {
    if (!this.host.hasProfile()) {
      void vscode.window.showInformationMessage('Perf Heat: load a profile first (Perf Heat: Load Profile…).');
      return undefined;
    }
    const editor = vscode.window.activeTextEditor;
    const at =
      target ??
      (editor && editor.document.uri.scheme === 'file'
        ? { uri: editor.document.uri.toString(), line: editor.selection.active.line }
        : undefined);
    if (!at) {
      void vscode.window.showInformationMessage(
        'Perf Heat: put the cursor on a heated source line to see its instructions.',
      );
      return undefined;
    }
    let view: Disassembly | undefined;
    try {
      view = await this.request({ ...at, event: this.host.event() });
    } catch (e) {
      void vscode.window.showInformationMessage(`Perf Heat: ${(e as Error).message}`);
      return undefined;
    }
    if (!view) return undefined;
    const uri = documentUri(view);
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    const shown = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    this.decorate(shown);
    const focus = view.focus.length ? view.focus : hottestRow(view);
    if (focus.length) {
      shown.selections = focus.map((n) => new vscode.Selection(n, 0, n, doc.lineAt(n).text.length));
      shown.revealRange(
        new vscode.Range(focus[0], 0, focus[focus.length - 1], 0),
        vscode.TextEditorRevealType.InCenterIfOutsideViewport,
      );
    }
    return shown;
  }

  /** From the disassembly document's cursor line to the source line its code comes from (the nearest row above). */
  async goToSource(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const view =
      editor && editor.document.uri.scheme === DISASSEMBLY_SCHEME
        ? this.views.get(editor.document.uri.toString())
        : undefined;
    if (!editor || !view) return;
    for (let n = editor.selection.active.line; n >= 0; n--) {
      const source = view.lines[n]?.source;
      if (!source) continue;
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(source.uri));
      const target = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One });
      target.selection = new vscode.Selection(source.line, 0, source.line, 0);
      target.revealRange(
        new vscode.Range(source.line, 0, source.line, 0),
        vscode.TextEditorRevealType.InCenterIfOutsideViewport,
      );
      return;
    }
    void vscode.window.showInformationMessage(
      'Perf Heat: the debug info places no instruction above the cursor on a source line.',
    );
  }

  private decorate(editor: vscode.TextEditor): void {
    if (editor.document.uri.scheme !== DISASSEMBLY_SCHEME) return;
    const view = this.views.get(editor.document.uri.toString());
    const types = this.heat();
    const byStep: vscode.Range[][] = types.map(() => []);
    view?.lines.forEach((l, n) => {
      if (l.heat) byStep[l.heat - 1].push(new vscode.Range(n, 0, n, 0));
    });
    types.forEach((t, i) => editor.setDecorations(t, byStep[i]));
  }

  /** The source heat palette's ten steps, made when a disassembly is first drawn (not at activation). */
  private heat(): vscode.TextEditorDecorationType[] {
    this.heatTypes ??= Array.from({ length: HEAT_LEVELS }, (_, i) =>
      vscode.window.createTextEditorDecorationType({
        isWholeLine: true,
        backgroundColor: new vscode.ThemeColor(`perfHeat.heat${i + 1}`),
        overviewRulerColor: new vscode.ThemeColor(`perfHeat.heat${i + 1}`),
        overviewRulerLane: vscode.OverviewRulerLane.Right,
      }),
    );
    return this.heatTypes;
  }

  private links(doc: vscode.TextDocument): vscode.DocumentLink[] {
    const view = this.views.get(doc.uri.toString());
    if (!view) return [];
    const out: vscode.DocumentLink[] = [];
    view.lines.forEach((l, n) => {
      if (l.jump) {
        const jump = new vscode.DocumentLink(
          new vscode.Range(n, l.jump.columns[0], n, l.jump.columns[1]),
          doc.uri.with({ fragment: `L${l.jump.line + 1}` }),
        );
        jump.tooltip = 'Go to the branch target';
        out.push(jump);
      }
      if (!l.link || !l.source) return;
      const link = new vscode.DocumentLink(
        new vscode.Range(n, l.link[0], n, l.link[1]),
        vscode.Uri.parse(l.source.uri).with({ fragment: `L${l.source.line + 1}` }),
      );
      link.tooltip = 'Go to this source line';
      out.push(link);
    });
    return out;
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const view = this.views.get(doc.uri.toString());
    const l = view?.lines[pos.line];
    if (!view || !l || l.kind !== 'instruction' || !l.counts) return undefined;
    const events = this.host.events();
    const md = new vscode.MarkdownString();
    md.appendMarkdown(
      `**0x${l.address!.toString(16)}** in \`${view.function.replace(/`/g, "'")}\`\n\n| event | value | of the symbol |\n|---|---:|---:|\n`,
    );
    view.events.forEach((name, i) => {
      const ev = events.find((e) => e.name === name) ?? { name, unit: 'period' as const };
      md.appendMarkdown(
        `| ${name.replace(/[|\\`*_]/g, (c) => `\\${c}`)} | ${formatEventValue(l.counts![i], ev)} | ${formatShare(l.shares![i])} |\n`,
      );
    });
    return new vscode.Hover(md);
  }

  private codeActions(doc: vscode.TextDocument, range: vscode.Range): vscode.CodeAction[] {
    if (!this.host.hasProfile() || !this.host.heatedLine(doc.uri.toString(), range.start.line)) return [];
    const action = new vscode.CodeAction('Perf Heat: Show Disassembly', vscode.CodeActionKind.Empty);
    action.command = {
      command: 'perfHeat.showDisassembly',
      title: 'Show Disassembly',
      arguments: [{ uri: doc.uri.toString(), line: range.start.line }],
    };
    return [action];
  }
}

/** Without a source line: the hottest instruction. */
function hottestRow(view: Disassembly): number[] {
  let best = -1;
  view.lines.forEach((l, n) => {
    if (l.kind === 'instruction' && (best < 0 || (l.heat ?? 0) > (view.lines[best].heat ?? 0))) best = n;
  });
  return best >= 0 ? [best] : [];
}

/**
 * The Flags view and the dimming of inactive `#if` branches, for the active C editor. The server evaluates the
 * file under the build's flags plus the user's toggles (perfHeat/flagState); here the answer is drawn: inactive
 * ranges at reduced opacity (as clangd does), each block's share at the end of its `#if` line, and the flags the
 * file's conditions use as a tree whose items toggle on click.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  BuildsRequest,
  FlagsChangedNotification,
  FlagStateRequest,
  SelectPresetRequest,
  SetFlagRequest,
  type FlagItem,
  type FlagState,
} from '../protocol';
import { formatPoints, formatShare } from '../model/format';
import { flagDescription, sourceText } from './flag-text';
import { onNotification, send } from './rpc';

/** A row of the Flags tree; the toggle and reset commands receive it (commands.ts). */
export type FlagsNode = { kind: 'build' } | { kind: 'flag'; flag: FlagItem } | { kind: 'message'; text: string };
type Node = FlagsNode;

export class FlagsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private state: FlagState | null = null;
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly applied = new vscode.EventEmitter<FlagState | null>();
  /** Fires after dimming and block heat are drawn for the active editor: tests and benchmarks wait on it. */
  readonly onDidApply = this.applied.event;
  private readonly inactive = vscode.window.createTextEditorDecorationType({
    opacity: '0.55',
    backgroundColor: new vscode.ThemeColor('perfHeat.inactiveRegionBackground'),
    isWholeLine: true,
  });
  private readonly blockHeat = vscode.window.createTextEditorDecorationType({
    after: {
      color: new vscode.ThemeColor('perfHeat.blockTotalForeground'),
      margin: '0 0 0 1.5em',
      fontStyle: 'italic',
    },
  });
  private readonly disposables: vscode.Disposable[] = [];
  private readonly view: vscode.TreeView<Node>;
  private pending = 0;

  /** The last detail written to the Output channel, so a redraw does not repeat it. */
  private lastDetail = '';

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly event: () => number,
    private readonly output?: { appendLine(s: string): void },
  ) {
    this.view = vscode.window.createTreeView('perfHeat.flags', { treeDataProvider: this });
    this.disposables.push(
      this.view,
      vscode.window.onDidChangeActiveTextEditor(() => void this.refresh()),
      // An .inc opened as Plain Text and then set to C (inc-language.ts) is reopened in the same editor.
      vscode.workspace.onDidOpenTextDocument(
        (d) =>
          d.languageId === 'c' &&
          d.uri.toString() === vscode.window.activeTextEditor?.document.uri.toString() &&
          void this.refresh(),
      ),
    );
  }

  /** The view was shown: the caller starts the server if it is not running yet. */
  get onDidBecomeVisible(): vscode.Event<vscode.TreeViewVisibilityChangeEvent> {
    return this.view.onDidChangeVisibility;
  }

  /** Called once the language client runs. */
  attach(client: LanguageClient): void {
    this.disposables.push(
      onNotification(client, FlagsChangedNotification, (p) => {
        this.announced = p;
        void this.refresh();
      }),
    );
    void this.refresh();
  }

  /** The build and toggles the server last announced: what a restarted server is told again. */
  serverFlags(): { preset?: string; overrides: Record<string, string | null> } | undefined {
    return this.announced;
  }
  private announced: { preset?: string; overrides: Record<string, string | null> } | undefined;

  current(): FlagState | null {
    return this.state;
  }

  /** Re-evaluates every visible C editor (a toggle changes them all); the tree follows the active one. */
  async refresh(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const c = this.client();
    const ticket = ++this.pending;
    const isC = (e: vscode.TextEditor | undefined): e is vscode.TextEditor =>
      !!e && ['c', 'cpp'].includes(e.document.languageId) && e.document.uri.scheme === 'file';
    const others = vscode.window.visibleTextEditors.filter((e) => e !== editor && isC(e));
    const [state, ...rest] = await Promise.all(
      [isC(editor) ? editor : undefined, ...others].map((e) =>
        c && e
          ? send(c, FlagStateRequest, { uri: e.document.uri.toString() }).catch(() => null)
          : Promise.resolve(null),
      ),
    );
    if (ticket !== this.pending) return; // a newer refresh is under way
    others.forEach((e, i) => this.draw(e, rest[i]));
    this.state = state;
    const cc = state?.compiler;
    this.view.description = state
      ? `${state.base}${state.errors.length ? ' · does not build' : ''}${cc ? (cc.failed ? ' · cc -E failed' : cc.agrees ? ' · cc -E agrees' : ` · cc -E differs on ${cc.disagreements} line(s)`) : ''}`
      : undefined;
    this.view.message = state?.inactiveSamples
      ? `${formatShare(state.inactiveSamples.share)} of the samples fall on lines this build does not compile.${state.inactiveSamples.proposal ? ` Try ${state.inactiveSamples.proposal}.` : ''}`
      : state && !state.known
        ? state.origin === 'inferred'
          ? "The build's flags were not found: the view is inferred from the profile (sampled lines are compiled). See Output › Perf Heat."
          : "The build's flags were not found, so nothing is dimmed. See Output › Perf Heat for why."
        : undefined;
    // The full story (which sources were tried, make's own words) goes to the Output channel, once per change.
    const why = [
      state?.detail,
      state?.compiler?.failed && `cc -E failed, its answer is not used: ${state.compiler.failed}`,
    ]
      .filter(Boolean)
      .join('; ');
    const detail = state && why ? `Flags for ${vscode.Uri.parse(state.uri).fsPath}: ${state.base}: ${why}` : '';
    if (detail && detail !== this.lastDetail) this.output?.appendLine(detail);
    this.lastDetail = detail;
    if (editor) this.draw(editor, state && state.uri === editor.document.uri.toString() ? state : null);
    this.changed.fire(undefined);
    this.applied.fire(state);
  }

  private draw(editor: vscode.TextEditor, state: FlagState | null): void {
    const last = editor.document.lineCount - 1;
    const clamp = (l: number): number => Math.max(0, Math.min(last, l));
    editor.setDecorations(
      this.inactive,
      (state?.inactive ?? []).map(([a, b]) => new vscode.Range(clamp(a), 0, clamp(b), 0)),
    );
    const e = Math.min(this.event(), Math.max(0, (state?.events.length ?? 1) - 1));
    const labels: vscode.DecorationOptions[] = [];
    for (const b of state?.blocks ?? []) {
      if (b.line > last) continue;
      const end = editor.document.lineAt(b.line).range.end;
      // While comparing, the block's change against the baseline (the same event; the server matched it by name).
      const baseShare = b.baseline?.inclusiveShares[e];
      const delta = b.baseline?.delta[e];
      if (baseShare != null && delta != null && (b.inclusive[e] > 0 || baseShare > 0)) {
        const text = `▸ ${formatPoints(delta)} (${formatShare(baseShare)} → ${formatShare(b.inclusiveShares[e])})${b.active || !state!.known ? '' : ' · not compiled'}`;
        labels.push({ range: new vscode.Range(end, end), renderOptions: { after: { contentText: text } } });
        continue;
      }
      if (!(b.inclusive[e] > 0)) continue;
      const own = b.self[e] !== b.inclusive[e] ? ` (own ${formatShare(b.selfShares[e])})` : '';
      // "not compiled" only when a known build says so, never on the header defaults' guess.
      labels.push({
        range: new vscode.Range(end, end),
        renderOptions: {
          after: {
            contentText: `▸ ${formatShare(b.inclusiveShares[e])} of ${state!.events[e]}${own}${b.active || !state!.known ? '' : ' · not compiled'}`,
          },
        },
      });
    }
    editor.setDecorations(this.blockHeat, labels);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'message') return new vscode.TreeItem(node.text);
    if (node.kind === 'build') {
      const st = this.state;
      const item = new vscode.TreeItem(
        `Build: ${st?.preset ?? (st?.origin === 'compile_commands' ? 'compile_commands.json' : 'default goal')}`,
      );
      item.description = st?.base;
      item.iconPath = new vscode.ThemeIcon(st && !st.known ? 'warning' : 'tools');
      item.tooltip = `The build whose flags decide which #if branches are compiled (${st?.origin ?? 'none'}). Click to pick a Makefile target or a compile_commands.json entry.${st?.detail ? ' Details in Output › Perf Heat.' : ''}`;
      item.command = { command: 'perfHeat.selectBuild', title: 'Select Build' };
      return item;
    }
    const f = node.flag;
    const item = new vscode.TreeItem(f.name);
    item.id = `flag:${f.name}`;
    item.description = flagDescription(f);
    const md = new vscode.MarkdownString();
    md.appendText(`${f.name} = ${f.value ?? '(not defined)'}\n\n`);
    if (f.description) md.appendText(`${f.description}\n\n`);
    md.appendText(
      `from: ${sourceText(f)}${f.where ? ` (${f.where})` : ''}${f.overridden ? " — your toggle; right-click › Reset Flag to go back to the build's value" : ''}`,
    );
    // Measuring the other value is one step away: the experiments file says how to build and run (experiment.ts).
    md.appendText(
      '\n\nRight-click › A/B This Flag: build with the other value, run the benchmark under perf stat and perf record, and compare.',
    );
    item.tooltip = md;
    item.iconPath = new vscode.ThemeIcon(
      f.overridden ? 'debug-breakpoint-log' : isOn(f.value) ? 'pass-filled' : 'circle-large-outline',
    );
    item.contextValue = f.overridden ? 'flag-overridden' : 'flag';
    item.command = { command: 'perfHeat.toggleFlag', title: 'Toggle Flag', arguments: [node] };
    return item;
  }

  getChildren(node?: Node): Node[] {
    if (node) return [];
    if (!this.state) return [{ kind: 'message', text: 'Open a C file to see the flags its #if conditions use.' }];
    return [{ kind: 'build' }, ...this.state.flags.map((flag) => ({ kind: 'flag' as const, flag }))];
  }

  async toggle(node?: Node): Promise<void> {
    if (node?.kind !== 'flag') return;
    const f = node.flag;
    if (f.value === null || /^[01]$/.test(f.value.trim())) return this.set(f.name, isOn(f.value) ? '0' : '1');
    const value = await vscode.window.showInputBox({
      title: `Perf Heat: ${f.name}`,
      prompt: 'New value (an #if expression; empty to undefine)',
      value: f.value,
    });
    if (value !== undefined) await this.set(f.name, value);
  }

  /**
   * Sends the toggle and waits for the redraw it causes, so the row and the dimming change in the same refresh
   * (the server's FlagsChanged notification alone would redraw later, after the old state was drawn again).
   */
  async set(name: string, value: string | null): Promise<void> {
    const c = this.client();
    if (!c) return;
    await send(c, SetFlagRequest, { name, value });
    await this.refresh();
  }

  async pickPreset(): Promise<void> {
    const c = this.client();
    if (!c || !this.state) return;
    const builds = await send(c, BuildsRequest, { uri: this.state.uri }).catch(() => []);
    const items = [
      {
        label: 'default',
        description: "compile_commands.json if it compiles this file, else the Makefile's default goal",
        preset: null as string | null,
      },
      ...builds.map((b) => ({ label: b.label, description: b.description, preset: b.id as string | null })),
      ...this.state.presets
        .filter((p) => !builds.some((b) => b.id === p))
        .map((p) => ({ label: p, description: 'preset', preset: p as string | null })),
    ];
    const chosen = await vscode.window.showQuickPick(items, {
      title: 'Perf Heat: Build to view the code under (every build that compiles this file)',
    });
    if (chosen) await send(c, SelectPresetRequest, { preset: chosen.preset });
  }

  /** For tests and other extensions: view the code under a build (a BuildChoice id; null: the default) and wait for the redraw. */
  async selectBuild(id: string | null): Promise<FlagState | null> {
    const c = this.client();
    if (!c) return null;
    await send(c, SelectPresetRequest, { preset: id });
    await this.refresh();
    return this.state;
  }

  /** For tests and other extensions: set a flag and wait for the redraw. */
  async setFlag(name: string, value: string | null): Promise<FlagState | null> {
    const done = new Promise<FlagState | null>((resolve) => {
      const sub = this.onDidApply((s) => {
        sub.dispose();
        resolve(s);
      });
    });
    await this.set(name, value);
    return done;
  }

  dispose(): void {
    for (const d of [...this.disposables, this.inactive, this.blockHeat, this.changed, this.applied]) d.dispose();
  }
}

function isOn(value: string | null): boolean {
  return value !== null && value.trim() !== '' && value.trim() !== '0';
}

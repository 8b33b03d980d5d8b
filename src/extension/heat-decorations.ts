/**
 * Heat in the editor: a whole-line background whose step the server chose (ten contributed theme colours per
 * palette, so themes can restyle every step), the label after the line, an overview-ruler mark, and the function's
 * total after its name. The server answers perfHeat/fileHeat with each line's step, palette and label in the asked
 * mode; this side maps them to decorations. Answers are cached per file, mode and label setting (a mode switch
 * back is not asked again), re-applied whenever the visible editors change, and dropped when the profile changes.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { send } from './rpc';
import { FileHeatRequest, type FileHeat, type HeatMode, type HeatTone as Tone, type LineText } from '../protocol';
import { HEAT_LEVELS } from '../model/heat-scale';
import { shiftHeat, type LineEdit } from './heat-edits';

const TONES: Tone[] = ['heat', 'density', 'more', 'less'];

/** The display settings the decorations follow. */
export interface HeatView {
  lineText: LineText;
  gutterBar: boolean;
  totalsStyle: 'text' | 'codeLens' | 'none';
  /** Take the editor to the hottest line the first time a file with heat is opened (once per file and profile). */
  revealHottest: boolean;
}

const PALETTES: Record<Tone, { background: string; text: string; gutter: string }> = {
  heat: { background: 'perfHeat.heat', text: 'perfHeat.lineShareForeground', gutter: '#f26b1d' },
  density: { background: 'perfHeat.density', text: 'perfHeat.densityForeground', gutter: '#9b6bff' },
  more: { background: 'perfHeat.diffMore', text: 'perfHeat.diffMoreForeground', gutter: '#f04848' },
  less: { background: 'perfHeat.diffLess', text: 'perfHeat.diffLessForeground', gutter: '#22b573' },
};

/**
 * A gutter bar whose length follows the step. Gutter icons cannot take theme colours, so each palette has one
 * mid-tone that reads on light and dark backgrounds alike.
 */
function gutterBar(colour: string, step: number): vscode.Uri {
  const width = Math.max(2, Math.round((step / HEAT_LEVELS) * 14));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect x="1" y="3" width="${width}" height="10" rx="1.5" fill="${colour}"/></svg>`;
  return vscode.Uri.parse(`data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`);
}

function createPalettes(withGutter: boolean): Record<Tone, vscode.TextEditorDecorationType[]> {
  const make = (tone: Tone): vscode.TextEditorDecorationType[] =>
    Array.from({ length: HEAT_LEVELS }, (_, i) =>
      vscode.window.createTextEditorDecorationType({
        isWholeLine: true,
        backgroundColor: new vscode.ThemeColor(`${PALETTES[tone].background}${i + 1}`),
        overviewRulerColor: new vscode.ThemeColor(`${PALETTES[tone].background}${i + 1}`),
        overviewRulerLane: vscode.OverviewRulerLane.Right,
        gutterIconPath: withGutter ? gutterBar(PALETTES[tone].gutter, i + 1) : undefined,
        gutterIconSize: 'contain',
        after: { color: new vscode.ThemeColor(PALETTES[tone].text), margin: '0 0 0 2.5em', fontStyle: 'normal' },
      }),
    );
  return { heat: make('heat'), density: make('density'), more: make('more'), less: make('less') };
}

const EDIT_REDRAW_MS = 150;

export type { HeatMode } from '../protocol';

export interface AppliedHeat {
  uri: string;
  mode: HeatMode;
  /** The profile the heat came from (0 when none). */
  profileId: number;
  /** The file changed since the profiled build (on disk, or edited here). */
  stale?: boolean;
  lines: { line: number; level: number; text: string; tone: Tone }[];
  /** Function totals, after each function's name (the text leaves the name out: it is on the line already). */
  functions: { line: number; name: string; text: string }[];
  /** The line with the strongest colour in this mode (0-based), with its label. */
  hottest?: { line: number; text: string };
}

/** One answer's decorations, per palette and step. */
interface Built {
  key?: string;
  byTone: Record<Tone, vscode.DecorationOptions[][]> | undefined;
  fnOptions: vscode.DecorationOptions[];
  applied: AppliedHeat;
}

export class HeatDecorations implements vscode.Disposable {
  /** Ten colour steps per palette, each a decoration type; recreated only when the gutter setting changes. */
  private palettes: Record<Tone, vscode.TextEditorDecorationType[]>;
  private readonly functionTotal: vscode.TextEditorDecorationType;
  /** Per file URI, the server's answers by mode and label setting (see modeKey). */
  private readonly cache = new Map<string, Map<string, Promise<FileHeat | null>>>();
  private readonly applied = new Map<string, AppliedHeat>();
  /** Decorations built from each answer (see build). */
  private readonly builtFor = new WeakMap<FileHeat, Built>();
  /** The decoration types each editor shows now. */
  private shown = new WeakMap<vscode.TextEditor, Set<vscode.TextEditorDecorationType>>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<AppliedHeat>();
  /** Fires after heat is drawn on an editor: what tests and the status bar wait on. */
  readonly onDidApply = this.changed.event;
  private readonly edited = new Set<string>();
  private readonly redrawTimers = new Map<string, NodeJS.Timeout>();
  /** `profileId uri` of files already taken to their hottest line: a file is revealed on its first open only. */
  private readonly revealed = new Set<string>();
  enabled = true;
  mode: HeatMode = { kind: 'event', event: 0 };

  constructor(
    private readonly client: LanguageClient,
    private readonly view: () => HeatView,
  ) {
    this.palettes = createPalettes(view().gutterBar);
    this.functionTotal = vscode.window.createTextEditorDecorationType({
      after: {
        color: new vscode.ThemeColor('perfHeat.functionTotalForeground'),
        margin: '0 0 0 1.5em',
        fontWeight: 'bold',
      },
    });
    this.disposables.push(
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => void this.apply(e))),
      vscode.workspace.onDidChangeTextDocument((e) => this.followEdits(e)),
    );
  }

  /** The profile changed: forget cached heat and redraw every visible editor. */
  refresh(): Promise<void> {
    this.cache.clear();
    this.edited.clear();
    return this.applyAll();
  }

  async applyAll(): Promise<void> {
    await Promise.all(vscode.window.visibleTextEditors.map((e) => this.apply(e)));
  }

  /**
   * Keeps heat on the code it belongs to while the user edits: the cached heat is shifted by each change and the
   * file is marked edited (its labels then read ≈, the profile no longer describes this text exactly). Redraws
   * are debounced: typing must not redraw every keystroke.
   */
  private followEdits(e: vscode.TextDocumentChangeEvent): void {
    const key = e.document.uri.toString();
    const modes = this.cache.get(key);
    if (!modes || e.contentChanges.length === 0) return;
    const edits: LineEdit[] = e.contentChanges.map((c) => ({
      startLine: c.range.start.line,
      endLine: c.range.end.line,
      insertedLines: c.text.split('\n').length - 1,
    }));
    for (const [mode, pending] of modes)
      modes.set(
        mode,
        pending.then((h) => (h ? shiftHeat(h, edits) : h)),
      );
    this.edited.add(key);
    clearTimeout(this.redrawTimers.get(key));
    this.redrawTimers.set(
      key,
      setTimeout(() => {
        for (const editor of vscode.window.visibleTextEditors)
          if (editor.document.uri.toString() === key) void this.apply(editor);
      }, EDIT_REDRAW_MS),
    );
  }

  /** The gutter setting changed: decoration types carry the gutter icon, so they are made anew. */
  async rebuildPalettes(): Promise<void> {
    for (const t of TONES) for (const d of this.palettes[t]) d.dispose();
    this.palettes = createPalettes(this.view().gutterBar);
    this.shown = new WeakMap();
    await this.applyAll();
  }

  /** Hide or show heat without forgetting it. */
  async setEnabled(on: boolean): Promise<void> {
    this.enabled = on;
    await this.applyAll();
  }

  clear(): void {
    this.cache.clear();
    this.applied.clear();
    for (const e of vscode.window.visibleTextEditors) this.draw(e, undefined);
  }

  lastApplied(uri: vscode.Uri): AppliedHeat | undefined {
    return this.applied.get(uri.toString());
  }

  private async apply(editor: vscode.TextEditor): Promise<void> {
    const uri = editor.document.uri;
    if (uri.scheme !== 'file') return;
    const key = uri.toString();
    const mode = this.mode;
    const lineText = this.view().lineText;
    const modeKey = JSON.stringify([mode, lineText]);
    let modes = this.cache.get(key);
    if (!modes) this.cache.set(key, (modes = new Map()));
    let pending = modes.get(modeKey);
    if (!pending) {
      pending = send(this.client, FileHeatRequest, { uri: key, mode, lineText }).catch(() => null);
      modes.set(modeKey, pending);
    }
    const heat = await pending;
    // A newer profile, edit or mode replaced this answer meanwhile: the newer one draws.
    if (this.cache.get(key)?.get(modeKey) !== pending || this.mode !== mode) return;
    const applied = this.draw(editor, this.enabled ? (heat ?? undefined) : undefined);
    if (applied.hottest) this.revealFirstTime(editor, applied);
  }

  /**
   * The first time a file with heat is shown, its hottest line is brought to the middle of the editor — unless
   * the user is already somewhere (the cursor moved off the first line: a hotspot click, go-to-definition) or
   * the line is in view. Never again for this file and profile, so switching tabs keeps the user's place.
   */
  private revealFirstTime(editor: vscode.TextEditor, applied: AppliedHeat): void {
    const key = `${applied.profileId} ${applied.uri}`;
    if (this.revealed.has(key)) return;
    this.revealed.add(key);
    if (!this.view().revealHottest || !editor.selection.active.isEqual(new vscode.Position(0, 0))) return;
    const line = applied.hottest!.line;
    if (editor.visibleRanges.some((r) => r.start.line <= line && line <= r.end.line)) return;
    const pos = new vscode.Position(line, 0);
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
  }

  /** Switch what the heat shows, and redraw every visible editor from the cached heat. */
  async setMode(mode: HeatMode): Promise<void> {
    this.mode = mode;
    await this.applyAll();
  }

  private draw(editor: vscode.TextEditor, heat: FileHeat | undefined): AppliedHeat {
    const uri = editor.document.uri.toString();
    const built = heat
      ? this.build(editor.document, heat)
      : { byTone: undefined, fnOptions: [], applied: { uri, mode: this.mode, profileId: 0, lines: [], functions: [] } };
    // Only the decoration types that change are sent: clearing a type this editor does not show is a wasted round
    // trip to the renderer (a mode switch within one palette touches ten types, not forty).
    let shown = this.shown.get(editor);
    if (!shown) this.shown.set(editor, (shown = new Set()));
    const set = (type: vscode.TextEditorDecorationType, options: vscode.DecorationOptions[]): void => {
      if (options.length === 0 && !shown.has(type)) return;
      editor.setDecorations(type, options);
      if (options.length) shown.add(type);
      else shown.delete(type);
    };
    for (const t of TONES) this.palettes[t].forEach((type, i) => set(type, built.byTone?.[t][i] ?? []));
    set(this.functionTotal, built.fnOptions);
    const applied = built.applied;
    if (heat) this.applied.set(uri, applied);
    else this.applied.delete(uri);
    this.changed.fire(applied);
    return applied;
  }

  /**
   * The decorations of one server answer, built once per answer, editor length, staleness and totals style: a
   * switch back to a mode or a tab seen before only sends them again.
   */
  private build(doc: vscode.TextDocument, heat: FileHeat): Built {
    const uri = doc.uri.toString();
    const view = this.view();
    const stale = heat.stale || this.edited.has(uri);
    const key = `${doc.lineCount} ${stale} ${view.totalsStyle}`;
    const cached = this.builtFor.get(heat);
    if (cached?.key === key) return cached;
    const byTone = {} as Record<Tone, vscode.DecorationOptions[][]>;
    for (const t of TONES) byTone[t] = Array.from({ length: HEAT_LEVELS }, () => []);
    const fnOptions: vscode.DecorationOptions[] = [];
    const applied: AppliedHeat = { uri, mode: heat.mode, profileId: heat.profileId, stale, lines: [], functions: [] };
    const lastLine = doc.lineCount - 1;
    for (const v of heat.lines) {
      if (v.line > lastLine) continue;
      const text = stale ? `≈${v.text}` : v.text;
      byTone[v.tone][v.step - 1].push({
        range: doc.lineAt(v.line).range,
        renderOptions: v.text ? { after: { contentText: text } } : undefined,
      });
      applied.lines.push({ line: v.line, level: v.step, text, tone: v.tone });
      if (v.line === heat.hottest) applied.hottest = { line: v.line, text };
    }
    if (view.totalsStyle === 'text') {
      for (const f of heat.functions) {
        if (f.line > lastLine) continue;
        // Short: the label sits after the function's name, which says whose total it is.
        const text = `Σ ${stale ? '≈' : ''}${f.text}`;
        const end = doc.lineAt(f.line).range.end;
        fnOptions.push({ range: new vscode.Range(end, end), renderOptions: { after: { contentText: text } } });
        applied.functions.push({ line: f.line, name: f.name, text });
      }
    }
    const built = { key, byTone, fnOptions, applied };
    this.builtFor.set(heat, built);
    return built;
  }

  dispose(): void {
    for (const d of [...TONES.flatMap((t) => this.palettes[t]), this.functionTotal, ...this.disposables, this.changed])
      d.dispose();
  }
}

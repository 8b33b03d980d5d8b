/**
 * The hotspot panel: Functions → lines and Files → lines, sorted by the selected event (and, while comparing,
 * the lines that changed most against the baseline), with share and value on
 * every item; a click opens the file at the line. Every row starts with its number (a narrow sidebar truncates
 * the end of a row, never the share); the rest, and every event's value with its unit, is in the tooltip. A filter narrows it; dropping a profile file on it loads it.
 * Data comes from the server (perfHeat/hotspots); nothing is computed here.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { send } from './rpc';
import {
  CallGraphRequest,
  HotspotsRequest,
  type CallGraphInfo,
  type FlagState,
  type HotspotLine,
  type Hotspots,
} from '../protocol';
import {
  callGraphChildren,
  callGraphItem,
  isCallGraphNode,
  neighbourRows,
  type CallGraphNode,
} from './call-graph-section';
import { formatEventValue, formatPoints, formatShare, type EventLike } from '../model/format';
import { isKernelDso } from '../model/profile';

type Node =
  | { kind: 'section'; id: 'functions' | 'files' | 'changes' | 'blocks' | 'callgraph'; label: string }
  | CallGraphNode
  | { kind: 'block'; index: number }
  | { kind: 'change'; index: number }
  | { kind: 'function'; index: number }
  | { kind: 'file'; index: number }
  | { kind: 'line'; parent: string; line: HotspotLine }
  | { kind: 'message'; text: string };

export class HotspotPanel
  implements vscode.TreeDataProvider<Node>, vscode.TreeDragAndDropController<Node>, vscode.Disposable
{
  private data: Hotspots | null = null;
  /** Callers and callees (perfHeat/callGraph); null without callchains. */
  private callGraph: CallGraphInfo | null = null;
  private filter = '';
  /** Kernel rows (`[kernel.kallsyms]`, modules) hidden from Functions: a user-space view of the profile. */
  private hideKernel = false;
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly dropMimeTypes = ['text/uri-list', 'files'];
  readonly dragMimeTypes: string[] = [];
  private readonly view: vscode.TreeView<Node>;
  /** Fires after the panel's data is refreshed: tests and the latency benchmark wait on it. */
  private readonly refreshed = new vscode.EventEmitter<Hotspots | null>();
  readonly onDidRefresh = this.refreshed.event;

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly event: () => number,
    private readonly loadProfile: (uri: vscode.Uri) => Promise<void>,
    /** The #if blocks of the active C file under the current flag view (from the Flags view). */
    private readonly blocks: () => FlagState | null = () => null,
    /** The active profile's events with their units. */
    private readonly units: () => readonly EventLike[] = () => [],
  ) {
    this.view = vscode.window.createTreeView('perfHeat.hotspots', {
      treeDataProvider: this,
      dragAndDropController: this,
      showCollapseAll: true,
    });
  }

  async refresh(): Promise<void> {
    const c = this.client();
    this.data = c ? await send(c, HotspotsRequest, { event: this.event() }).catch(() => null) : null;
    this.callGraph = c && this.data ? await send(c, CallGraphRequest, { event: this.event() }).catch(() => null) : null;
    const e = this.data?.events[this.event()] ?? '';
    const samples = this.data?.filter ? ` · samples: ${this.data.filter}` : '';
    this.view.description = this.data
      ? `by ${e}${samples}${this.filter ? ` · "${this.filter}"` : ''}${this.hideKernel ? ' · kernel hidden' : ''}`
      : undefined;
    void vscode.commands.executeCommand('setContext', 'perfHeat.kernelRowsHidden', this.hideKernel);
    void vscode.commands.executeCommand('setContext', 'perfHeat.hasProfile', !!this.data);
    void vscode.commands.executeCommand('setContext', 'perfHeat.hotspotsFiltered', !!this.filter);
    this.changed.fire(undefined);
    this.refreshed.fire(this.data);
  }

  /** The flag view changed (toggle, preset, active file): the Blocks section follows it. */
  blocksChanged(): void {
    this.changed.fire(undefined);
  }

  async setFilter(text: string): Promise<void> {
    this.filter = text.trim().toLowerCase();
    await this.refresh();
  }

  /** Shows or hides the kernel's rows in Functions (shares stay of the whole profile, as perf report's). */
  async toggleKernelRows(hide = !this.hideKernel): Promise<void> {
    this.hideKernel = hide;
    await this.refresh();
  }

  get kernelRowsHidden(): boolean {
    return this.hideKernel;
  }

  /** The rows the Functions section shows now (for tests): name and binary. */
  visibleFunctions(): { name: string; dso: string }[] {
    return this.getChildren({ kind: 'section', id: 'functions', label: '' }).flatMap((n) =>
      n.kind === 'function'
        ? [{ name: this.data!.functions[n.index].name, dso: this.data!.functions[n.index].dso }]
        : [],
    );
  }

  /** The function a Functions row stands for (its context menu's Show Disassembly). */
  functionOf(node: unknown): { function: string; dso: string } | undefined {
    const n = node as Node | undefined;
    const f = n?.kind === 'function' ? this.data?.functions[n.index] : undefined;
    return f && { function: f.name, dso: f.dso };
  }

  /** A function's callers or callees as the Callers / Callees section shows them (for tests). */
  callGraphRows(name: string, direction: 'callers' | 'callees'): { name: string; share: number; site?: HotspotLine }[] {
    return neighbourRows(this.callGraph, name, direction, this.event());
  }

  /** The Callers / Callees section's function rows, name and inclusive share (for tests). */
  callGraphFunctions(): { name: string; inclusive: number; self: number }[] {
    const e = this.event();
    return this.callGraph
      ? callGraphChildren(this.callGraph, undefined, () => true).flatMap((n) =>
          n.kind === 'cg-function'
            ? [
                {
                  name: this.callGraph!.functions[n.index]!.name,
                  inclusive: this.callGraph!.functions[n.index]!.inclusiveShares[e] ?? 0,
                  self: this.callGraph!.functions[n.index]!.selfShares[e] ?? 0,
                },
              ]
            : [],
        )
      : [];
  }

  get currentFilter(): string {
    return this.filter;
  }

  /** An event's value with its unit (bare count when the profile's units are unknown). */
  private value(n: number, i: number): string {
    return formatEventValue(n, this.units()[i] ?? { name: this.data?.events[i] ?? '', unit: 'count' });
  }

  /** Every event's value and share, one per line, for tooltips. */
  private allEvents(counts: number[], shares: number[]): string {
    return this.data!.events.map((ev, i) => `${ev}: ${this.value(counts[i], i)} (${formatShare(shares[i])})`).join(
      '\n',
    );
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const d = this.data!;
    const e = this.event();
    const base = (p: string): string => p.split('/').pop() ?? p;
    if (isCallGraphNode(node)) return callGraphItem(this.callGraph!, node, e, (n, i) => this.value(n, i));
    switch (node.kind) {
      case 'section':
        return {
          label: node.label,
          id: node.id,
          collapsibleState: vscode.TreeItemCollapsibleState.Expanded,
          contextValue: 'section',
        };
      case 'function': {
        const f = d.functions[node.index];
        const item = new vscode.TreeItem(
          `${formatShare(f.shares[e])}  ${f.name}`,
          vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.id = `fn:${f.dso}:${f.name}`;
        item.description = this.value(f.counts[e], e);
        item.tooltip = `${f.name} (${f.dso})\n${this.allEvents(f.counts, f.shares)}`;
        item.iconPath = new vscode.ThemeIcon('symbol-function');
        item.contextValue = 'function';
        const top = f.lines.find((l) => l.uri);
        if (top) item.command = revealCommand(top);
        return item;
      }
      case 'file': {
        const f = d.files[node.index];
        const item = new vscode.TreeItem(
          `${formatShare(f.shares[e])}  ${base(f.path)}`,
          vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.resourceUri = vscode.Uri.parse(f.uri); // the file's icon
        item.id = `file:${f.uri}`;
        const rel = vscode.workspace.asRelativePath(f.path);
        item.description = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : undefined;
        item.tooltip = `${rel}\n${this.allEvents(f.counts, f.shares)}`;
        return item;
      }
      case 'line': {
        const l = node.line;
        const underFile = node.parent.startsWith('file:');
        const item = new vscode.TreeItem(
          `${formatShare(l.shares[e])}  line ${l.line + 1}`,
          vscode.TreeItemCollapsibleState.None,
        );
        item.id = `${node.parent}>${l.path}:${l.line}`;
        item.description = underFile ? this.value(l.counts[e], e) : `${base(l.path)} · ${this.value(l.counts[e], e)}`;
        item.tooltip = `${l.path}:${l.line + 1}\n${this.allEvents(l.counts, l.shares)}${l.uri ? '' : '\n(outside the workspace)'}`;
        item.iconPath = new vscode.ThemeIcon(l.uri ? 'flame' : 'circle-slash');
        if (l.uri) item.command = revealCommand(l);
        return item;
      }
      case 'change': {
        const c = d.changes!.lines[node.index];
        const pts = formatPoints(c.delta);
        const item = new vscode.TreeItem(`${pts}  line ${c.line + 1}`, vscode.TreeItemCollapsibleState.None);
        item.id = `change:${c.path}:${c.line}`;
        item.description = `${base(c.path)}${c.only === 'other' ? ' · new' : c.only === 'base' ? ' · baseline only' : ''}`;
        item.tooltip = `${c.path}:${c.line + 1}\n${pts} of ${d.events[e]} against ${d.changes!.baseline}`;
        item.iconPath = new vscode.ThemeIcon(
          c.delta > 0 ? 'arrow-up' : 'arrow-down',
          new vscode.ThemeColor(c.delta > 0 ? 'perfHeat.diffMoreForeground' : 'perfHeat.diffLessForeground'),
        );
        if (c.uri) item.command = revealCommand(c);
        return item;
      }
      case 'block': {
        const st = this.blocks()!;
        const b = st.blocks[node.index];
        const be = Math.min(e, st.events.length - 1);
        const directive = `#${b.directive}${b.condition ? ' ' + b.condition : ''}`;
        const item = new vscode.TreeItem(
          `${formatShare(b.inclusiveShares[be])}  ${directive}`,
          vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.id = `block:${st.uri}:${b.line}`;
        item.description = `lines ${b.line + 1}–${b.endLine + 1}${b.active ? '' : ' · not compiled'}`;
        item.tooltip = `${directive}\n= ${b.value ?? '?'} (${b.active ? 'compiled' : 'not compiled'} under ${st.base})\nown lines ${formatShare(b.selfShares[be])}, with nested blocks ${formatShare(b.inclusiveShares[be])} of ${st.events[be]}`;
        item.iconPath = new vscode.ThemeIcon(b.active ? 'symbol-namespace' : 'circle-slash');
        item.command = revealCommand({
          uri: st.uri,
          path: st.uri,
          line: b.line,
          counts: b.inclusive,
          shares: b.inclusiveShares,
        });
        return item;
      }
      case 'message':
        return new vscode.TreeItem(node.text);
    }
  }

  /** The profile's hottest workspace line for the sorted event, for "Go to Hottest Line" from a file without heat. */
  hottestLine(): HotspotLine | undefined {
    return this.data?.hottest;
  }

  getChildren(node?: Node): Node[] {
    const d = this.data;
    if (!d) return [];
    const e = this.event();
    const match = (s: string): boolean => !this.filter || s.toLowerCase().includes(this.filter);
    if (!node) {
      const sections: Node[] = [
        { kind: 'section', id: 'functions', label: 'Functions' },
        { kind: 'section', id: 'files', label: 'Files' },
      ];
      if (d.changes)
        sections.unshift({
          kind: 'section',
          id: 'changes',
          label: `Changes vs ${d.changes.baseline.split('/').pop()}`,
        });
      if (this.callGraph?.functions.length)
        sections.splice(
          sections.findIndex((s) => s.kind === 'section' && s.id === 'files'),
          0,
          { kind: 'section', id: 'callgraph', label: 'Callers / Callees (inclusive)' },
        );
      const st = this.blocks();
      if (st && st.blocks.length)
        sections.push({ kind: 'section', id: 'blocks', label: `Blocks (#if) of ${st.uri.split('/').pop()}` });
      return sections;
    }
    if (node.kind === 'section' && node.id === 'callgraph')
      return this.callGraph ? callGraphChildren(this.callGraph, undefined, match) : [];
    if (isCallGraphNode(node)) return this.callGraph ? callGraphChildren(this.callGraph, node, match) : [];
    if (node.kind === 'section' && node.id === 'blocks') {
      const st = this.blocks();
      if (!st) return [];
      const be = Math.min(e, st.events.length - 1);
      return st.blocks
        .map((b, index) => ({ b, index }))
        .filter(({ b }) => b.inclusive[be] > 0 && match(b.condition))
        .sort((x, y) => y.b.inclusive[be] - x.b.inclusive[be])
        .map(({ index }) => ({ kind: 'block' as const, index }));
    }
    if (node.kind === 'block') {
      const st = this.blocks()!;
      const b = st.blocks[node.index];
      // The server lists each block's sampled lines; hottest first by the sorted event, as under Files.
      return [...b.lines]
        .filter((l) => l.counts[e] > 0)
        .sort((x, y) => y.counts[e] - x.counts[e] || x.line - y.line)
        .map((l) => ({
          kind: 'line' as const,
          parent: `block:${b.line}`,
          line: { ...l, uri: st.uri, path: vscode.Uri.parse(st.uri).fsPath },
        }));
    }
    if (node.kind === 'section' && node.id === 'changes') {
      const out: Node[] = [];
      d.changes?.lines.forEach((c, index) => {
        if (match(c.path)) out.push({ kind: 'change', index });
      });
      return out.length ? out : [{ kind: 'message', text: 'No line changed' }];
    }
    if (node.kind === 'section' && node.id === 'functions') {
      const out: Node[] = [];
      d.functions.forEach((f, index) => {
        if (this.hideKernel && isKernelDso(f.dso)) return;
        if (f.counts[e] > 0 && (match(f.name) || f.lines.some((l) => match(l.path))))
          out.push({ kind: 'function', index });
      });
      return out.length
        ? out
        : [{ kind: 'message', text: this.filter ? 'No function matches the filter' : 'No samples for this event' }];
    }
    if (node.kind === 'section' && node.id === 'files') {
      const out: Node[] = [];
      d.files.forEach((f, index) => {
        if (match(f.path)) out.push({ kind: 'file', index });
      });
      return out.length ? out : [{ kind: 'message', text: 'No workspace file has heat' }];
    }
    if (node.kind === 'function')
      return d.functions[node.index].lines.map((line) => ({
        kind: 'line',
        parent: `fn:${d.functions[node.index].name}`,
        line,
      }));
    if (node.kind === 'file')
      return d.files[node.index].lines.map((line) => ({
        kind: 'line',
        parent: `file:${d.files[node.index].uri}`,
        line,
      }));
    return [];
  }

  async handleDrop(_target: Node | undefined, transfer: vscode.DataTransfer): Promise<void> {
    const list = await transfer.get('text/uri-list')?.asString();
    const first = list?.split(/\r?\n/).find((l) => l && !l.startsWith('#'));
    if (first) await this.loadProfile(vscode.Uri.parse(first.trim()));
  }

  dispose(): void {
    this.view.dispose();
    this.changed.dispose();
    this.refreshed.dispose();
  }
}

function revealCommand(l: HotspotLine): vscode.Command {
  return { command: 'perfHeat.revealLine', title: 'Go to Line', arguments: [l.uri, l.line] };
}

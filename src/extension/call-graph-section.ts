/**
 * The hotspot panel's Callers / Callees section: the hottest functions by inclusive cost (self beside it), each
 * with its callers and its callees, sorted by what went through the call; a click on a caller or callee goes to
 * the call site, its children are every call site. Data comes from the server (perfHeat/callGraph); the panel
 * (hotspot-panel.ts) hosts these rows.
 */
import * as vscode from 'vscode';
import type { CallGraphEntry, CallGraphInfo, CallGraphNeighbour, HotspotLine } from '../protocol';
import { formatShare } from '../model/format';

export type CallGraphNode =
  | { kind: 'cg-function'; index: number }
  | { kind: 'cg-direction'; index: number; direction: 'callers' | 'callees' }
  | { kind: 'cg-neighbour'; index: number; direction: 'callers' | 'callees'; n: number }
  | { kind: 'cg-site'; id: string; site: HotspotLine; callee: string };

export function isCallGraphNode(n: { kind: string }): n is CallGraphNode {
  return n.kind.startsWith('cg-');
}

const base = (p: string): string => p.split('/').pop() ?? p;

export function callGraphItem(
  g: CallGraphInfo,
  node: CallGraphNode,
  e: number,
  value: (n: number, event: number) => string,
): vscode.TreeItem {
  switch (node.kind) {
    case 'cg-function': {
      const f = g.functions[node.index]!;
      const item = new vscode.TreeItem(
        `${formatShare(f.inclusiveShares[e] ?? 0)}  ${f.name}`,
        vscode.TreeItemCollapsibleState.Collapsed,
      );
      item.id = `cg:${f.dso}:${f.name}`;
      item.description = `inclusive · self ${formatShare(f.selfShares[e] ?? 0)}${f.inlineOnly ? ' · inlined' : ''}`;
      item.tooltip = `${f.name} (${f.dso})${f.inlineOnly ? ', only ever inlined' : ''}\n${g.events.map((ev, i) => `${ev}: inclusive ${value(f.inclusive[i] ?? 0, i)} (${formatShare(f.inclusiveShares[i] ?? 0)}), self ${value(f.self[i] ?? 0, i)} (${formatShare(f.selfShares[i] ?? 0)})`).join('\n')}`;
      item.iconPath = new vscode.ThemeIcon('type-hierarchy');
      if (f.location?.uri) item.command = reveal(f.location);
      return item;
    }
    case 'cg-direction': {
      const f = g.functions[node.index]!;
      const list = f[node.direction];
      const item = new vscode.TreeItem(
        `${node.direction === 'callers' ? 'Callers' : 'Callees'} (${list.length})`,
        list.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
      );
      item.id = `cg:${f.dso}:${f.name}:${node.direction}`;
      item.iconPath = new vscode.ThemeIcon(node.direction === 'callers' ? 'call-incoming' : 'call-outgoing');
      return item;
    }
    case 'cg-neighbour': {
      const f = g.functions[node.index]!;
      const n: CallGraphNeighbour = f[node.direction][node.n]!;
      const item = new vscode.TreeItem(
        `${formatShare(n.shares[e] ?? 0)}  ${n.function.name}`,
        n.sites.length > 1 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
      );
      item.id = `cg:${f.dso}:${f.name}:${node.direction}:${n.function.dso}:${n.function.name}`;
      const at = n.sites[0];
      item.description = `${value(n.counts[e] ?? 0, e)}${at ? ` · ${base(at.path)}:${at.line + 1}` : ''}`;
      item.tooltip = `${node.direction === 'callers' ? `${n.function.name} calls ${f.name}` : `${f.name} calls ${n.function.name}`}: ${g.events.map((ev, i) => `${ev} ${value(n.counts[i] ?? 0, i)} (${formatShare(n.shares[i] ?? 0)})`).join(', ')} through this call\n${n.sites.map((s) => `${s.path}:${s.line + 1}  ${formatShare(s.shares[e] ?? 0)}`).join('\n')}`;
      item.iconPath = new vscode.ThemeIcon('symbol-function');
      if (at?.uri) item.command = reveal(at);
      return item;
    }
    case 'cg-site': {
      const s = node.site;
      const item = new vscode.TreeItem(
        `${formatShare(s.shares[e] ?? 0)}  line ${s.line + 1}`,
        vscode.TreeItemCollapsibleState.None,
      );
      item.id = node.id;
      item.description = `${base(s.path)} · call of ${node.callee}`;
      item.iconPath = new vscode.ThemeIcon(s.uri ? 'flame' : 'circle-slash');
      if (s.uri) item.command = reveal(s);
      return item;
    }
  }
}

/** The section's rows: functions (filtered by name), their two directions, the neighbours, the call sites. */
export function callGraphChildren(
  g: CallGraphInfo,
  node: CallGraphNode | undefined,
  match: (s: string) => boolean,
): CallGraphNode[] {
  if (!node) return g.functions.flatMap((f, index) => (match(f.name) ? [{ kind: 'cg-function' as const, index }] : []));
  switch (node.kind) {
    case 'cg-function':
      return [
        { kind: 'cg-direction', index: node.index, direction: 'callers' },
        { kind: 'cg-direction', index: node.index, direction: 'callees' },
      ];
    case 'cg-direction':
      return g.functions[node.index]![node.direction].map((_, n) => ({
        kind: 'cg-neighbour' as const,
        index: node.index,
        direction: node.direction,
        n,
      }));
    case 'cg-neighbour': {
      const f = g.functions[node.index]!;
      const n = f[node.direction][node.n]!;
      const callee = node.direction === 'callers' ? f.name : n.function.name;
      return n.sites.map((site) => ({
        kind: 'cg-site' as const,
        id: `cg:${f.name}:${node.direction}:${n.function.name}>${site.path}:${site.line}`,
        site,
        callee,
      }));
    }
    default:
      return [];
  }
}

/** For tests: a function's callers or callees as the section shows them, name and share of the sorted event. */
export function neighbourRows(
  g: CallGraphInfo | null,
  name: string,
  direction: 'callers' | 'callees',
  e: number,
): { name: string; share: number; site?: HotspotLine }[] {
  const f: CallGraphEntry | undefined = g?.functions.find((x) => x.name === name);
  return (f?.[direction] ?? []).map((n) => ({
    name: n.function.name,
    share: n.shares[e] ?? 0,
    ...(n.sites[0] ? { site: n.sites[0] } : {}),
  }));
}

function reveal(l: HotspotLine): vscode.Command {
  return { command: 'perfHeat.revealLine', title: 'Go to Call Site', arguments: [l.uri, l.line] };
}

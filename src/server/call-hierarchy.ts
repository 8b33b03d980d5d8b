/**
 * The LSP call hierarchy over the profile's call graph (textDocument/prepareCallHierarchy, callHierarchy/
 * incomingCalls, callHierarchy/outgoingCalls), so any editor gets who calls a function and what it costs: each
 * item's detail is its inclusive and self share, each call's ranges are its call sites in the caller's code.
 * Only sampled calls exist here: this is the profile's graph, not the program's.
 */
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SymbolKind, type CallHierarchyItem, type Range } from 'vscode-languageserver/node';
import { findFunctions } from '../model/call-graph';
import { formatShare } from '../model/format';
import type { CallGraphFunctionInfo, CallGraphNeighbour, HotspotLine } from '../protocol';
import type { ServerContext } from './context';
import { callGraphView, type CallGraphView } from './call-graph-view';

interface ItemData {
  name: string;
  dso: string;
}

const lineRange = (line: number): Range => ({ start: { line, character: 0 }, end: { line, character: 0 } });
const uriOf = (l: HotspotLine): string => l.uri ?? pathToFileURL(l.path).toString();

export function register({ connection, documents, profiles, syntax }: ServerContext): void {
  const view = (): CallGraphView | undefined => callGraphView(profiles.heatMap, profiles.mapper);

  const item = (f: CallGraphFunctionInfo, at?: HotspotLine, fallbackUri?: string): CallHierarchyItem => {
    const place = at ?? f.location;
    const uri = place ? uriOf(place) : (fallbackUri ?? pathToFileURL(f.dso).toString());
    const range = lineRange(place?.line ?? 0);
    const detail = `${formatShare(f.inclusiveShares[0] ?? 0)} inclusive, ${formatShare(f.selfShares[0] ?? 0)} self${f.inlineOnly ? ', inlined' : ''} · ${basename(f.dso)}`;
    return {
      name: f.name,
      kind: SymbolKind.Function,
      detail,
      uri,
      range,
      selectionRange: range,
      data: { name: f.name, dso: f.dso } satisfies ItemData,
    };
  };

  const nodeOf = (v: CallGraphView, data: unknown): number | undefined => {
    const d = data as Partial<ItemData> | undefined;
    if (!d?.name) return undefined;
    return (
      findFunctions(v.graph, d.name, d.dso).find((i) => v.graph.functions[i]!.dso === d.dso) ??
      findFunctions(v.graph, d.name)[0]
    );
  };

  /** The hottest function (by inclusive cost) of the given name. */
  const byName = (v: CallGraphView, name: string): number | undefined =>
    findFunctions(v.graph, name).sort(
      (a, b) => (v.graph.functions[b]!.inclusive[0] ?? 0) - (v.graph.functions[a]!.inclusive[0] ?? 0),
    )[0];

  connection.languages.callHierarchy.onPrepare(
    async ({ textDocument, position }): Promise<CallHierarchyItem[] | null> => {
      const v = view();
      const doc = documents.get(textDocument.uri);
      if (!v || !doc) return null;
      // The name under the cursor (a call, or a definition), else the function the cursor is in.
      const text = doc.getText({
        start: { line: position.line, character: 0 },
        end: { line: position.line + 1, character: 0 },
      });
      let fn: number | undefined;
      for (const m of text.matchAll(/[A-Za-z_]\w*/g)) {
        if (m.index <= position.character && position.character <= m.index + m[0].length) fn = byName(v, m[0]);
      }
      if (fn === undefined) {
        const spans = (await syntax)?.functionSpans(doc.getText(), `${textDocument.uri}@${doc.version}`) ?? [];
        const span = spans.filter((s) => s.line - 1 <= position.line && position.line <= s.endLine - 1).pop();
        if (span) fn = byName(v, span.name);
      }
      if (fn === undefined) return null;
      return [item(v.info(fn), undefined, textDocument.uri)];
    },
  );

  connection.languages.callHierarchy.onIncomingCalls(({ item: it }) => {
    const v = view();
    const fn = v && nodeOf(v, it.data);
    if (!v || fn === undefined) return [];
    return v.neighbours(fn, 'callers', 0, 100).map((n: CallGraphNeighbour) => {
      // The caller's item sits where its call is, so the ranges are in its document.
      const from = item(n.function, n.sites[0]);
      return { from, fromRanges: n.sites.filter((s) => uriOf(s) === from.uri).map((s) => lineRange(s.line)) };
    });
  });

  connection.languages.callHierarchy.onOutgoingCalls(({ item: it }) => {
    const v = view();
    const fn = v && nodeOf(v, it.data);
    if (!v || fn === undefined) return [];
    return v.neighbours(fn, 'callees', 0, 100).map((n: CallGraphNeighbour) => ({
      to: item(n.function),
      fromRanges: n.sites.filter((s) => uriOf(s) === it.uri).map((s) => lineRange(s.line)),
    }));
  });
}

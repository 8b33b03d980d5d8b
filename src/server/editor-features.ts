/**
 * The heat through standard LSP features, so editors without Perf Heat's own client (Neovim, Emacs, Helix) get
 * most of it: inlay hints with each heated line's share, code lenses with function totals, and document symbols
 * for the sampled functions. The VS Code client draws its own decorations and turns the first two off.
 */
import { fileURLToPath } from 'node:url';
import type { CodeLens, DocumentSymbol, InlayHint } from 'vscode-languageserver/node';
import { InlayHintKind, SymbolKind } from 'vscode-languageserver/node';
import { formatShare } from '../model/heat-scale';
import type { ServerContext } from './context';
import { placeFunctions, functionTotals } from './file-heat';

export function register({ connection, documents, profiles, syntax, flags }: ServerContext): void {
  const heatOf = (uri: string) => {
    const heatMap = profiles.heatMap;
    if (!heatMap || !uri.startsWith('file:')) return undefined;
    const path = fileURLToPath(uri);
    const lines = heatMap.linesOf(path);
    return lines.length ? { heatMap, path, lines } : undefined;
  };
  const functionsOf = async (uri: string) => {
    const h = heatOf(uri);
    const doc = documents.get(uri);
    if (!h || !doc) return [];
    const text = doc.getText();
    const spans = (await syntax)?.functionSpans(text, `${uri}@${doc.version}`) ?? [];
    return placeFunctions(h.heatMap.functionsOf(h.path), spans, text) ?? functionTotals(spans, h.lines, doc.lineCount);
  };

  connection.languages.inlayHint.on(({ textDocument, range }): InlayHint[] => {
    const h = heatOf(textDocument.uri);
    const doc = documents.get(textDocument.uri);
    if (!h || !doc) return [];
    const event = h.heatMap.profile.events[0].name;
    return h.lines
      .filter((l) => l.line - 1 >= range.start.line && l.line - 1 <= range.end.line && l.line - 1 < doc.lineCount)
      .map((l) => ({
        position: {
          line: l.line - 1,
          character: doc
            .getText({ start: { line: l.line - 1, character: 0 }, end: { line: l.line, character: 0 } })
            .replace(/\r?\n$/, '').length,
        },
        label: ` ${formatShare(l.shares[0])}`,
        kind: InlayHintKind.Parameter,
        paddingLeft: true,
        tooltip: `${event}: ${l.counts[0]}`,
      }));
  });

  connection.onCodeLens(async ({ textDocument }): Promise<CodeLens[]> => {
    const fns = await functionsOf(textDocument.uri);
    const events = profiles.heatMap?.profile.events ?? [];
    return fns.map((f) => ({
      range: { start: { line: f.line, character: 0 }, end: { line: f.line, character: 0 } },
      command: {
        title: `Perf Heat: ${formatShare(f.shares[0])} of ${events[0]?.name ?? ''} in ${f.name}`,
        command: '',
      },
    }));
  });

  connection.onDocumentSymbol(async ({ textDocument }): Promise<DocumentSymbol[]> => {
    const fns = await functionsOf(textDocument.uri);
    const events = profiles.heatMap?.profile.events ?? [];
    const symbols: DocumentSymbol[] = fns.map((f) => {
      const range = { start: { line: f.line, character: 0 }, end: { line: f.line, character: 0 } };
      return {
        name: f.name,
        detail: `${formatShare(f.shares[0])} ${events[0]?.name ?? ''}`,
        kind: SymbolKind.Function,
        range,
        selectionRange: range,
      };
    });
    return [...symbols, ...blockSymbols(textDocument.uri)];
  });

  // Branches the build does not compile, as `comment` tokens: editors without Perf Heat's own client dim them with
  // their theme's comment colour (VS Code draws its own dimming and drops these in the client middleware).
  connection.languages.semanticTokens.on(({ textDocument }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc || !textDocument.uri.startsWith('file:')) return { data: [] };
    const path = fileURLToPath(textDocument.uri);
    let inactive: [number, number][];
    try {
      if (flags.view(path).origin === 'none') return { data: [] }; // no build found: nothing is dimmed on a guess
      inactive = flags.engine.evaluate(path, flags.view(path).view).inactive;
    } catch {
      return { data: [] };
    }
    const data: number[] = [];
    let prev = 0;
    for (const [a, b] of inactive) {
      for (let line = a - 1; line <= b - 1 && line < doc.lineCount; line++) {
        const length = doc
          .getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } })
          .replace(/\r?\n$/, '').length;
        if (length === 0) continue;
        data.push(line - prev, 0, length, 0, 0);
        prev = line;
      }
    }
    return { data };
  });

  /** The #if blocks of the file as an outline, nested as written, each with its value under the current view. */
  const blockSymbols = (uri: string): DocumentSymbol[] => {
    const doc = documents.get(uri);
    if (!doc || !uri.startsWith('file:')) return [];
    const path = fileURLToPath(uri);
    let r;
    try {
      r = flags.engine.evaluate(path, flags.view(path).view);
    } catch {
      return [];
    }
    const nodes = r.blocks.map((b) => {
      const range = {
        start: { line: b.line - 1, character: 0 },
        end: { line: Math.max(b.line, b.endLine) - 1, character: 0 },
      };
      const name = `#${b.directive}${b.condition ? ' ' + b.condition : ''}`.slice(0, 120);
      return {
        name,
        detail: `= ${b.value ?? '?'}${b.active ? '' : ' · not compiled'}`,
        kind: SymbolKind.Namespace,
        range,
        selectionRange: { start: range.start, end: range.start },
        children: [] as DocumentSymbol[],
      };
    });
    const roots: DocumentSymbol[] = [];
    r.blocks.forEach((b, i) => (b.parent >= 0 ? nodes[b.parent].children.push(nodes[i]) : roots.push(nodes[i])));
    return roots;
  };
}

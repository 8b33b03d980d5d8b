/**
 * perfHeat/fileHeat: the heat of one workspace file, with per-function totals placed on each function's name line.
 */
import { fileURLToPath } from 'node:url';
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { FileHeatRequest, type FileHeat, type FunctionHeatInfo } from '../protocol';
import type { HeatedLine } from '../model/heat-map';
import type { CSyntax, FunctionSpan } from '../engine/c-syntax';
import type { ProfileService } from './profile-service';
import { readFile } from 'node:fs/promises';

export function register(connection: Connection, documents: TextDocuments<TextDocument>, profiles: ProfileService, syntax: Promise<CSyntax | undefined>): void {
  connection.onRequest(FileHeatRequest, async ({ uri }): Promise<FileHeat | null> => {
    const heatMap = profiles.heatMap;
    const summary = profiles.summary;
    if (!heatMap || !summary || !uri.startsWith('file:')) return null;
    const path = fileURLToPath(uri);
    const lines = heatMap.linesOf(path);
    if (lines.length === 0) return null;
    const doc = documents.get(uri);
    const text = doc?.getText() ?? (await readFile(path, 'utf8').catch(() => ''));
    const spans = (await syntax)?.functionSpans(text, doc ? `${uri}@${doc.version}` : undefined) ?? [];
    return {
      uri,
      profileId: summary.id,
      events: summary.events.map((e) => e.name),
      lines: lines.map((l) => ({ line: l.line - 1, counts: l.counts, shares: l.shares })),
      functions: functionTotals(spans, lines, text.split('\n').length),
      maxShares: heatMap.maxShares,
    };
  });
}

/**
 * Sums line heat per function. A clean span ends at its closing brace; an unclean one (tree-sitter lost in `#if`
 * blocks) is taken to run until the next function starts, which is right for hz3's one-function-per-file layout.
 */
export function functionTotals(spans: FunctionSpan[], lines: HeatedLine[], lineCount: number): FunctionHeatInfo[] {
  const out: FunctionHeatInfo[] = [];
  spans.forEach((s, i) => {
    const end = s.clean ? s.endLine : (spans[i + 1]?.line ?? lineCount + 1) - 1;
    const inside = lines.filter((l) => l.line >= s.line && l.line <= end);
    if (inside.length === 0) return;
    const counts = inside[0].counts.map((_, e) => inside.reduce((a, l) => a + l.counts[e], 0));
    const shares = inside[0].shares.map((_, e) => inside.reduce((a, l) => a + l.shares[e], 0));
    out.push({ name: s.name, line: s.line - 1, counts, shares });
  });
  return out;
}

/**
 * "Samples on lines the build does not compile" (and `#error`s of the flag view) as LSP diagnostics, published on
 * their own whenever they may change — a C document opened or edited, the profile or the baseline changed, the flag
 * view changed — so that every LSP client gets them, not only one that asks for perfHeat/flagState.
 */
import type { ServerContext } from './context';
import { flagState, publishDiagnostics } from './flags';

/** Edits come in bursts while typing: wait for a pause before re-evaluating the file (and let requests go first). */
const EDIT_PAUSE_MS = 250;
const C_SOURCE = /\.(c|h|inc|inl|def)$/;

export function register(ctx: ServerContext): void {
  const { connection, documents } = ctx;
  const pending = new Map<string, NodeJS.Timeout>();

  const publish = async (uri: string): Promise<void> => {
    const doc = documents.get(uri);
    if (!doc || !uri.startsWith('file:') || !(doc.languageId === 'c' || C_SOURCE.test(uri))) return;
    try {
      // The compiler check changes what is dimmed, not which sampled lines are dead: diagnostics skip it.
      const r = await flagState(ctx, uri, { compiler: false });
      if (r && documents.get(uri)) publishDiagnostics(connection, uri, r.state, r.deadLines);
    } catch (e) {
      connection.console.warn(`Perf Heat: no diagnostics for ${uri}: ${(e as Error).message}`);
    }
  };
  const soon = (uri: string): void => {
    clearTimeout(pending.get(uri));
    pending.set(
      uri,
      setTimeout(() => {
        pending.delete(uri);
        void publish(uri);
      }, EDIT_PAUSE_MS),
    );
  };
  // Deferred too: a profile load or a toggle answers its request first, and the client's own requests (heat,
  // flag state) come before this recomputation.
  const everyOpenDocument = (): void => documents.all().forEach((d) => soon(d.uri));

  // TextDocuments fires onDidChangeContent on open as well as on every edit.
  documents.onDidChangeContent((e) => soon(e.document.uri));
  documents.onDidClose((e) => {
    clearTimeout(pending.get(e.document.uri));
    pending.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });
  ctx.onProfileChanged(everyOpenDocument);
  ctx.onFlagsChanged(everyOpenDocument);
}

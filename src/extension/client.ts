/** Starts the language server (dist/server.js) over IPC. */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { InitializationOptions } from '../protocol';

export function createClient(ctx: vscode.ExtensionContext, output: vscode.LogOutputChannel, totalsAsLenses: () => boolean): LanguageClient {
  const module = ctx.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const initializationOptions: InitializationOptions = { trusted: vscode.workspace.isTrusted, clientLoadsProfile: true };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'c' },
      { scheme: 'file', language: 'cpp' },
    ],
    synchronize: { configurationSection: 'perfHeat' },
    outputChannel: output,
    initializationOptions,
    // The server offers inlay hints and lenses for other editors; here decorations show the same, out of the way,
    // unless the user asked for totals as code lenses (perfHeat.totals.style).
    middleware: {
      provideInlayHints: () => [],
      provideDocumentSemanticTokens: () => undefined,
      provideCodeLenses: (document, token, next) => (totalsAsLenses() ? next(document, token) : []),
    },
  };
  return new LanguageClient('perfHeat', 'Perf Heat', serverOptions, clientOptions);
}

/**
 * The language server's process entry (bundled to dist/server.js): a connection over IPC when the extension starts
 * it, or over stdio with `--stdio` for any other LSP client (vscode-languageserver reads the flag), then
 * startServer. Everything else is in server.ts, which tests drive in-process.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

startServer(createConnection(ProposedFeatures.all));

/**
 * The server driven in-process for tests: startServer() on one end of a pair of in-memory streams, a protocol
 * connection on the other. `inProcessServer()` leaves the client unstarted, so a test registers its handlers
 * (workspace/configuration, diagnostics) first; `initialize()` then starts it and sends initialize and initialized
 * for one folder, as an LSP client does.
 */
import { PassThrough } from 'node:stream';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createConnection } from 'vscode-languageserver/node';
import {
  createProtocolConnection,
  InitializedNotification,
  InitializeRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type InitializeResult,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import type { ServerContext } from '../context';
import { startServer } from '../server';

export interface InProcessServer {
  ctx: ServerContext;
  client: ProtocolConnection;
  /** Ends both connections (nothing of the server is left to keep the test process alive). */
  close(): void;
}

export function inProcessServer(): InProcessServer {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const ctx = startServer(createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient)));
  const client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  return {
    ctx,
    client,
    close: () => {
      client.dispose();
      ctx.connection.dispose();
    },
  };
}

/**
 * Starts the client and initializes the server for `folder`: `trusted` as the client says it; `workspace`, client
 * capabilities beside `configuration` (which every test's client answers).
 */
export async function initialize(
  client: ProtocolConnection,
  folder: string,
  options: { trusted: boolean; workspace?: ClientCapabilities['workspace'] },
): Promise<InitializeResult> {
  client.listen();
  const init = await client.sendRequest(InitializeRequest.type, {
    // null: no parent-process watch (an interval that would keep the test process alive).
    processId: null,
    rootUri: null,
    workspaceFolders: [{ uri: pathToFileURL(folder).toString(), name: basename(folder) }],
    capabilities: { workspace: { configuration: true, ...options.workspace } },
    initializationOptions: { trusted: options.trusted, clientLoadsProfile: true },
  });
  await client.sendNotification(InitializedNotification.type, {});
  return init;
}

/**
 * The built language server (dist/server.js) started over stdio as an editor's LSP client starts it, for the stdio
 * tests (lsp-stdio, call-hierarchy-stdio): the child process, a protocol connection to it, workspace/configuration
 * answered from a settings table the test may change (as lspconfig's `settings`), and the server's messages kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ConfigurationRequest,
  createProtocolConnection,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type InitializeParams,
  type InitializeResult,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';

export const ROOT = join(__dirname, '../..');
export const DEMO = join(ROOT, 'demo/mini-hz3');
export const SERVER = join(ROOT, 'dist/server.js');
/** The `skip` option of a stdio test: the server must be built. */
export const NEEDS_BUILD = !existsSync(SERVER) && 'run npm run build first';

export interface StdioServer {
  child: ChildProcess;
  conn: ProtocolConnection;
  /** Answered to every workspace/configuration request, section by section: change it, then notify. */
  settings: Record<string, unknown>;
  /** Every window/showMessage and window/logMessage text, in order. */
  messages: string[];
  /** Called with each message as it arrives (after it is kept in `messages`). */
  onMessage(listener: (message: string) => void): void;
  /**
   * Starts listening, then initialize (rooted at the demo unless `params` says otherwise) and initialized. Handlers
   * for what the server sends later are registered on `conn` before this.
   */
  initialize(params: Partial<InitializeParams>): Promise<InitializeResult>;
  /** shutdown and exit, as a client closing down sends them. */
  shutdown(): Promise<void>;
  /** Ends the connection and the process (in a `finally`). */
  kill(): void;
}

export function startStdioServer(settings: Record<string, unknown>): StdioServer {
  const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  conn.onRequest(ConfigurationRequest.type, (p) =>
    p.items.map((i) => (i.section ? (server.settings[i.section] ?? null) : server.settings)),
  );
  const listeners: ((message: string) => void)[] = [];
  const hear = (m: { message: string }) => {
    server.messages.push(m.message);
    for (const l of listeners) l(m.message);
  };
  conn.onNotification('window/showMessage', hear);
  conn.onNotification('window/logMessage', hear);
  const server: StdioServer = {
    child,
    conn,
    settings,
    messages: [],
    onMessage: (l) => void listeners.push(l),
    async initialize(params) {
      conn.listen();
      const init = await conn.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: pathToFileURL(DEMO).toString(),
        workspaceFolders: [{ uri: pathToFileURL(DEMO).toString(), name: 'mini-hz3' }],
        capabilities: {},
        ...params,
      });
      await conn.sendNotification(InitializedNotification.type, {});
      return init;
    },
    async shutdown() {
      await conn.sendRequest(ShutdownRequest.type);
      await conn.sendNotification(ExitNotification.type);
    },
    kill() {
      conn.dispose();
      child.kill();
    },
  };
  return server;
}

/**
 * `promise`, or a rejection with `why()` after `ms`: a hang guard only, unref'd and cleared, so it never keeps a
 * test worker alive after its file is done.
 */
export async function within<T>(promise: Promise<T>, ms: number, why: () => string): Promise<T> {
  let guard: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, rej) => {
        guard = setTimeout(() => rej(new Error(why())), ms);
        guard.unref();
      }),
    ]);
  } finally {
    clearTimeout(guard);
  }
}

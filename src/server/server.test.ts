/**
 * The server driven in-process, over a pair of in-memory streams: importing server.ts starts nothing (a module that
 * created its connection at import would throw here, with no stdio or IPC to connect to), and startServer() serves
 * whatever connection it is given.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createConnection } from 'vscode-languageserver/node';
import { readFileSync } from 'node:fs';
import {
  createProtocolConnection,
  DiagnosticSeverity,
  DidOpenTextDocumentNotification,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { ListProfilesRequest, LoadProfileRequest, SetFlagRequest } from '../protocol';
import { startServer } from './server';

const DEMO = join(__dirname, '../../demo/mini-hz3');

function pair(): { ctx: ReturnType<typeof startServer>; client: ProtocolConnection } {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const ctx = startServer(createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient)));
  return { ctx, client: createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer)) };
}

test('startServer over in-memory streams: initialize, load a profile by request, list it', { timeout: 60_000 }, async () => {
  const { ctx, client } = pair();
  client.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({})));
  client.listen();
  try {
    const init = await client.sendRequest(InitializeRequest.type, {
      // null: no parent-process watch (an interval that would keep this test process alive).
      processId: null,
      rootUri: null,
      workspaceFolders: [{ uri: pathToFileURL(DEMO).toString(), name: 'mini-hz3' }],
      capabilities: { workspace: { configuration: true } },
      initializationOptions: { trusted: false, clientLoadsProfile: true },
    });
    assert.ok(init.capabilities.hoverProvider);
    await client.sendNotification(InitializedNotification.type, {});
    assert.deepEqual(ctx.workspace.roots(), [DEMO]);
    assert.equal(ctx.profiles.trusted, false, 'initializationOptions.trusted reaches the profile service');
    let changes = 0;
    ctx.onProfileChanged(() => changes++);
    const summary = await client.sendRequest(LoadProfileRequest.method, { path: join(DEMO, 'profiles/cpu-clock.perf.data') });
    assert.match((summary as { format: string }).format, /^perf\.data/);
    assert.equal(changes, 1, 'a load is one profile change, seen by every feature');
    const list = (await client.sendRequest(ListProfilesRequest.method)) as { profiles: unknown[]; activeId: number };
    assert.equal(list.profiles.length, 1);
  } finally {
    client.dispose();
    ctx.connection.dispose();
  }
});

test('diagnostics follow each event on their own: document opened, profile loaded, flag toggled', { timeout: 60_000 }, async () => {
  const { ctx, client } = pair();
  // The flag view turns S154's prefetch off; the profile was recorded with it on (the Makefile's default).
  client.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({ flags: { defines: ['HZ3_S154_SPILL_PREFETCH=0'] } })));
  const file = join(DEMO, 'src/mh3_owner_stash_pop.inc');
  const uri = pathToFileURL(file).toString();
  const text = readFileSync(file, 'utf8');
  const hotLine = text.split('\n').findIndex((l) => l.includes('__builtin_prefetch(ahead'));
  const queue: Diagnostic[][] = [];
  let wake: (() => void) | undefined;
  client.onNotification(PublishDiagnosticsNotification.type, (p) => {
    if (p.uri !== uri) return;
    queue.push(p.diagnostics);
    wake?.();
  });
  const next = async (): Promise<Diagnostic[]> => {
    while (queue.length === 0) await new Promise<void>((r) => (wake = r));
    return queue.shift()!;
  };
  const deadHotLine = (d: Diagnostic[]): boolean => d.some((x) => x.range.start.line === hotLine);
  client.listen();
  try {
    await client.sendRequest(InitializeRequest.type, {
      processId: null,
      rootUri: null,
      workspaceFolders: [{ uri: pathToFileURL(DEMO).toString(), name: 'mini-hz3' }],
      capabilities: { workspace: { configuration: true } },
      // Trusted: perf.data lines come from the binaries' debug info (addr2line), which an untrusted workspace skips.
      initializationOptions: { trusted: true, clientLoadsProfile: true },
    });
    await client.sendNotification(InitializedNotification.type, {});
    await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'c', version: 1, text } });
    assert.ok(!deadHotLine(await next()), 'opened, no profile yet: no sample is on a dead line');

    await client.sendRequest(LoadProfileRequest.method, { path: join(DEMO, 'profiles/cpu-clock.perf.data') });
    const loaded = await next();
    assert.ok(deadHotLine(loaded), `after the load the prefetch line's samples are on a line the view does not compile: ${JSON.stringify(loaded)}`);
    assert.equal(loaded.find((x) => x.severity === DiagnosticSeverity.Warning)?.range.start.line, loaded.map((x) => x.range.start.line).sort((a, b) => a - b)[0], 'the warning on the first dead line');

    await client.sendRequest(SetFlagRequest.method, { name: 'HZ3_S154_SPILL_PREFETCH', value: '1' });
    assert.ok(!deadHotLine(await next()), 'toggled back on: the prefetch line compiles, its diagnostic goes');
  } finally {
    client.dispose();
    ctx.connection.dispose();
  }
});

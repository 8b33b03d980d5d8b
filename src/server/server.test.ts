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
import { createProtocolConnection, InitializeRequest, InitializedNotification, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { ListProfilesRequest, LoadProfileRequest } from '../protocol';
import { startServer } from './server';

const DEMO = join(__dirname, '../../demo/mini-hz3');

test('startServer over in-memory streams: initialize, load a profile by request, list it', { timeout: 60_000 }, async () => {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const ctx = startServer(createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient)));
  const client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
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

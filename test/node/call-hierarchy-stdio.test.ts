/**
 * The LSP call hierarchy over stdio, as any editor's client asks for it (Neovim: vim.lsp.buf.incoming_calls()): on
 * the demo recorded with -g, prepare on the call of the owner-stash pop, then its incoming calls (who calls it, and
 * where) and the caller's outgoing calls. Oracles: perf report --children for the shares, the source text for the
 * call sites. Runs the built server (dist/server.js).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CallHierarchyIncomingCallsRequest,
  CallHierarchyOutgoingCallsRequest,
  CallHierarchyPrepareRequest,
  DidOpenTextDocumentNotification,
} from 'vscode-languageserver-protocol/node';
import { NotificationType } from 'vscode-languageserver-protocol';
import { parseChildrenSym } from '../perf-oracle';
import { DEMO, NEEDS_BUILD, ROOT, startStdioServer, within } from './stdio-server';

test(
  "call hierarchy over stdio: who calls mh3_owner_stash_pop, from which line, at perf --children's share",
  { skip: NEEDS_BUILD, timeout: 240_000 },
  async () => {
    const server = startStdioServer({ perfHeat: { profile: 'profiles/callgraph.perf.data' } });
    const { conn, messages } = server;
    const loaded = new Promise<void>((resolve) =>
      conn.onNotification(new NotificationType<{ profile: unknown }>('perfHeat/profileChanged'), () => resolve()),
    );
    try {
      const init = await server.initialize({
        capabilities: { workspace: { configuration: true }, textDocument: { callHierarchy: {} } },
        initializationOptions: { trusted: true },
      });
      assert.ok(init.capabilities.callHierarchyProvider);
      await within(loaded, 150_000, () => `no profile loaded; messages: ${messages.join('; ')}`);

      const file = join(DEMO, 'src/mh3_alloc.c');
      const uri = pathToFileURL(file).toString();
      const text = readFileSync(file, 'utf8');
      await conn.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: 'c', version: 1, text },
      });
      const lines = text.split('\n');
      const callLine = lines.findIndex((l) => l.includes('mh3_owner_stash_pop('));
      assert.ok(callLine > 0);

      const items = await conn.sendRequest(CallHierarchyPrepareRequest.type, {
        textDocument: { uri },
        position: { line: callLine, character: lines[callLine]!.indexOf('mh3_owner_stash_pop') + 3 },
      });
      assert.equal(items?.length, 1);
      const pop = items![0]!;
      assert.equal(pop.name, 'mh3_owner_stash_pop');
      const perf = parseChildrenSym(
        readFileSync(join(ROOT, 'test/fixtures/callgraph/demo-callgraph.children-sym.txt'), 'utf8'),
      );
      const share = (name: string) => perf.find((r) => r.symbol === name)!;
      // The detail is `50.5% inclusive, 49.9% self · mini-hz3-bench`: perf's Children and Self columns, as the share
      // formatter rounds them (three significant digits).
      const [, inc, self] = /^([\d.]+)% inclusive, ([\d.]+)% self/.exec(pop.detail ?? '') ?? [];
      assert.ok(Math.abs(Number(inc) - share('mh3_owner_stash_pop').children) <= 0.051, pop.detail);
      assert.ok(Math.abs(Number(self) - share('mh3_owner_stash_pop').self) <= 0.051, pop.detail);

      const incoming = await conn.sendRequest(CallHierarchyIncomingCallsRequest.type, { item: pop });
      // The call in mh3_alloc.c is inside alloc_slow, which gcc inlined into mh3_alloc: the caller is alloc_slow.
      const slow = incoming?.find((c) => c.from.name === 'alloc_slow');
      assert.ok(slow, `callers: ${incoming?.map((c) => c.from.name).join(', ')}`);
      assert.equal(slow.from.uri, uri);
      assert.deepEqual(
        slow.fromRanges.map((r) => r.start.line),
        [callLine],
      );

      const outgoing = await conn.sendRequest(CallHierarchyOutgoingCallsRequest.type, { item: slow.from });
      const toPop = outgoing?.find((c) => c.to.name === 'mh3_owner_stash_pop');
      assert.ok(toPop, `callees of alloc_slow: ${outgoing?.map((c) => c.to.name).join(', ')}`);
      assert.deepEqual(
        toPop.fromRanges.map((r) => r.start.line),
        [callLine],
      );
    } finally {
      await server.shutdown().catch(() => undefined);
      server.kill();
    }
  },
);

/**
 * The language server driven over stdio exactly as Neovim's built-in client drives it (the configuration in the
 * README): initialize with a root, answer workspace/configuration with the `settings` table, open a file, ask for
 * hover, inlay hints, code lenses and document symbols, and receive diagnostics without any perfHeat/* request.
 * Runs the built server (dist/server.js).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DidOpenTextDocumentNotification,
  DidChangeConfigurationNotification,
  PublishDiagnosticsNotification,
  DiagnosticSeverity,
  type Diagnostic,
  HoverRequest,
  InlayHintRequest,
  CodeLensRequest,
  DocumentSymbolRequest,
  SemanticTokensRequest,
  type MarkupContent,
  type DocumentSymbol,
} from 'vscode-languageserver-protocol/node';
import { NotificationType } from 'vscode-languageserver-protocol';
import { DEMO, NEEDS_BUILD, startStdioServer, within } from './stdio-server';

test(
  'Neovim-style client over stdio: settings-driven profile, hover, inlay hints, code lens, symbols',
  { skip: NEEDS_BUILD },
  async () => {
    // What lspconfig does with `settings = { perfHeat = { profile = … } }`: answer each requested section.
    const server = startStdioServer({ perfHeat: { profile: 'profiles/cpu-clock.perf.data' } });
    const { conn, messages } = server;
    const loaded = new Promise<void>((resolve) =>
      conn.onNotification(new NotificationType<{ profile: unknown }>('perfHeat/profileChanged'), () => resolve()),
    );
    try {
      const init = await server.initialize({
        capabilities: {
          workspace: { configuration: true },
          textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, inlayHint: {} },
        },
        initializationOptions: { trusted: true },
      });
      assert.ok(init.capabilities.hoverProvider);
      assert.ok(init.capabilities.inlayHintProvider);
      await within(loaded, 20_000, () => `no profile loaded; messages: ${messages.join('; ')}`);

      const file = join(DEMO, 'src/mh3_owner_stash_pop.inc');
      const uri = pathToFileURL(file).toString();
      const text = readFileSync(file, 'utf8');
      await conn.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: 'c', version: 1, text },
      });
      const lines = text.split('\n');
      const hotLine = lines.findIndex((l) => l.includes('__builtin_prefetch(ahead'));
      assert.ok(hotLine > 0);

      const hover = await conn.sendRequest(HoverRequest.type, {
        textDocument: { uri },
        position: { line: hotLine, character: 10 },
      });
      assert.match((hover!.contents as MarkupContent).value, /cpu\\-clock \| [\d,]+\\\.\d\d ms \| 16\.0%/);

      const hints = await conn.sendRequest(InlayHintRequest.type, {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } },
      });
      const hot = hints!.find((h) => h.position.line === hotLine);
      assert.ok(hot, 'an inlay hint on the hottest line');
      assert.equal(hot.label, ' 16.0%', 'the share perf report gives (16.02%)');
      assert.equal(hot.position.character, lines[hotLine].length, 'at the end of the line');

      const lenses = await conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
      assert.ok(
        lenses!.some((l) => /in mh3_owner_stash_pop$/.test(l.command!.title)),
        JSON.stringify(lenses),
      );
      const symbols = (await conn.sendRequest(DocumentSymbolRequest.type, {
        textDocument: { uri },
      })) as DocumentSymbol[];
      assert.ok(symbols.some((s) => s.name === 'mh3_owner_stash_pop' && /cpu-clock/.test(s.detail ?? '')));

      // Branches the Makefile's default build does not compile come as comment tokens (line 32: the #else of S77).
      const tokens = await conn.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } });
      const tokenLines: number[] = [];
      for (let i = 0, line = 0; i < tokens!.data.length; i += 5) tokenLines.push((line += tokens!.data[i]));
      assert.ok(tokenLines.includes(31), `line 32 is an inactive token line: ${tokenLines.slice(0, 10)}`);
      assert.ok(!tokenLines.includes(hotLine), 'the hot line is compiled');

      // The bundle must find tree-sitter's wasm next to it (function spans); a failure would be logged.
      assert.ok(!messages.some((m) => /tree-sitter unavailable/.test(m)), messages.join('\n'));
      await server.shutdown();
    } finally {
      server.kill();
    }
  },
);

test(
  'Neovim-style client over stdio: samples on lines the build does not compile arrive as diagnostics, with no perfHeat/* request',
  { skip: NEEDS_BUILD },
  async () => {
    // An A/B experiment from settings alone: the profile was recorded with S154's prefetch on; the view turns it off.
    const server = startStdioServer({
      perfHeat: { profile: 'profiles/cpu-clock.perf.data', flags: { defines: ['HZ3_S154_SPILL_PREFETCH=0'] } },
    });
    const { conn, settings } = server;
    const file = join(DEMO, 'src/mh3_owner_stash_pop.inc');
    const uri = pathToFileURL(file).toString();
    const published: Diagnostic[][] = [];
    const waiters: { match: (d: Diagnostic[]) => boolean; resolve: (d: Diagnostic[]) => void }[] = [];
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      if (p.uri !== uri) return;
      published.push(p.diagnostics);
      for (const w of waiters.splice(0)) {
        if (w.match(p.diagnostics)) w.resolve(p.diagnostics);
        else waiters.push(w);
      }
    });
    const next = (what: string, match: (d: Diagnostic[]) => boolean): Promise<Diagnostic[]> =>
      within(
        new Promise<Diagnostic[]>((resolve) =>
          published.some(match) ? resolve(published.find(match)!) : waiters.push({ match, resolve }),
        ),
        20_000,
        () => `no diagnostics ${what}; got ${JSON.stringify(published)}`,
      );
    try {
      await server.initialize({
        capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: {} } },
        initializationOptions: { trusted: true },
      });
      const text = readFileSync(file, 'utf8');
      const hotLine = text.split('\n').findIndex((l) => l.includes('__builtin_prefetch(ahead'));
      assert.ok(hotLine > 0);
      await conn.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: 'c', version: 1, text },
      });

      const dead = await next('for the prefetch line', (d) => d.some((x) => x.range.start.line === hotLine));
      const warning = dead.find((x) => x.severity === DiagnosticSeverity.Warning);
      assert.ok(warning, JSON.stringify(dead));
      const message = typeof warning.message === 'string' ? warning.message : warning.message.value;
      assert.match(message, /line\(s\) that Makefile default goal \+ -DHZ3_S154_SPILL_PREFETCH=0 does not compile/);
      assert.match(message, /These would compile them: .*HZ3_S154_SPILL_PREFETCH=1/);
      assert.ok(dead.every((x) => x.source === 'Perf Heat'));

      // The setting removed (a flag-view event): the prefetch line compiles again and its diagnostic goes.
      settings.perfHeat = { profile: 'profiles/cpu-clock.perf.data' };
      published.length = 0;
      await conn.sendNotification(DidChangeConfigurationNotification.type, { settings });
      await next('after the define was removed', (d) => !d.some((x) => x.range.start.line === hotLine));
      await server.shutdown();
    } finally {
      server.kill();
    }
  },
);

test(
  'a client that says nothing about trust gets an untrusted server; a virtual workspace folder does not break initialize',
  { skip: NEEDS_BUILD },
  async () => {
    // An external symbolizer asked for: an untrusted server must not start it (the builtin one maps the samples).
    const server = startStdioServer({
      perfHeat: { profile: 'profiles/cpu-clock.perf.data', symbolizer: 'addr2line' },
    });
    const { messages } = server;
    let untrusted: () => void;
    const saidUntrusted = new Promise<void>((resolve) => (untrusted = resolve));
    server.onMessage((m) => {
      if (/This workspace is not trusted, so Perf Heat runs no external program: the chosen symbolizer/.test(m))
        untrusted();
    });
    try {
      const init = await server.initialize({
        // A remote/virtual folder first (what VS Code sends for a GitHub repository opened without cloning).
        workspaceFolders: [
          { uri: 'vscode-vfs://github/owner/repo', name: 'virtual' },
          { uri: pathToFileURL(DEMO).toString(), name: 'mini-hz3' },
        ],
        capabilities: { workspace: { configuration: true } },
      });
      assert.ok(init.capabilities.hoverProvider);
      // The profile loads from the file folder, and says the symbolizer was not started: nobody said it is trusted.
      await within(saidUntrusted, 20_000, () => `no untrusted-workspace warning; messages: ${messages.join('; ')}`);
      await server.shutdown();
    } finally {
      server.kill();
    }
  },
);

/**
 * The server driven in-process, over a pair of in-memory streams: importing server.ts starts nothing (a module that
 * created its connection at import would throw here, with no stdio or IPC to connect to), and startServer() serves
 * whatever connection it is given.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import {
  DiagnosticSeverity,
  DidOpenTextDocumentNotification,
  PublishDiagnosticsNotification,
  type Diagnostic,
} from 'vscode-languageserver-protocol/node';
import { FileHeatRequest, ListProfilesRequest, LoadProfileRequest, SetFlagRequest, type FileHeat } from '../protocol';
import { initialize, inProcessServer } from './testing/in-process';

const DEMO = join(__dirname, '../../demo/mini-hz3');

test(
  'startServer over in-memory streams: initialize, load a profile by request, list it',
  { timeout: 60_000 },
  async () => {
    const { ctx, client, close } = inProcessServer();
    client.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({})));
    try {
      const init = await initialize(client, DEMO, { trusted: false });
      assert.ok(init.capabilities.hoverProvider);
      assert.deepEqual(ctx.workspace.roots(), [DEMO]);
      assert.equal(ctx.profiles.trusted, false, 'initializationOptions.trusted reaches the profile service');
      let changes = 0;
      ctx.onProfileChanged(() => changes++);
      const summary = await client.sendRequest(LoadProfileRequest.method, {
        path: join(DEMO, 'profiles/cpu-clock.perf.data'),
      });
      assert.match((summary as { format: string }).format, /^perf\.data/);
      assert.equal(changes, 1, 'a load is one profile change, seen by every feature');
      const list = (await client.sendRequest(ListProfilesRequest.method)) as { profiles: unknown[]; activeId: number };
      assert.equal(list.profiles.length, 1);
    } finally {
      close();
    }
  },
);

test(
  'diagnostics follow each event on their own: document opened, profile loaded, flag toggled',
  { timeout: 60_000 },
  async () => {
    const { client, close } = inProcessServer();
    // The flag view turns S154's prefetch off; the profile was recorded with it on (the Makefile's default).
    client.onRequest('workspace/configuration', (p: { items: unknown[] }) =>
      p.items.map(() => ({ flags: { defines: ['HZ3_S154_SPILL_PREFETCH=0'] } })),
    );
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
    try {
      // Trusted: perf.data lines come from the binaries' debug info (addr2line), which an untrusted workspace skips.
      await initialize(client, DEMO, { trusted: true });
      await client.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: 'c', version: 1, text },
      });
      assert.ok(!deadHotLine(await next()), 'opened, no profile yet: no sample is on a dead line');

      await client.sendRequest(LoadProfileRequest.method, { path: join(DEMO, 'profiles/cpu-clock.perf.data') });
      const loaded = await next();
      assert.ok(
        deadHotLine(loaded),
        `after the load the prefetch line's samples are on a line the view does not compile: ${JSON.stringify(loaded)}`,
      );
      assert.equal(
        loaded.find((x) => x.severity === DiagnosticSeverity.Warning)?.range.start.line,
        loaded.map((x) => x.range.start.line).sort((a, b) => a - b)[0],
        'the warning on the first dead line',
      );

      await client.sendRequest(SetFlagRequest.method, { name: 'HZ3_S154_SPILL_PREFETCH', value: '1' });
      assert.ok(!deadHotLine(await next()), 'toggled back on: the prefetch line compiles, its diagnostic goes');
    } finally {
      close();
    }
  },
);

/** perf report --sort srcline (no -n): `  16.02%  file:line` → share by `file:line`. */
function perfShares(name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of readFileSync(join(DEMO, 'profiles', name), 'utf8').matchAll(/^\s+([\d.]+)%\s+(\S+):(\d+)\s*$/gm))
    out.set(`${m[2]}:${m[3]}`, Number(m[1]));
  return out;
}

test(
  "perfHeat/fileHeat answers ready to draw: perf report's shares as labels, the steps of the sqrt scale, the change against the baseline in points",
  { timeout: 120_000 },
  async () => {
    const { client, close } = inProcessServer();
    client.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({})));
    try {
      await initialize(client, DEMO, { trusted: false });
      const file = 'mh3_owner_stash_pop.inc';
      const uri = pathToFileURL(join(DEMO, 'src', file)).toString();
      await client.sendRequest(LoadProfileRequest.method, { path: join(DEMO, 'profiles/cpu-clock.perf.data') });
      const a = perfShares('report-srcline.txt');
      const heat = (await client.sendRequest(FileHeatRequest.method, {
        uri,
        mode: { kind: 'event', event: 0 },
      })) as FileHeat;
      const mine = [...a].filter(([k]) => k.startsWith(`${file}:`));
      assert.ok(mine.length > 5);
      for (const [key, share] of mine) {
        const l = heat.lines.find((x) => x.line === Number(key.split(':')[1]) - 1);
        assert.ok(l, `${key} is drawn`);
        assert.ok(
          Math.abs(Number(l.text.replace('%', '')) - share) <= 0.06,
          `${key}: ${l.text}, perf report ${share}%`,
        );
      }
      // The scale is the profile's hottest line (perf's first row, 16.02%, is in this file): its line gets step 10,
      // the others ceil(10·sqrt(share / 16.02)).
      const [topKey, top] = [...a].sort((x, y) => y[1] - x[1])[0];
      assert.equal(topKey.split(':')[0], file);
      assert.equal(heat.hottest, Number(topKey.split(':')[1]) - 1);
      for (const [key, share] of mine) {
        const l = heat.lines.find((x) => x.line === Number(key.split(':')[1]) - 1)!;
        const want = Math.min(10, Math.max(1, Math.ceil(10 * Math.sqrt(share / top))));
        assert.ok(Math.abs(l.step - want) <= 1, `${key}: step ${l.step}, ${want} from perf's shares`);
      }

      // B against baseline A: each line's change in points is perf report B's share minus A's.
      await client.sendRequest(LoadProfileRequest.method, {
        path: join(DEMO, 'profiles/cpu-clock.perf.data'),
        role: 'baseline',
      });
      await client.sendRequest(LoadProfileRequest.method, { path: join(DEMO, 'profiles/cpu-clock-b.perf.data') });
      const b = perfShares('report-srcline-b.txt');
      const diff = (await client.sendRequest(FileHeatRequest.method, {
        uri,
        mode: { kind: 'diff', event: 0, by: 'share' },
      })) as FileHeat;
      assert.ok(diff.lines.length > 5, JSON.stringify(diff));
      for (const l of diff.lines) {
        const key = `${file}:${l.line + 1}`;
        const want = (b.get(key) ?? 0) - (a.get(key) ?? 0);
        const shown = Number(
          l.text
            .replace('−', '-')
            .replace(/ pts.*$/, '')
            .replace('<', ''),
        );
        assert.ok(Math.abs(shown - want) <= 0.11, `${key}: ${l.text}, perf report B − A = ${want.toFixed(2)}`);
        assert.equal(l.tone, want > 0 ? 'more' : 'less', key);
      }
    } finally {
      close();
    }
  },
);

test(
  'settings are pulled once and kept until workspace/didChangeConfiguration; a client that sends none is asked every time',
  { timeout: 60_000 },
  async () => {
    for (const sendsChanges of [true, false]) {
      const { ctx, client, close } = inProcessServer();
      let pulls = 0;
      let remaps: Record<string, string> = {};
      client.onRequest('workspace/configuration', (p: { items: unknown[] }) => {
        pulls++;
        return p.items.map(() => ({ pathRemaps: remaps }));
      });
      try {
        await initialize(client, DEMO, {
          trusted: false,
          workspace: sendsChanges ? { didChangeConfiguration: {} } : {},
        });
        const before = pulls;
        assert.deepEqual((await ctx.settings()).pathRemaps, {});
        assert.deepEqual((await ctx.settings()).pathRemaps, {});
        // Features may read the settings at `initialized` too: kept, that is still at most one pull.
        if (sendsChanges) assert.ok(pulls - before <= 1, `${pulls - before} pulls for two reads, changes announced`);
        else assert.ok(pulls - before >= 2, `${pulls - before} pulls for two reads, no changes announced`);
        remaps = { '/build': '/src' };
        if (sendsChanges) {
          // Unannounced, the kept value stands; announced, the next read pulls the new one.
          assert.deepEqual((await ctx.settings()).pathRemaps, {});
          // A load that follows a settings change asks for them anew (the notice may come after it).
          assert.deepEqual((await ctx.settings(true)).pathRemaps, { '/build': '/src' });
          const changed = new Promise<void>((r) => ctx.onSettingsChanged(() => r()));
          await client.sendNotification('workspace/didChangeConfiguration', { settings: null });
          await changed;
        }
        assert.deepEqual((await ctx.settings()).pathRemaps, { '/build': '/src' });
      } finally {
        close();
      }
    }
  },
);

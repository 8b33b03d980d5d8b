/**
 * perfHeat/disassembly and the hover's instruction text, over the in-memory server, in an untrusted workspace (the
 * disassembler starts no process, so untrusted workspaces have it too). Oracles: perf annotate run live on the
 * same recording (per-instruction samples and period), addr2line (the source line of an instruction).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HoverRequest, type Hover, type MarkupContent } from 'vscode-languageserver-protocol/node';
import { DisassemblyRequest, LoadProfileRequest, type Disassembly } from '../protocol';
import { initialize, inProcessServer } from './testing/in-process';
import { havePerfTools, parseAnnotateValues, runPerfAnnotate } from '../../test/perf-oracle';

const DEMO = join(__dirname, '../../demo/mini-hz3');
const RECORDING = join(DEMO, 'profiles/cpu-clock.perf.data');

test(
  "a hot line opens its function's disassembly: its instructions focused, with perf annotate's counts; the hover shows their text",
  { skip: !havePerfTools() && 'perf is not installed', timeout: 120_000 },
  async () => {
    const { client, close } = inProcessServer();
    client.onRequest('workspace/configuration', (p: { items: unknown[] }) =>
      p.items.map(() => ({ binaryPaths: [join(DEMO, 'build')] })),
    );
    try {
      await initialize(client, DEMO, { trusted: false });
      await client.sendRequest(LoadProfileRequest.method, { path: RECORDING });

      // perf's hottest instruction of the hottest symbol, and the source line addr2line gives for it.
      const [perf] = parseAnnotateValues(
        runPerfAnnotate(RECORDING, ['-n', 'mh3_owner_stash_pop'], join(DEMO, 'build')),
      );
      const [period] = parseAnnotateValues(
        runPerfAnnotate(RECORDING, ['--show-total-period', 'mh3_owner_stash_pop'], join(DEMO, 'build')),
      );
      const [hotAddress, hotSamples] = [...perf.values.entries()].reduce((a, b) => (b[1] > a[1] ? b : a));
      const a2l = execFileSync(
        'addr2line',
        ['-e', join(DEMO, 'build/mini-hz3-bench'), `0x${hotAddress.toString(16)}`],
        { encoding: 'utf8' },
      ).trim();
      const file = join(DEMO, 'src', basename(a2l.split(':')[0]));
      const line = Number.parseInt(a2l.split(':')[1], 10) - 1;

      const d = (await client.sendRequest(DisassemblyRequest.method, {
        uri: pathToFileURL(file).href,
        line,
      })) as Disassembly;
      assert.equal(d.function, 'mh3_owner_stash_pop');
      assert.ok(d.focus.length > 0, "the line's instructions are the focus");
      const focused = d.focus.map((n) => d.lines[n]);
      assert.ok(
        focused.every(
          (l) => l.kind === 'instruction' && l.source && fileURLToPath(l.source.uri) === file && l.source.line === line,
        ),
      );
      const hot = focused.find((l) => l.address === hotAddress);
      assert.ok(hot, `0x${hotAddress.toString(16)} is among the focused instructions`);
      assert.equal(hot.counts![0], period.values.get(hotAddress), 'period as perf annotate --show-total-period');
      assert.equal(hot.heat, 10, 'the hottest instruction has the top heat step');
      // Every instruction row carries perf's period; the document lists as many instructions as perf does.
      const rows = d.lines.filter((l) => l.kind === 'instruction');
      assert.equal(rows.length, perf.values.size);
      for (const r of rows) assert.equal(r.counts![0], period.values.get(r.address!), `0x${r.address!.toString(16)}`);
      assert.ok(hotSamples > 0);
      // A direct branch inside the function jumps to its target's row.
      const branch = rows.find((r) => r.jump);
      assert.ok(branch, 'the function has a branch to one of its instructions');
      const targetAddress = Number.parseInt(/ (0x[0-9a-f]+) </.exec(branch.text)![1], 16);
      assert.equal(d.lines[branch.jump!.line].address, targetAddress);
      // Source rows link to the workspace file.
      assert.ok(
        d.lines.some(
          (l) =>
            l.kind === 'source' && l.link && l.source && fileURLToPath(l.source.uri) === file && l.source.line === line,
        ),
      );

      const hover = (await client.sendRequest(HoverRequest.method, {
        textDocument: { uri: pathToFileURL(file).href },
        position: { line, character: 0 },
      })) as Hover;
      const md = (hover.contents as MarkupContent).value;
      const hotText = hot.text.split(/:\s+/).pop()!.split(' ')[0];
      assert.ok(md.includes(`0x${hotAddress.toString(16).padStart(6, '0')}  ${hotText}`), md);
      assert.match(md, /\[Show disassembly\]\(command:perfHeat\.showDisassembly\?/);

      // A call site whose callee was inlined: addr2line -i names it as the second frame of the inlined code; asking
      // for that line focuses the code inlined there.
      const addresses = [...perf.values.keys()];
      const frames = execFileSync(
        'addr2line',
        ['-i', '-a', '-e', join(DEMO, 'build/mini-hz3-bench'), ...addresses.map((x) => `0x${x.toString(16)}`)],
        { encoding: 'utf8' },
      );
      const inlined = [...frames.matchAll(/^0x0*([0-9a-f]+)\n([^\n]+)\n([^\n]+\.inc:\d+)/gm)].map((m) => ({
        address: Number.parseInt(m[1], 16),
        site: m[3].split(' ')[0],
      }));
      assert.ok(inlined.length > 0, 'the hot function has inlined code');
      const { address: inAddress, site } = inlined[0];
      const siteLine = Number.parseInt(site.split(':')[1], 10) - 1;
      const siteFile = join(DEMO, 'src', basename(site.split(':')[0]));
      const atSite = (await client.sendRequest(DisassemblyRequest.method, {
        uri: pathToFileURL(siteFile).href,
        line: siteLine,
      })) as Disassembly;
      assert.ok(
        atSite.focus.some((n) => atSite.lines[n].address === inAddress),
        `0x${inAddress.toString(16)}, inlined at ${site}, is focused from that line`,
      );

      await assert.rejects(
        client.sendRequest(DisassemblyRequest.method, { function: 'no_such_function' }),
        /no instruction of "no_such_function" was sampled/,
      );
    } finally {
      close();
    }
  },
);

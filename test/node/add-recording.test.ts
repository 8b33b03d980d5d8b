/**
 * "Add Recording to Profile" at the protocol level, against the built server over stdio (as any LSP client drives
 * it): a cpu-clock recording, then a page-faults recording of the same build, become one profile whose file heat has
 * both events with perf's numbers; a recording of the B build is refused with the reason and changes nothing; the
 * exported report groups functions by the perfHeat.report.groups setting.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ConfigurationRequest,
  createProtocolConnection,
  InitializeRequest,
  InitializedNotification,
  StreamMessageReader,
  StreamMessageWriter,
  ShutdownRequest,
  ExitNotification,
} from 'vscode-languageserver-protocol/node';
import {
  AddRecordingRequest,
  ExportReportRequest,
  FileHeatRequest,
  ListProfilesRequest,
  LoadProfileRequest,
  type FileHeat,
  type LoadedProfiles,
  type ProfileSummary,
} from '../../src/protocol';

const ROOT = join(__dirname, '../..');
const DEMO = join(ROOT, 'demo/mini-hz3');
const SERVER = join(ROOT, 'dist/server.js');
const P = (f: string): string => join(DEMO, 'profiles', f);

/** perf report --sort srcline -n of page-faults.perf.data: samples per `file:line` (with -c 1, one per fault). */
function perfPageFaults(): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of readFileSync(P('report-srcline-page-faults.txt'), 'utf8').split('\n')) {
    const m = /^\s+[\d.]+%\s+(\d+)\s+(\S+):(\d+)\s*$/.exec(l);
    if (m) out.set(`${m[2]}:${m[3]}`, Number(m[1]));
  }
  return out;
}

test(
  'LSP: addRecording merges another event of the build, refuses another build, and the report groups by the setting',
  { skip: !existsSync(SERVER) && 'run npm run build first' },
  async () => {
    const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const conn = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const settings: Record<string, unknown> = { perfHeat: { report: { groups: ['allocator=mh3_'] } } };
    conn.onRequest(ConfigurationRequest.type, (p) =>
      p.items.map((i) => (i.section ? (settings[i.section] ?? null) : settings)),
    );
    conn.listen();
    const dir = mkdtempSync(join(tmpdir(), 'perf-heat-add-'));
    try {
      await conn.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: pathToFileURL(DEMO).toString(),
        workspaceFolders: [{ uri: pathToFileURL(DEMO).toString(), name: 'mini-hz3' }],
        capabilities: { workspace: { configuration: true } },
        initializationOptions: { clientLoadsProfile: true },
      });
      await conn.sendNotification(InitializedNotification.type, {});
      await conn.sendRequest(LoadProfileRequest.method, { path: P('cpu-clock.perf.data') });
      const merged = (await conn.sendRequest(AddRecordingRequest.method, {
        path: P('page-faults.perf.data'),
      })) as ProfileSummary;
      assert.deepEqual(
        merged.events.map((e) => e.name),
        ['cpu-clock', 'page-faults'],
      );
      assert.deepEqual(merged.recordings, [P('cpu-clock.perf.data'), P('page-faults.perf.data')]);

      const uri = pathToFileURL(join(DEMO, 'include/mh3_inline.h')).toString();
      // The page-faults heat with counts as labels: the number the editor writes after each line.
      const heat = (await conn.sendRequest(FileHeatRequest.method, {
        uri,
        mode: { kind: 'event', event: 1 },
        lineText: 'count',
      })) as FileHeat;
      assert.deepEqual(heat.events, ['cpu-clock', 'page-faults']);
      const perf = perfPageFaults();
      const hot = [...perf].filter(([k]) => k.startsWith('mh3_inline.h:'));
      assert.ok(hot.length > 0);
      for (const [key, n] of hot) {
        const line = Number(key.split(':')[1]);
        const text = heat.lines.find((l) => l.line === line - 1)?.text ?? '';
        assert.equal(
          Number(text.split(' ')[0].replace(/,/g, '')),
          n,
          `${key}: page-faults as perf report -n (shown: ${text})`,
        );
      }

      await assert.rejects(
        conn.sendRequest(AddRecordingRequest.method, { path: P('cpu-clock-b.perf.data') }),
        /build-ids differ: mini-hz3-bench is 21b70efe525d in cpu-clock\.perf\.data and mini-hz3-bench-b is d21774469fc1 in cpu-clock-b\.perf\.data/,
      );
      const list = (await conn.sendRequest(ListProfilesRequest.method)) as LoadedProfiles;
      assert.deepEqual(
        list.profiles.find((p) => p.id === list.activeId)?.events.map((e) => e.name),
        ['cpu-clock', 'page-faults'],
        'the refusal changed nothing',
      );

      const output = join(dir, 'report.md');
      await conn.sendRequest(ExportReportRequest.method, { output, statFiles: [] });
      const md = readFileSync(output, 'utf8');
      assert.match(md, /^# Performance analysis: cpu-clock\.perf\.data \+ page-faults\.perf\.data\n/);
      assert.match(md, /\| allocator \| names starting `mh3_` \| [\d.]+% \| [\d.]+% \|/);
      await conn.sendRequest(ShutdownRequest.type);
      await conn.sendNotification(ExitNotification.type);
    } finally {
      conn.dispose();
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/**
 * perfHeat/exportReport of an A/B pair over stdio, as any LSP client drives it: the active profile's build is what
 * the Flags view knows (the demo's Makefile default goal with the user's toggle of the flipped flag), the
 * baseline's is given as a parameter (the Makefile's `all`), and the report ties the difference to the flag the
 * experiment flipped. The values themselves are checked against `cc -E -dM` in src/engine/report-ab.test.ts.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ExportReportRequest,
  LoadProfileRequest,
  SetBaselineRequest,
  SetFlagRequest,
  type ProfileSummary,
} from '../../src/protocol';
import { DEMO, NEEDS_BUILD, startStdioServer } from './stdio-server';

const P = (f: string): string => join(DEMO, 'profiles', f);

test(
  "LSP: exportReport takes B's flags from the Flags view (build + toggles) and A's from the request",
  { skip: NEEDS_BUILD, timeout: 120_000 },
  async () => {
    const server = startStdioServer({});
    const { conn } = server;
    const dir = mkdtempSync(join(tmpdir(), 'perf-heat-export-'));
    try {
      await server.initialize({
        capabilities: { workspace: { configuration: true } },
        initializationOptions: { clientLoadsProfile: true },
      });
      const a = (await conn.sendRequest(LoadProfileRequest.method, {
        path: P('cpu-clock.perf.data'),
      })) as ProfileSummary;
      await conn.sendRequest(LoadProfileRequest.method, { path: P('cpu-clock-b.perf.data') });
      await conn.sendRequest(SetBaselineRequest.method, { id: a.id });
      await conn.sendRequest(SetFlagRequest.method, { name: 'HZ3_S121_PAGE_LOCAL_REMOTE', value: '1' });
      const output = join(dir, 'report.md');
      await conn.sendRequest(ExportReportRequest.method, {
        output,
        statFiles: [],
        builds: { baseline: { makefile: join(DEMO, 'Makefile'), target: 'all' } },
        experiment: { name: 'S121', flipped: ['HZ3_S121_PAGE_LOCAL_REMOTE=1'] },
      });
      const md = readFileSync(output, 'utf8');
      assert.match(md, /## 1\. Builds and flags \(experiment S121\)/);
      assert.match(
        md,
        /- B \(comparison, `cpu-clock-b\.perf\.data`\): the Flags view: Makefile .*toggles HZ3\\_S121\\_PAGE\\_LOCAL\\_REMOTE=1; compiles the hot code in `src\/mh3_owner_stash\.c`\./,
      );
      assert.match(md, /\| `HZ3_S121_PAGE_LOCAL_REMOTE` \| `0` \| `1` \| .* \| yes \|/);
      assert.match(
        md,
        /\| · `#if HZ3_S121_PAGE_LOCAL_REMOTE` \/ `#else` \| 244-333 \| `#else` \| `#if HZ3_S121_PAGE_LOCAL_REMOTE` \| yes \|/,
      );
      await server.shutdown();
    } finally {
      server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/**
 * Event names of files that carry none (old pipe-mode perf: no EVENT_DESC, no EVENT_UPDATE): derived from the attr
 * with perf's modifiers. The oracle is perf itself: `perf script` run on the same synthetic file names the events.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPerfData } from './reader';
import { SampleType } from './constants';
import { buildPipe } from './testing/build';
import { writeSample, type AttrSpec } from './testing/writer';

const ATTRS: (AttrSpec & { ids: number[] })[] = [
  { type: 0, config: 0n, preciseIp: 2, excludeGuest: true, ids: [1] }, // cycles:ppH
  { type: 0, config: 1n, excludeKernel: true, excludeHv: true, excludeGuest: true, ids: [2] }, // instructions:uH
  { type: 1, config: 0n, ids: [3] }, // cpu-clock:HG
  { type: 1, config: 2n, excludeUser: true, excludeGuest: true, ids: [4] }, // page-faults:kh…
  { type: 0, config: 3n, preciseIp: 3, excludeGuest: true, excludeHost: false, ids: [5] },
  { type: 4, config: 0x1234n, excludeGuest: true, ids: [6] }, // raw
  { type: 3, config: 0x10000n, ids: [7] }, // L1-dcache-load-misses
].map((a) => ({
  ...a,
  sampleType: SampleType.IP | SampleType.TID | SampleType.ID | SampleType.PERIOD,
  samplePeriod: 1000,
  sampleIdAll: true,
}));

function perfNames(path: string): string[] {
  const out = execFileSync('perf', ['script', '-i', path, '-F', 'event'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString();
  return out
    .split('\n')
    .map((l) => l.trim().replace(/:$/, ''))
    .filter(Boolean);
}

test('events without a stored name are named from the attr as perf names them (cycles:ppH, instructions:uH, …)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'event-names-'));
  const path = join(dir, 'old-pipe.data');
  writeFileSync(
    path,
    buildPipe({
      le: true,
      attrs: ATTRS,
      records: (w) =>
        ATTRS.forEach((a, i) => writeSample(w, a, { ip: 0x1000 + i, pid: 1, tid: 1, id: a.ids[0], period: 1000 })),
    }),
  );
  let want: string[];
  try {
    want = perfNames(path);
  } catch {
    t.skip('perf is not installed');
    return;
  }
  assert.equal(want.length, ATTRS.length);
  const pd = await openPerfData(path);
  assert.deepEqual(
    pd.attrs.map((a) => a.name),
    want,
  );
  assert.ok(want.includes('cycles:ppH'), want.join());
});

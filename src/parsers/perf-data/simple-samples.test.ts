import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { summarizeRecords } from './aggregate';
import { openPerfData } from './reader';
import { summarizeSimple, type Accumulated } from './simple-samples';

const ROOT = join(__dirname, '../../..');
const FILES = [
  'test/fixtures/perf-data/two-events.data',
  'test/fixtures/perf-data/cpu-clock-g.data',
  'test/fixtures/perf-data/compressed.data',
  'test/fixtures/perf-data/pipe.data',
  'test/fixtures/perf-names/group.data',
  'test/fixtures/perf-names/jit.data',
  'demo/mini-hz3/profiles/cpu-clock.perf.data',
  'demo/mini-hz3/profiles/cpu-clock-b.perf.data',
  'demo/mini-hz3/profiles/two-events.perf.data',
]
  .map((f) => join(ROOT, f))
  .filter(existsSync);

const plain = (a: Accumulated) => ({
  byDso: [...a.byDso].map(([dso, m]) => [dso, [...m].sort((x, y) => (x[0] < y[0] ? -1 : 1))]),
  totals: a.totals,
  buildIds: a.buildIds,
  recordTypes: a.recordTypes,
  counters: [
    a.unknownEventSamples,
    a.samplesWithoutIp,
    a.lostEvents,
    a.lostSamples,
    a.groupSamples,
    a.unknownIds,
    a.zeroDeltas,
  ],
  withoutIp: a.withoutIpByEvent,
  kernelText: a.kernelText,
});

test('the fast path counts every (DSO, offset) exactly as the general record-by-record replay does', async () => {
  let fast = 0;
  for (const f of FILES) {
    const general = await summarizeRecords(await openPerfData(f), undefined);
    // Small chunks too: records cut across reads must come out the same.
    for (const chunk of [1 << 20, 4096]) {
      const simple = await summarizeSimple(await openPerfData(f), chunk);
      if (!simple) continue;
      fast++;
      assert.deepEqual(plain(simple), plain(general), `${f} (chunk ${chunk})`);
    }
  }
  // The compressed and pipe fixtures take the general path; the plain file-mode ones must take the fast one.
  assert.ok(fast >= 8, `only ${fast} fast-path reads`);
});

test('files outside the simple shape are left to the general path', async () => {
  // Compressed, pipe mode, and group reads (PERF_SAMPLE_READ: weighted by counter deltas, in order).
  for (const f of ['perf-data/compressed.data', 'perf-data/pipe.data', 'perf-names/group.data']) {
    const path = join(ROOT, 'test/fixtures', f);
    if (existsSync(path)) assert.equal(await summarizeSimple(await openPerfData(path), 1 << 20), undefined, f);
  }
});

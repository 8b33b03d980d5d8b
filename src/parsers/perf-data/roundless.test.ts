/**
 * A pipe-mode perf.data without FINISHED_ROUND records (our generator's, bench/memory/generate.ts) used to queue
 * every record for time ordering: 1.86 GB for 400 MB. With the queue capped as perf's ordered-events buffer is, a
 * 50 MB stream is summarized inside a 128 MB heap (a child process, so an unbounded queue fails the test by
 * running out of heap), with every sample counted.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { runBounded } from '../../../test/bounded';
import { writeRoundlessPipe } from '../../../bench/memory/generate';

const dir = mkdtempSync(join(tmpdir(), 'ph-roundless-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('a 50 MB round-less pipe stream is summarized in a 128 MB heap, every sample counted', () => {
  const path = join(dir, 'roundless.data');
  const g = writeRoundlessPipe(path, 50e6);
  const r = runBounded(
    `
    const { summarizePerfData } = await load('src/parsers/perf-data/aggregate.ts');
    const s = await summarizePerfData(${JSON.stringify(path)});
    return { samples: s.events[0].samples, addresses: s.addresses.length, dso: s.addresses[0].dso };`,
    { heapMb: 128, timeoutMs: 300_000 },
  );
  assert.equal(r.failure, undefined);
  assert.deepEqual(r.value, { samples: g.samples, addresses: 509, dso: '/bench/prog' });
});

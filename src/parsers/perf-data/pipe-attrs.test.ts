/**
 * Pipe-mode HEADER_ATTR records: linear in their number, and capped as file mode caps its attrs section (4096).
 * The streams are made by our own writer; 16,000 attrs (1.3 MB) used to take 42 s, 32,000 did not finish. The big
 * cases run in a child process with a generous timeout, so a quadratic reader fails the test instead of stalling it.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { runBounded } from '../../../test/bounded';
import { SampleType as S } from './constants';
import { MAX_ATTRS } from './context';
import { memorySource } from './byte-source';
import { openPerfData } from './reader';
import { summarizePerfData } from './aggregate';
import { buildPipe } from './testing/build';
import { writeSample } from './testing/writer';

const ST = S.IP | S.TID | S.TIME | S.ID | S.PERIOD;

function pipeWithAttrs(n: number): Buffer {
  const attrs = Array.from({ length: n }, (_, i) => ({
    type: 1,
    config: BigInt(i % 16),
    sampleType: ST,
    samplePeriod: 1,
    sampleIdAll: true,
    ids: [1000 + i],
  }));
  return buildPipe({
    le: true,
    attrs,
    records: (w) => {
      for (let i = 0; i < 8; i++)
        writeSample(w, attrs[i % n]!, {
          ip: 0x401000 + i,
          pid: 1,
          tid: 1,
          time: 1000 + i,
          id: 1000 + (i % n),
          period: 1,
        });
    },
  });
}

describe('pipe-mode HEADER_ATTR records', () => {
  it(`${MAX_ATTRS} attrs (the cap) read in full, each sample under its own attr`, async () => {
    const data = pipeWithAttrs(MAX_ATTRS);
    const pd = await openPerfData('many-attrs.data', { source: memorySource(data) });
    assert.equal(pd.attrs.length, MAX_ATTRS);
    const s = await summarizePerfData('many-attrs.data', { source: memorySource(data) });
    assert.equal(s.events.length, MAX_ATTRS);
    assert.deepEqual(
      s.events.slice(0, 8).map((e) => e.samples),
      [1, 1, 1, 1, 1, 1, 1, 1],
    );
  });

  it('16,000 attrs fail at once with one line naming the file and the cap', () => {
    const data = pipeWithAttrs(16_000);
    const r = runBounded(
      `
      const { openPerfData } = await load('src/parsers/perf-data/reader.ts');
      const { memorySource } = await load('src/parsers/perf-data/byte-source.ts');
      try { const pd = await openPerfData('hostile-attrs.data', { source: memorySource(Buffer.from(${JSON.stringify(data.toString('base64'))}, 'base64')) }); for await (const b of pd.batches()) void b; return 'read'; }
      catch (e) { return { name: e.name, kind: e.kind, message: e.message }; }`,
      { timeoutMs: 120_000 },
    );
    assert.equal(r.failure, undefined);
    const v = r.value as { kind: string; message: string };
    assert.equal(v.kind, 'bad-attr');
    assert.match(
      v.message,
      /^hostile-attrs\.data: byte \d+: more than 4096 HEADER_ATTR records \(file mode allows 4096 attrs\): the stream is damaged$/,
    );
  });
});

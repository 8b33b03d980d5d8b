/**
 * Fuzz tier (npm run test:fuzz): mutated and cut copies of real and synthetic files must either read or fail with a
 * PerfDataError of a documented kind, naming the file: never another exception, never a hang. 11,000 cases; each
 * is read from memory through the byte-source interface (no temp files), once record by record and once summarized.
 * Nothing is timed: every loop of the reader is bounded by the bytes it is given, and the runner's timeout
 * catches a hang.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { summarizePerfData } from './aggregate';
import { memorySource } from './byte-source';
import { PerfDataError } from './errors';
import { openPerfData } from './reader';
import { buildFile } from './testing/build';
import { FIXTURES } from './testing/fixtures';
import { FULL_ATTR, FULL_SAMPLE, richCompressed, richFile, richPipe } from './testing/samples';
import { writeSample } from './testing/writer';

const path = '/fuzz/case.data';
const KINDS = new Set([
  'bad-magic',
  'bad-header',
  'bad-attr',
  'bad-record',
  'bad-sample',
  'bad-compressed',
  'truncated-header',
]);

async function readAnyway(data: Uint8Array): Promise<void> {
  const source = memorySource(data);
  try {
    const pd = await openPerfData(path, { source });
    for await (const r of pd.records()) if (r.kind === 'sample') void r.callchain;
    await summarizePerfData(path, { source });
  } catch (e) {
    if (!(e instanceof PerfDataError) || !KINDS.has(e.kind)) throw e;
    assert.ok(e.message.startsWith(`${path}: byte `), e.message);
    assert.ok(!e.message.includes('\n'), e.message);
  }
}

/** A few bytes overwritten (biased to the header and the start of the data), optionally cut short. */
function mutations(size: number) {
  const pos = fc.oneof(fc.nat({ max: Math.min(size - 1, 400) }), fc.nat({ max: size - 1 }));
  return fc.record({
    edits: fc.array(fc.record({ pos, byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }),
    cut: fc.option(fc.nat({ max: size }), { freq: 4 }),
  });
}

function mutate(base: Buffer, m: { edits: { pos: number; byte: number }[]; cut: number | null }): Buffer {
  const out = Buffer.from(base);
  for (const e of m.edits) out[e.pos] = e.byte;
  return m.cut === null ? out : out.subarray(0, m.cut);
}

const full = buildFile({
  le: true,
  attrs: [FULL_ATTR],
  records: (w) => {
    for (let i = 0; i < 4; i++) writeSample(w, FULL_ATTR, FULL_SAMPLE);
  },
});
// 11,000 cases, spread by what a case costs: a synthetic base reads in about 0.5 ms, the real -z recording in about
// 9 ms (its whole zstd stream is decoded twice per case), so the cheap bases take more of the mutations.
const bases: [string, Buffer, number][] = [
  ['synthetic little-endian file, every record kind', richFile(true), 3500],
  ['synthetic big-endian pipe', richPipe(false), 2500],
  ['every sample field', full, 2500],
  ['synthetic COMPRESSED/COMPRESSED2 records, big-endian', richCompressed(false), 1000],
  ['real -z recording (zstd across records)', readFileSync(join(FIXTURES, 'compressed.data')), 300],
  // The first 16 KB of the pipe recording: attrs, features, mmaps and the first samples.
  ['real pipe-mode recording', readFileSync(join(FIXTURES, 'pipe.data')).subarray(0, 16384), 1200],
];

describe('fuzzed perf.data files', () => {
  for (const [name, base, runs] of bases) {
    it(`${name}: ${runs} mutations read or fail with a documented error`, { timeout: 600_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(mutations(base.length), (m) => readAnyway(mutate(base, m))),
        {
          numRuns: runs,
          seed: 0x5eed,
        },
      );
    });
  }
});

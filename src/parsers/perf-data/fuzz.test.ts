/**
 * Fuzzing: mutated and cut copies of real and synthetic files must either read or fail with a PerfDataError of a
 * documented kind: never another exception, never a hang. 10,000+ cases; each file is a few KB, so each case is
 * a few file reads.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { summarizePerfData } from './aggregate';
import { PerfDataError } from './errors';
import { openPerfData } from './reader';
import { buildFile } from './testing/build';
import { FIXTURES } from './testing/fixtures';
import { FULL_ATTR, FULL_SAMPLE, richCompressed, richFile, richPipe } from './testing/samples';
import { writeSample } from './testing/writer';

const dir = mkdtempSync(join(tmpdir(), 'ph-perfdata-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'case.data');
const KINDS = new Set(['bad-magic', 'bad-header', 'bad-attr', 'bad-record', 'bad-sample', 'bad-compressed', 'truncated-header']);
/** Generous: a case takes about a millisecond; a slow one means a loop that should not be there. */
const CASE_LIMIT_MS = 2000;

async function readAnyway(data: Uint8Array): Promise<void> {
  writeFileSync(path, data);
  const t0 = performance.now();
  try {
    const pd = await openPerfData(path);
    for await (const r of pd.records()) if (r.kind === 'sample') void r.callchain;
    await summarizePerfData(path);
  } catch (e) {
    if (!(e instanceof PerfDataError) || !KINDS.has(e.kind)) throw e;
    assert.ok(e.message.startsWith(`${path}: byte `), e.message);
  }
  assert.ok(performance.now() - t0 < CASE_LIMIT_MS, 'case took too long');
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

const full = buildFile({ le: true, attrs: [FULL_ATTR], records: (w) => {
  for (let i = 0; i < 4; i++) writeSample(w, FULL_ATTR, FULL_SAMPLE);
} });
const bases: [string, Buffer, number][] = [
  ['synthetic little-endian file, every record kind', richFile(true), 2500],
  ['synthetic big-endian pipe', richPipe(false), 2000],
  ['every sample field', full, 1500],
  ['synthetic COMPRESSED/COMPRESSED2 records, big-endian', richCompressed(false), 1000],
  ['real -z recording (zstd across records)', readFileSync(join(FIXTURES, 'compressed.data')), 1000],
  // The first 16 KB of the pipe recording: attrs, features, mmaps and the first samples.
  ['real pipe-mode recording', readFileSync(join(FIXTURES, 'pipe.data')).subarray(0, 16384), 2000],
];

describe('fuzzed perf.data files', () => {
  for (const [name, base, runs] of bases) {
    it(`${name}: ${runs} mutations read or fail with a documented error`, async () => {
      await fc.assert(fc.asyncProperty(mutations(base.length), (m) => readAnyway(mutate(base, m))), {
        numRuns: runs,
        seed: 0x5eed,
      });
    });
  }
});

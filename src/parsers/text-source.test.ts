/**
 * Text profiles are streamed (perf script) or read whole under a size cap (the rest), and every failure names the
 * file. The big case runs in a child process with a small heap: reading a 100 MB perf script whole needs more than
 * that heap, streaming it does not. Inputs come from our own generator (bench/memory/generate.ts).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { runBounded } from '../../test/bounded';
import { writePerfScriptText } from '../../bench/memory/generate';
import { ProfileFormatError } from './errors';
import { aggregatePerfScript, aggregatePerfScriptChunks } from './perf-script-aggregate';
import { readTextCapped, textChunks } from './text-source';

const dir = mkdtempSync(join(tmpdir(), 'ph-text-source-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const FIX = join(__dirname, '../../test/fixtures/perf-probe');

async function* pieces(text: string, cuts: number[]): AsyncGenerator<string> {
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    yield text.slice(at, c);
    at = c;
  }
  yield text.slice(at);
}

describe('streamed perf script', () => {
  const text = readFileSync(join(FIX, 'script_F_plus_srcline.txt'), 'utf8');
  const whole = aggregatePerfScript(text, 'whole.txt');

  it('gives the aggregate of the whole text however it is cut into pieces (300 random cuttings)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(text.length), { maxLength: 40 }), async (cuts) => {
        assert.deepEqual(await aggregatePerfScriptChunks(pieces(text, cuts), 'whole.txt'), whole);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('decodes a multi-byte character cut between two reads', async () => {
    const path = join(dir, 'utf8.txt');
    writeFileSync(path, 'ä'.repeat(10));
    const chunks: string[] = [];
    for await (const c of textChunks(path, { chunkBytes: 3 })) chunks.push(c);
    assert.equal(chunks.join(''), 'ä'.repeat(10));
  });

  it('a 100 MB perf script loads in a 64 MB heap (it is never held whole)', () => {
    const path = join(dir, 'big.perf-script.txt');
    const g = writePerfScriptText(path, 100e6);
    const r = runBounded(
      `
      const { loadProfile } = await load('src/engine/load-profile.ts');
      const p = await loadProfile(${JSON.stringify(path)}, { allowExternalPrograms: false });
      return { total: p.totals[0] };`,
      { heapMb: 64, timeoutMs: 300_000 },
    );
    assert.equal(r.failure, undefined);
    assert.deepEqual(r.value, { total: g.samples * 250000 });
  });
});

describe('whole-read text formats', () => {
  it('a file above the cap is refused with one line naming the file', async () => {
    const path = join(dir, 'report.txt');
    writeFileSync(path, 'x'.repeat(5000));
    await assert.rejects(
      readTextCapped(path, 'perf report text', 4096),
      (e: unknown) =>
        e instanceof ProfileFormatError &&
        e.message.startsWith(
          `${path}: 5000 bytes of perf report text: this format is read whole, and files above 4096 bytes are refused`,
        ) &&
        !e.message.includes('\n'),
    );
  });

  it('a missing file names the file', async () => {
    const path = join(dir, 'nope.txt');
    await assert.rejects(
      readTextCapped(path, 'x'),
      (e: unknown) => e instanceof ProfileFormatError && e.message === `${path}: no such file`,
    );
  });
});

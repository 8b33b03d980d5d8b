/**
 * Text profiles are streamed (perf script) or read whole under a size cap (the rest), and every failure names the
 * file. The big case runs in a child process with a small heap: reading a perf script as big as that heap whole
 * cannot fit in it, streaming it does. Inputs come from our own generator (bench/memory/generate.ts).
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

/**
 * The text's samples, each distinct one (its header without the time, and its frames) kept at its first `keep`
 * occurrences, in file order. The fixture's 5,650 samples are 80 distinct ones: the short text has every kind of
 * line and every sample shape of the long one, and a sample seen again (the counting path), at a tenth of the
 * size, so a random cut lands in the same kinds of places and each cutting costs a tenth.
 */
function distinctSamples(text: string, keep: number): string {
  const seen = new Map<string, number>();
  let out = '';
  for (const block of text.match(/[^\n][\s\S]*?\n(?:\n|$)/g) ?? []) {
    const key = block.replace(/^(\S+\s+\d+\s+)[\d.]+:/, '$1');
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    if (n < keep) out += block;
  }
  return out;
}

describe('streamed perf script', () => {
  const full = readFileSync(join(FIX, 'script_F_plus_srcline.txt'), 'utf8');

  const cuttings = (text: string, numRuns: number) =>
    fc.assert(
      fc.asyncProperty(fc.array(fc.nat(text.length), { maxLength: 40 }), async (cuts) => {
        assert.deepEqual(
          await aggregatePerfScriptChunks(pieces(text, cuts), 'whole.txt'),
          aggregatePerfScript(text, 'whole.txt'),
        );
      }),
      { numRuns, seed: 11 },
    );

  it('gives the aggregate of the whole text however it is cut into pieces (300 random cuttings)', async () => {
    const text = distinctSamples(full, 2);
    // The short text is what the comment above says it is: every distinct sample of the fixture, twice.
    assert.equal(distinctSamples(text, 2), text, 'distinctSamples keeps a sample shape at most twice');
    assert.equal(distinctSamples(text, 1), distinctSamples(full, 1));
    assert.ok(text.length * 10 < full.length, `${text.length} bytes of ${full.length}`);
    await cuttings(text, 300);
  });

  it('gives the aggregate of the whole fixture however it is cut into pieces (10 random cuttings)', async () => {
    await cuttings(full, 10);
  });

  it('decodes a multi-byte character cut between two reads', async () => {
    const path = join(dir, 'utf8.txt');
    writeFileSync(path, 'ä'.repeat(10));
    const chunks: string[] = [];
    for await (const c of textChunks(path, { chunkBytes: 3 })) chunks.push(c);
    assert.equal(chunks.join(''), 'ä'.repeat(10));
  });

  it('a 64 MB perf script loads in a 64 MB heap (it is never held whole: the text alone would fill it)', () => {
    const path = join(dir, 'big.perf-script.txt');
    const g = writePerfScriptText(path, 64 * 2 ** 20);
    assert.ok(g.bytes >= 64 * 2 ** 20);
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

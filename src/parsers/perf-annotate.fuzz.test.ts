/** Fuzz tier (npm run test:fuzz): mutated perf annotate text (PERF_HEAT_FUZZ_CASES cases, 10,000 by default). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parsePerfAnnotate } from './perf-annotate';
import { ProfileFormatError } from './errors';

const FIX = join(__dirname, '../../test/fixtures');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');

test('fuzz: mutated annotate text never throws anything but ProfileFormatError', () => {
  const base = read('perf-probe/annotate_stdio_group_l_two_events.txt').split('\n').slice(0, 120);
  const cases = Number(process.env.PERF_HEAT_FUZZ_CASES ?? 10_000);
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.nat(base.length - 1),
          fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(':', '//', '1.5', '<f>:', '   12a2:')),
        ),
        { maxLength: 6 },
      ),
      (edits) => {
        const lines = base.slice();
        for (const [at, s] of edits) lines[at] = lines[at].slice(0, s.length % (lines[at].length + 1)) + s;
        try {
          const f = parsePerfAnnotate(lines.join('\n'), 'fuzz.txt');
          for (const s of f.symbols)
            for (const i of s.instructions) assert.ok(i.values.every((v) => Number.isFinite(v)));
        } catch (e) {
          if (!(e instanceof ProfileFormatError)) throw e;
        }
      },
    ),
    { numRuns: cases },
  );
});

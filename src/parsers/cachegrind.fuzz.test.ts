/** Fuzz tier (npm run test:fuzz): mutated cachegrind output, 10,000 cases by default (PERF_HEAT_FUZZ_CASES). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseCachegrind } from './cachegrind';
import { ProfileFormatError } from './errors';

const FIX = join(__dirname, '../../test/fixtures');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');

test('fuzz: mutated cachegrind text never throws anything but ProfileFormatError', { timeout: 600_000 }, () => {
  const base = read('perf-probe/cachegrind.out.prog').split('\n').slice(0, 30);
  const pieces = fc.constantFrom(
    'fl=',
    'fn=',
    'fi=',
    'fe=',
    'events: ',
    'summary: ',
    'totals:',
    ' ',
    '-',
    '0',
    '99999999999999999999',
    'calls=',
    '#',
  );
  const cases = Number(process.env.PERF_HEAT_FUZZ_CASES ?? 10_000);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(29), fc.nat(80), fc.oneof(fc.string({ maxLength: 12 }), pieces), fc.boolean()), {
        maxLength: 5,
      }),
      (edits) => {
        const lines = base.slice();
        for (const [at, cut, s, insert] of edits) {
          const i = at % lines.length;
          if (insert) lines.splice(i, 0, s);
          else lines[i] = lines[i].slice(0, cut % (lines[i].length + 1)) + s;
        }
        try {
          const f = parseCachegrind(lines.join('\n'), 'fuzz.out');
          assert.equal(f.totals.length, f.events.length);
          assert.ok(f.rows.every((r) => r.counts.length === f.events.length && r.counts.every(Number.isFinite)));
        } catch (e) {
          if (!(e instanceof ProfileFormatError)) throw e;
          assert.match(e.message, /^fuzz\.out(:\d+)?: /);
        }
      },
    ),
    { numRuns: cases },
  );
});

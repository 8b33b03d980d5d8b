/** Fuzz tier (npm run test:fuzz): mutated perf stat text, 10,000 cases by default (PERF_HEAT_FUZZ_CASES). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePerfStat } from './perf-stat';
import { fuzzTextParser } from '../../test/fuzz-text';

const FIX = join(__dirname, '../../test/fixtures');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');

test('fuzz: mutated stat text never throws anything but ProfileFormatError', () => {
  fuzzTextParser({
    bases: [
      'perf-probe/stat_human_repeat3.txt',
      'perf-probe/stat_csv_default.txt',
      'hz10/glibc.stat',
      'perf-probe/stat_json.txt',
      'perf-probe/stat_human_default.txt',
    ].map((p) => read(p).split('\n')),
    pieces: [
      ',',
      ';',
      '%',
      '<not supported>',
      '<not counted>',
      '#',
      '( +-  1.5% )',
      '(50.00%)',
      '{',
      '"',
      ':',
      ' seconds user',
      ' (3 runs):',
      '1,234',
    ],
    parse: (text, file) => {
      const f = parsePerfStat(text, file);
      assert.ok(f.counters.every((c) => c.value === null || Number.isFinite(c.value)));
    },
  });
});

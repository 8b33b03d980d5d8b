/** Fuzz tier (npm run test:fuzz): mutated perf report text, 10,000 cases by default (PERF_HEAT_FUZZ_CASES). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePerfReport } from './perf-report';
import { fuzzTextParser } from '../../test/fuzz-text';

const FIX = join(__dirname, '../../test/fixtures');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');

test('fuzz: mutated report text never throws anything but ProfileFormatError', () => {
  fuzzTextParser({
    bases: [
      'perf-probe/report_group_n_period.txt',
      'perf-probe/report_nogroup_fieldsep.txt',
      'perf-probe/report_sort_sym_srcline_group_two_events.txt',
    ].map((p) => read(p).split('\n').slice(0, 24)),
    pieces: [
      '#',
      '# ',
      '.',
      ';',
      '%',
      '|',
      '--',
      '[k] ',
      "# Samples: 2 of events 'a, b'",
      '# ....  ..',
      '  ',
      ':',
      '+99999999999',
    ],
    parse: (text, file) => {
      const f = parsePerfReport(text, file);
      for (const s of f.sections) for (const r of s.rows) assert.ok((r.overhead ?? []).every(Number.isFinite));
    },
  });
});

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePerfStat } from './perf-stat';

// One `perf stat record`, printed by `perf stat report` in three locales (scripts/record-perf-stat-locale-fixtures.sh):
// the C-locale file is the oracle for the others.
const FIX = join(__dirname, '../../test/fixtures/perf-stat-locale');
const read = (name: string) => parsePerfStat(readFileSync(join(FIX, name), 'utf8'), name);

for (const locale of ['de_DE', 'fr_FR']) {
  test(`perf stat human output with ${locale} digit grouping reads as the same counts as in the C locale`, () => {
    const c = read('c.txt');
    const l = read(`${locale}.txt`);
    assert.ok(
      c.counters.some((x) => (x.value ?? 0) > 1000),
      'the fixture has counts above 1000',
    );
    assert.deepEqual(
      l.counters.map((x) => [x.event, x.value, x.unit, x.metricValue, x.metricUnit]),
      c.counters.map((x) => [x.event, x.value, x.unit, x.metricValue, x.metricUnit]),
    );
    assert.equal(l.elapsedSeconds, c.elapsedSeconds);
  });
}

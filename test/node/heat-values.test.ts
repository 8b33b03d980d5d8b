import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { hottestOf, lineValues, shiftHeat } from '../../src/extension/heat-values';
import type { FileHeat } from '../../src/protocol';

const heat: FileHeat = {
  uri: 'file:///x.c',
  profileId: 1,
  events: ['cycles', 'cache-misses'],
  stale: false,
  lines: [
    { line: 2, counts: [10, 1], shares: [10, 1] },
    { line: 5, counts: [40, 40], shares: [40, 40] },
    { line: 9, counts: [1, 5], shares: [1, 5] },
    { line: 12, counts: [0, 3], shares: [0, 3] },
  ],
  functions: [{ name: 'f', line: 1, counts: [51, 49], shares: [51, 49] }],
  maxShares: [40, 40],
};

test('event mode: shares against the profile-wide hottest line; zero-count lines hidden', () => {
  const v = lineValues(heat, { kind: 'event', event: 0 });
  assert.equal(v.max, 40);
  assert.deepEqual(v.lines.map((l) => [l.line, l.text]), [[2, '10.0%'], [5, '40.0%'], [9, '1.00%']]);
});

test('density mode: miss share ÷ cycle share; lines without cycles have no density', () => {
  const v = lineValues(heat, { kind: 'density', miss: 1, cycles: 0 });
  assert.deepEqual(v.lines.map((l) => [l.line, l.value]), [[2, 0.1], [5, 1], [9, 5]]);
  assert.equal(v.max, 5);
  // Line 9: 5 misses in 1 cycle (its density is ×5 because both totals are 100: the average is 1 per cycle).
  assert.equal(v.lines[2].text, '5.00 cache-misses per cycles');
  assert.equal(hottestOf(v.lines)?.line, 9);
  // A line with a sliver of the cycles is drawn but is never "the hottest": its density rests on a few samples.
  const sliver = lineValues({ ...heat, lines: [...heat.lines, { line: 20, counts: [0.01, 3], shares: [0.01, 3] }] }, { kind: 'density', miss: 1, cycles: 0 });
  assert.equal(sliver.max, 5);
  assert.equal(hottestOf(sliver.lines)?.line, 9);
});

test('count labels carry the event unit: clock periods in ms, samples as samples', () => {
  const clock: FileHeat = { ...heat, events: ['cpu-clock'], lines: [{ line: 3, counts: [278_250_000], shares: [8] }], maxShares: [8] };
  const ms = lineValues(clock, { kind: 'event', event: 0 }, 'count', [{ name: 'cpu-clock', unit: 'period' }]);
  assert.equal(ms.lines[0].text, '278.25 ms');
  const s = lineValues(heat, { kind: 'event', event: 0 }, 'count', [{ name: 'cycles', unit: 'samples' }, { name: 'cache-misses', unit: 'samples' }]);
  assert.deepEqual(s.lines.map((l) => l.text), ['10 samples', '40 samples', '1 sample']);
});

test('diff labels: an exact zero change is 0 pts, never <0.01', () => {
  const diff: FileHeat = {
    ...heat,
    diff: {
      baseline: 'a.data',
      events: ['cycles'],
      lines: [
        { line: 1, base: [99], other: [0], baseShares: [99], otherShares: [0], delta: [-99], normalizedDelta: [-99], only: 'base' },
        { line: 2, base: [1], other: [1.001], baseShares: [1], otherShares: [1.001], delta: [0.001], normalizedDelta: [0.001] },
      ],
      maxAbsDelta: [99],
      maxAbsNormalized: [99],
    },
  };
  const v = lineValues(diff, { kind: 'diff', event: 0, by: 'share' });
  assert.deepEqual(v.lines.map((l) => l.text), ['−99.0 pts · baseline only', '+<0.01 pts']);
});

test('edits move heat with the code: insertions shift, deletions drop, same-line edits keep', () => {
  const inserted = shiftHeat(heat, [{ startLine: 3, endLine: 3, insertedLines: 2 }]);
  assert.deepEqual(inserted.lines.map((l) => l.line), [2, 7, 11, 14]);
  assert.deepEqual(inserted.functions.map((f) => f.line), [1]);
  const deleted = shiftHeat(heat, [{ startLine: 4, endLine: 6, insertedLines: 0 }]);
  assert.deepEqual(deleted.lines.map((l) => l.line), [2, 7, 10], 'line 5 was deleted with its heat');
  const typed = shiftHeat(heat, [{ startLine: 5, endLine: 5, insertedLines: 0 }]);
  // Typing inside one line moves nothing: the same line list comes back (not a re-mapped copy), and the edited
  // line keeps its heat.
  assert.equal(typed.lines, heat.lines, 'a same-line edit returns the lines untouched');
  assert.deepEqual(typed.lines.find((l) => l.line === 5)?.counts, [40, 40], 'the edited line keeps its counts');
  assert.deepEqual(typed.lines.map((l) => l.line), [2, 5, 9, 12]);
  const two = shiftHeat(heat, [
    { startLine: 0, endLine: 0, insertedLines: 1 },
    { startLine: 10, endLine: 11, insertedLines: 0 },
  ]);
  assert.deepEqual(two.lines.map((l) => l.line), [3, 6, 10, 12]);
});

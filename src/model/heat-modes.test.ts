import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { drawHeat, type HeatSource } from './heat-modes';

// Both events total 100 over the profile, so a line's share is its count and the profile's average density is 1.
const heat: HeatSource = {
  events: [
    { name: 'cycles', unit: 'samples' },
    { name: 'cache-misses', unit: 'samples' },
  ],
  lines: [
    { line: 2, counts: [10, 1], shares: [10, 1] },
    { line: 5, counts: [40, 40], shares: [40, 40] },
    { line: 9, counts: [1, 5], shares: [1, 5] },
    { line: 12, counts: [0, 3], shares: [0, 3] },
  ],
  functions: [{ name: 'f', line: 1, counts: [51, 49], shares: [51, 49] }],
  maxShares: [50, 40],
};

test('event mode: steps against the profile-wide hottest line (sqrt scale); zero-count lines are not drawn', () => {
  const v = drawHeat(heat, { kind: 'event', event: 0 });
  // The profile's hottest line (elsewhere) has 50%: by hand, ceil(10·sqrt(10/50)) = 5, ceil(10·sqrt(40/50)) = 9,
  // ceil(10·sqrt(1/50)) = 2.
  assert.equal(v.scale, 50);
  assert.deepEqual(
    v.lines.map((l) => [l.line, l.step, l.text]),
    [
      [2, 5, '10.0%'],
      [5, 9, '40.0%'],
      [9, 2, '1.00%'],
    ],
  );
  assert.equal(v.hottest, 5);
  assert.deepEqual(v.functions, [{ line: 1, name: 'f', text: '51.0%' }]);
  assert.deepEqual(
    drawHeat(heat, { kind: 'event', event: 0 }, 'none').lines.map((l) => l.text),
    ['', '', ''],
  );
});

test('density mode: miss share ÷ cycle share, scaled by the densest line of the file; no cycles, no density', () => {
  const v = drawHeat(heat, { kind: 'density', miss: 1, cycles: 0 });
  // By hand: 1/10, 40/40, 5/1; line 12 has misses but no cycles.
  assert.deepEqual(
    v.lines.map((l) => [l.line, l.value]),
    [
      [2, 0.1],
      [5, 1],
      [9, 5],
    ],
  );
  assert.equal(v.scale, 5);
  assert.deepEqual(
    v.lines.map((l) => l.step),
    [2, 5, 10],
  );
  // 5 misses in 1 cycle.
  assert.equal(v.lines[2].text, '5.00 cache-misses per cycles');
  assert.equal(v.hottest, 9);
  // The function's own rate: 49 misses in 51 cycles = 0.961.
  assert.deepEqual(v.functions, [{ line: 1, name: 'f', text: '0.961 cache-misses per cycles' }]);
  // A line with a sliver of the cycles (0.01% < 0.05%) is drawn, but sets neither the scale nor the hottest line.
  const sliver = drawHeat(
    { ...heat, lines: [...heat.lines, { line: 20, counts: [0.01, 3], shares: [0.01, 3] }] },
    { kind: 'density', miss: 1, cycles: 0 },
  );
  assert.equal(sliver.scale, 5);
  assert.equal(sliver.hottest, 9);
  const off = sliver.lines.find((l) => l.line === 20)!;
  assert.equal(off.offScale, true);
  assert.equal(off.step, 10, 'its density (300) is beyond the scale: the strongest colour');
});

test('count labels carry the event unit: clock periods in ms, samples as samples', () => {
  const clock: HeatSource = {
    ...heat,
    events: [{ name: 'cpu-clock', unit: 'period' }],
    lines: [{ line: 3, counts: [278_250_000], shares: [8] }],
    maxShares: [8],
  };
  assert.equal(drawHeat(clock, { kind: 'event', event: 0 }, 'count').lines[0].text, '278.25 ms');
  assert.deepEqual(
    drawHeat(heat, { kind: 'event', event: 0 }, 'count').lines.map((l) => l.text),
    ['10 samples', '40 samples', '1 sample'],
  );
});

test('comparison: more and less in their palettes, scaled by the largest change of the whole comparison', () => {
  const diff: HeatSource = {
    ...heat,
    diff: {
      events: [{ name: 'cycles', unit: 'samples' }],
      lines: [
        { line: 1, base: [99], other: [0], delta: [-99], normalizedDelta: [-99], only: 'base' },
        { line: 2, base: [1], other: [1.001], delta: [0.001], normalizedDelta: [0.001] },
        { line: 3, base: [4], other: [4], delta: [0], normalizedDelta: [0] },
        { line: 4, base: [10], other: [35], delta: [25], normalizedDelta: [30] },
      ],
      maxAbsDelta: [99],
      maxAbsNormalized: [120],
    },
  };
  const v = drawHeat(diff, { kind: 'diff', event: 0, by: 'share' });
  // An exact zero change is not drawn; a tiny one is +<0.01 pts, never 0.
  assert.deepEqual(
    v.lines.map((l) => [l.line, l.tone, l.text]),
    [
      [1, 'less', '−99.0 pts · baseline only'],
      [2, 'more', '+<0.01 pts'],
      [4, 'more', '+25.0 pts'],
    ],
  );
  assert.equal(v.scale, 99);
  assert.equal(v.lines[2].step, 6, 'ceil(10·sqrt(25/99)) by hand');
  assert.deepEqual(v.functions, [], 'a comparison writes no function totals');
  const n = drawHeat(diff, { kind: 'diff', event: 0, by: 'normalized' });
  assert.equal(n.scale, 120);
  assert.equal(n.lines[2].text, '+30 samples (normalised)');
  assert.equal(n.lines[2].step, 5, 'ceil(10·sqrt(30/120)) = 5 by hand');
});

test("inclusive mode: colours by the inclusive share, scaled by the profile's largest, and labels both values", () => {
  const src: HeatSource = {
    events: [{ name: 'cpu-clock', unit: 'period' as const }],
    lines: [{ line: 4, counts: [1], shares: [1] }],
    functions: [],
    maxShares: [1],
    inclusive: {
      lines: [
        { line: 4, counts: [50], shares: [50] },
        { line: 9, counts: [25], shares: [25] },
      ],
      maxShares: [50],
    },
  };
  const d = drawHeat(src, { kind: 'inclusive', event: 0 });
  assert.deepEqual(
    d.lines.map((l) => [l.line, l.text]),
    [
      [4, '50.0% incl · 1.00% self'],
      [9, '25.0% incl · 0% self'],
    ],
  );
  assert.equal(d.scale, 50);
  assert.equal(d.hottest, 4);
  assert.ok(d.lines[0]!.step > d.lines[1]!.step);
});

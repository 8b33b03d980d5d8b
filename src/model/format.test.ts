import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  eventMeaning,
  eventUnitName,
  formatCount,
  formatEventValue,
  formatMs,
  formatPoints,
  formatRate,
  formatRatio,
  formatShare,
} from './format';

const cpuClock = { name: 'cpu-clock', unit: 'period' as const };
const samples = { name: 'cpu-clock', unit: 'samples' as const };
const ir = { name: 'Ir', unit: 'count' as const };
const d1mr = { name: 'D1mr', unit: 'count' as const };

test('clock periods are nanoseconds, shown as milliseconds', () => {
  // 278,250,000 ns (the example: 1113 samples of 250 µs at -F 4000) = 278.25 ms.
  assert.equal(formatEventValue(278_250_000, cpuClock), '278.25 ms');
  assert.equal(formatEventValue(250_000, cpuClock), '0.250 ms');
  assert.equal(formatEventValue(3_471_000_000, cpuClock), '3,471 ms');
  assert.equal(formatEventValue(0, cpuClock), '0 ms');
  assert.equal(formatMs(12.5), '12.50 ms');
  assert.equal(eventUnitName(cpuClock), 'ms');
});

test('sample counts are whole; scaled annotate percentages say they are approximate', () => {
  assert.equal(formatEventValue(1113, samples), '1,113 samples');
  assert.equal(formatEventValue(1, samples), '1 sample');
  assert.equal(formatEventValue(1113.1, samples), '≈1,113 samples');
  assert.equal(formatEventValue(0.4, samples), '≈0 samples');
});

test('other counts carry the event name as their unit', () => {
  assert.equal(formatEventValue(12_345, ir), '12,345 Ir');
  assert.equal(formatEventValue(7_770_000_000, { name: 'cycles', unit: 'period' }), '7.77B cycles');
  assert.equal(formatCount(189_700_000_000), '189.7B');
  assert.equal(formatCount(744_000_000), '744M');
  assert.equal(formatCount(9_280_000), '9.28M');
});

test('an exact zero share is 0%, a tiny one <0.01%', () => {
  assert.equal(formatShare(0), '0%');
  assert.equal(formatShare(0.004), '<0.01%');
  assert.equal(formatShare(2.968), '2.97%');
  assert.equal(formatShare(99.04), '99.0%');
  assert.equal(formatPoints(0), '0 pts');
  assert.equal(formatPoints(-0.001), '−<0.01 pts');
  assert.equal(formatPoints(1.234), '+1.23 pts');
  assert.equal(formatPoints(-99.04), '−99.0 pts');
  assert.equal(formatRatio(2.314), '×2.31');
});

test('rates name their denominator', () => {
  assert.equal(formatRate(123, 10_000, d1mr, ir), '0.0123 D1mr per Ir');
  assert.equal(formatRate(23, 10_000, d1mr, ir), '2.30 D1mr per 1,000 Ir');
  assert.equal(formatRate(5, 10_000_000, d1mr, ir), '0.500 D1mr per million Ir');
  // 41 misses in 10 ms of cpu-clock (10,000,000 ns).
  assert.equal(
    formatRate(41, 10_000_000, { name: 'cache-misses', unit: 'samples' }, cpuClock),
    '4.10 cache-misses per ms',
  );
  assert.equal(formatRate(1, 0, d1mr, ir), 'no Ir');
});

test('cachegrind events are explained', () => {
  assert.equal(eventMeaning('Ir'), 'instructions executed');
  assert.equal(eventMeaning('D1mr'), 'L1 data read misses');
  assert.equal(eventMeaning('DLmw'), 'last-level data write misses');
  assert.equal(eventMeaning('cycles:u'), 'CPU cycles');
  assert.equal(eventMeaning('frobnicate'), undefined);
});

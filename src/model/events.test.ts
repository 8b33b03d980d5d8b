import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { cycleEvent, missDensity, missEvent } from './events';

test('cycle and miss events are recognised by perf and cachegrind names', () => {
  assert.equal(cycleEvent(['cache-misses', 'cycles']), 1);
  assert.equal(cycleEvent(['cache-misses', 'cycles:P']), 1);
  assert.equal(cycleEvent(['task-clock', 'cpu-clock']), 0);
  const cg = ['Ir', 'I1mr', 'ILmr', 'Dr', 'D1mr', 'DLmr', 'Dw', 'D1mw', 'DLmw', 'Bc', 'Bcm'];
  assert.equal(cycleEvent(cg), 0);
  assert.equal(missEvent(cg), 4, 'D1mr: first-level data read misses');
  assert.equal(missEvent(['cycles', 'instructions', 'cache-references', 'cache-misses']), 3);
  assert.equal(missEvent(['cpu-clock', 'task-clock']), undefined);
  assert.equal(missEvent(['cycles', 'L1-dcache-load-misses']), 1);
});

test('miss density', () => {
  assert.equal(missDensity(20, 10), 2);
  assert.equal(missDensity(1, 0), undefined);
});

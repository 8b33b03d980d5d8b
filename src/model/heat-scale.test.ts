import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatShare, heatLevel } from './heat-scale';

test('heat levels: hottest is 10, cold sampled lines still visible, monotonic', () => {
  assert.equal(heatLevel(40, 40), 10);
  assert.equal(heatLevel(0.01, 40), 1);
  assert.equal(heatLevel(0, 40), 1);
  assert.equal(heatLevel(5, 0), 1);
  let prev = 0;
  for (let s = 0.01; s <= 40; s *= 1.3) {
    const l = heatLevel(s, 40);
    assert.ok(l >= prev && l >= 1 && l <= 10);
    prev = l;
  }
});

test('share labels', () => {
  assert.equal(formatShare(94), '94.0%');
  assert.equal(formatShare(2.968), '2.97%');
  assert.equal(formatShare(0.004), '<0.01%');
});

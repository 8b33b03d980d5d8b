import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { shareOf, sharesOf } from './share';

test('a share is the count over the total, in percent; no total gives 0, not NaN', () => {
  // By hand: 1,113 of 3,468 samples is 32.09...%; 0 of 0 and 5 of 0 have no denominator.
  assert.ok(Math.abs(shareOf(1113, 3468) - 32.0934) < 1e-4);
  assert.equal(shareOf(0, 0), 0);
  assert.equal(shareOf(5, 0), 0);
  assert.equal(shareOf(5, -1), 0);
  assert.deepEqual(sharesOf([1, 3, 7], [4, 12, 0]), [25, 25, 0]);
});

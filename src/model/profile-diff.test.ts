import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ProfileBuilder, type Profile } from './profile';
import { diffProfiles } from './profile-diff';
import { PathMapper } from './path-map';

function profile(events: string[], lines: [string, number, number[]][]): Profile {
  const b = new ProfileBuilder(
    'p',
    events.map((name) => ({ name, unit: 'samples' })),
    { format: 't', binaries: [] },
  );
  for (const [file, line, counts] of lines) b.addSourceLine({ dso: 'x', symbol: 'f', file, line, counts });
  return b.build();
}

test('shares compared in points, counts normalised to the baseline total, one-sided lines marked', () => {
  const base = profile(
    ['cycles', 'misses'],
    [
      ['/a/pop.inc', 10, [50, 5]],
      ['/a/pop.inc', 11, [50, 5]],
      ['/a/h.h', 3, [0, 0]],
    ],
  );
  // The other run is twice as long: same line mix would be the same shares, not a regression.
  const other = profile(
    ['misses', 'cycles'],
    [
      ['/b/pop.inc', 10, [10, 100]],
      ['/b/pop.inc', 12, [10, 100]],
    ],
  );
  const d = diffProfiles(base, other, new PathMapper(['/ws/pop.inc']));
  assert.deepEqual(d.events, ['cycles', 'misses'], 'matched by name, baseline order');
  const at = (line: number) => d.lines.find((l) => l.line === line)!;
  assert.deepEqual(at(10).delta, [0, 0]);
  assert.deepEqual(at(10).normalizedDelta, [0, 0]);
  assert.equal(at(10).file, '/ws/pop.inc', 'both recorded paths map to the workspace file');
  assert.deepEqual(at(11).delta, [-50, -50]);
  assert.equal(at(11).only, 'base');
  assert.deepEqual(at(12).delta, [50, 50]);
  assert.deepEqual(at(12).normalizedDelta, [50, 5]);
  assert.equal(at(12).only, 'other');
  assert.deepEqual(d.maxAbsDelta, [50, 50]);
  assert.deepEqual(
    d.lines.slice(0, 2).map((l) => Math.abs(l.delta[0])),
    [50, 50],
    'biggest change first',
  );
});

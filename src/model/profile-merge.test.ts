import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ProfileBuilder, type Profile } from './profile';
import { mergeProfiles, ProfileMergeError } from './profile-merge';
import { cycleEvent, missEvent } from './events';

interface Row {
  dso: string;
  address: number;
  symbol: string;
  file: string;
  line: number;
  count: number;
}

function recording(
  source: string,
  event: string,
  binaries: { recorded: string; buildId?: string }[],
  rows: Row[],
  extraTotal = 0,
): Profile {
  const b = new ProfileBuilder(source, [{ name: event, unit: 'period' }], { format: 'test', binaries });
  for (const r of rows)
    b.addAddress({
      dso: r.dso,
      address: r.address,
      symbol: r.symbol,
      counts: [r.count],
      inlineChain: [{ function: r.symbol, file: r.file, line: r.line }],
    });
  if (extraTotal) b.addToTotals([extraTotal]);
  return b.build();
}

const BIN = '/build/a/bench';
const ID = '21b70efe525d6b39e733e189a93f18176f779b79';

test('two events of one build: union of events, one row per (build-id, address), each share of its own total', () => {
  const cycles = recording(
    '/r/cycles.data',
    'cycles',
    [{ recorded: BIN, buildId: ID }],
    [
      { dso: BIN, address: 0x1000, symbol: 'pop', file: 'pop.inc', line: 10, count: 60 },
      { dso: BIN, address: 0x1004, symbol: 'pop', file: 'pop.inc', line: 11, count: 40 },
    ],
    100,
  );
  // Recorded from another folder: the same build-id, another path.
  const other = '/elsewhere/bench';
  const misses = recording(
    '/r/misses.data',
    'cache-misses',
    [{ recorded: other, buildId: ID.toUpperCase() }],
    [
      { dso: other, address: 0x1004, symbol: 'pop', file: 'pop.inc', line: 11, count: 9 },
      { dso: other, address: 0x2000, symbol: 'alloc', file: 'alloc.c', line: 5, count: 1 },
    ],
  );
  const m = mergeProfiles([cycles, misses]);
  assert.deepEqual(
    m.events.map((e) => e.name),
    ['cycles', 'cache-misses'],
  );
  assert.deepEqual(m.totals, [200, 10], 'each input keeps its own total (the cycles one includes what had no row)');
  assert.equal(m.addresses.length, 3, '0x1004 of both recordings is one instruction');
  assert.deepEqual(m.addresses.find((a) => a.address === 0x1004)!.counts, [40, 9]);
  assert.deepEqual(m.lines.find((l) => l.line === 11)!.counts, [40, 9]);
  assert.equal(cycleEvent(m.events.map((e) => e.name)), 0);
  assert.equal(missEvent(m.events.map((e) => e.name)), 1, 'cache-miss heat and density find the miss event');
  assert.deepEqual(
    m.metadata.recordings!.map((r) => [r.source, r.events]),
    [
      ['/r/cycles.data', ['cycles']],
      ['/r/misses.data', ['cache-misses']],
    ],
  );
});

test('text inputs without addresses meet by binary, symbol and (file, line); the user is told nothing checked the build', () => {
  const mk = (src: string, ev: string, n: number) => {
    const b = new ProfileBuilder(src, [{ name: ev, unit: 'samples' }], { format: 'perf report', binaries: [] });
    b.addSourceLine({ dso: 'bench', symbol: 'pop', function: 'pop', file: 'pop.inc', line: 11, counts: [n] });
    return b.build();
  };
  const m = mergeProfiles([mk('a.txt', 'cycles', 5), mk('b.txt', 'cache-misses', 2)]);
  assert.equal(m.lines.length, 1);
  assert.deepEqual(m.lines[0].counts, [5, 2]);
  assert.ok(
    m.warnings.some((w) => /a\.txt, b\.txt carry no build-id/.test(w)),
    m.warnings.join('\n'),
  );
});

test('different builds are refused with both build-ids: the same binary name, or binaries holding the same functions', () => {
  const a = recording(
    '/r/a.data',
    'cycles',
    [{ recorded: BIN, buildId: ID }],
    [{ dso: BIN, address: 0x10, symbol: 'pop', file: 'p.c', line: 1, count: 1 }],
  );
  const renamed = '/build/b/bench-b';
  const b = recording(
    '/r/b.data',
    'cache-misses',
    [{ recorded: renamed, buildId: 'd21774469fc10cdf737f325c3f5c6393b679928c' }],
    [{ dso: renamed, address: 0x10, symbol: 'pop.part.0', file: 'p.c', line: 1, count: 1 }],
  );
  assert.throws(
    () => mergeProfiles([a, b]),
    (e: Error) =>
      e instanceof ProfileMergeError &&
      /^build-ids differ: bench is 21b70efe525d in a\.data and bench-b is d21774469fc1 in b\.data \(both hold pop\)/.test(
        e.message,
      ),
  );
  const sameName = recording('/r/c.data', 'cache-misses', [{ recorded: BIN, buildId: 'ffff' }], []);
  assert.throws(
    () => mergeProfiles([a, sameName]),
    /build-ids differ: bench is 21b70efe525d in a\.data and bench is ffff in c\.data \(the same binary\)/,
  );
  // Different binaries with no function in common (a library sampled only in one run) are no conflict.
  const lib = recording(
    '/r/d.data',
    'cache-misses',
    [{ recorded: '/lib/libc.so.6', buildId: 'abcd' }],
    [{ dso: '/lib/libc.so.6', address: 0x20, symbol: 'memcpy', file: 'm.c', line: 1, count: 1 }],
  );
  assert.equal(mergeProfiles([a, lib]).events.length, 2);
});

test('an event in two inputs is refused, naming the event and both files', () => {
  const a = recording('/r/a.data', 'cpu-clock', [], []);
  const b = recording('/r/b.data', 'cpu-clock', [], []);
  assert.throws(
    () => mergeProfiles([a, b]),
    (e: Error) => e instanceof ProfileMergeError && /^cpu-clock is in both a\.data and b\.data: /.test(e.message),
  );
  assert.throws(() => mergeProfiles([a, a]), /^ProfileMergeError: a\.data is given twice/);
});

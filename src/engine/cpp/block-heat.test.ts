/**
 * Heat per block (self and inclusive, lines partitioned among blocks), samples on inactive lines, and the
 * proposal of flag values that would make them active — on a small fixture and on the demo's real recording.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { blockHeat, lineOwners } from './block-heat';
import { viewFromFlags } from './build-flags';
import { FlagViewEngine } from './flag-view';
import { flagsFromMakefile } from './make-flags';
import { viewOf } from './testing';
import { applyChanges, viewHeat } from './view-heat';
import { loadProfile } from '../load-profile';
import { PathMapper } from '../../model/path-map';

const FIX = join(__dirname, '../../../test/fixtures/cpp');
const DEMO = join(__dirname, '../../../demo/mini-hz3');
const P1 = join(FIX, 'p1-chains.c');

test('self and inclusive counts: lines partition among blocks; outside and inactive samples are reported', () => {
  const engine = new FlagViewEngine();
  const r = engine.evaluate(P1, viewOf({ FEAT_A: '1' }));
  // p1: #if@4 (a_on 5, nested #if@6 a_b 7 / #else@8 a_notb 9, #endif 10) #elif@11 (c_on 12) #else@13 (14) #endif@15
  const counts = new Map<number, number[]>([
    [5, [10, 1]],
    [7, [5, 0]],
    [9, [20, 2]],
    [12, [1, 0]],
    [16, [3, 0]],
    [10, [1, 0]],
  ]);
  const h = blockHeat(r, counts, 2);
  const by = (line: number) => h.blocks.find((b) => b.block.line === line)!;
  assert.deepEqual(by(4).self, [10, 1], 'line 5; the nested group is not its own');
  assert.deepEqual(by(4).inclusive, [36, 3]);
  assert.deepEqual(
    [by(6).self, by(8).self, by(11).self, by(13).self],
    [
      [5, 0],
      [21, 2],
      [1, 0],
      [0, 0],
    ],
    "a group's #endif (10) belongs to its last branch",
  );
  assert.deepEqual(h.outside, [3, 0]);
  assert.deepEqual(h.total, [40, 3]);
  assert.deepEqual(
    h.inactiveSamples.map((s) => [s.line, s.block?.line]),
    [
      [7, 6],
      [12, 11],
    ],
  );
  assert.deepEqual(h.inactiveTotal, [6, 0]);
  const owners = lineOwners(r);
  assert.deepEqual([owners[3], owners[4], owners[6], owners[10], owners[15], owners[16]], [-1, 0, 1, 2, 4, -1]);
});

test('proposal: the fewest flag changes that make every sampled line active (exact search)', () => {
  const engine = new FlagViewEngine();
  const view = viewOf({ FEAT_A: '1' });
  const one = viewHeat(engine, P1, view, new Map([[7, [5]]]), { events: 1 });
  assert.deepEqual(one.proposal?.changes, [{ name: 'FEAT_B', value: '1' }]);
  assert.equal(one.proposal?.method, 'exact');
  const two = viewHeat(engine, P1, view, new Map([[12, [1]]]), { events: 1 });
  assert.equal(two.proposal?.method, 'exact');
  const after = engine.evaluate(P1, applyChanges(view, two.proposal!.changes));
  assert.ok(
    after.active.some(([a, b]) => a <= 12 && 12 <= b),
    JSON.stringify(two.proposal),
  );
  assert.equal(two.proposal!.changes.length, 2);
  assert.equal(
    viewHeat(engine, P1, view, new Map([[5, [1]]]), { events: 1 }).proposal,
    undefined,
    'nothing to propose',
  );
});

test('proposal: contradictory samples (both sides of one #if) get the best greedy cover, with what stays uncovered', () => {
  const engine = new FlagViewEngine();
  const r = viewHeat(
    engine,
    P1,
    viewOf({ FEAT_A: '1' }),
    new Map([
      [7, [5]],
      [12, [1]],
      [9, [1]],
    ]),
    { events: 1 },
  );
  assert.equal(r.proposal?.method, 'greedy');
  assert.deepEqual(r.proposal?.errors, []);
  assert.ok(r.proposal!.uncovered.length >= 1);
  assert.ok(r.proposal!.uncovered.includes(12), 'the lighter side stays uncovered');
});

async function demoCounts(): Promise<Map<number, number[]>> {
  const profile = await loadProfile(join(DEMO, 'profiles/annotate-l.txt'), { searchRoots: [DEMO] });
  const file = join(DEMO, 'src/mh3_owner_stash_pop.inc');
  const mapper = new PathMapper([file]);
  const counts = new Map<number, number[]>();
  for (const l of profile.lines) if (mapper.resolve(l.file).kind === 'mapped') counts.set(l.line, l.counts.slice());
  return counts;
}

test('the demo recording: no samples on inactive lines under the build it was recorded with', async () => {
  const counts = await demoCounts();
  assert.ok(counts.size > 10);
  const engine = new FlagViewEngine();
  const file = join(DEMO, 'src/mh3_owner_stash_pop.inc');
  const view = viewFromFlags(
    flagsFromMakefile(join(DEMO, 'Makefile'), undefined, { sourceFile: join(DEMO, 'src/mh3_owner_stash.c') }),
  );
  const r = viewHeat(engine, file, view, counts, { events: 1 });
  assert.deepEqual(r.heat.inactiveSamples, []);
  assert.equal(r.proposal, undefined);
  const spill = r.heat.blocks.find((b) => b.block.condition === 'HZ3_S48_OWNER_STASH_SPILL' && b.block.depth === 2)!;
  assert.ok(spill.inclusive[0] > spill.self[0] && spill.self[0] > 0);
});

test('the demo recording under the legacy preset: samples on dead lines, and a proposal that brings them back without #error', async () => {
  const counts = await demoCounts();
  const engine = new FlagViewEngine();
  const file = join(DEMO, 'src/mh3_owner_stash_pop.inc');
  const legacy = viewFromFlags(
    flagsFromMakefile(join(DEMO, 'Makefile'), 'preset_legacy', { sourceFile: join(DEMO, 'src/mh3_owner_stash.c') }),
  );
  const r = viewHeat(engine, file, legacy, counts, { events: 1 });
  assert.ok(r.heat.inactiveSamples.length > 5);
  assert.deepEqual([r.proposal?.uncovered, r.proposal?.errors], [[], []]);
  const after = engine.evaluate(file, applyChanges(legacy, r.proposal!.changes));
  const mask = new Uint8Array(after.lineCount + 2);
  for (const [a, b] of after.active) mask.fill(1, a, b + 1);
  for (const s of r.heat.inactiveSamples) assert.equal(mask[s.line], 1, `line ${s.line}`);
  assert.ok(
    r.proposal!.changes.some((c) => c.name === 'HZ3_S31_LEGACY_POP_CAS2' && c.value === '0'),
    JSON.stringify(r.proposal),
  );
});

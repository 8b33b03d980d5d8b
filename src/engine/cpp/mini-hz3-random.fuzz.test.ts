/**
 * ≥ 200 random flag combinations of the demo workspace (fast-check, fixed seed), each checked with one `cc -E` and
 * at most two compiler runs at a time: live lines and `#error`s equal the compiler's, and now and then every flag's
 * final value equals `cc -E -dM`'s. Combinations stopped by `#error` must be reported with gcc's message, file and
 * line. In the fuzz tier (`npm run test:fuzz`) for its 340 compiler runs; the fixed presets are in mini-hz3.test.ts.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { compilerMacros } from './compiler';
import { FlagViewEngine, withOverride } from './flag-view';
import { assertSameMacros, configFlags, DEMO, POP_UNIT, viewFor } from './mini-hz3-testing';
import { compareWithCompiler, compilerAvailable } from './testing';

const noCc = !compilerAvailable() && 'no C compiler';

/** Values worth trying per flag: booleans on/off/undefined, numeric parameters in and out of their ranges. */
function valueChoices(name: string, def: string): (string | null)[] {
  const numeric: Record<string, string[]> = {
    HZ3_NUM_SHARDS: ['1', '2', '4', '6', '8', '64', '128'],
    HZ3_S154_PF_DIST: ['0', '1', '2', '4', '9'],
    HZ3_S48_STASH_BATCH: ['0', '16', '32'],
    HZ3_S163_PKT_WIDTH: ['1', '2', '8', '17'],
    HZ3_MAX_HEAPS: ['16', '65'],
    HZ3_S118_DRAIN_BUDGET: ['0', '64'],
    HZ3_S95_ROTATE_STRIDE: ['1', '3'],
    HZ3_S102_LITE_MAX: ['4', '8'],
    HZ3_S121_SPAN_BUDGET: ['4', '8'],
  };
  if (numeric[name]) return numeric[name];
  if (def === '0' || def === '1') return ['0', '1', null];
  return [null];
}

test(
  '≥ 200 random flag combinations (fast-check, fixed seed): live lines and #errors equal cc -E',
  { skip: noCc },
  async () => {
    const engine = new FlagViewEngine();
    const flags = configFlags();
    const names = [...flags.keys()].filter(
      (n) => valueChoices(n, flags.get(n)!).some((v) => v !== null) || n === 'HZ3_S48_CAP_OVERRIDE',
    );
    const lanes = {
      DEFS_SCALE: viewFor(undefined),
      DEFS_BASE: viewFor('variant', POP_UNIT, { LANE: 'DEFS_BASE', VARIANT: 'random', BIN: 'build/random' }),
    };
    const change = fc
      .constantFrom(...names)
      .chain((n) => fc.tuple(fc.constant(n), fc.constantFrom(...valueChoices(n, flags.get(n)!))));
    const combo = fc.record({
      lane: fc.constantFrom<keyof typeof lanes>('DEFS_SCALE', 'DEFS_BASE'),
      changes: fc.array(change, { minLength: 1, maxLength: 6 }),
    });
    const names43 = [...flags.keys()];
    const seen = new Map<string, boolean>();
    const check = async (c: { lane: keyof typeof lanes; changes: [string, string | null][] }): Promise<void> => {
      const view = c.changes.reduce((v, [n, val]) => withOverride(v, n, val), lanes[c.lane]);
      const r = await compareWithCompiler(engine, POP_UNIT, view, DEMO);
      const what = `${c.lane} ${c.changes.map(([n, v]) => (v === null ? `-U${n}` : `-D${n}=${v}`)).join(' ')}`;
      assert.deepEqual(r.onlyOurs, [], `${what}: live here, not for cc`);
      assert.deepEqual(r.onlyCompiler, [], `${what}: live for cc, not here`);
      assert.deepEqual(r.ourErrors, r.compilerErrors, `${what}: #error`);
      seen.set(what, r.compilerErrors.length === 0);
      if (r.compilerErrors.length === 0 && seen.size % 16 === 0) {
        // Now and then, every flag's final value too (one more compiler run).
        const cc = await compilerMacros(POP_UNIT, view, { allowExternalPrograms: true, cwd: DEMO });
        assertSameMacros(engine.simulate(POP_UNIT, view).macros, cc.macros, names43, what);
      }
    };
    // Each run checks two combinations at once: two compiler processes, the limit on these 2-core machines.
    await fc.assert(
      fc.asyncProperty(combo, combo, async (a, b) => {
        await Promise.all([check(a), check(b)]);
      }),
      { seed: 20261125, numRuns: 170 },
    );
    const clean = [...seen.values()].filter(Boolean).length;
    if (process.env.PERF_HEAT_DEBUG) console.log(`random combinations: ${seen.size}, without #error: ${clean}`);
    assert.ok(clean >= 200, `${clean} combinations without #error (of ${seen.size})`);
    assert.ok(seen.size - clean >= 20, `${seen.size - clean} combinations stopped by #error`);
  },
);

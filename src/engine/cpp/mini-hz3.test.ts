/**
 * The engine against the compiler on the demo workspace (demo/mini-hz3): live lines of every file of every
 * translation unit for the default build and every Makefile preset, the final value of every flag of
 * mh3_config.h (`cc -E -dM`), and the Makefile's own list of good and bad combinations. ≥ 200 random flag
 * combinations against `cc -E` are in mini-hz3-random.fuzz.test.ts (the fuzz tier: 340 compiler runs).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilerMacros, withCompilerValues } from './compiler';
import { type FlagView, FlagViewEngine, withOverride } from './flag-view';
import { flagsFromMakeDryRun, flagsFromMakefile } from './make-flags';
import { readMakefile } from './makefile';
import { assertSameMacros, configFlags, DEMO, MAKEFILE, POP_UNIT, TARGETS, UNITS, viewFor } from './mini-hz3-testing';
import { compareWithCompiler, compilerAvailable, pool } from './testing';

const noCc = !compilerAvailable() && 'no C compiler';

const defs = (v: FlagView): string[] =>
  v.base.map((d) => (d.op === 'U' ? `-U${d.name}` : `-D${d.name}${d.value === undefined ? '' : `=${d.value}`}`));

test('Makefile: the default lane and each preset give the -D sets the Makefile composes', () => {
  const lane = [
    '-DHZ3_S45_REMOTE_BATCH=1',
    '-DHZ3_S112_FULL_DRAIN_EXCHANGE=1',
    '-DHZ3_S140_PTAG_ENCODE=1',
    '-DHZ3_ARENA_BYTES=(1024ULL << 20)',
    '-DHZ3_S140_PTAG32=1',
    '-DHZ3_NUM_SHARDS=4',
    '-DHZ3_S154_SPILL_PREFETCH=1',
    '-DHZ3_S154_PF_DIST=2',
    '-DHZ3_S95_S94_SHARD_ROTATE=1',
    '-DHZ3_S77_STATS=1',
    '-DHZ3_S88_OWNER_CHECK=1',
    '-DHZ3_S89_SPAN_RETURN_COUNT=1',
    '-DHZ3_S99_POISON_CHECK=1',
  ];
  assert.deepEqual(defs(viewFor(undefined)), lane);
  assert.deepEqual(defs(viewFor('ab')), [...lane, '-DHZ3_S121_PAGE_LOCAL_REMOTE=1']);
  const r90 = defs(viewFor('preset_scale_r90'));
  assert.ok(
    r90.includes('-DHZ3_NUM_SHARDS=8') && r90.includes('-DHZ3_S154_PF_DIST=4') && r90.includes('-DHZ3_S163_PKT_WALK=1'),
    r90.join(' '),
  );
  assert.deepEqual(defs(viewFor('preset_lite')), [
    '-DHZ3_S45_REMOTE_BATCH=1',
    '-DHZ3_S112_FULL_DRAIN_EXCHANGE=1',
    '-DHZ3_S140_PTAG_ENCODE=1',
    '-DHZ3_ARENA_BYTES=(1024ULL << 20)',
    '-DHZ3_S102_LITE_CLASSES=1',
    '-DHZ3_S102_LITE_MAX=6',
    '-DHZ3_S131_G3_BRANCHLESS=1',
    '-DHZ3_S77_STATS=1',
    '-DHZ3_S77_STATS_DUMP=1',
  ]);
  // make variables reach the code through -D: SHARDS=8 on the command line.
  assert.ok(defs(viewFor(undefined, POP_UNIT, { SHARDS: '8' })).includes('-DHZ3_NUM_SHARDS=8'));
  const v = viewFor(undefined);
  assert.deepEqual(v.paths.angled, [join(DEMO, 'include')]);
  assert.ok(v.compileOptions?.includes('-std=c11'));
});

test('Makefile: reading agrees with make -n for the default goal and every preset', { skip: noCc }, async () => {
  // make -n still runs the Makefile's $(shell)/$(file) side effects: work on a copy.
  const dir = mkdtempSync(join(tmpdir(), 'perfheat-make-'));
  try {
    for (const d of ['src', 'include', 'bench']) cpSync(join(DEMO, d), join(dir, d), { recursive: true });
    cpSync(MAKEFILE, join(dir, 'Makefile'));
    const unit = join(dir, 'src/mh3_owner_stash.c');
    await pool(TARGETS, 2, async (t) => {
      const read = flagsFromMakefile(join(dir, 'Makefile'), t, { sourceFile: unit });
      const ran = await flagsFromMakeDryRun(join(dir, 'Makefile'), t, {
        sourceFile: unit,
        allowExternalPrograms: true,
      });
      assert.equal(ran.file, unit, `make -n ${t}`);
      assert.deepEqual(
        read.defines.map((d) => [d.op, d.name, d.value]),
        ran.defines.map((d) => [d.op, d.name, d.value]),
        `target ${t ?? '(default)'}`,
      );
      assert.deepEqual(read.paths, ran.paths);
      assert.deepEqual(read.compileOptions, ran.compileOptions);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('default build and every preset: live lines of every file of every unit equal cc -E', { skip: noCc }, async () => {
  const engine = new FlagViewEngine();
  const jobs = TARGETS.flatMap((t) => UNITS.map((u) => ({ t, u, view: viewFor(t, u) })));
  await pool(jobs, 2, async ({ t, u, view }) => {
    const c = await compareWithCompiler(engine, u, view, DEMO);
    const what = `${t ?? 'all'} / ${u.slice(DEMO.length + 1)}`;
    assert.deepEqual(c.onlyOurs, [], `${what}: live here, not for cc`);
    assert.deepEqual(c.onlyCompiler, [], `${what}: live for cc, not here`);
    assert.deepEqual(c.ourErrors, c.compilerErrors, what);
  });
});

test(
  'every flag of mh3_config.h has the value cc -E -dM gives, under the default build and each preset',
  { skip: noCc },
  async () => {
    const engine = new FlagViewEngine();
    const names = [...configFlags().keys()];
    assert.ok(names.length >= 43, `${names.length} flags in the config header`);
    await pool(TARGETS, 2, async (t) => {
      const view = viewFor(t);
      const ours = engine.simulate(POP_UNIT, view);
      const cc = await compilerMacros(POP_UNIT, view, { allowExternalPrograms: true, cwd: DEMO });
      assertSameMacros(ours.macros, cc.macros, names, `preset ${t ?? 'all'}`);
      // The pop file's flags, with the compiler as their source: every one agrees with the engine.
      const flags = withCompilerValues(
        engine.evaluate(join(DEMO, 'src/mh3_owner_stash_pop.inc'), view).flags,
        cc.macros,
      );
      assert.ok(flags.length > 30);
      for (const f of flags)
        assert.ok(f.agrees, `preset ${t ?? 'all'}: ${f.name} = ${f.engineValue} here, ${f.value} for cc`);
      assert.ok(flags.every((f) => f.source.kind === 'compiler'));
    });
  },
);

test("the Makefile's FLAG_CHECKS: #error exactly where it expects one (except the two P10 cases)", () => {
  const engine = new FlagViewEngine();
  const checks = readMakefile(MAKEFILE)
    .vars.get('FLAG_CHECKS')!
    .value.split('\n')
    .filter((l) => l.trim());
  assert.equal(checks.length, 17);
  const scale = viewFor(undefined);
  let p10 = 0;
  for (const line of checks) {
    const [want, ...flags] = line.trim().split(/\s+/);
    let view = scale;
    for (const f of flags) {
      const [name, value] = f.slice(2).split('=');
      view = f.startsWith('-U') ? withOverride(view, name, null) : withOverride(view, name, value ?? '1');
    }
    const errors = engine.simulate(POP_UNIT, view).errors;
    // S89 without S88, and S154_PF_STATS without S154: no #error, they fail later, in the compiler proper (P10).
    const compileOnly = line.includes('HZ3_S88_OWNER_CHECK=0') || line.includes('HZ3_S154_SPILL_PREFETCH=0');
    if (want === 'error' && compileOnly) p10++;
    assert.equal(
      errors.length > 0,
      want === 'error' && !compileOnly,
      `${line.trim()}: ${errors.map((e) => e.message).join('; ')}`,
    );
  }
  assert.equal(p10, 2);
});

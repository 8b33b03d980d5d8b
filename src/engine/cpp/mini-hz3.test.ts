/**
 * The engine against the compiler on the demo workspace (demo/mini-hz3): live lines of every file of every
 * translation unit for the default build and every Makefile preset, the final value of every flag of
 * mh3_config.h (`cc -E -dM`), the Makefile's own list of good and bad combinations, and ≥ 200 random flag
 * combinations (fast-check, fixed seed), each checked with one `cc -E` and at most two compiler runs at a time.
 * Combinations stopped by `#error` must be reported with gcc's message, file and line.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { viewFromFlags } from './build-flags';
import { compilerMacros, withCompilerValues } from './compiler';
import { definitionSites } from './descriptions';
import { evaluate, formatValue } from './expr';
import { type FlagView, FlagViewEngine, withOverride } from './flag-view';
import { flagsFromMakeDryRun, flagsFromMakefile } from './make-flags';
import { readMakefile } from './makefile';
import { prepared } from './prepared';
import { scanText } from './scanner';
import { compareWithCompiler, compilerAvailable, pool } from './testing';
import { isDefineError, type MacroTable } from './tokens';

const DEMO = join(__dirname, '../../../demo/mini-hz3');
const MAKEFILE = join(DEMO, 'Makefile');
const CONFIG = join(DEMO, 'include/mh3_config.h');
const UNITS = ['src/mh3_owner_stash.c', 'src/mh3_alloc.c', 'src/mh3_stats.c', 'bench/remote_free_bench.c'].map((u) => join(DEMO, u));
const POP_UNIT = UNITS[0];
const TARGETS: (string | undefined)[] = [undefined, 'ab', 'preset_scale_r90', 'preset_lite', 'preset_legacy', 'preset_array2', 'preset_nospill'];
const noCc = !compilerAvailable() && 'no C compiler';

function viewFor(target: string | undefined, unit = POP_UNIT, commandLine?: Record<string, string>): FlagView {
  return viewFromFlags(flagsFromMakefile(MAKEFILE, target, { sourceFile: unit, commandLine }));
}

const defs = (v: FlagView): string[] => v.base.map((d) => (d.op === 'U' ? `-U${d.name}` : `-D${d.name}${d.value === undefined ? '' : `=${d.value}`}`));

/** Names the config header defines, with their default replacement text. */
function configFlags(): Map<string, string> {
  const scan = scanText(readFileSync(CONFIG, 'utf8'));
  const out = new Map<string, string>();
  for (const [name, site] of definitionSites(scan)) {
    const d = prepared(scan).define(site.directive);
    if (!isDefineError(d) && name.startsWith('HZ3_')) out.set(name, d.text);
  }
  return out;
}

function assertSameMacros(ours: MacroTable, theirs: MacroTable, names: Iterable<string>, what: string): void {
  for (const n of names) {
    const a = ours.get(n);
    const b = theirs.get(n);
    assert.equal(!!a, !!b, `${what}: ${n} defined here ${!!a}, for the compiler ${!!b}`);
    if (!a || !b) continue;
    assert.equal(a.text, b.text, `${what}: ${n}`);
    assert.equal(formatValue(evaluate(n, ours)), formatValue(evaluate(n, theirs)), `${what}: value of ${n}`);
  }
}

test('Makefile: the default lane and each preset give the -D sets the Makefile composes', () => {
  const lane = [
    '-DHZ3_S45_REMOTE_BATCH=1', '-DHZ3_S112_FULL_DRAIN_EXCHANGE=1', '-DHZ3_S140_PTAG_ENCODE=1', '-DHZ3_ARENA_BYTES=(1024ULL << 20)',
    '-DHZ3_S140_PTAG32=1', '-DHZ3_NUM_SHARDS=4', '-DHZ3_S154_SPILL_PREFETCH=1', '-DHZ3_S154_PF_DIST=2', '-DHZ3_S95_S94_SHARD_ROTATE=1',
    '-DHZ3_S77_STATS=1', '-DHZ3_S88_OWNER_CHECK=1', '-DHZ3_S89_SPAN_RETURN_COUNT=1', '-DHZ3_S99_POISON_CHECK=1',
  ];
  assert.deepEqual(defs(viewFor(undefined)), lane);
  assert.deepEqual(defs(viewFor('ab')), [...lane, '-DHZ3_S121_PAGE_LOCAL_REMOTE=1']);
  const r90 = defs(viewFor('preset_scale_r90'));
  assert.ok(r90.includes('-DHZ3_NUM_SHARDS=8') && r90.includes('-DHZ3_S154_PF_DIST=4') && r90.includes('-DHZ3_S163_PKT_WALK=1'), r90.join(' '));
  assert.deepEqual(defs(viewFor('preset_lite')), [
    '-DHZ3_S45_REMOTE_BATCH=1', '-DHZ3_S112_FULL_DRAIN_EXCHANGE=1', '-DHZ3_S140_PTAG_ENCODE=1', '-DHZ3_ARENA_BYTES=(1024ULL << 20)',
    '-DHZ3_S102_LITE_CLASSES=1', '-DHZ3_S102_LITE_MAX=6', '-DHZ3_S131_G3_BRANCHLESS=1', '-DHZ3_S77_STATS=1', '-DHZ3_S77_STATS_DUMP=1',
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
      const ran = await flagsFromMakeDryRun(join(dir, 'Makefile'), t, { sourceFile: unit, allowExternalPrograms: true });
      assert.equal(ran.file, unit, `make -n ${t}`);
      assert.deepEqual(read.defines.map((d) => [d.op, d.name, d.value]), ran.defines.map((d) => [d.op, d.name, d.value]), `target ${t ?? '(default)'}`);
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

test('every flag of mh3_config.h has the value cc -E -dM gives, under the default build and each preset', { skip: noCc }, async () => {
  const engine = new FlagViewEngine();
  const names = [...configFlags().keys()];
  assert.ok(names.length >= 43, `${names.length} flags in the config header`);
  await pool(TARGETS, 2, async (t) => {
    const view = viewFor(t);
    const ours = engine.simulate(POP_UNIT, view);
    const cc = await compilerMacros(POP_UNIT, view, { allowExternalPrograms: true, cwd: DEMO });
    assertSameMacros(ours.macros, cc.macros, names, `preset ${t ?? 'all'}`);
    // The pop file's flags, with the compiler as their source: every one agrees with the engine.
    const flags = withCompilerValues(engine.evaluate(join(DEMO, 'src/mh3_owner_stash_pop.inc'), view).flags, cc.macros);
    assert.ok(flags.length > 30);
    for (const f of flags) assert.ok(f.agrees, `preset ${t ?? 'all'}: ${f.name} = ${f.engineValue} here, ${f.value} for cc`);
    assert.ok(flags.every((f) => f.source.kind === 'compiler'));
  });
});

test("the Makefile's FLAG_CHECKS: #error exactly where it expects one (except the two P10 cases)", () => {
  const engine = new FlagViewEngine();
  const checks = readMakefile(MAKEFILE).vars.get('FLAG_CHECKS')!.value.split('\n').filter((l) => l.trim());
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
    assert.equal(errors.length > 0, want === 'error' && !compileOnly, `${line.trim()}: ${errors.map((e) => e.message).join('; ')}`);
  }
  assert.equal(p10, 2);
});

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

test('≥ 200 random flag combinations (fast-check, fixed seed): live lines and #errors equal cc -E', { skip: noCc }, async () => {
  const engine = new FlagViewEngine();
  const flags = configFlags();
  const names = [...flags.keys()].filter((n) => valueChoices(n, flags.get(n)!).some((v) => v !== null) || n === 'HZ3_S48_CAP_OVERRIDE');
  const lanes = { DEFS_SCALE: viewFor(undefined), DEFS_BASE: viewFor('variant', POP_UNIT, { LANE: 'DEFS_BASE', VARIANT: 'random', BIN: 'build/random' }) };
  const change = fc.constantFrom(...names).chain((n) => fc.tuple(fc.constant(n), fc.constantFrom(...valueChoices(n, flags.get(n)!))));
  const combo = fc.record({ lane: fc.constantFrom<keyof typeof lanes>('DEFS_SCALE', 'DEFS_BASE'), changes: fc.array(change, { minLength: 1, maxLength: 6 }) });
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
});

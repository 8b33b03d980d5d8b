/**
 * Flag views on the demo workspace: where each flag's value comes from (header default, `-D`, forced override,
 * with the history of what it replaced), descriptions from the config header, overrides replacing the build's
 * `-D`s, the translation unit found for an `.inc`, re-evaluation without re-scanning, file changes noticed, and the
 * predefined macros assumed without a compiler compared with the real ones.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { viewFromFlags } from './build-flags';
import { compilerPredefined } from './compiler';
import { commandLineOf, type FlagView, FlagViewEngine, withOverride } from './flag-view';
import { flagsFromMakefile } from './make-flags';
import { assumedPredefined } from './predefined';
import { compilerAvailable, viewOf } from './testing';

const DEMO = join(__dirname, '../../../demo/mini-hz3');
const CONFIG = join(DEMO, 'include/mh3_config.h');
const POP = join(DEMO, 'src/mh3_owner_stash_pop.inc');
const UNIT = join(DEMO, 'src/mh3_owner_stash.c');

function preset(target?: string): FlagView {
  return viewFromFlags(flagsFromMakefile(join(DEMO, 'Makefile'), target, { sourceFile: UNIT }));
}

test('flag sources: header default at its line, -D from the build, forced override with what it replaced', () => {
  const engine = new FlagViewEngine();
  const flags = new Map(engine.evaluate(POP, preset('preset_legacy')).flags.map((f) => [f.name, f]));
  assert.deepEqual(flags.get('HZ3_S121_PAGE_LOCAL_REMOTE')!.source, { kind: 'default', file: CONFIG, line: 111 });
  assert.deepEqual(flags.get('HZ3_S31_LEGACY_POP_CAS2')!.source.kind, '-D');
  const s112 = flags.get('HZ3_S112_FULL_DRAIN_EXCHANGE')!;
  assert.deepEqual([s112.value, s112.source], ['0', { kind: 'override', file: CONFIG, line: 253 }]);
  assert.deepEqual(
    s112.history.map((h) => h.kind),
    ['-D'],
  );
  const peek = flags.get('HZ3_S112_EMPTY_PEEK')!;
  assert.deepEqual(
    [peek.value, peek.source.line, peek.history.map((h) => [h.kind, h.line])],
    ['0', 261, [['default', 230]]],
  );
  assert.deepEqual([flags.get('HZ3_S30_LEGACY_POP_ONE')!.numeric, flags.get('HZ3_NUM_SHARDS')!.numeric], ['0', '1']);
  const gnu = flags.get('__GNUC__')!;
  assert.deepEqual([gnu.defined, gnu.source.kind], [true, 'predefined']);
  // The pop uses HZ3_S48_STASH_BATCH in code only; the config header's guard (`#if HZ3_S48_STASH_BATCH < 1`) tests it.
  const batch = new Map(engine.evaluate(CONFIG, preset('preset_array2')).flags.map((f) => [f.name, f])).get(
    'HZ3_S48_STASH_BATCH',
  )!;
  assert.deepEqual(
    [batch.value, batch.numeric, batch.source],
    ['HZ3_S48_CAP_OVERRIDE', '16', { kind: 'override', file: CONFIG, line: 178 }],
  );
  // In the config header itself, S112 is first tested while the -D holds; the header overrides it later.
  const inConfig = new Map(engine.evaluate(CONFIG, preset('preset_legacy')).flags.map((f) => [f.name, f])).get(
    'HZ3_S112_FULL_DRAIN_EXCHANGE',
  )!;
  assert.deepEqual(
    [inConfig.value, inConfig.source.kind, inConfig.later],
    ['1', '-D', { value: '0', source: { kind: 'override', file: CONFIG, line: 253 } }],
  );
});

test('descriptions: the comment above the #ifndef, banners cleaned, guards climbed, nested choices', () => {
  const engine = new FlagViewEngine();
  const flags = new Map(engine.evaluate(POP, preset()).flags.map((f) => [f.name, f]));
  assert.match(
    flags.get('HZ3_S48_OWNER_STASH_SPILL')!.description!.text,
    /^S48: Owner Stash Spill Objects drained beyond the bin budget/,
  );
  assert.equal(flags.get('HZ3_S48_OWNER_STASH_SPILL')!.description!.line, 29);
  const config = new Map(engine.evaluate(CONFIG, preset()).flags.map((f) => [f.name, f]));
  assert.match(config.get('HZ3_S48_STASH_BATCH')!.description!.text, /^S48: bin budget/);
  assert.match(
    flags.get('HZ3_S130_G2_FAST_PATH')!.description!.text,
    /^S130: G2 fast path .* Default: on, unless the G3 branchless variant was chosen\.$/,
  );
  assert.match(
    flags.get('HZ3_S77_STATS')!.description!.text,
    /^S77: Pop statistics/,
    'a flag set by -D still gets the default site description',
  );
  assert.equal(flags.get('__GNUC__')!.description, undefined);
});

test("overrides replace the build's definition of the same name; -U undefines", () => {
  const base = preset();
  const v = withOverride(withOverride(base, 'HZ3_S77_STATS', '0'), 'HZ3_S99_POISON_CHECK', null);
  const cl = commandLineOf(v);
  assert.equal(cl.filter((c) => c.name === 'HZ3_S77_STATS').length, 1);
  assert.deepEqual(
    cl.slice(-2).map((c) => [c.op, c.name, c.value]),
    [
      ['D', 'HZ3_S77_STATS', '0'],
      ['U', 'HZ3_S99_POISON_CHECK', undefined],
    ],
  );
  assert.equal(withOverride(v, 'HZ3_S77_STATS', '1').overrides.length, 2);
  const engine = new FlagViewEngine();
  const blocks = engine.evaluate(POP, v).blocks;
  assert.deepEqual([blocks[0].condition, blocks[0].value, blocks[0].active], ['HZ3_S77_STATS', '0', false]);
});

test('an .inc is evaluated in the .c that includes it; a toggle re-evaluates without re-scanning', () => {
  const engine = new FlagViewEngine();
  assert.equal(engine.unitFor(POP, preset()), UNIT);
  assert.equal(engine.unitFor(join(DEMO, 'src/mh3_pop_bin_push.inc'), preset()), UNIT);
  let v = preset();
  engine.evaluate(POP, v);
  const scans = engine.scans.scans;
  for (const f of ['HZ3_S121_PAGE_LOCAL_REMOTE', 'HZ3_S163_PKT_WALK', 'HZ3_S135_SPILL_SPLICE']) {
    v = withOverride(v, f, '1');
    const r = engine.evaluate(POP, v);
    assert.ok(
      r.blocks.some((b) => b.condition === f && b.active),
      f,
    );
  }
  assert.equal(engine.scans.scans, scans, 'no file scanned again');
  const all = engine.evaluateUnit(UNIT, v);
  assert.deepEqual(all.map((r) => r.file.slice(DEMO.length + 1)).sort(), [
    'include/mh3_config.h',
    'include/mh3_inline.h',
    'include/mh3_internal.h',
    'src/mh3_owner_stash.c',
    'src/mh3_owner_stash_pop.inc',
    'src/mh3_pop_bin_push.inc',
    'src/mh3_pop_pkt_body.inc',
  ]);
});

test('a changed file is read again; an unsaved-buffer overlay wins over the disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perfheat-fv-'));
  try {
    const f = join(dir, 'a.c');
    writeFileSync(f, '#if A\nint a;\n#endif\n');
    const engine = new FlagViewEngine();
    assert.deepEqual(engine.evaluate(f, viewOf({ A: '1' })).inactive, []);
    writeFileSync(f, '#if B\nint a;\n#endif\n');
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(engine.evaluate(f, viewOf({ A: '1' })).inactive, [[2, 2]]);
    (engine.sources as unknown as { setOverlay(p: string, t: string): void }).setOverlay(
      f,
      '#if A\nint a;\n#endif\nint b;\n',
    );
    const r = engine.evaluate(f, viewOf({ A: '1' }));
    assert.deepEqual([r.lineCount, r.inactive], [4, []]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a header no source file includes is evaluated on its own after the config headers, and says so', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perfheat-fv-'));
  try {
    writeFileSync(join(dir, 'cfg.h'), '#ifndef F\n#define F 1\n#endif\n');
    writeFileSync(join(dir, 'lone.h'), '#if F\nint on;\n#else\nint off;\n#endif\n');
    const engine = new FlagViewEngine();
    const r = engine.evaluate(join(dir, 'lone.h'), viewOf({}, [], [join(dir, 'cfg.h')]));
    assert.deepEqual([r.unit, r.inactive], [join(dir, 'lone.h'), [[4, 4]]]);
    assert.match(r.notes[0], /no source file of the project includes this file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("#error reached is reported with file, line and gcc's message; problems in conditions name line and column", () => {
  const engine = new FlagViewEngine();
  const r = engine.evaluate(POP, withOverride(preset(), 'HZ3_S90_SPAN_RECYCLE', '1'));
  assert.deepEqual(
    r.errors.map((e) => [e.file, e.line, e.column, e.message]),
    [[CONFIG, 273, 2, '#error "HZ3_S90_SPAN_RECYCLE is archived (NO-GO); see README. Remove -DHZ3_S90_SPAN_RECYCLE."']],
  );
  const dir = mkdtempSync(join(tmpdir(), 'perfheat-fv-'));
  try {
    writeFileSync(join(dir, 'bad.c'), 'int x;\n#if A +\n#endif\n#if 1.0 || A\nint y;\n#endif\n');
    const bad = engine.evaluate(join(dir, 'bad.c'), viewOf({ A: '1' }));
    assert.deepEqual(
      bad.diagnostics.map((d) => [d.line, d.column, d.message]),
      [
        [2, 7, "operator '+' has no right operand"],
        [4, 5, 'floating constant in preprocessor expression'],
      ],
    );
    assert.deepEqual(
      bad.blocks.map((b) => [b.value, b.active, b.error]),
      [
        ['0', false, "operator '+' has no right operand"],
        ['1', true, 'floating constant in preprocessor expression'],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "predefined macros assumed without a compiler match gcc's for the same options",
  { skip: !compilerAvailable() && 'no C compiler' },
  async () => {
    for (const opts of [[], ['-std=c11', '-O2', '-pthread'], ['-std=gnu99', '-O0', '-fno-pic']]) {
      const ours = assumedPredefined(opts);
      const cc = await compilerPredefined(opts, { allowExternalPrograms: true });
      for (const [name, def] of ours) {
        if (name === '__VERSION__' || name.startsWith('__GNUC')) continue; // the compiler's version is its own
        assert.equal(cc.get(name)?.text, def.text, `${name} with ${opts.join(' ')}`);
      }
      for (const n of ['__OPTIMIZE__', '_REENTRANT', '__STRICT_ANSI__', '__PIC__'])
        assert.equal(ours.has(n), cc.has(n), `${n} with ${opts.join(' ')}`);
    }
    await assert.rejects(compilerPredefined([], { allowExternalPrograms: false }), /not allowed/);
  },
);

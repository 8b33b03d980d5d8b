/**
 * `perf-heat regions` and `perf-heat blocks` (src/cli/regions.ts) on the demo workspace: JSON shape, the view from
 * a Makefile target with command-line overrides, `#error` reporting, the compiler check, block heat from the
 * demo's recording, and exit codes (2 for usage, 1 for other errors, with the file named).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blocksCommand, regionsCommand } from '../../cli/regions';
import { ccLive, compilerAvailable, makeCommand } from './testing';

const DEMO = join(__dirname, '../../../demo/mini-hz3');
const POP = join(DEMO, 'src/mh3_owner_stash_pop.inc');
const MAKEFILE = join(DEMO, 'Makefile');

async function run(cmd: typeof regionsCommand, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await cmd(
    args,
    (s) => (out += s + '\n'),
    (s) => (err += s + '\n'),
  );
  return { code, out, err };
}

test('regions --json: ranges and blocks under the Makefile default build', async () => {
  const r = await run(regionsCommand, [POP, '--makefile', MAKEFILE, '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.file, POP);
  assert.equal(j.unit, join(DEMO, 'src/mh3_owner_stash.c'));
  assert.deepEqual(j.blocks[0], {
    line: 26,
    endLine: 30,
    directive: '#if',
    condition: 'HZ3_S77_STATS',
    value: 1,
    active: true,
    taken: true,
    depth: 1,
    evaluated: 'live',
  });
  assert.deepEqual(j.active[0], [1, 31]);
  assert.deepEqual(j.inactive[0], [32, 32]);
  const lines = [...j.active, ...j.inactive].reduce((n: number, [a, b]: [number, number]) => n + b - a + 1, 0);
  assert.equal(lines, 424, 'active and inactive ranges cover the file');
  assert.deepEqual(j.errors, []);
});

test('regions: -D overrides the build, --preset picks a Makefile target, #error reached is printed', async () => {
  const off = JSON.parse(
    (await run(regionsCommand, [POP, '--makefile', MAKEFILE, '-D', 'HZ3_S77_STATS=0', '--json'])).out,
  );
  assert.deepEqual([off.blocks[0].value, off.blocks[0].active], [0, false]);
  const legacy = JSON.parse(
    (await run(regionsCommand, [POP, '--preset', 'preset_legacy', '--makefile', MAKEFILE, '--json'])).out,
  );
  assert.equal(legacy.blocks.find((b: { line: number }) => b.line === 94).active, true);
  const r = await run(regionsCommand, [POP, '--makefile', MAKEFILE, '-DHZ3_S90_SPAN_RECYCLE=1']);
  assert.equal(r.code, 0);
  assert.match(r.out, /#error reached: .*include\/mh3_config\.h:273: #error "HZ3_S90_SPAN_RECYCLE is archived/);
  assert.match(r.out, /^blocks \(68;/m);
  assert.match(r.out, /HZ3_S77_STATS = 1 {2}\[-D \(Makefile all → make variant\)\] {2}S77: Pop statistics/);
});

test('regions: the view from -D/-I alone, and from compile_commands.json', async () => {
  const r = JSON.parse(
    (await run(regionsCommand, [POP, '-I', join(DEMO, 'include'), '-D', 'HZ3_S30_LEGACY_POP_ONE=1', '--json'])).out,
  );
  assert.equal(r.blocks.find((b: { line: number }) => b.line === 94).active, true);
  const missing = await run(regionsCommand, [POP, '--compile-commands', join(DEMO, 'nope.json')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nope\.json/);
});

test(
  'regions --compiler-truth: the compiler agrees on the demo',
  { skip: !compilerAvailable() && 'no C compiler' },
  async () => {
    const r = await run(regionsCommand, [
      POP,
      '--preset',
      'preset_lite',
      '--makefile',
      MAKEFILE,
      '--compiler-truth',
      '--json',
    ]);
    const j = JSON.parse(r.out);
    assert.equal(j.compiler.agrees, true, JSON.stringify(j.compiler));
  },
);

test('exit codes: 2 for usage, 1 for a missing file (named)', async () => {
  assert.equal((await run(regionsCommand, [])).code, 2);
  assert.equal((await run(regionsCommand, [POP, '--bogus'])).code, 2);
  assert.equal((await run(regionsCommand, [POP, POP])).code, 2);
  assert.equal((await run(regionsCommand, [POP, '--compile-commands', 'a.json', '--makefile', MAKEFILE])).code, 2);
  assert.equal((await run(blocksCommand, [POP])).code, 2, 'blocks without --profile');
  const gone = await run(regionsCommand, [join(DEMO, 'src/gone.inc')]);
  assert.equal(gone.code, 1);
  assert.match(gone.err, /gone\.inc: no such file/);
  const noTarget = await run(regionsCommand, [POP, '--makefile', MAKEFILE, '--preset', 'preset_nope']);
  assert.equal(noTarget.code, 1);
  assert.match(noTarget.err, /no rule for target "preset_nope"/);
});

test('blocks: heat per block from the demo recording, and a proposal when the view is not the profiled build', async () => {
  const profile = join(DEMO, 'profiles/annotate-l.txt');
  const ok = await run(blocksCommand, [POP, '--profile', profile, '--makefile', MAKEFILE, '--json']);
  assert.equal(ok.code, 0, ok.err);
  const j = JSON.parse(ok.out);
  assert.deepEqual(j.events, ['cpu-clock']);
  assert.ok(j.fileTotal[0] > 0);
  assert.deepEqual(j.inactiveSamples, []);
  const spill = j.blocks.find((b: { line: number }) => b.line === 189);
  assert.ok(spill.self[0] > 0 && spill.inclusive[0] === spill.self[0]);
  const legacy = await run(blocksCommand, [
    POP,
    '--profile',
    profile,
    '--makefile',
    MAKEFILE,
    '--preset',
    'preset_legacy',
  ]);
  assert.equal(legacy.code, 0, legacy.err);
  assert.match(legacy.out, /samples on lines inactive under this view: \d+ lines/);
  assert.match(legacy.out, /proposal \((exact|greedy), \d+ evaluations\): .*-DHZ3_S31_LEGACY_POP_CAS2=0/);
  assert.equal((await run(blocksCommand, [POP, '--profile', profile, '--event', 'cycles'])).code, 2);
});

test(
  'regions/blocks take every source: --makefile --target --make-var, --make-dry-run, --compile-commands; each says where the view came from',
  { skip: !compilerAvailable() && 'no C compiler' },
  async () => {
    const base = mkdtempSync(join(tmpdir(), 'perfheat-cli-lanes-'));
    try {
      // A checkout whose Makefile expects <ROOT>/alloc/core: the make variables say where it is instead.
      const core = join(base, 'core');
      cpSync(join(__dirname, '../../../test/fixtures/projects/lanes/core'), core, { recursive: true });
      const pop = join(core, 'src/stash/pop.inc');
      const vars = { ROOT: base, CORE_DIR: core, INC: `-I${core}/include` };
      const mv = Object.entries(vars).flatMap(([k, v]) => ['--make-var', `${k}=${v}`]);
      const expected = ccLive(makeCommand(core, 'preset_remote', vars, 'src/stash.c'), core, pop).length;
      const read = await run(regionsCommand, [
        pop,
        '--makefile',
        join(core, 'Makefile'),
        '--target',
        'preset_remote',
        ...mv,
      ]);
      assert.equal(read.code, 0, read.err);
      assert.match(
        read.out,
        /^flags from .*core\/Makefile target preset_remote with ROOT=.* read without running make: cc .*-DPAGE_REMOTE=1/m,
      );
      assert.match(read.out, new RegExp(`^live code lines: ${expected} of \\d+ lines$`, 'm'));
      const ran = await run(regionsCommand, [
        pop,
        '--makefile',
        join(core, 'Makefile'),
        '--target',
        'preset_remote',
        '--make-dry-run',
        ...mv,
      ]);
      assert.equal(ran.code, 0, ran.err);
      assert.match(ran.out, /^flags from make -n -B preset_remote with ROOT=/m);
      assert.match(ran.out, new RegExp(`^live code lines: ${expected} of`, 'm'));
      const noVars = await run(regionsCommand, [
        pop,
        '--makefile',
        join(core, 'Makefile'),
        '--target',
        'preset_remote',
      ]);
      assert.equal(noVars.code, 1);
      assert.match(noVars.err, /compiles nothing .*matches no file/);
      const cmd = `gcc -O2 -DSTASH=1 -DPAGE_REMOTE=1 -I${core}/include -c src/stash.c`;
      writeFileSync(
        join(core, 'compile_commands.json'),
        JSON.stringify([{ directory: core, file: 'src/stash.c', command: cmd }]),
      );
      const cc = JSON.parse(
        (await run(regionsCommand, [pop, '--compile-commands', join(core, 'compile_commands.json'), '--json'])).out,
      );
      assert.match(cc.origin, /compile_commands\.json, the entry for .*src\/stash\.c/);
      assert.equal(cc.liveCodeLines, ccLive(cmd, core, pop).length);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  },
);

test(
  "blocks --make-dry-run on the one-step project: the plain variant does not compile the recording's hot lines",
  { skip: !compilerAvailable() && 'no C compiler' },
  async () => {
    const dir = join(__dirname, '../../../test/fixtures/projects/one-step');
    const r = await run(blocksCommand, [
      join(dir, 'src/mix.inc'),
      '--profile',
      join(dir, 'profiles/cpu-clock.perf.data'),
      '--makefile',
      join(dir, 'Makefile'),
      '--target',
      'prog-plain',
      '--make-dry-run',
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /^flags from make -n -B prog-plain in .*: cc -O2 -g -DUSE_TABLE=1 -DROUNDS=3 -DUSE_TABLE=0 -DROUNDS=1 src\/main\.c -o prog-plain$/m,
    );
    assert.match(r.out, /samples on lines inactive under this view: 4 lines, .* \(lines 23, 24, 25, 32\)/);
    assert.match(r.out, /proposal \(exact, \d+ evaluations\): -DROUNDS=3 -DUSE_TABLE=1/);
  },
);

/**
 * The Makefile shapes real C projects have (test/fixtures/projects/): a one-step compile-and-link without `-c`, lane
 * variables composed across `\` continuations in an included makefile, pattern rules with order-only folders,
 * recursive `$(MAKE)` presets with command-line variables, a target-specific `+=`, `$(MAKE) -C DIR`, and a Makefile
 * that expects another folder layout unless ROOT=/CORE_DIR=/INC= are given. For every target and unit, the lines
 * the engine keeps under the flags read from the Makefile are the lines `cc -E` keeps when the shell runs the compile
 * command `make -n -B` prints (with -c turned into -E): make and the compiler are the oracles, not our parsers.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { viewFromFlags } from './build-flags';
import { FlagViewEngine } from './flag-view';
import { compileIn, flagsFromMakeDryRun, flagsFromMakefile, parseDryRunOutput, targetsCompiling } from './make-flags';
import { LINE_CODE, LINE_DIRECTIVE } from './scanner';
import { ccLive, compilerAvailable, makeCommand } from './testing';

const FIXTURES = join(__dirname, '../../../test/fixtures/projects');
const hasMake = spawnSync('make', ['--version']).status === 0;
const skip = !hasMake || !compilerAvailable() ? 'needs make and cc' : false;

/** Copies the lanes fixture where its Makefile expects it (`<root>/alloc/core`) or flat (`<root>/checkout/core`). */
function lanes(layout: 'expected' | 'flat'): {
  root: string;
  core: string;
  tools: string;
  vars: Record<string, string>;
  done: () => void;
} {
  // Never under /tmp/perf-*: nothing is recorded here, but keep to the house rule for build folders.
  const root = mkdtempSync(join(tmpdir(), 'perfheat-lanes-'));
  const base = join(root, layout === 'expected' ? 'alloc' : 'checkout');
  mkdirSync(base, { recursive: true });
  cpSync(join(FIXTURES, 'lanes/core'), join(base, 'core'), { recursive: true });
  cpSync(join(FIXTURES, 'lanes/tools'), join(base, 'tools'), { recursive: true });
  const core = join(base, 'core');
  const vars: Record<string, string> =
    layout === 'flat' ? { ROOT: base, CORE_DIR: core, INC: `-I${core}/include` } : {};
  return { root, core, tools: join(base, 'tools'), vars, done: () => rmSync(root, { recursive: true, force: true }) };
}

/** Code lines of `file` the engine keeps under the view (directives, comments and blank lines left out). */
function engineLive(
  engine: FlagViewEngine,
  file: string,
  unit: string,
  flags: Parameters<typeof viewFromFlags>[0],
): number[] {
  const r = engine.evaluate(file, viewFromFlags(flags), { unit });
  const scan = engine.scans.get(file, readFileSync(file, 'utf8'));
  const out: number[] = [];
  for (const [a, b] of r.active)
    for (let l = a; l <= b; l++)
      if (scan.lineFlags[l - 1] & LINE_CODE && !(scan.lineFlags[l - 1] & LINE_DIRECTIVE)) out.push(l);
  return out;
}

test('a one-step compile-and-link (no -c) is a compile command; a link of objects is not', () => {
  assert.equal(compileIn(['cc', '-O2', '-DUSE_TABLE=1', 'src/main.c', '-o', 'prog']), 0);
  assert.equal(compileIn(['ccache', 'gcc', '-c', 'x.c']), 1);
  assert.equal(compileIn(['cc', '-shared', '-o', 'lib.so', 'a.o', 'b.o']), -1);
  assert.equal(compileIn(['cc', '-o', 'main.c', 'a.o']), -1, 'the output name is not a source');
  const found = parseDryRunOutput(
    "make: Entering directory '/p'\ncc -O2 -DA=1 \\\n    -DB=2 src/main.c -o prog\n",
    '/x',
    'make -n',
  );
  assert.deepEqual(
    found.map((f) => [f.file, f.defines.map((d) => d.name)]),
    [['/p/src/main.c', ['A', 'B']]],
  );
});

test(
  "the one-step project: each variant target keeps exactly the lines cc -E keeps for make's command",
  { skip },
  () => {
    const dir = join(FIXTURES, 'one-step');
    const engine = new FlagViewEngine();
    const inc = join(dir, 'src/mix.inc');
    const unit = join(dir, 'src/main.c');
    const seen = new Set<string>();
    for (const target of [undefined, 'prog', 'prog-plain']) {
      const flags = flagsFromMakefile(join(dir, 'Makefile'), target, { sourceFile: unit });
      assert.equal(flags.file, unit);
      const ours = engineLive(engine, inc, unit, flags);
      assert.deepEqual(
        ours,
        ccLive(makeCommand(dir, target, {}, 'src/main.c'), dir, inc),
        `target ${target ?? '(default)'}`,
      );
      seen.add(ours.join());
    }
    assert.equal(seen.size, 2, 'the two -D variants keep different lines');
  },
);

for (const layout of ['expected', 'flat'] as const) {
  test(
    `lanes (${layout} layout): every target and unit agrees with make -n + cc -E; recipes joined across \\`,
    { skip },
    async () => {
      const p = lanes(layout);
      try {
        const engine = new FlagViewEngine();
        const mf = join(p.core, 'Makefile');
        const pop = join(p.core, 'src/stash/pop.inc');
        const units: [string, string][] = [
          [join(p.core, 'src/stash.c'), pop],
          [join(p.core, 'src/other.c'), join(p.core, 'src/other.c')],
        ];
        const views = new Set<string>();
        for (const target of [undefined, 'all_scale', 'all_fast', 'preset_remote', 'preset_debug']) {
          for (const [unit, file] of units) {
            const flags = flagsFromMakefile(mf, target, { sourceFile: unit, commandLine: p.vars });
            assert.equal(flags.file, unit, `${target}: the compile of ${unit} was found`);
            const ours = engineLive(engine, file, unit, flags);
            assert.deepEqual(
              ours,
              ccLive(makeCommand(p.core, target, p.vars, unit), p.core, file),
              `${layout} ${target ?? '(default)'} ${file}`,
            );
            if (file === pop) views.add(ours.join());
            // make -n itself, read by us: the same -Ds as reading the Makefile.
            const ran = await flagsFromMakeDryRun(mf, target, {
              sourceFile: unit,
              commandLine: p.vars,
              allowExternalPrograms: true,
            });
            assert.deepEqual(
              ran.defines.map((d) => [d.op, d.name, d.value]),
              flags.defines.map((d) => [d.op, d.name, d.value]),
              `${target}: make -n`,
            );
          }
        }
        assert.equal(views.size, 4, 'scale, fast, remote and debug lanes keep different pop lines');
        const remote = flagsFromMakefile(mf, 'preset_remote', { sourceFile: units[0][0], commandLine: p.vars });
        assert.ok(
          remote.defines.some((d) => d.name === 'SHARDS' && d.value === '63'),
          "the preset's parameters reach the sub-make",
        );
        assert.ok(remote.defines.some((d) => d.name === 'LIMIT' && d.value === '(64ULL << 4)'));
        // Select Build: every target that compiles the unit, and none that does not.
        const targets = targetsCompiling(mf, units[0][0], { commandLine: p.vars });
        assert.deepEqual(targets.sort(), ['all', 'all_fast', 'all_scale', 'preset_debug', 'preset_remote']);
      } finally {
        p.done();
      }
    },
  );
}

test("lanes: make -C ../core from a sibling folder, with a variable on the sub-make's command line", { skip }, () => {
  const p = lanes('expected');
  try {
    const engine = new FlagViewEngine();
    const other = join(p.core, 'src/other.c');
    const flags = flagsFromMakefile(join(p.tools, 'Makefile'), 'all', { sourceFile: other });
    assert.ok(
      flags.defines.some((d) => d.name === 'BINS' && d.value === '2'),
      JSON.stringify(flags.defines),
    );
    assert.deepEqual(
      engineLive(engine, other, other, flags),
      ccLive(makeCommand(p.tools, 'all', {}, other), p.core, other),
    );
  } finally {
    p.done();
  }
});

test('a Makefile expecting another layout: reading says which wildcard matched nothing; the variables fix it', () => {
  const p = lanes('flat');
  try {
    const mf = join(p.core, 'Makefile');
    assert.throws(
      () => flagsFromMakefile(mf, 'all_scale', {}),
      /compiles nothing .*\$\(wildcard .*alloc\/core\/src\/\*\.c\) matches no file/,
    );
    assert.equal(flagsFromMakefile(mf, 'all_scale', { commandLine: p.vars }).file?.startsWith(p.core), true);
  } finally {
    p.done();
  }
});

test(
  'make -n finds what reading cannot ($(shell)); it is cancellable and stopped at its time limit',
  { skip: !hasMake && 'make is not installed' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perfheat-mkn-'));
    try {
      writeFileSync(join(dir, 'main.c'), 'int main(void) { return 0; }\n');
      writeFileSync(
        join(dir, 'Makefile'),
        'SRC := $(shell echo main.c)\nprog: $(SRC)\n\t$(CC) -DFROM_SHELL=1 $(SRC) -o prog\n',
      );
      writeFileSync(join(dir, 'slow.mk'), 'X := $(shell sleep 5)\nall:\n\tcc -c main.c\n');
      assert.throws(() => flagsFromMakefile(join(dir, 'Makefile'), undefined, {}), /compiles nothing/);
      const ran = await flagsFromMakeDryRun(join(dir, 'Makefile'), undefined, { allowExternalPrograms: true });
      assert.deepEqual([ran.file, ran.defines.map((d) => d.name)], [join(dir, 'main.c'), ['FROM_SHELL']]);
      const abort = new AbortController();
      const cancelled = flagsFromMakeDryRun(join(dir, 'slow.mk'), 'all', {
        allowExternalPrograms: true,
        signal: abort.signal,
      });
      abort.abort();
      await assert.rejects(cancelled, /slow\.mk: make -n was cancelled/);
      await assert.rejects(
        flagsFromMakeDryRun(join(dir, 'slow.mk'), 'all', {
          allowExternalPrograms: true,
          timeoutMs: 300,
          commandLine: { T: '1' },
        }),
        /slow\.mk: make -n all took longer than/,
      );
      await assert.rejects(
        flagsFromMakeDryRun(join(dir, 'Makefile'), undefined, { allowExternalPrograms: false }),
        /not allowed/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

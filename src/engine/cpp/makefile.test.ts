/**
 * Reading `-D`s out of Makefiles in the ways projects compose them (target-specific `preset: DEFS += …`, `?=`
 * defaults overridden on the command line, conditionals, `define`, functions, included makefiles, recursive make),
 * cross-checked with `make -n` where make is installed; compile_commands.json and compiler argument parsing.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flagsFromCompileCommands, parseCompilerArgs, readCompileCommands, shellSplit } from './build-flags';
import { expand } from './make-expand';
import { flagsFromMakeDryRun, flagsFromMakefile } from './make-flags';
import { readMakefile, scopeOf } from './makefile';

const hasMake = spawnSync('make', ['--version']).status === 0;

function project(files: Record<string, string>): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'perfheat-mk-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const TARGET_SPECIFIC = `CC = gcc
CPPFLAGS := -Iinclude
NUM ?= 4
DEFS_BASE = -DA=1 -DB=$(NUM)
DEFS = $(DEFS_BASE) $(DEFS_EXTRA)

.PHONY: all preset_lite preset_big
all: app
preset_lite: DEFS_EXTRA += -DLITE=1 -DWIDE='(1 << 4)'
preset_lite: NUM = 8
preset_lite: all
preset_big: override DEFS_EXTRA := -DBIG=1
preset_big: all

app: build/main.o build/util.o
\t$(CC) $^ -o $@

build/%.o: src/%.c include/cfg.h
\t@mkdir -p build
\t$(CC) $(CPPFLAGS) $(DEFS) -O2 -std=gnu11 -c $< -o $@
`;

const SOURCES = { 'src/main.c': 'int main(void) { return 0; }\n', 'src/util.c': 'int util;\n', 'include/cfg.h': '\n' };

const defs = (f: { defines: { op: string; name: string; value?: string }[] }): string[] =>
  f.defines.map((d) => `-${d.op}${d.name}${d.value === undefined ? '' : `=${d.value}`}`);

test('target-specific variables of preset targets, inherited through prerequisites; command line wins', () => {
  const p = project({ Makefile: TARGET_SPECIFIC, ...SOURCES });
  try {
    const mf = join(p.dir, 'Makefile');
    const main = join(p.dir, 'src/main.c');
    assert.deepEqual(defs(flagsFromMakefile(mf, undefined, { sourceFile: main })), ['-DA=1', '-DB=4']);
    assert.deepEqual(defs(flagsFromMakefile(mf, 'preset_lite', { sourceFile: main })), [
      '-DA=1',
      '-DB=8',
      '-DLITE=1',
      '-DWIDE=(1 << 4)',
    ]);
    assert.deepEqual(defs(flagsFromMakefile(mf, 'preset_big', { sourceFile: main })), ['-DA=1', '-DB=4', '-DBIG=1']);
    assert.deepEqual(defs(flagsFromMakefile(mf, 'preset_lite', { sourceFile: main, commandLine: { NUM: '16' } })), [
      '-DA=1',
      '-DB=16',
      '-DLITE=1',
      '-DWIDE=(1 << 4)',
    ]);
    const f = flagsFromMakefile(mf, 'preset_lite', { sourceFile: join(p.dir, 'src/util.c') });
    assert.equal(f.file, join(p.dir, 'src/util.c'));
    assert.deepEqual(f.paths.angled, [join(p.dir, 'include')]);
    assert.deepEqual(f.compileOptions, ['-O2', '-std=gnu11']);
    assert.throws(() => flagsFromMakefile(mf, 'nope'), /no rule for target "nope"/);
  } finally {
    p.done();
  }
});

test('make -n agrees with reading, for each preset', { skip: !hasMake && 'make is not installed' }, async () => {
  const p = project({ Makefile: TARGET_SPECIFIC, ...SOURCES });
  try {
    const mf = join(p.dir, 'Makefile');
    for (const t of [undefined, 'preset_lite', 'preset_big']) {
      for (const src of ['src/main.c', 'src/util.c']) {
        const sourceFile = join(p.dir, src);
        const ran = await flagsFromMakeDryRun(mf, t, { sourceFile, allowExternalPrograms: true });
        assert.deepEqual(defs(ran), defs(flagsFromMakefile(mf, t, { sourceFile })), `${t} ${src}`);
      }
    }
    await assert.rejects(flagsFromMakeDryRun(mf, 'all', { allowExternalPrograms: false }), /not allowed/);
  } finally {
    p.done();
  }
});

test('variables: flavours, conditionals with else-if, define, functions, substitution references', () => {
  const p = project({
    Makefile: `MODE ?= fast
ifeq ($(MODE),fast)
  FLAGS = -DFAST=1
else ifeq ($(MODE),slow)
  FLAGS = -DSLOW=1
else
  FLAGS = -DOTHER=1
endif
ifdef EXTRA
FLAGS += -DEXTRA=$(EXTRA)
endif
ifneq "$(MODE)" "fast"
SLOWISH := yes
endif
define LANE
-DL1=1 -DL2=2
endef
SRCS := $(sort $(wildcard src/*.c))
OBJS := $(patsubst src/%.c,build/%.o,$(SRCS))
NAMES := $(foreach f,$(SRCS),$(basename $(notdir $(f))))
mk = -D$(1)=$(2)
CALLED := $(call mk,K,v)
X := a
Z := $(X)
X := b
Y = $(X)
SUB := $(SRCS:.c=.o)
LANES = BASE
LANE_BASE = -DBASE=1
PICKED = $(LANE_$(LANES))
COMMENTED = value # a comment
ESCAPED = a\\#b
include extra.mk
-include missing.mk
$(eval GENERATED := -DGEN=1)
FIRST := $(firstword $(SRCS)) $(words $(SRCS)) $(filter %util.c,$(SRCS)) $(subst -D,-U,-DX -DY) $(if $(EXTRA),yes,no) $(strip  a   b )
`,
    'extra.mk': 'FROM_INCLUDE = -DINC=1\n',
    ...SOURCES,
  });
  try {
    const v = (mf: ReturnType<typeof readMakefile>, name: string): string => expand(`$(${name})`, scopeOf(mf));
    const mf = readMakefile(join(p.dir, 'Makefile'));
    assert.equal(v(mf, 'FLAGS'), '-DFAST=1');
    assert.equal(v(mf, 'SLOWISH'), '');
    assert.equal(v(mf, 'LANE'), '-DL1=1 -DL2=2');
    assert.equal(v(mf, 'SRCS'), 'src/main.c src/util.c');
    assert.equal(v(mf, 'OBJS'), 'build/main.o build/util.o');
    assert.equal(v(mf, 'NAMES'), 'main util');
    assert.equal(v(mf, 'CALLED'), '-DK=v');
    assert.deepEqual([v(mf, 'Y'), v(mf, 'Z')], ['b', 'a']);
    assert.equal(v(mf, 'SUB'), 'src/main.o src/util.o');
    assert.equal(v(mf, 'PICKED'), '-DBASE=1');
    assert.equal(v(mf, 'COMMENTED'), 'value');
    assert.equal(v(mf, 'ESCAPED'), 'a#b');
    assert.equal(v(mf, 'FROM_INCLUDE'), '-DINC=1');
    assert.equal(v(mf, 'GENERATED'), '-DGEN=1');
    assert.equal(v(mf, 'FIRST'), 'src/main.c 2 src/util.c -UX -UY no a b');
    assert.equal(v(mf, 'CC'), 'cc');
    const slow = readMakefile(join(p.dir, 'Makefile'), { commandLine: { MODE: 'slow', EXTRA: '3' } });
    assert.equal(v(slow, 'FLAGS'), '-DSLOW=1 -DEXTRA=3');
    assert.equal(v(slow, 'SLOWISH'), 'yes');
    assert.equal(v(readMakefile(join(p.dir, 'Makefile'), { commandLine: { MODE: 'x' } }), 'FLAGS'), '-DOTHER=1');
    assert.deepEqual(mf.notes, []);
  } finally {
    p.done();
  }
});

test('recursive make with -C and variables, make built-ins ($(COMPILE.c)), static pattern rules', () => {
  const p = project({
    Makefile: `all:\n\t$(MAKE) -C lib DEFS='-DSUB=1 -DN=$(N)' lib.o\nN = 3\n`,
    'lib/Makefile': `CPPFLAGS = $(DEFS) -I../include\nOBJS = lib.o\n$(OBJS): %.o: %.c\n\t$(COMPILE.c) $< -o $@\n`,
    'lib/lib.c': 'int lib;\n',
  });
  try {
    const f = flagsFromMakefile(join(p.dir, 'Makefile'), undefined, { sourceFile: join(p.dir, 'lib/lib.c') });
    assert.deepEqual(defs(f), ['-DSUB=1', '-DN=3']);
    assert.deepEqual(f.paths.angled, [join(p.dir, 'include')]);
    assert.equal(f.file, join(p.dir, 'lib/lib.c'));
  } finally {
    p.done();
  }
});

test('shell words and compiler arguments', () => {
  assert.deepEqual(shellSplit(`gcc -DA='(1 << 2)' "-DS=\\"x y\\"" -DT=a\\ b -c x.c; echo hi`), [
    'gcc',
    '-DA=(1 << 2)',
    '-DS="x y"',
    '-DT=a b',
    '-c',
    'x.c',
    ';',
    'echo',
    'hi',
  ]);
  assert.deepEqual(shellSplit('a && b||c | d'), ['a', '&&', 'b', '||', 'c', '|', 'd']);
  const f = parseCompilerArgs(
    [
      'gcc',
      '-D',
      'X=1',
      '-DY',
      '-UZ',
      '-I',
      'inc',
      '-Iinc2',
      '-isystem',
      '/sys',
      '-iquote',
      'q',
      '-include',
      'cfg.h',
      '-std=gnu11',
      '-O3',
      '-pthread',
      '-Wall',
      '-o',
      'a.o',
      '-c',
      'src/a.c',
    ],
    '/p',
    'test',
  );
  assert.deepEqual(defs(f), ['-DX=1', '-DY', '-UZ']);
  assert.deepEqual(f.paths, { quote: ['/p/q'], angled: ['/p/inc', '/p/inc2'], system: ['/sys'] });
  assert.deepEqual(f.forcedIncludes, ['/p/cfg.h']);
  assert.deepEqual(f.compileOptions, ['-std=gnu11', '-O3', '-pthread']);
  assert.equal(f.file, '/p/src/a.c');
});

test('compile_commands.json: "command" and "arguments" entries, relative directories, the entry for a file', () => {
  const p = project({
    'compile_commands.json': JSON.stringify([
      { directory: 'build', file: '../src/a.c', command: "cc -DA=1 -DW='(2 << 3)' -I../include -c ../src/a.c" },
      { directory: '.', file: 'src/b.c', arguments: ['cc', '-DB=2', '-c', 'src/b.c'] },
    ]),
  });
  try {
    const cc = join(p.dir, 'compile_commands.json');
    assert.equal(readCompileCommands(cc).length, 2);
    const a = flagsFromCompileCommands(cc, join(p.dir, 'src/a.c'))!;
    assert.deepEqual(defs(a), ['-DA=1', '-DW=(2 << 3)']);
    assert.deepEqual(a.paths.angled, [join(p.dir, 'include')]);
    assert.deepEqual(defs(flagsFromCompileCommands(cc, join(p.dir, 'src/x.inc'), join(p.dir, 'src/b.c'))!), ['-DB=2']);
    assert.equal(flagsFromCompileCommands(cc, join(p.dir, 'src/none.c')), undefined);
    writeFileSync(cc, '{"not": "an array"}');
    assert.throws(() => readCompileCommands(cc), /expected a JSON array/);
  } finally {
    p.done();
  }
});

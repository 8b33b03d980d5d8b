/**
 * The experiments file and its plan: every bad field is one line naming the file and the field; the commands are
 * exactly what a user would type (checked against hand-written command lines, and — for `${defines}` — against what
 * `sh` and `make` actually receive); the schema and the parser accept the same fields; the runner streams output,
 * fails with the step's last line, and Cancel / the timeout stop the whole process group.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  abExperiment,
  ExperimentConfigError,
  parseExperiments,
  selectVariants,
  type Experiment,
} from './experiment-config';
import { planExperiment, type PlannedStep } from './experiment-plan';
import { ExperimentCancelled, ExperimentRunError, runStep } from './experiment-run';
import { experimentTemplate, prepareExperiment } from './experiment';

const ROOT = resolve(__dirname, '../..');
const DEMO = join(ROOT, 'demo/mini-hz3');
const DEMO_CONFIG = join(DEMO, '.vscode/perf-heat-experiments.json');
const FILE = '/ws/.vscode/perf-heat-experiments.json';

const minimal = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({
    experiments: [
      {
        name: 'x',
        build: ['make', 'OUT=${outDir}', 'DEFS=${defines}'],
        benchmark: ['${outDir}/bench', '1'],
        variants: [{ name: 'v', defines: { F: 1 } }],
        ...over,
      },
    ],
  });

const parseError = (text: string): string => {
  try {
    parseExperiments(text, FILE);
  } catch (e) {
    assert.ok(e instanceof ExperimentConfigError, String(e));
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    assert.ok(e.message.startsWith(`${FILE}: `), `names the file: ${e.message}`);
    return e.message.slice(FILE.length + 2);
  }
  assert.fail(`no error for ${text}`);
};

test('bad fields: one line naming the file and the field', () => {
  const cases: [string, RegExp][] = [
    ['{"experiments": [', /^line 1, column 18: not JSON \(CloseBracketExpected\)/],
    ['{\n  "experiments": [] // none yet\n  "x": 1\n}', /^line 3, column 3: not JSON \(CommaExpected\)/],
    ['{}', /^experiments: must be a list/],
    ['{"experiments": [], "x": 1}', /^x: unknown field/],
    ['{"experiments": []}', /^experiments: is empty/],
    [
      minimal({ bulid: [] }),
      /^experiments\[0\]\.bulid: unknown field \(expected one of: name, description, cwd, build/,
    ],
    [minimal({ name: 'a b' }), /^experiments\[0\]\.name: "a b" is also a folder name/],
    [minimal({ build: ['make', 'OUT=${outDir}'] }), /^experiments\[0\]\.build: has no \$\{defines\}/],
    [minimal({ build: ['make', 'DEFS=${defines}'] }), /^experiments\[0\]\.build: has no \$\{outDir\}/],
    [minimal({ benchmark: ['./bench'] }), /^experiments\[0\]\.benchmark: has no \$\{outDir\}/],
    [
      minimal({ build: ['make', 'OUT=${outdir}', 'D=${defines}'] }),
      /^experiments\[0\]\.build\[1\]: unknown placeholder \$\{outdir\}/,
    ],
    [minimal({ build: ['make', 3] }), /^experiments\[0\]\.build\[1\]: must be text, not number 3/],
    [
      minimal({ perfStat: { events: ['cycles,instructions'] } }),
      /^experiments\[0\]\.perfStat\.events\[0\]: "cycles,instructions" is not one perf event/,
    ],
    [minimal({ perfStat: { repeat: 0 } }), /^experiments\[0\]\.perfStat\.repeat: must be a whole number from 1 to 100/],
    [minimal({ perfStat: { reapeat: 3 } }), /^experiments\[0\]\.perfStat\.reapeat: unknown field/],
    [
      minimal({ perfRecord: { options: ['-g', '-o', 'x.data'] } }),
      /^experiments\[0\]\.perfRecord\.options\[1\]: "-o": the output file is chosen by the experiment/,
    ],
    [minimal({ perfRecord: { options: ['--'] } }), /^experiments\[0\]\.perfRecord\.options\[0\]: "--"/],
    [minimal({ variants: [] }), /^experiments\[0\]\.variants: is empty/],
    [
      minimal({ variants: [{ name: 'base' }] }),
      /^experiments\[0\]\.variants\[0\]\.name: "base" is already the name of the base/,
    ],
    [
      minimal({ variants: [{ name: 'v' }, { name: 'v' }] }),
      /^experiments\[0\]\.variants\[1\]\.name: "v" is already the name of an earlier variant/,
    ],
    [
      minimal({ variants: [{ name: 'v', defines: { 'A-B': 1 } }] }),
      /^experiments\[0\]\.variants\[0\]\.defines: "A-B" is not a macro name/,
    ],
    [
      minimal({ variants: [{ name: 'v', defines: { A: [1] } }] }),
      /^experiments\[0\]\.variants\[0\]\.defines\.A: must be a value/,
    ],
    [minimal({ variants: [{ defines: {} }] }), /^experiments\[0\]\.variants\[0\]\.name: is missing/],
    [minimal({ outDir: '${variant}/x' }), /^experiments\[0\]\.outDir: unknown placeholder \$\{variant\}/],
    [minimal({ timeoutSeconds: -1 }), /^experiments\[0\]\.timeoutSeconds: must be a number of seconds/],
  ];
  for (const [text, want] of cases) assert.match(parseError(text), want, text);
  // Comments and trailing commas are fine, as in VS Code's own .vscode files.
  assert.equal(parseExperiments(`// A/B of S154\n${minimal().replace(/\}\]\}$/, ',}]}')}`, FILE)[0].name, 'x');
});

test('the plan: each variant in its own folder, the commands as a user types them', () => {
  const [x] = parseExperiments(
    JSON.stringify({
      experiments: [
        {
          name: 'pf',
          build: ['make', 'BIN=${outDir}/bench', 'DEFS_EXTRA=${defines}'],
          benchmark: ['${outDir}/bench', '2'],
          perfStat: { events: ['task-clock', 'cycles'], repeat: 3 },
          perfRecord: { options: ['-e', 'cpu-clock', '-g'] },
          base: { name: 'base', defines: { HZ3_S121_PAGE_LOCAL_REMOTE: 1 } },
          variants: [
            {
              name: 'off',
              defines: { HZ3_S154_SPILL_PREFETCH: false, HZ3_ARENA_BYTES: '(1ULL << 20)', HZ3_OLD: null },
            },
          ],
        },
      ],
    }),
    FILE,
  );
  const plan = planExperiment(x);
  assert.equal(plan.outDir, '/ws/.perf-heat/experiments/pf');
  assert.deepEqual(
    plan.steps.map((s) => [s.title, s.text]),
    [
      [
        'build base',
        "make BIN=/ws/.perf-heat/experiments/pf/base/bench 'DEFS_EXTRA=-UHZ3_S121_PAGE_LOCAL_REMOTE -DHZ3_S121_PAGE_LOCAL_REMOTE=1'",
      ],
      [
        'build off',
        `make BIN=/ws/.perf-heat/experiments/pf/off/bench 'DEFS_EXTRA=-UHZ3_S121_PAGE_LOCAL_REMOTE -DHZ3_S121_PAGE_LOCAL_REMOTE=1 -UHZ3_S154_SPILL_PREFETCH -DHZ3_S154_SPILL_PREFETCH=0 -UHZ3_ARENA_BYTES '\\''-DHZ3_ARENA_BYTES=(1ULL << 20)'\\'' -UHZ3_OLD'`,
      ],
      [
        'perf stat base',
        'perf stat -x, -r 3 -e task-clock,cycles -o /ws/.perf-heat/experiments/pf/base/base.csv -- /ws/.perf-heat/experiments/pf/base/bench 2',
      ],
      [
        'perf stat off',
        'perf stat -x, -r 3 -e task-clock,cycles -o /ws/.perf-heat/experiments/pf/off/off.csv -- /ws/.perf-heat/experiments/pf/off/bench 2',
      ],
      [
        'perf record base',
        'perf record -e cpu-clock -g -o /ws/.perf-heat/experiments/pf/base/base.perf.data -- /ws/.perf-heat/experiments/pf/base/bench 2',
      ],
      [
        'perf record off',
        'perf record -e cpu-clock -g -o /ws/.perf-heat/experiments/pf/off/off.perf.data -- /ws/.perf-heat/experiments/pf/off/bench 2',
      ],
    ],
  );
  assert.deepEqual(plan.variants[1].changes, {
    HZ3_S154_SPILL_PREFETCH: '0',
    HZ3_ARENA_BYTES: '(1ULL << 20)',
    HZ3_OLD: null,
  });
  assert.deepEqual(plan.reports, [
    { variant: 'off', base: 'base', path: '/ws/.perf-heat/experiments/pf/off-vs-base.md' },
  ]);
  // The shown text is the command: sh reads it back into the same arguments.
  for (const s of plan.steps)
    assert.deepEqual(
      JSON.parse(
        execFileSync(
          '/bin/sh',
          ['-c', `node -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- ${s.text.replace(/^\S+/, '')}`],
          { encoding: 'utf8' },
        ),
      ),
      s.argv.slice(1),
      s.text,
    );
});

test('${defines} alone is one argument per flag; a shell line gets shell words; the defines reach the compiler intact through make', () => {
  const dir = mkdtempSync(join(ROOT, 'out-exp-test-'));
  try {
    // A Makefile that prints what its recipe's shell hands the compiler, one argument per line.
    writeFileSync(join(dir, 'Makefile'), 'all:\n\t@printf "%s\\n" $(DEFS_EXTRA) > $(OUT)/args\n');
    const x: Experiment = {
      ...parseExperiments(
        minimal({
          build: ['make', '-s', 'OUT=${outDir}', 'DEFS_EXTRA=${defines}'],
          benchmark: 'echo ${outDir}',
          variants: [{ name: 'v', defines: { A: '(1 << 20)', B: "it's" } }],
        }),
        join(dir, 'e.json'),
      )[0],
    };
    const plan = planExperiment(x, { outDir: join(dir, 'o') });
    const build = plan.steps.find((s) => s.title === 'build v')!;
    mkdirSync(join(dir, 'o/v'), { recursive: true });
    execFileSync(build.argv[0], build.argv.slice(1), { cwd: dir });
    assert.deepEqual(readFileSync(join(dir, 'o/v/args'), 'utf8').trimEnd().split('\n'), [
      '-UA',
      '-DA=(1 << 20)',
      '-UB',
      "-DB=it's",
    ]);
    const alone = planExperiment(
      { ...x, build: { argv: ['cc', '${defines}', '-o', '${outDir}/b'] } },
      { outDir: join(dir, 'o') },
    );
    assert.deepEqual(alone.steps[1].argv, ['cc', '-UA', '-DA=(1 << 20)', '-UB', "-DB=it's", '-o', join(dir, 'o/v/b')]);
    const stat = plan.steps.find((s) => s.title === 'perf stat v')!;
    assert.deepEqual(stat.argv.slice(-4), ['--', '/bin/sh', '-c', `echo ${join(dir, 'o/v')}`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('never under /tmp/perf-*: perf drops the symbols of binaries there', () => {
  const [x] = parseExperiments(minimal(), FILE);
  assert.throws(
    () => planExperiment(x, { outDir: '/tmp/perf-heat-exp' }),
    /outDir \/tmp\/perf-heat-exp is under \/tmp\/perf-\*/,
  );
  assert.throws(() => planExperiment({ ...x, outDir: '/tmp/perf-1234' }), /under \/tmp\/perf-/);
  assert.doesNotThrow(() => planExperiment(x, { outDir: '/tmp/ph-exp' }));
});

test("A/B this flag: the base (with the user's toggles) against the flag flipped; --variant keeps the base", () => {
  const [x] = parseExperiments(minimal({ base: { name: 'base', defines: { K: 2 } } }), FILE);
  const ab = abExperiment(x, 'HZ3_S154_SPILL_PREFETCH', '0', { HZ3_S121_PAGE_LOCAL_REMOTE: '1' });
  assert.equal(ab.name, 'ab-HZ3_S154_SPILL_PREFETCH');
  assert.deepEqual(ab.base, { name: 'base', defines: { K: '2', HZ3_S121_PAGE_LOCAL_REMOTE: '1' } });
  assert.deepEqual(ab.variants, [{ name: 'S154_SPILL_PREFETCH-0', defines: { HZ3_S154_SPILL_PREFETCH: '0' } }]);
  const plan = planExperiment(ab);
  assert.deepEqual(plan.variants[1].defines, { K: '2', HZ3_S121_PAGE_LOCAL_REMOTE: '1', HZ3_S154_SPILL_PREFETCH: '0' });
  assert.equal(abExperiment(x, 'X', null).variants[0].name, 'X-undef');
  assert.throws(() => abExperiment(x, 'not a name', '1'), /not a macro name/);
  assert.throws(() => selectVariants(x, ['w']), /has no variant "w" \(its variants: v\)/);
  assert.throws(() => selectVariants(x, ['base']), /that is the base, which always runs/);
});

test("the demo's experiments file and the starting template parse; the schema names exactly the parser's fields", async () => {
  const { plan } = await prepareExperiment({ config: DEMO_CONFIG });
  assert.equal(plan.steps.length, 6);
  assert.match(plan.steps[1].text, /'DEFS_EXTRA=-UHZ3_S154_SPILL_PREFETCH -DHZ3_S154_SPILL_PREFETCH=0'/);
  for (const withMake of [true, false]) {
    const dir = mkdtempSync(join(ROOT, 'out-exp-template-'));
    try {
      if (withMake) writeFileSync(join(dir, 'Makefile'), 'all:\n');
      const text = experimentTemplate(dir, { name: 'HZ3_X', value: '0' });
      const [t] = parseExperiments(text, join(dir, '.vscode/perf-heat-experiments.json'));
      assert.deepEqual(t.variants, [{ name: 'variant', defines: { HZ3_X: '0' } }]);
      assert.equal('argv' in t.build && t.build.argv[0], withMake ? 'make' : 'cc');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/perf-heat-experiments.schema.json'), 'utf8'));
  const experimentFields = Object.keys(schema.definitions.experiment.properties);
  // Every field the schema offers is accepted, and nothing else: a field the parser refuses fails here.
  const all = {
    name: 'x',
    description: 'd',
    cwd: '.',
    build: ['m', '${outDir}', '${defines}'],
    benchmark: ['${outDir}/b'],
    perfStat: { events: ['task-clock'], repeat: 2 },
    perfRecord: { options: ['-g'] },
    base: { name: 'b', description: 'd', defines: {} },
    variants: [{ name: 'v', description: 'd', defines: { A: null } }],
    outDir: 'o',
    timeoutSeconds: 5,
  };
  assert.deepEqual(experimentFields.sort(), Object.keys(all).sort());
  assert.deepEqual(Object.keys(schema.definitions.variant.properties).sort(), ['defines', 'description', 'name']);
  assert.deepEqual(Object.keys(schema.definitions.experiment.properties.perfStat.properties).sort(), [
    'events',
    'repeat',
  ]);
  assert.deepEqual(Object.keys(schema.definitions.experiment.properties.perfRecord.properties), ['options']);
  assert.doesNotThrow(() => parseExperiments(JSON.stringify({ $schema: 's', experiments: [all] }), FILE));
});

const step = (argv: string[]): PlannedStep => ({
  kind: 'build',
  variant: 'v',
  title: 'build v',
  argv,
  cwd: ROOT,
  text: argv.join(' '),
  outputs: [],
});

test('runStep: output streamed, a failure is one line with its last output, a missing program named', async () => {
  let out = '';
  await runStep(step(['/bin/sh', '-c', 'echo one; echo two >&2']), { output: (t) => (out += t) }, 60_000);
  assert.match(out, /one/);
  assert.match(out, /two/);
  await assert.rejects(
    runStep(
      step(['/bin/sh', '-c', 'echo compiling; echo "x.c:3: error: S154 needs S112" >&2; exit 2']),
      { output: () => undefined },
      60_000,
    ),
    (e: Error) => {
      assert.ok(e instanceof ExperimentRunError);
      assert.equal(
        e.message,
        'build v failed (exit 2): /bin/sh -c echo compiling; echo "x.c:3: error: S154 needs S112" >&2; exit 2 — x.c:3: error: S154 needs S112',
      );
      return true;
    },
  );
  await assert.rejects(
    runStep(step(['no-such-program-ph']), { output: () => undefined }, 60_000),
    /build v: cannot start: "no-such-program-ph" was not found/,
  );
});

/** Whether a process with this pid still runs. */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test(
  "Cancel and the timeout stop the whole process group (make's children, the benchmark's threads)",
  { timeout: 60_000 },
  async () => {
    for (const how of ['cancel', 'timeout'] as const) {
      const abort = new AbortController();
      let out = '';
      // A grandchild that would outlive its parent: its pid is printed first.
      const run = runStep(
        step(['/bin/sh', '-c', 'sleep 300 & echo "child $!"; wait']),
        { output: (t) => ((out += t), out.includes('child') && how === 'cancel' && abort.abort()) },
        how === 'timeout' ? 500 : 600_000,
        abort.signal,
      );
      await assert.rejects(
        run,
        how === 'cancel' ? ExperimentCancelled : /stopped after 1 s \(the experiment's timeoutSeconds\)/,
      );
      const pid = Number(/child (\d+)/.exec(out)?.[1]);
      assert.ok(pid > 0, out);
      for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(!alive(pid), `${how}: the grandchild ${pid} was stopped too`);
    }
  },
);

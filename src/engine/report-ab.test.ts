/**
 * The A/B report of the demo pair as an allocator engineer reads it — each build's flags and the ones that differ,
 * the hot function's active `#if` path, its block-level A/B and the lines that changed most — with every figure
 * checked against the tools, never against the report's own code:
 *   - counts and shares: `perf report --sort sym,srcline -n` of each recording (test/fixtures/report/oracle/
 *     *.report-sym-srcline.txt, scripts/record-report-oracles.sh), samples × perf's period, in ms;
 *   - which build compiles a block, and the flag values: `make -n -B` of each build (the commands make runs, in a
 *     copy of the demo so nothing is written into it), then `cc -E` (line markers) and `cc -E -dM` (macros);
 *   - kernel rows: perf's own `[k]` symbol names (oracle/*.report-dso-sym.txt).
 * The structure is pinned by a regression snapshot (test/fixtures/report/demo-ab.snapshot.md), which is not an
 * oracle: `UPDATE_SNAPSHOTS=1` regenerates it after a reviewed change.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { reportCommand } from '../cli/report-command';
import { ccLive, compilerAvailable } from './cpp/testing';
import { fn, num, parseSymSrcline, runReport, tableAfter, type SymLineRow } from '../../test/report-oracle';
import { parseReportSymbols } from '../../test/perf-oracle';

const ROOT = resolve(__dirname, '../..');
const DEMO = join(ROOT, 'demo/mini-hz3');
const ORACLE = join(ROOT, 'test/fixtures/report/oracle');
const P = (f: string): string => join(DEMO, 'profiles', f);
const HOT = 'mh3_owner_stash_pop';
const FLIPPED = 'HZ3_S121_PAGE_LOCAL_REMOTE';

/** How scripts/record-demo.sh built the pair: A = `make all`, B = `make ab` (A + AB_EXTRA, the S121 box). */
const ARGS = [
  P('cpu-clock-b.perf.data'),
  '--baseline',
  P('cpu-clock.perf.data'),
  '--stat',
  P('stat-a.csv'),
  '--stat',
  P('stat-b.csv'),
  '--source-root',
  DEMO,
  '--makefile',
  join(DEMO, 'Makefile'),
  '--target-a',
  'all',
  '--target-b',
  'ab',
  '--flipped',
  `${FLIPPED}=1`,
];

/** perf's answer per recording: rows per (symbol, file:line), and ms per sample (the event count over the samples). */
function perfLines(name: string): { rows: SymLineRow[]; msPerSample: number; totalSamples: number } {
  const text = readFileSync(join(ORACLE, `${name}.report-sym-srcline.txt`), 'utf8');
  const events = Number(/^# Event count \(approx\.\): (\d+)/m.exec(text)![1]);
  // Every row, kernel ones too, for the total number of samples.
  const totalSamples = [...text.matchAll(/^\s+[\d.]+%\s+(\d+)\s+\[[.k]\]/gm)].reduce((s, m) => s + Number(m[1]), 0);
  return {
    rows: parseSymSrcline(join(ORACLE, `${name}.report-sym-srcline.txt`)),
    msPerSample: events / totalSamples / 1e6,
    totalSamples,
  };
}

/** `1,081` / `867.75` / `0.500` / `0` ms as printed, within its rounding. */
function closeMs(cell: string, want: number, what: string): void {
  const got = num(cell);
  const tol = want >= 999.5 ? 0.5 : want >= 1 ? 0.005 : 0.0005;
  assert.ok(Math.abs(got - want) <= tol + 1e-9, `${what}: report ${cell} ms, perf ${want.toFixed(3)} ms`);
}

/** `53.7%`, `2.97%`, `<0.01%`, `0%` against perf's share. */
function closeShare(cell: string, want: number, what: string): void {
  if (cell === '<0.01%') return assert.ok(want > 0 && want < 0.01, `${what}: <0.01% but perf ${want}`);
  const got = Number(cell.replace(/%$/, ''));
  const tol = want >= 9.95 ? 0.05 : 0.005;
  assert.ok(Math.abs(got - want) <= tol + 1e-9, `${what}: report ${cell}, perf ${want.toFixed(3)}%`);
}

/** A part of the report: from the heading starting with `start` to the next `## `. */
function part(md: string, start: string): string {
  const at = md.indexOf(start);
  assert.ok(at >= 0, `no "${start}" in the report`);
  const end = md.indexOf('\n## ', at + start.length);
  return md.slice(at, end < 0 ? undefined : end);
}

/** The compile command of `unit` that `make -n -B TARGET` prints for the object directory `obj`. */
function makeCompile(dir: string, target: string, unit: string, obj: string): string {
  const r = spawnSync('make', ['-n', '-B', target], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout
    .replace(/\\\n/g, ' ')
    .split('\n')
    .find((l) => l.includes(` ${unit} `) && l.includes(` -o ${obj}/`));
  assert.ok(line, `make -n -B ${target} compiles ${unit} into ${obj}:\n${r.stdout}`);
  return line;
}

/** Each build's compile command of the hot unit, as make prints it, in a copy of the demo (make -n writes its defs). */
function buildCommands(): { dir: string; a: string; b: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'perf-heat-ab-'));
  for (const d of ['src', 'include', 'bench', 'Makefile']) cpSync(join(DEMO, d), join(dir, d), { recursive: true });
  const unit = 'src/mh3_owner_stash.c';
  return {
    dir,
    a: makeCompile(dir, 'all', unit, 'build/obj/a'),
    b: makeCompile(dir, 'ab', unit, 'build/obj/b'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `cc -E -dM` of a compile command: macro → replacement text. */
function macros(command: string, cwd: string): Map<string, string> {
  const sh = spawnSync('sh', ['-c', command.replace(/ -c /, ' -E -dM ').replace(/ -o \S+/, ' -o -')], {
    cwd,
    encoding: 'utf8',
  });
  assert.equal(sh.status, 0, sh.stderr);
  return new Map([...sh.stdout.matchAll(/^#define (\w+)(?:\([^)]*\))? ?(.*)$/gm)].map((m) => [m[1], m[2]]));
}

test(
  "demo A/B with each build's Makefile target: flags, active path and block-level A/B against make -n, cc -E and perf report",
  { timeout: 180_000 },
  async (t) => {
    if (!compilerAvailable()) return t.skip('no C compiler');
    const md = await runReport(ARGS);
    const perf = { a: perfLines('cpu-clock'), b: perfLines('cpu-clock-b') };
    const cmds = buildCommands();
    try {
      // The builds' ab target appends AB_EXTRA to A's command: make's own commands must say so too.
      assert.ok(cmds.b.includes(`-D${FLIPPED}=1`) && !cmds.a.includes(FLIPPED), `make -n: A ${cmds.a}\nB ${cmds.b}`);

      // ---- Flags that differ: each row's values are cc -E -dM's, and every macro whose value differs and that an
      // #if of the hot function's files reads is a row.
      const flags = part(md, '## 2. Builds and flags');
      const rows = tableAfter(flags, 'Flags that differ').rows;
      const [ma, mb] = [macros(cmds.a, cmds.dir), macros(cmds.b, cmds.dir)];
      const value = (m: Map<string, string>, n: string) => (m.has(n) ? m.get(n)! : '(undefined)');
      for (const r of rows) {
        assert.equal(r.A, value(ma, r.Flag), `${r.Flag} in A`);
        assert.equal(r.B, value(mb, r.Flag), `${r.Flag} in B`);
      }
      const files = [...part(md, '## 6. Hot function A/B').matchAll(/^### `([^`]+)`$/gm)].map((m) => m[1]);
      assert.ok(files.includes('src/mh3_owner_stash_pop.inc'), files.join());
      const conditions = files
        .map((f) => readFileSync(join(DEMO, f), 'utf8'))
        .join('\n')
        .split('\n')
        .filter((l) => /^\s*#\s*(el)?if/.test(l))
        .join('\n');
      const differ = [...new Set([...ma.keys(), ...mb.keys()])].filter(
        (n) => value(ma, n) !== value(mb, n) && new RegExp(`\\b${n}\\b`).test(conditions),
      );
      assert.deepEqual(rows.map((r) => r.Flag).sort(), differ.sort(), "the flags that differ are the compiler's");
      assert.equal(rows.find((r) => r.Flag === FLIPPED)?.['Flipped by the experiment'], 'yes');

      // ---- Block-level A/B of the hot .inc: "compiled in" is cc -E's, counts and shares are perf's.
      const hot = part(md, '## 6. Hot function A/B');
      const inc = hot.slice(hot.indexOf('### `src/mh3_owner_stash_pop.inc`'));
      const live = {
        a: new Set(ccLive(cmds.a, cmds.dir, 'src/mh3_owner_stash_pop.inc')),
        b: new Set(ccLive(cmds.b, cmds.dir, 'src/mh3_owner_stash_pop.inc')),
      };
      const blocks = tableAfter(inc, 'Block-level A/B:').rows;
      let differing = 0;
      for (const r of blocks) {
        const inBlock = (line: number): boolean => {
          if (!/^\d+-\d+$/.test(r.Lines)) return true;
          const [from, to] = r.Lines.split('-').map(Number);
          return line > from && line <= to;
        };
        if (/^\d+-\d+$/.test(r.Lines)) {
          const [la, lb] = [[...live.a].some(inBlock), [...live.b].some(inBlock)];
          const want = la && lb ? 'both' : la ? 'A only' : lb ? 'B only' : 'neither';
          assert.equal(r['Compiled in'], want, `${r.Block} (${r.Lines}) compiled in, as cc -E`);
          if (want !== 'both') differing++;
        }
        // Outside any #if: lines in no block of the table's file; checked through the table's other rows instead.
        if (!/^\d+-\d+$/.test(r.Lines)) continue;
        for (const [side, col] of [
          ['a', 'A cpu-clock (ms)'],
          ['b', 'B cpu-clock (ms)'],
        ] as const) {
          const samples = perf[side].rows
            .filter((q) => fn(q.symbol) === HOT && q.file === 'mh3_owner_stash_pop.inc' && inBlock(q.line))
            .reduce((s, q) => s + q.samples, 0);
          closeMs(r[col], samples * perf[side].msPerSample, `${r.Block} ${r.Lines} ${col}`);
          closeShare(
            r[`${side.toUpperCase()} % of cpu-clock`],
            (100 * samples) / perf[side].totalSamples,
            `${r.Block} ${r.Lines} ${side} share`,
          );
        }
      }
      assert.ok(differing >= 3, `blocks the builds compile differently (${differing})`);
      assert.ok(blocks.length >= 8, `${blocks.length} blocks`);

      // ---- Active #if path: where a group's compiled branch differs, the other branches are dead for cc -E.
      const src = readFileSync(join(DEMO, 'src/mh3_owner_stash_pop.inc'), 'utf8').split('\n');
      const path = tableAfter(inc, 'Active').rows.filter((r) => r.Differs === 'yes');
      assert.ok(path.length >= 3, 'groups the builds compile differently');
      for (const r of path) {
        const [from, to] = r.Lines.split('-').map(Number);
        for (const [side, col] of [
          ['a', 'A compiles'],
          ['b', 'B compiles'],
        ] as const) {
          const chosen = r[col];
          // The group's branches at its own depth, with their body lines.
          let depth = 0;
          const branches: { text: string; lines: number[] }[] = [];
          for (let l = from; l <= to; l++) {
            const d = /^\s*#\s*(\w+)\s*(.*?)\s*(\/\/.*|\/\*.*)?$/.exec(src[l - 1]);
            const kind = d?.[1];
            if (kind && /^if/.test(kind)) depth++;
            if (kind && depth === 1 && /^(if|elif|else)/.test(kind))
              branches.push({ text: `#${kind}${d[2] ? ` ${d[2]}` : ''}`, lines: [] });
            else if (branches.length) branches[branches.length - 1].lines.push(l);
            if (kind === 'endif') depth--;
          }
          const others = branches.filter(
            (b) => !(chosen.startsWith('#') && b.text.replace(/\s+/g, ' ').startsWith(chosen.replace(/\s+/g, ' '))),
          );
          assert.ok(
            others.length === branches.length - (chosen.startsWith('#') ? 1 : 0),
            `${r.Group}: "${chosen}" is one of ${branches.map((b) => b.text).join(' / ')}`,
          );
          for (const b of others)
            assert.ok(
              !b.lines.some((l) => live[side].has(l)),
              `${side}: ${b.text} (group at ${from}) is not compiled, for cc -E`,
            );
        }
      }
    } finally {
      cmds.cleanup();
    }

    // ---- Lines that changed most: both builds' ms and shares are perf's, summed over every function on the line.
    const lines = tableAfter(part(md, '## 8. Lines that changed most'), 'Ranked by the change').rows;
    assert.ok(lines.length >= 8);
    for (const r of lines) {
      const [file, line] = [r.Line.split(':')[0].split('/').pop()!, Number(r.Line.split(':')[1])];
      for (const side of ['a', 'b'] as const) {
        const samples = perf[side].rows
          .filter((q) => q.file === file && q.line === line)
          .reduce((s, q) => s + q.samples, 0);
        closeMs(r[`${side.toUpperCase()} (ms)`], samples * perf[side].msPerSample, `${r.Line} ${side}`);
        closeShare(
          r[`${side.toUpperCase()} share`],
          (100 * samples) / perf[side].totalSamples,
          `${r.Line} ${side} share`,
        );
      }
    }
    // Ranked by the absolute change, largest first.
    const deltas = lines.map((r) => Math.abs(num(r['Δ (ms)'].replace('−', '-'))));
    assert.deepEqual(
      deltas,
      deltas.slice().sort((x, y) => y - x),
    );

    // ---- Top functions: absolute ms beside shares, kernel rows by perf's own [k] symbol names.
    const top = tableAfter(md, '### Against cpu-clock.perf.data').rows;
    const kernelNames = new Set(
      ['cpu-clock-b', 'cpu-clock'].flatMap((n) =>
        [...parseReportSymbols(readFileSync(join(ORACLE, `${n}.report-dso-sym.txt`), 'utf8')).values()]
          .flat()
          .filter((x) => x.dso === '[kernel.kallsyms]')
          .map((x) => x.symbol),
      ),
    );
    const kernelRows = top.filter((r) => r.Binary === '[kernel.kallsyms]');
    assert.ok(kernelRows.length >= 3);
    for (const r of kernelRows)
      assert.ok(kernelNames.has(r.Function), `kernel row ${r.Function} is named as perf report names it`);
    const hotRow = top.find((r) => r.Function === HOT)!;
    const hotSamples = (side: 'a' | 'b') =>
      perf[side].rows.filter((q) => fn(q.symbol) === HOT).reduce((s, q) => s + q.samples, 0);
    closeMs(hotRow['cpu-clock-b.perf.data (ms)'], hotSamples('b') * perf.b.msPerSample, 'hot function B ms');
    closeMs(hotRow['cpu-clock.perf.data (ms)'], hotSamples('a') * perf.a.msPerSample, 'hot function A ms');
    assert.equal(
      hotRow.Ratio,
      `×${((hotSamples('b') * perf.b.msPerSample) / (hotSamples('a') * perf.a.msPerSample)).toFixed(2)}`,
    );

    // ---- No PMU here: the report says which perf stat to run instead.
    // The benchmark is A's, as record-demo.sh recorded it (its log of the commands it ran).
    const recorded = /^perf record .* -o profiles\/cpu-clock\.perf\.data -- (.*)$/m.exec(
      readFileSync(P('recording.txt'), 'utf8'),
    )![1];
    const advice =
      /On a machine with PMU access run, for each build: `perf stat -r 5 -x, -e ([^`]*) -o stat-A\.csv -- ([^`]*)`/.exec(
        part(md, '## 9. Cycle-gap'),
      );
    assert.ok(advice, 'what to run instead of the missing counters');
    assert.equal(advice[2], recorded);
    for (const e of ['cycles', 'instructions', 'cache-misses']) assert.ok(advice[1].split(',').includes(e), e);
    // ---- The summary: perf stat's task-clock as perf wrote it (msec column of -x, output), perf's hot-function time.
    const taskClock = (f: string) =>
      Number(
        readFileSync(P(f), 'utf8')
          .split('\n')
          .find((l) => l.split(',')[2] === 'task-clock')!
          .split(',')[0],
      );
    const summary = /^- perf stat task clock: stat-b ([\d,.]+) ms vs stat-a ([\d,.]+) ms \(([+-][\d.]+)%\)\.$/m.exec(
      md,
    );
    assert.ok(summary, "the summary gives perf stat's task clock");
    closeMs(summary[1], taskClock('stat-b.csv'), 'summary stat-b task-clock');
    closeMs(summary[2], taskClock('stat-a.csv'), 'summary stat-a task-clock');
    assert.equal(
      Number(summary[3]),
      Number((100 * (taskClock('stat-b.csv') / taskClock('stat-a.csv') - 1)).toFixed(1)),
    );
    const hotSummary =
      /^- Hot function `mh3_owner_stash_pop` on its source lines: A ([\d,.]+) ms, B ([\d,.]+) ms/m.exec(md)!;
    const onLines = (side: 'a' | 'b') =>
      perf[side].rows.filter((q) => fn(q.symbol) === HOT).reduce((s, q) => s + q.samples, 0) * perf[side].msPerSample;
    closeMs(hotSummary[1], onLines('a'), 'summary A');
    closeMs(hotSummary[2], onLines('b'), 'summary B');
    snapshot('demo-ab.snapshot.md', md);
  },
);

test(
  "the same pair from compile_commands.json (A's make -n command) and B as A plus --flags-b: the same flags differ",
  { timeout: 180_000 },
  async (t) => {
    if (!compilerAvailable()) return t.skip('no C compiler');
    const cmds = buildCommands();
    try {
      // compile_commands.json as a build system would write it: make's own command for A, run in the demo's folder.
      const cc = join(cmds.dir, 'compile_commands.json');
      writeFileSync(cc, JSON.stringify([{ directory: DEMO, file: 'src/mh3_owner_stash.c', command: cmds.a }]));
      const extra = cmds.b.split(/\s+/).filter((w) => w.startsWith('-D') && !cmds.a.split(/\s+/).includes(w));
      assert.deepEqual(extra, [`-D${FLIPPED}=1`], 'make -n: B is A plus the flipped flag');
      const md = await runReport([
        P('cpu-clock-b.perf.data'),
        '--baseline',
        P('cpu-clock.perf.data'),
        '--source-root',
        DEMO,
        '--compile-commands',
        cc,
        `--flags-b=${extra.join(' ')}`,
      ]);
      assert.match(
        md,
        /- A \(baseline, `cpu-clock\.perf\.data`\): `?…\/[^/]+\/compile\\_commands\.json`?; compiles the hot code in `src\/mh3_owner_stash\.c`\./,
      );
      const rows = tableAfter(part(md, '## 1. Builds and flags'), 'Flags that differ').rows;
      const [ma, mb] = [macros(cmds.a, cmds.dir), macros(cmds.b, cmds.dir)];
      assert.deepEqual(
        rows.map((r) => [r.Flag, r.A, r.B]),
        rows.map((r) => [r.Flag, ma.get(r.Flag) ?? '(undefined)', mb.get(r.Flag) ?? '(undefined)']),
      );
      assert.ok(rows.some((r) => r.Flag === FLIPPED));
      const inc = part(md, '## 5. Hot function A/B');
      const compiled = tableAfter(
        inc.slice(inc.indexOf('### `src/mh3_owner_stash_pop.inc`')),
        'Block-level A/B:',
      ).rows.map((r) => r['Compiled in']);
      assert.ok(compiled.includes('A only') && compiled.includes('B only'), compiled.join());
    } finally {
      cmds.cleanup();
    }
  },
);

test("one profile with its build: the command line is make -n's", { timeout: 120_000 }, async () => {
  const cmds = buildCommands();
  try {
    const md = await runReport([
      P('cpu-clock-b.perf.data'),
      '--source-root',
      DEMO,
      '--makefile',
      join(DEMO, 'Makefile'),
      '--target',
      'ab',
    ]);
    const line = /^Command line: (.*)\.$/m.exec(part(md, '## 1. Build flags'));
    assert.ok(line, "the build's command line");
    const words = [...line[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    // The words the shell gives the compiler for make's command, its -D and -U in order.
    const sh = spawnSync('sh', ['-c', `set -- ${cmds.b}; printf '%s\\n' "$@"`], { encoding: 'utf8' });
    const make = sh.stdout.split('\n').filter((w) => /^-[DU]/.test(w));
    assert.deepEqual(words, make);
    assert.match(md, /Blocks from the `#if` engine with B's flags/);
  } finally {
    cmds.cleanup();
  }
});

test('without build flags the report says so and how to give them; usage errors of the per-build options exit 2', async () => {
  const md = await runReport([
    P('cpu-clock-b.perf.data'),
    '--baseline',
    P('cpu-clock.perf.data'),
    '--source-root',
    DEMO,
  ]);
  assert.match(
    md,
    /- A \(baseline, `cpu-clock\.perf\.data`\): flags unknown\. Give them with `--makefile F --target-a T`/,
  );
  const inc = part(md, '## 5. Hot function A/B');
  assert.ok(
    tableAfter(inc.slice(inc.indexOf('### `src/mh3_owner_stash_pop.inc`')), 'Block-level A/B:').rows.every(
      (r) => r['Compiled in'] === 'unknown' || r.Lines === '',
    ),
    'no compiled state without flags',
  );
  const errors: string[] = [];
  const err = (s: string) => errors.push(s);
  assert.equal(await reportCommand([P('cpu-clock-b.perf.data'), '--target-a', 'all'], () => undefined, err), 2);
  assert.match(errors.pop()!, /--target-a is build A's \(the --baseline\)/);
  assert.equal(
    await reportCommand([P('cpu-clock-b.perf.data'), '--make-var-b', 'DEFS_EXTRA'], () => undefined, err),
    2,
  );
  assert.match(errors.pop()!, /--make-var takes NAME=VALUE, got "DEFS_EXTRA"/);
  assert.equal(
    await reportCommand(
      [P('cpu-clock-b.perf.data'), '--compile-commands', 'cc.json', '--target', 'all'],
      () => undefined,
      err,
    ),
    2,
  );
  assert.match(errors.pop()!, /alternatives/);
});

function snapshot(name: string, actual: string): void {
  const path = join(ROOT, 'test/fixtures/report', name);
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(path)) {
    writeFileSync(path, actual);
    if (process.env.UPDATE_SNAPSHOTS !== '1') assert.fail(`${name} did not exist: written, review it and run again`);
    return;
  }
  const e = readFileSync(path, 'utf8').split('\n');
  const a = actual.split('\n');
  const at = a.findIndex((l, i) => l !== e[i]);
  if (at >= 0)
    assert.fail(
      `regression snapshot ${name} differs at line ${at + 1}:\n  expected: ${e[at]}\n  actual:   ${a[at]}\n(UPDATE_SNAPSHOTS=1 regenerates the snapshots)`,
    );
}

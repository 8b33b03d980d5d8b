/**
 * Every pattern of docs/hz3-patterns.md (P1–P10) on a small made-up source in test/fixtures/cpp: which marked lines
 * are live under each flag view, stated by hand, and the same checked against `cc -E` when a compiler is there.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compilerTruth } from './compiler';
import { FlagViewEngine } from './flag-view';
import { includeClosure } from './include-graph';
import { scanText } from './scanner';
import { compilerAvailable, liveContent, markersOn, pool, viewOf } from './testing';

const FIX = join(__dirname, '../../../test/fixtures/cpp');

interface Case {
  file: string;
  defines: Record<string, string | null>;
  /** Live markers per file (relative to FIX), or for `file` alone. */
  live: string[] | Record<string, string[]>;
  includeDirs?: string[];
}

const CASES: Case[] = [
  { file: 'p1-chains.c', defines: {}, live: ['none', 'always'] },
  { file: 'p1-chains.c', defines: { FEAT_A: '1' }, live: ['a_on', 'a_notb', 'always'] },
  { file: 'p1-chains.c', defines: { FEAT_A: '1', FEAT_B: '1' }, live: ['a_on', 'a_b', 'always'] },
  { file: 'p1-chains.c', defines: { FEAT_C: '1' }, live: ['c_on', 'always'] },
  { file: 'p1-chains.c', defines: { FEAT_A: '1', FEAT_C: '1' }, live: ['a_on', 'a_notb', 'always'] },
  { file: 'p2-guards.c', defines: {}, live: ['pow2', 'uprom'] },
  {
    file: 'p2-guards.c',
    defines: { F_PF: '1', PF_DIST: '2', NINST: '4', ARENA_BYTES: '(8192ULL << 20)' },
    live: ['pf_gnu', 'pf_x86', 'dist2', 'multi', 'big_arena', 'pow2', 'uprom'],
  },
  { file: 'p2-guards.c', defines: { PF_DIST: '1', ARENA_BYTES: '(1000)' }, live: ['dist1', 'uprom'] },
  { file: 'p3-split-brace.c', defines: {}, live: ['work'] },
  { file: 'p3-split-brace.c', defines: { FEAT_LITE: '1' }, live: ['lite_open', 'work', 'lite_close'] },
  { file: 'p4-dangling-else.c', defines: {}, live: ['if_open', 'dangling_else'] },
  { file: 'p4-dangling-else.c', defines: { F1: '1' }, live: ['if_open'] },
  { file: 'p5-expr-directives.c', defines: {}, live: ['head', 'go', 'operand_one'] },
  { file: 'p5-expr-directives.c', defines: { GATE: '1' }, live: ['head', 'gate_and', 'go', 'operand_gate'] },
  { file: 'p6-giant-else.c', defines: {}, live: ['std', 'more', 'close'] },
  { file: 'p6-giant-else.c', defines: { F: '1' }, live: ['std', 'goto', 'more', 'label', 'close'] },
  { file: 'p6-giant-else.c', defines: { MODE_PKT2: '1' }, live: ['pkt', 'close'] },
  {
    file: 'p7/main.c',
    defines: {},
    live: { 'p7/std_body.inc': ['std_body'], 'p7/push.inc': ['push_fast'], 'p7/pkt_body.inc': [] },
  },
  {
    file: 'p7/main.c',
    defines: { MODE_PKT: '1', FAST: '0' },
    live: { 'p7/pkt_body.inc': ['pkt_body'], 'p7/push.inc': ['push_slow'], 'p7/std_body.inc': [] },
  },
  { file: 'p8/outside.c', defines: {}, live: { 'p8/outside.c': ['field_pad', 'uses_stub'], 'p8/stubs.h': ['stub'] } },
  {
    file: 'p8/outside.c',
    defines: { HAS_EXTRA: '1', TRACE: '1', VALUE_MACRO: '0', WITH_A: '1', WITH_B: '1' },
    live: {
      'p8/outside.c': ['field_extra', 'ifdef_value', 'helper_a', 'helper_b'],
      'p8/stubs.h': [],
      'p8/impl.h': ['impl'],
    },
  },
  { file: 'p9-lying-labels.c', defines: {}, live: ['plain'] },
  { file: 'p9-lying-labels.c', defines: { PKT2: '1', G2_FAST_PATH: '1' }, live: ['pkt', 'g2'] },
  { file: 'p9-lying-labels.c', defines: { G3_BRANCHLESS: '1', G2_FAST_PATH: '1' }, live: ['g3'] },
  { file: 'p9-lying-labels.c', defines: { OUTER: '1' }, live: ['plain', 'outer_only'] },
  { file: 'p9-lying-labels.c', defines: { OUTER: '1', INNER: '1' }, live: ['plain', 'inner', 'outer_only'] },
  { file: 'p10-cross-block.c', defines: { S89: '1' }, live: ['use'] },
  { file: 'p10-cross-block.c', defines: { S88: '1', S89: '1' }, live: ['decl', 'use'] },
  {
    file: 'lexing.c',
    defines: {},
    live: ['after_block', 'after_line_cont', 'string', 'char_quote', 'code_line_hash', 'multi_ok', 'last_no_newline'],
  },
  {
    file: 'lexing.c',
    defines: { A: '1', B: '1', C: '1', D: '1', E: '1' },
    live: [
      'after_block',
      'after_line_cont',
      'string',
      'char_quote',
      'a_and_b',
      'c_cont',
      'd_after_comment',
      'code_line_hash',
      'spaced_if',
      'multi_ok',
      'last_no_newline',
    ],
  },
  { file: 'unbalanced.c', defines: {}, live: [] },
  { file: 'apostrophes.c', defines: {}, live: ['in_else', 'after'] },
];

function expected(c: Case): Map<string, string[]> {
  const m = new Map<string, string[]>();
  if (Array.isArray(c.live)) m.set(join(FIX, c.file), [...c.live].sort());
  else for (const [f, l] of Object.entries(c.live)) m.set(join(FIX, f), [...l].sort());
  return m;
}

const label = (c: Case): string => `${c.file} ${JSON.stringify(c.defines)}`;

test('P1–P10: live marked lines under each view, as stated', () => {
  const engine = new FlagViewEngine();
  for (const c of CASES) {
    const sim = engine.simulate(
      join(FIX, c.file),
      viewOf(
        c.defines,
        (c.includeDirs ?? []).map((d) => join(FIX, d)),
      ),
    );
    const live = liveContent(sim);
    for (const [file, want] of expected(c)) {
      const got = markersOn(readFileSync(file, 'utf8'), live.get(file) ?? []);
      assert.deepEqual(got, want, `${label(c)}: ${file}`);
    }
    assert.deepEqual(sim.errors, [], label(c));
  }
});

test(
  'P1–P10: the compiler agrees (cc -E line markers)',
  { skip: !compilerAvailable() && 'no C compiler' },
  async () => {
    await pool(CASES, 2, async (c) => {
      const truth = await compilerTruth(join(FIX, c.file), viewOf(c.defines), {
        allowExternalPrograms: true,
        cwd: FIX,
      });
      for (const [file, want] of expected(c)) {
        const got = markersOn(readFileSync(file, 'utf8'), truth.liveLines.get(file) ?? []);
        assert.deepEqual(got, want, `cc on ${label(c)}: ${file}`);
      }
    });
  },
);

test('P1/P9: groups pair by directive, never by trailing labels', () => {
  const p1 = scanText(readFileSync(join(FIX, 'p1-chains.c'), 'utf8'));
  assert.deepEqual(
    p1.groups.map((g) => [g.line, g.endLine, g.branches.map((b) => `${b.kind}@${b.line}-${b.endLine}`).join(' ')]),
    [
      [4, 15, 'if@4-10 elif@11-12 else@13-14'],
      [6, 10, 'if@6-7 else@8-9'],
    ],
  );
  const p9 = scanText(readFileSync(join(FIX, 'p9-lying-labels.c'), 'utf8'));
  // `#endif // G2_FAST_PATH` closes the group opened by `#if G3_BRANCHLESS`; `#endif // OUTER` closes INNER.
  const byLine = new Map(p9.groups.map((g) => [g.line, g]));
  assert.equal(byLine.get(7)!.endLine, 13);
  assert.equal(byLine.get(7)!.branches[0].condition, 'G3_BRANCHLESS');
  assert.equal(byLine.get(14)!.endLine, 19);
  assert.equal(byLine.get(15)!.endLine, 17);
  assert.deepEqual(p9.diagnostics, []);
});

test('P3/P4: braces split across blocks do not disturb pairing', () => {
  for (const f of ['p3-split-brace.c', 'p4-dangling-else.c', 'p5-expr-directives.c']) {
    const s = scanText(readFileSync(join(FIX, f), 'utf8'));
    assert.deepEqual(s.diagnostics, [], f);
    for (const g of s.groups) assert.ok(g.terminated, `${f}:${g.line}`);
  }
});

test('P6: the giant #else holds nested blocks; the function closes outside every block', () => {
  const engine = new FlagViewEngine();
  const r = engine.evaluate(join(FIX, 'p6-giant-else.c'), viewOf({ F: '1' }));
  const giant = r.blocks.find((b) => b.directive === 'else' && b.depth === 1)!;
  assert.deepEqual([giant.line, giant.endLine, giant.groupEndLine, giant.active], [7, 17, 18, true]);
  assert.ok(r.blocks.filter((b) => b.parent === giant.index).every((b) => b.active));
  assert.ok(
    r.active.some(([a, b]) => a <= 19 && 19 <= b),
    'the closing brace on line 19 is active',
  );
});

test('P7: conditional include edges, transitively, with their conditions', () => {
  const engine = new FlagViewEngine();
  const closure = includeClosure(join(FIX, 'p7/main.c'), {
    paths: { quote: [], angled: [], system: [] },
    sources: engine.sources,
    scans: engine.scans,
  });
  const conds = (f: string): string[][] => (closure.get(join(FIX, f))?.paths ?? []).map((p) => p.conditions);
  assert.deepEqual(conds('p7/cfg.h'), [[]]);
  assert.deepEqual(conds('p7/pkt_body.inc'), [['MODE_PKT']]);
  assert.deepEqual(conds('p7/std_body.inc'), [['!MODE_PKT']]);
  assert.deepEqual(conds('p7/push.inc'), [['MODE_PKT'], ['!MODE_PKT']]);
});

test('P7: a body the build does not include is all inactive, with values "as if" included at its #include', () => {
  const engine = new FlagViewEngine();
  const pkt = engine.evaluate(join(FIX, 'p7/push.inc'), viewOf({ FAST: '0' }));
  assert.equal(pkt.unit, join(FIX, 'p7/main.c'));
  assert.ok(pkt.reached);
  assert.deepEqual(
    pkt.blocks.map((b) => [b.line, b.value, b.active]),
    [
      [1, '0', false],
      [3, '1', true],
    ],
  );
  const body = engine.evaluate(join(FIX, 'p7/pkt_body.inc'), viewOf({}));
  assert.equal(body.reached, false);
  assert.deepEqual(body.active, []);
  assert.deepEqual(body.inactive, [[1, 3]]);
  assert.match(body.notes.join('\n'), /main\.c:6 is in an inactive block/);
});

test('P8: #ifdef on a value macro is about definedness; #define bodies follow the branch taken', () => {
  const engine = new FlagViewEngine();
  const sim = engine.simulate(join(FIX, 'p8/outside.c'), viewOf({ VALUE_MACRO: '0' }));
  assert.equal(sim.macros.get('TRACE_POINT')!.text, '((void)0)');
  const on = engine.simulate(join(FIX, 'p8/outside.c'), viewOf({ TRACE: '1' }));
  assert.equal(on.macros.get('TRACE_POINT')!.text, 'do { log_point(x); } while (0)');
});

test('P10: combinations that pass every guard are not errors for the preprocessor', () => {
  const engine = new FlagViewEngine();
  const r = engine.evaluate(join(FIX, 'p10-cross-block.c'), viewOf({ S89: '1' }));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(
    r.blocks.map((b) => b.active),
    [false, true],
  );
});

test('unbalanced input: gcc-like diagnostics with line numbers, and the tree still closes', () => {
  const s = scanText(readFileSync(join(FIX, 'unbalanced.c'), 'utf8'));
  assert.deepEqual(
    s.diagnostics.map((d) => [d.line, d.message.replace(/ \(.*\)$/, '')]),
    [
      [2, '#endif without #if'],
      [8, '#else after #else'],
      [10, '#elif after #else'],
      [13, 'unterminated #if'],
    ],
  );
  const engine = new FlagViewEngine();
  const r = engine.evaluate(join(FIX, 'unbalanced.c'), viewOf({ A: '1' }));
  assert.deepEqual(
    r.diagnostics.map((d) => d.line),
    [2, 8, 10, 13],
  );
});

test(
  'apostrophes in text: the compiler check falls back to plain cc -E, which lexes like the compiler proper',
  { skip: !compilerAvailable() && 'no C compiler' },
  async () => {
    const file = join(FIX, 'apostrophes.c');
    const truth = await compilerTruth(file, viewOf({}), { allowExternalPrograms: true, cwd: FIX });
    assert.equal(truth.mode, 'tokens');
    assert.deepEqual([...(truth.codeLines.get(file) ?? [])], [5, 7]);
    assert.deepEqual(truth.errors, []);
  },
);

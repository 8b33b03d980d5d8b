/**
 * `#if` arithmetic: literals and suffixes, every operator with C's conversions, short-circuit, macros (object-like,
 * function-like, recursive, cyclic), `defined`, `__has_include`, errors with columns. Values are checked by hand
 * and, in one batch, by gcc; random expressions (fast-check, fixed seed) are checked against gcc too.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { compilerTruth } from './compiler';
import { evaluate, formatValue } from './expr';
import { compilerAvailable, viewOf } from './testing';
import { isDefineError, type MacroTable, parseDefine } from './tokens';

const DEFINES = [
  'ONE 1',
  'NEG -1',
  'BIG (8192ULL << 20)',
  'CHAIN ONE',
  'CALC (ONE + CHAIN * 2)',
  'F(x, y) ((x) * 10 + (y))',
  'ID(x) x',
  'SELF SELF',
  'A_B A_C',
  'A_C A_B',
  'CAT(a, b) a ## b',
  'V1 7',
  'VA(...) (0 __VA_ARGS__)',
  'DEF defined(ONE)',
  'EMPTY',
  'TWICE(f, x) f(f(x))',
  'INC(x) ((x) + 1)',
  'STR(x) #x',
];

function table(): MacroTable {
  const m: MacroTable = new Map();
  for (const d of DEFINES) {
    const def = parseDefine(d, { kind: 'define' });
    if (!isDefineError(def)) m.set(def.name, def);
  }
  return m;
}

/** [expression, value, unsigned] */
const VALUES: [string, string, boolean][] = [
  ['0', '0', false],
  ['42', '42', false],
  ['0x1F', '31', false],
  ['017', '15', false],
  ['0b101', '5', false],
  ['10u', '10', true],
  ['10U', '10', true],
  ['10l', '10', false],
  ['10LL', '10', false],
  ['10ul', '10', true],
  ['10LU', '10', true],
  ['10ull', '10', true],
  ['10uLL', '10', true],
  ['10llu', '10', true],
  ['0xffffffffffffffff', '18446744073709551615', true],
  ['0x7fffffffffffffff', '9223372036854775807', false],
  ['9223372036854775808', '9223372036854775808', true],
  ["'a'", '97', false],
  ["'\\n'", '10', false],
  ["'\\x41'", '65', false],
  ["'\\0'", '0', false],
  ["'\\377'", '-1', false],
  ["'ab'", '24930', false],
  ["L'x'", '120', false],
  ["u'x'", '120', true],
  ["U'x'", '120', true],
  ['-1', '-1', false],
  ['-1u', '18446744073709551615', true],
  ['~0', '-1', false],
  ['~0u', '18446744073709551615', true],
  ['+5', '5', false],
  ['!0', '1', false],
  ['!7', '0', false],
  ['!0u', '1', false],
  ['7 / 2', '3', false],
  ['-7 / 2', '-3', false],
  ['-7 % 3', '-1', false],
  ['7 % -3', '1', false],
  ['-7 / 2u', '9223372036854775804', true],
  ['1 + 2 * 3', '7', false],
  ['(1 + 2) * 3', '9', false],
  ['10 - 2 - 3', '5', false],
  ['1 << 4', '16', false],
  ['256 >> 4', '16', false],
  ['-16 >> 2', '-4', false],
  ['1 << -1', '0', false],
  ['-1 >> 70', '-1', false],
  ['1u << 63', '9223372036854775808', true],
  ['1 << 64', '0', false],
  ['-1 >> 1u', '-1', false],
  ['-1 < 0', '1', false],
  ['-1 < 0u', '0', false],
  ['-1 > 0u', '1', false],
  ['2 >= 2', '1', false],
  ['3 <= 2', '0', false],
  ['1 == 1u', '1', false],
  ['-1 == 18446744073709551615', '1', false],
  ['1 != 2', '1', false],
  ['6 & 3', '2', false],
  ['6 ^ 3', '5', false],
  ['6 | 3', '7', false],
  ['-1 & 0xffu', '255', true],
  ['1 && 2', '1', false],
  ['0 && 1', '0', false],
  ['0 || 3', '1', false],
  ['0 || 0', '0', false],
  ['0 && 1 / 0', '0', false],
  ['1 || 1 / 0', '1', false],
  ['1 ? 2 : 1 / 0', '2', false],
  ['0 ? 1 / 0 : 3', '3', false],
  ['1 ? -1 : 0u', '18446744073709551615', true],
  ['0 ? 1u : -1', '18446744073709551615', true],
  ['(1, 2)', '2', false],
  ['1 ? 2 ? 3 : 4 : 5', '3', false],
  ['0 ? 1 : 0 ? 2 : 3', '3', false],
  ['0x7fffffffffffffff + 1 < 0', '1', false],
  ['-9223372036854775807 - 1', '-9223372036854775808', false],
  ['ONE', '1', false],
  ['NEG', '-1', false],
  ['BIG', '8589934592', true],
  ['CHAIN + 1', '2', false],
  ['CALC', '3', false],
  ['F(2, 3)', '23', false],
  ['F(ID(4), (5, 6))', '46', false],
  ['TWICE(INC, 1)', '3', false],
  ['UNDEFINED_NAME', '0', false],
  ['SELF', '0', false],
  ['A_B', '0', false],
  ['CAT(V, 1)', '7', false],
  ['VA(+1, +2)', '2', false],
  ['VA()', '0', false],
  ['DEF', '1', false],
  ['EMPTY 1', '1', false],
  ['F', '0', false],
  ['defined ONE', '1', false],
  ['defined(ONE)', '1', false],
  ['defined ( NOPE )', '0', false],
  ['!defined(NOPE) && ONE', '1', false],
  ['defined F && defined(EMPTY)', '1', false],
  ['true', '0', false],
];

test('values: literals, operators, conversions, short-circuit, macros', () => {
  const m = table();
  for (const [e, v, u] of VALUES) {
    const r = evaluate(e, m);
    assert.equal(r.error, undefined, `${e}: ${r.error?.message}`);
    assert.deepEqual([formatValue(r), r.unsigned], [v, u], e);
  }
});

/** [expression, message, offset, value] — gcc's wording, offset of the token at fault, the value gcc goes on with. */
const ERRORS: [string, string, number, number?][] = [
  ['', '#if with no expression', 0],
  ['1 +', "operator '+' has no right operand", 2],
  ['(1', "missing ')' in expression", 0],
  ['1 = 1', 'token "=" is not valid in preprocessor expressions', 2],
  ['"s"', 'token ""s"" is not valid in preprocessor expressions', 0],
  ['1.0', 'floating constant in preprocessor expression', 0],
  ['1.0 || 1', 'floating constant in preprocessor expression', 0, 1],
  ['1e5', 'floating constant in preprocessor expression', 0],
  ['0x1p3', 'floating constant in preprocessor expression', 0],
  ['08', 'invalid digit "8" in octal constant', 0],
  ['1 2', 'missing binary operator before token "2"', 2],
  ['12xyz', 'invalid suffix "xyz" on integer constant', 0],
  ['1lL', 'invalid suffix "lL" on integer constant', 0],
  ['1 / 0', 'division by zero in #if', 2, 1],
  ['-5 % (ONE - 1)', 'division by zero in #if', 3, 5],
  ['()', "missing expression between '(' and ')'", 0],
  ['1 ? 2', "'?' without following ':'", 2],
  ['3 : 4', "':' without preceding '?'", 2],
  ['defined', 'operator "defined" requires an identifier', 0],
  ['defined(ONE', 'missing \')\' after "defined"', 8],
  ['defined 2 || 1', 'operator "defined" requires an identifier', 8, 1],
  ['F(1)', 'macro "F" requires 2 arguments, but only 1 given', 0],
  ['F(1, 2', 'unterminated argument list invoking macro "F"', 0],
  ['STR(a) == 1', 'token ""a"" is not valid in preprocessor expressions', 0],
  ['  ONE + 1.5', 'floating constant in preprocessor expression', 8, 1],
];

test('errors: gcc wording and the offset of the token at fault (macro uses point at the use)', () => {
  const m = table();
  for (const [e, msg, off, value = 0] of ERRORS) {
    const r = evaluate(e, m);
    assert.deepEqual([r.error?.message, r.error?.offset, r.value], [msg, off, BigInt(value)], `"${e}"`);
  }
  const viaMacro = evaluate('ONE + FL', new Map([...m, ['FL', parseDefine('FL 2.5', { kind: 'define' }) as never]]));
  assert.deepEqual(
    [viaMacro.error?.message, viaMacro.error?.offset],
    ['floating constant in preprocessor expression', 6],
  );
});

test('warnings that gcc gives and still evaluates', () => {
  assert.deepEqual(
    evaluate('0x7fffffffffffffff + 1 < 0').warnings.map((w) => w.message),
    ['integer overflow in preprocessor expression'],
  );
  assert.deepEqual(
    evaluate('0x1ffffffffffffffff').warnings.map((w) => w.message),
    ['integer constant is too large for its type'],
  );
  assert.deepEqual(
    evaluate('18446744073709551615 == -1').warnings.map((w) => w.message),
    ['integer constant is so large that it is unsigned'],
  );
  assert.deepEqual(evaluate('0 && 0x7fffffffffffffff + 1').warnings, [], 'not evaluated, not warned');
});

test('__has_include and friends: 0 with a note, marked uncertain', () => {
  const r = evaluate('__has_include("x.h") || __has_include(<stdio.h>) || __has_builtin(__builtin_expect)');
  assert.equal(r.value, 0n);
  assert.ok(r.uncertain);
  assert.equal(r.notes.length, 3);
  assert.match(r.notes[0], /__has_include\("x\.h"\) is not answered without the compiler/);
  assert.equal(evaluate('defined(__has_include)').value, 1n);
});

test('expansion that grows without bound stops with an error, not a hang', () => {
  const m: MacroTable = new Map();
  for (let i = 0; i < 30; i++) m.set(`G${i}`, parseDefine(`G${i} G${i + 1} + G${i + 1}`, { kind: 'define' }) as never);
  // 2^30 tokens unguarded: the error proves the size guard stopped it. How long that takes is in bench/flags.
  const r = evaluate('G0', m);
  assert.match(r.error?.message ?? '', /macro expansion too large/);
});

/** One gcc run over many `#if`s: which of them hold, and which are errors. */
async function gccVerdicts(lines: string[], defines: string[]): Promise<{ holds: Set<number>; errors: Set<number> }> {
  const dir = mkdtempSync(join(tmpdir(), 'perfheat-expr-'));
  try {
    const file = join(dir, 'exprs.c');
    const body = [
      ...defines.map((d) => `#define ${d}`),
      ...lines.flatMap((l, i) => [`#if ${l}`, `int ok_${i};`, '#endif']),
    ];
    writeFileSync(file, body.join('\n') + '\n');
    const t = await compilerTruth(file, viewOf({}), { allowExternalPrograms: true, cwd: dir });
    const live = t.codeLines.get(file) ?? new Set<number>();
    const first = defines.length + 1;
    const holds = new Set<number>();
    lines.forEach((_, i) => live.has(first + 3 * i + 1) && holds.add(i));
    // An error inside a macro's replacement is reported at the #define, then located by an "in expansion" note.
    const errors = new Set<number>();
    let pending = false;
    for (const d of t.diagnostics) {
      if (d.file !== file) continue;
      if (d.severity === 'error') pending = d.line < first;
      if (d.severity === 'error' && d.line >= first) errors.add(Math.floor((d.line - first) / 3));
      if (d.severity === 'note' && pending && d.line >= first) {
        errors.add(Math.floor((d.line - first) / 3));
        pending = false;
      }
    }
    return { holds, errors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const literal = (v: string, u: boolean): string =>
  v === '-9223372036854775808' ? '(-9223372036854775807 - 1)' : `(${v}${u ? 'u' : ''})`;

test(
  'gcc agrees with every value and signedness above',
  { skip: !compilerAvailable() && 'no C compiler' },
  async () => {
    const lines = VALUES.flatMap(([e, v, u]) => [
      `((${e}) == ${literal(v, u)})`,
      `(((${e}) - (${e}) - 1) < 0) == ${u ? 0 : 1}`,
    ]);
    const { holds, errors } = await gccVerdicts(lines, DEFINES);
    lines.forEach((l, i) => assert.ok(holds.has(i) && !errors.has(i), `gcc: ${l}`));
    const errs = await gccVerdicts(
      ERRORS.map(([e]) => e),
      DEFINES,
    );
    ERRORS.forEach(([e, , , value = 0], i) => {
      assert.ok(errs.errors.has(i), `gcc also rejects "${e}"`);
      assert.equal(errs.holds.has(i), value !== 0, `gcc goes on with the value of "${e}"`);
    });
  },
);

const leaf = fc.oneof(
  fc.constantFrom(
    '0',
    '1',
    '2',
    '7',
    '-1',
    '0u',
    '1u',
    '3ull',
    '0x7fffffffffffffff',
    '0xffffffffffffffff',
    '9223372036854775807',
    '64',
    '63',
    "'a'",
    "'\\377'",
  ),
  fc.constantFrom('ONE', 'NEG', 'BIG', 'CALC', 'NOPE', 'defined(ONE)', 'defined NOPE', 'F(1, 2)', 'INC(NEG)'),
);
const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(fc.constantFrom('-', '~', '!', '+'), tie('e')).map(([o, x]) => `${o}(${x})`),
    fc
      .tuple(
        tie('e'),
        fc.constantFrom(
          '*',
          '/',
          '%',
          '+',
          '-',
          '<<',
          '>>',
          '<',
          '>',
          '<=',
          '>=',
          '==',
          '!=',
          '&',
          '^',
          '|',
          '&&',
          '||',
        ),
        tie('e'),
      )
      .map(([a, o, b]) => `(${a} ${o} ${b})`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, b, c]) => `(${a} ? ${b} : ${c})`),
  ),
})).e;

test(
  'random expressions (fast-check, fixed seed): same value, signedness and errors as gcc',
  { skip: !compilerAvailable() && 'no C compiler' },
  async () => {
    const m = table();
    const exprs = fc.sample(expr, { seed: 4242, numRuns: 600 });
    const lines: string[] = [];
    const expectError: boolean[] = [];
    const values: boolean[] = [];
    for (const e of exprs) {
      const r = evaluate(e, m);
      expectError.push(!!r.error);
      lines.push(
        r.error
          ? e
          : `((${e}) == ${literal(formatValue(r), r.unsigned)}) && ((((${e}) - (${e}) - 1) < 0) == ${r.unsigned ? 0 : 1})`,
      );
      values.push(r.value !== 0n);
    }
    const { holds, errors } = await gccVerdicts(lines, DEFINES);
    let errorsSeen = 0;
    exprs.forEach((e, i) => {
      if (expectError[i]) {
        errorsSeen++;
        assert.ok(errors.has(i), `we reject, gcc accepts: ${e}`);
        assert.equal(holds.has(i), values[i], `after the error gcc goes on with another value: ${e}`);
      } else assert.ok(holds.has(i) && !errors.has(i), `value differs from gcc: ${e} = ${formatValue(evaluate(e, m))}`);
    });
    assert.ok(errorsSeen > 5 && errorsSeen < exprs.length / 2, `${errorsSeen} errors`);
  },
);

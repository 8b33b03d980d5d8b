/**
 * Bad input never crashes and never hangs: mutated C sources (directive fragments, stray comment and literal
 * openers, continuations, truncation, CR/CRLF, deleted and duplicated lines) through the scanner (10,000 cases by
 * default, `PERF_HEAT_FUZZ_CASES` raises it) and through a whole flag-view evaluation, token soup through the
 * expression evaluator, mutated Makefiles through the Makefile reader. Each case is timed; the scan's invariants
 * are checked on every one.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { evaluate } from './expr';
import { FlagViewEngine } from './flag-view';
import { expand } from './make-expand';
import { parseMakefile, scopeOf } from './makefile';
import { type FileScan, scanText } from './scanner';
import { MemorySources } from './sources';
import { viewOf } from './testing';
import { isDefineError, type MacroTable, parseDefine } from './tokens';

const CASES = Number(process.env.PERF_HEAT_FUZZ_CASES ?? 10_000);
const DEMO = join(__dirname, '../../../demo/mini-hz3');
const FIX = join(__dirname, '../../../test/fixtures/cpp');
const SEEDS = [
  join(DEMO, 'src/mh3_owner_stash_pop.inc'),
  join(DEMO, 'include/mh3_config.h'),
  join(DEMO, 'src/mh3_pop_std_body.inc'),
  join(DEMO, 'include/mh3_internal.h'),
  join(FIX, 'lexing.c'),
  join(FIX, 'p5-expr-directives.c'),
  join(FIX, 'unbalanced.c'),
].map((f) => readFileSync(f, 'utf8'));

const FRAGMENTS = [
  '#if',
  '#if A',
  '#ifdef',
  '#ifndef X',
  '#elif',
  '#elif B',
  '#else',
  '#endif',
  '#elifdef',
  '# ',
  '#',
  '#define',
  '#define F(',
  '#define X X',
  '#undef',
  '#include "',
  '#include <',
  '#include "mh3_config.h"',
  '#error',
  '/*',
  '*/',
  '//',
  '"',
  "'",
  '\\',
  '\\\n',
  '\r',
  '\r\n',
  '(',
  ')',
  'defined(',
  '&&',
  '||',
  '?',
  ':',
  '1/0',
  '0x',
  '08',
  "'\\",
  'é',
  '\u0000',
  '\t',
  '??/',
];

type Mutation = { at: number; kind: number; frag: number; n: number };
const mutation = fc.record({
  at: fc.nat(),
  kind: fc.nat({ max: 7 }),
  frag: fc.nat({ max: FRAGMENTS.length - 1 }),
  n: fc.nat({ max: 5 }),
});
const input = fc.record({
  seed: fc.nat({ max: SEEDS.length - 1 }),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 8 }),
});

function mutate(text: string, ms: Mutation[]): string {
  let t = text;
  for (const m of ms) {
    const lines = t.split('\n');
    const li = lines.length ? m.at % lines.length : 0;
    const ci = t.length ? m.at % t.length : 0;
    switch (m.kind) {
      case 0:
        lines.splice(li, 1 + m.n);
        t = lines.join('\n');
        break;
      case 1:
        lines.splice(li, 0, ...lines.slice(li, li + 1 + m.n));
        t = lines.join('\n');
        break;
      case 2:
        lines.splice(li, 0, FRAGMENTS[m.frag]);
        t = lines.join('\n');
        break;
      case 3:
        t = t.slice(0, ci) + FRAGMENTS[m.frag] + t.slice(ci);
        break;
      case 4:
        t = t.slice(0, ci);
        break;
      case 5:
        t = m.n % 2 ? t.replace(/\n/g, '\r\n') : t.replace(/\n/g, '\r');
        break;
      case 6:
        t = t.slice(0, ci) + t.slice(ci + 1 + m.n * 7);
        break;
      default:
        lines[li] = `${lines[li] ?? ''} ${FRAGMENTS[m.frag]}`;
        t = lines.join('\n');
    }
  }
  return t;
}

function checkInvariants(s: FileScan): void {
  for (const g of s.groups) {
    assert.ok(
      g.line >= 1 && g.line <= g.endLine && g.endLine <= Math.max(s.lineCount, 1),
      `group ${g.line}-${g.endLine} of ${s.lineCount}`,
    );
    let prev = g.line - 1;
    for (const b of g.branches) {
      assert.ok(
        b.line > prev && b.line <= b.endLine && b.endLine <= g.endLine,
        `branch ${b.line}-${b.endLine} in ${g.line}-${g.endLine}`,
      );
      prev = b.endLine;
    }
    if (g.parent) assert.ok(g.line > g.parent.line && g.endLine <= g.parent.endLine);
  }
  for (const d of s.diagnostics) assert.ok(d.line >= 1 && d.line <= Math.max(s.lineCount, 1));
  assert.equal(s.lineFlags.length, s.lineCount);
}

// No wall-time bounds here (they fail under load); a hang fails on the test's generous timeout, speed is bench:flags'.
test(`scanner: ${CASES} mutated sources, never a throw, invariants hold`, { timeout: 300_000 }, () => {
  fc.assert(
    fc.property(input, ({ seed, mutations }) => {
      const text = mutate(SEEDS[seed], mutations);
      const s = scanText(text);
      checkInvariants(s);
    }),
    { seed: 1, numRuns: CASES },
  );
});

test(
  'flag views: 1,000 mutated translation units (config header and pop body), never a throw',
  { timeout: 300_000 },
  () => {
    const config = SEEDS[1];
    const pop = SEEDS[0];
    fc.assert(
      fc.property(input, fc.boolean(), ({ mutations }, mutateConfig) => {
        const files = new Map([
          ['/m/include/mh3_config.h', mutateConfig ? mutate(config, mutations) : config],
          ['/m/src/pop.inc', mutateConfig ? pop : mutate(pop, mutations)],
          ['/m/src/unit.c', '#include "mh3_config.h"\n#include "pop.inc"\n'],
        ]);
        const engine = new FlagViewEngine({ sources: new MemorySources(files) });
        const r = engine.evaluate(
          '/m/src/pop.inc',
          viewOf({ HZ3_S77_STATS: '1', HZ3_NUM_SHARDS: '4' }, ['/m/include']),
          { unit: '/m/src/unit.c' },
        );
        for (const b of r.blocks) assert.ok(b.line <= b.endLine);
        for (const [a, b] of [...r.active, ...r.inactive]) assert.ok(a >= 1 && a <= b && b <= r.lineCount);
      }),
      { seed: 2, numRuns: Math.ceil(CASES * 0.1) },
    );
  },
);

const TOKENS = [
  'G(',
  'H',
  '1',
  '0',
  '-',
  '+',
  '!',
  '~',
  '*',
  '/',
  '%',
  '<<',
  '>>',
  '<',
  '>=',
  '==',
  '!=',
  '&',
  '^',
  '|',
  '&&',
  '||',
  '?',
  ':',
  '(',
  ')',
  ',',
  'defined',
  'A',
  'F',
  'F(',
  'S',
  '0x',
  '1u',
  '18446744073709551615',
  "'x'",
  '"s"',
  '1.5',
  '__has_include',
  '<a.h>',
  '#',
  '##',
  '=',
  '9999999999999999999999',
];

test('expressions: token soups, never a throw', () => {
  const m: MacroTable = new Map();
  for (const d of ['A 1', 'S S + S', 'F(x) x * 2', 'G(x, ...) F(x) __VA_ARGS__', 'H #']) {
    const def = parseDefine(d, { kind: 'define' });
    if (!isDefineError(def)) m.set(def.name, def);
  }
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }), (toks) => {
      const r = evaluate(toks.join(' '), m);
      assert.equal(typeof r.value, 'bigint');
    }),
    { seed: 3, numRuns: Math.ceil(CASES / 2) },
  );
});

test('Makefile reader: 1,000 mutated Makefiles, never a throw', () => {
  const makefile = readFileSync(join(DEMO, 'Makefile'), 'utf8');
  const frags = [
    '$(',
    ')',
    '${',
    'ifeq (',
    'else',
    'endif',
    'define X',
    'endef',
    ':',
    '=',
    ':=',
    '+=',
    '?=',
    '\\',
    '\t',
    '#',
    '$(call',
    '$(foreach a,',
    '$(eval $(X))',
    'X = $(X)',
    'override',
    'export',
  ];
  fc.assert(
    fc.property(
      fc.array(fc.record({ at: fc.nat(), f: fc.nat({ max: frags.length - 1 }), del: fc.boolean() }), {
        minLength: 1,
        maxLength: 8,
      }),
      (ms) => {
        let t = makefile;
        for (const m of ms) {
          const i = m.at % t.length;
          t = m.del ? t.slice(0, i) + t.slice(i + 5) : t.slice(0, i) + frags[m.f] + t.slice(i);
        }
        const mf = parseMakefile(t, join(DEMO, 'Makefile.fuzz'));
        for (const name of mf.vars.keys()) expand(`$(${name})`, scopeOf(mf));
      },
    ),
    { seed: 4, numRuns: Math.ceil(CASES / 10) },
  );
});

test("a file that includes itself stops at gcc's depth limit (200) with its error", { timeout: 60_000 }, () => {
  const files = new Map([['/r/self.h', '#if DEPTH_OK\n#endif\nint x;\n#include "self.h"\n']]);
  const engine = new FlagViewEngine({ sources: new MemorySources(files) });
  const r = engine.evaluate('/r/self.h', viewOf({}), { unit: '/r/self.h' });
  assert.deepEqual(
    r.diagnostics.map((d) => d.message),
    ['#include nested depth 200 exceeds maximum of 200'],
  );
});

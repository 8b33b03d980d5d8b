import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { functionTotals, placeFunctions } from './file-heat';

const src = [
  '/* pop path */', //                                   1
  'static void *helper(int x);', //                      2 declaration, not the definition
  '', //                                                 3
  'static void *', //                                    4
  'mh3_owner_stash_pop(struct heap *h, int sc)', //      5 name at the start of the line
  '{', //                                                6
  '#if FEAT_LITE', //                                    7
  '  if (sc >= 4) {', //                                 8
  '#endif', //                                           9
  '  return helper(sc);', //                            10
  '}', //                                               11
].join('\n');

test('functions named by debug info are placed on their definition line, even where tree-sitter has no span', () => {
  const placed = placeFunctions(
    [
      { name: 'mh3_owner_stash_pop', counts: [10], shares: [50] },
      { name: 'helper', counts: [1], shares: [5] },
    ],
    [],
    src,
  );
  // helper is only declared here (defined elsewhere): it gets no label rather than the declaration's line.
  assert.deepEqual(placed, [{ name: 'mh3_owner_stash_pop', line: 4, counts: [10], shares: [50] }]);
  assert.equal(placeFunctions([], [], src), undefined, 'no names: the caller sums spans instead');
  const bySpan = placeFunctions(
    [{ name: 'f', counts: [1], shares: [1] }],
    [{ name: 'f', line: 3, endLine: 9, clean: false }],
    src,
  );
  assert.deepEqual(bySpan, [{ name: 'f', line: 2, counts: [1], shares: [1] }]);
  // A clone's name (a frame named from the symbol table) is placed on its source function's definition.
  const clone = placeFunctions([{ name: 'mh3_owner_stash_pop.part.0', counts: [2], shares: [1] }], [], src);
  assert.deepEqual(clone, [{ name: 'mh3_owner_stash_pop.part.0', line: 4, counts: [2], shares: [1] }]);
});

test('span totals: clean spans end at their brace, unclean ones at the next function', () => {
  const lines = [
    { line: 2, counts: [1], shares: [1] },
    { line: 5, counts: [2], shares: [2] },
    { line: 9, counts: [4], shares: [4] },
  ];
  const totals = functionTotals(
    [
      { name: 'a', line: 1, endLine: 3, clean: true },
      { name: 'b', line: 4, endLine: 5, clean: false },
      { name: 'c', line: 8, endLine: 10, clean: true },
    ],
    lines,
    10,
  );
  assert.deepEqual(
    totals.map((t) => [t.name, t.line, t.counts[0]]),
    [
      ['a', 0, 1],
      ['b', 3, 2],
      ['c', 7, 4],
    ],
  );
});

test('span totals equal a plain sum over each span, on random files (nested, unclean, empty spans)', () => {
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n) | 0;
  for (let round = 0; round < 200; round++) {
    const lineCount = 20 + rand(200);
    const lines = [...new Set(Array.from({ length: rand(60) }, () => 1 + rand(lineCount)))]
      .sort((a, b) => a - b)
      .map((line) => ({ line, counts: [rand(50), rand(5)], shares: [rand(100) / 10, rand(10) / 10] }));
    const starts = [...new Set(Array.from({ length: 1 + rand(8) }, () => 1 + rand(lineCount)))].sort((a, b) => a - b);
    const spans = starts.map((line, i) => ({
      name: `f${i}`,
      line,
      endLine: Math.min(lineCount, line + rand(40)),
      clean: rand(3) > 0,
    }));
    const expected = spans.flatMap((s, i) => {
      const end = s.clean ? s.endLine : (spans[i + 1]?.line ?? lineCount + 1) - 1;
      let inside = 0;
      const counts = [0, 0];
      const shares = [0, 0];
      for (const l of lines)
        if (l.line >= s.line && l.line <= end) {
          inside++;
          for (const e of [0, 1]) {
            counts[e] += l.counts[e];
            shares[e] += l.shares[e];
          }
        }
      return inside ? [{ name: s.name, line: s.line - 1, counts, shares }] : [];
    });
    assert.deepEqual(functionTotals(spans, lines, lineCount), expected, `round ${round}`);
  }
});

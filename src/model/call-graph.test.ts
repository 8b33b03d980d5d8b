import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildCallGraph, findFunctions, neighbours, type ProfileCallchains } from './call-graph';

// Hand-made chains whose answers follow from the definitions (perf report --children): each expected number is
// the sum of the chains that contain the function, edge or line, counted once per chain.
const frame = (
  symbol: string,
  file: string,
  line: number,
  inline: { function: string; file: string; line: number }[] = [],
) => ({
  dso: '/bin/prog',
  symbol,
  inlineChain: [...inline, { function: symbol, file, line }],
});

describe('buildCallGraph', () => {
  const chains: ProfileCallchains = {
    frames: [
      frame('leaf', 'a.c', 10), // 0
      frame('mid', 'a.c', 20), // 1
      frame('main', 'a.c', 30), // 2
      frame('rec', 'a.c', 40), // 3
      // 4: an address of `mid` whose code is `helper` inlined at a.c:21, itself at h.h:5
      frame('mid', 'a.c', 21, [{ function: 'helper', file: 'h.h', line: 5 }]),
    ],
    chains: [
      { frames: [0, 1, 2], counts: [10] }, // main → mid → leaf
      { frames: [3, 3, 3, 2], counts: [4] }, // main → rec → rec → rec (recursion)
      { frames: [0, 4, 2], counts: [6] }, // main → mid (→ inlined helper) → leaf
    ],
  };

  it('self is the leaf symbol; inclusive counts a recursive chain once', () => {
    const g = buildCallGraph(chains, 1, { inline: false });
    const by = (n: string) => g.functions[findFunctions(g, n)[0]!]!;
    assert.deepEqual(by('leaf').self, [16]);
    assert.deepEqual(by('leaf').inclusive, [16]);
    assert.deepEqual(by('main').inclusive, [20]);
    assert.deepEqual(by('rec').inclusive, [4]);
    assert.deepEqual(by('rec').self, [4]);
    assert.deepEqual(by('mid').inclusive, [16]);
    assert.equal(findFunctions(g, 'helper').length, 0, 'no inline functions without inline');
  });

  it('edges carry what went through the call, once per chain, with the caller-side call site', () => {
    const g = buildCallGraph(chains, 1, { inline: false });
    const mid = findFunctions(g, 'mid')[0]!;
    const callees = neighbours(g, mid, 'callees');
    assert.deepEqual(
      callees.map((n) => [n.function.name, n.edge.counts[0]]),
      [['leaf', 16]],
    );
    assert.deepEqual(
      callees[0]!.edge.sites.map((s) => [s.file, s.line, s.counts[0]]),
      [
        ['a.c', 20, 10],
        ['h.h', 5, 6],
      ],
    );
    const rec = findFunctions(g, 'rec')[0]!;
    assert.deepEqual(
      neighbours(g, rec, 'callers')
        .map((n) => [n.function.name, n.edge.counts[0]])
        .sort(),
      [
        ['main', 4],
        ['rec', 4],
      ],
    );
  });

  it('with inline frames, the inlined function sits between its caller and its callee', () => {
    const g = buildCallGraph(chains, 1, { inline: true });
    const helper = findFunctions(g, 'helper')[0]!;
    assert.equal(g.functions[helper]!.inlineOnly, true);
    assert.deepEqual(g.functions[helper]!.inclusive, [6]);
    assert.deepEqual(g.functions[helper]!.self, [0], 'self stays with the ELF symbol of the sampled address');
    assert.deepEqual(
      neighbours(g, helper, 'callers').map((n) => [n.function.name, n.edge.counts[0], n.edge.sites[0]!.line]),
      [['mid', 6, 21]],
    );
    const leaf = findFunctions(g, 'leaf')[0]!;
    assert.deepEqual(
      neighbours(g, leaf, 'callers').map((n) => [n.function.name, n.edge.counts[0]]),
      [
        ['mid', 10],
        ['helper', 6],
      ],
    );
  });

  it('line inclusive: every line of every frame, once per chain (a call site carries its callee)', () => {
    const g = buildCallGraph(chains, 1);
    const at = (file: string, line: number) => g.lines.find((l) => l.file === file && l.line === line)?.counts[0];
    assert.equal(at('a.c', 30), 20);
    assert.equal(at('a.c', 20), 10);
    assert.equal(at('a.c', 21), 6);
    assert.equal(at('h.h', 5), 6);
    assert.equal(at('a.c', 40), 4, 'the recursive line once per chain');
    assert.equal(at('a.c', 10), 16);
  });
});

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { applyRemaps, parseRemap, PathMapper } from './path-map';

const ws = ['/ws/src/pop.inc', '/ws/include/inline.h', '/ws/vendor/a/util.h', '/ws/vendor/b/util.h', '/ws/src/main.c'];

test('absolute build paths map by longest common suffix', () => {
  const m = new PathMapper(ws);
  assert.deepEqual(m.resolve('/home/ci/hz3/src/pop.inc'), { kind: 'mapped', path: '/ws/src/pop.inc', how: 'suffix' });
  assert.deepEqual(m.resolve('pop.inc'), { kind: 'mapped', path: '/ws/src/pop.inc', how: 'suffix' });
  assert.deepEqual(m.resolve('/ws/src/main.c'), { kind: 'mapped', path: '/ws/src/main.c', how: 'exact' });
  assert.deepEqual(m.resolve('./src/../src/main.c'), { kind: 'mapped', path: '/ws/src/main.c', how: 'suffix' });
});

test('ties are ambiguities, reported with the candidates', () => {
  const m = new PathMapper(ws);
  assert.deepEqual(m.resolve('util.h'), {
    kind: 'ambiguous',
    candidates: ['/ws/vendor/a/util.h', '/ws/vendor/b/util.h'],
  });
  assert.deepEqual(m.resolve('/build/b/util.h'), { kind: 'mapped', path: '/ws/vendor/b/util.h', how: 'suffix' });
  assert.deepEqual(m.resolve('/x/missing.c'), { kind: 'missing' });
});

test('explicit remaps win over suffix matching', () => {
  const m = new PathMapper(ws, [{ from: '/build/tree', to: '/ws/vendor/a' }]);
  assert.deepEqual(m.resolve('/build/tree/util.h'), { kind: 'mapped', path: '/ws/vendor/a/util.h', how: 'remap' });
  assert.equal(applyRemaps('/build/tree/x/y.c', [parseRemap('/build/tree=/src')]), '/src/x/y.c');
  assert.equal(applyRemaps('/other/y.c', [parseRemap('/build/tree/=/src')]), '/other/y.c');
  assert.throws(() => parseRemap('nope'), /FROM=TO/);
});

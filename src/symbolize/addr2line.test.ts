import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseAddr2lineOutput } from './addr2line';
import type { InlineFrame } from '../model/profile';

test('addr2line -f -i -a output: inline chains innermost first, unknowns dropped, discriminators stripped', () => {
  const out = [
    '0x0000000000001285',
    'mix64',
    '/src/helper.h:10',
    'hot_loop',
    '/src/hot.inc:19 (discriminator 1)',
    '0x0000000000009999',
    '??',
    '??:0',
    '0x00000000000012a2',
    'hot_loop',
    '/src/hot.inc:21',
    '',
  ].join('\n');
  const m = new Map<number, InlineFrame[]>();
  parseAddr2lineOutput(out, m);
  assert.deepEqual(m.get(0x1285), [
    { function: 'mix64', file: '/src/helper.h', line: 10 },
    { function: 'hot_loop', file: '/src/hot.inc', line: 19 },
  ]);
  assert.deepEqual(m.get(0x9999), []);
  assert.deepEqual(m.get(0x12a2), [{ function: 'hot_loop', file: '/src/hot.inc', line: 21 }]);
});

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { flagDescription } from './flag-text';

test('flag rows: a value and its source, "not defined" for undefined names, never "undefined · undefined"', () => {
  assert.equal(flagDescription({ value: '1', source: '-D' }), '1 · -D');
  assert.equal(
    flagDescription({ value: '0', source: 'default', where: 'include/cfg.h:12' }),
    '0 · default include/cfg.h:12',
  );
  assert.equal(flagDescription({ value: null, source: 'undefined' }), 'not defined');
  assert.equal(flagDescription({ value: null, source: 'user' }), 'not defined · your toggle');
  assert.equal(flagDescription({ value: '', source: 'define', where: 'a.h:3' }), '(defined, empty) · define a.h:3');
  assert.equal(flagDescription({ value: '1', source: 'user' }), '1 · your toggle');
  for (const f of [
    { value: null, source: 'undefined' },
    { value: null, source: '' },
  ])
    assert.doesNotMatch(flagDescription(f), /undefined/);
});

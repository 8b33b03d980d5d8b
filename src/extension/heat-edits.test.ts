import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { shiftHeat } from './heat-edits';
import type { DrawnLine, FileHeat } from '../protocol';

const line = (l: number): DrawnLine => ({ line: l, step: 5, tone: 'heat', text: `${l}`, value: l });
const heat: FileHeat = {
  uri: 'file:///x.c',
  profileId: 1,
  stale: false,
  mode: { kind: 'event', event: 0 },
  events: ['cycles'],
  lines: [2, 5, 9, 12].map(line),
  functions: [{ name: 'f', line: 1, text: '51.0%' }],
  scale: 40,
  hottest: 5,
};

test('edits move heat with the code: insertions shift, deletions drop, same-line edits keep', () => {
  const inserted = shiftHeat(heat, [{ startLine: 3, endLine: 3, insertedLines: 2 }]);
  assert.deepEqual(
    inserted.lines.map((l) => l.line),
    [2, 7, 11, 14],
  );
  assert.deepEqual(
    inserted.functions.map((f) => f.line),
    [1],
  );
  assert.equal(inserted.hottest, 7, 'the hottest line moves with its code');
  const deleted = shiftHeat(heat, [{ startLine: 4, endLine: 6, insertedLines: 0 }]);
  assert.deepEqual(
    deleted.lines.map((l) => l.line),
    [2, 7, 10],
    'line 5 was deleted with its heat',
  );
  assert.equal(deleted.hottest, undefined, 'a deleted hottest line is no longer anywhere');
  const typed = shiftHeat(heat, [{ startLine: 5, endLine: 5, insertedLines: 0 }]);
  // Typing inside one line moves nothing, and the edited line keeps its heat.
  assert.deepEqual(
    typed.lines.map((l) => l.line),
    [2, 5, 9, 12],
  );
  assert.equal(typed.lines.find((l) => l.line === 5)?.text, '5', 'the edited line keeps its label');
  const two = shiftHeat(heat, [
    { startLine: 0, endLine: 0, insertedLines: 1 },
    { startLine: 10, endLine: 11, insertedLines: 0 },
  ]);
  assert.deepEqual(
    two.lines.map((l) => l.line),
    [3, 6, 10, 12],
  );
});

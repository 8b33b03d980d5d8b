import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blockOfLine, blockPath, directiveText, lineScanBlocks } from './report-blocks';
import { code, fence, text } from './report-markdown';

const scan = (lines: string[]) => lineScanBlocks.blocks('t.c', lines.join('\n'));
const shape = (lines: string[]) =>
  scan(lines).map((b) => [directiveText(b), b.line, b.endLine, b.depth, b.parent, b.groupFirst]);

test('groups, branches, nesting; #else belongs to its #if; the include guard is left out', () => {
  assert.deepEqual(
    shape([
      '#ifndef T_H', // 1
      '#define T_H 1', // 2
      '#if A', // 3
      'a();', // 4
      '#  if defined(B) /* why */', // 5
      'b();', // 6
      '#  endif', // 7
      '#elif C // stale comment', // 8
      'c();', // 9
      '#else', // 10
      'd();', // 11
      '#endif // A', // 12
      '#endif', // 13
    ]),
    [
      ['#if A', 3, 7, 1, -1, 0],
      ['#if defined(B)', 5, 6, 2, 0, 1],
      ['#elif C', 8, 9, 1, -1, 0],
      ['#else', 10, 11, 1, -1, 0],
    ],
  );
});

test('continuations joined, directives in block comments ignored, stray #endif/#else ignored, missing #endif closes at EOF', () => {
  assert.deepEqual(
    shape([
      '#endif', // 1 stray
      '/* #if NOT_A_DIRECTIVE', // 2
      '#endif */', // 3
      '#if X && \\', // 4
      '    Y', // 5
      'x();', // 6
      '#ifdef Z', // 7
      'z();', // 8
    ]),
    [
      ['#if X && Y', 4, 8, 1, -1, 0],
      ['#ifdef Z', 7, 8, 2, 0, 1],
    ],
  );
  assert.deepEqual(
    shape(['#ifndef G', 'int x;', '#endif']),
    [['#ifndef G', 1, 2, 1, -1, 0]],
    'no #define: not a guard',
  );
});

test('innermost branch of a line; directive lines themselves belong to the enclosing branch', () => {
  const blocks = scan(['#if A', 'a();', '#if B', 'b();', '#endif', '#else', 'c();', '#endif', 'd();']);
  assert.equal(blockOfLine(blocks, 2), 0);
  assert.equal(blockOfLine(blocks, 4), 1);
  assert.equal(blockOfLine(blocks, 3), 0);
  assert.equal(blockOfLine(blocks, 7), 2);
  assert.equal(blockOfLine(blocks, 9), -1);
  assert.deepEqual(blockPath(blocks, 1).map(directiveText), ['#if A', '#if B']);
});

test("the demo's hot path: mh3_pop_std_body.inc, the nested #if of the prefetch body", () => {
  const text = readFileSync(join(__dirname, '../../demo/mini-hz3/src/mh3_pop_std_body.inc'), 'utf8');
  const blocks = lineScanBlocks.blocks('b', text);
  const i = blockOfLine(blocks, 10);
  assert.deepEqual(blockPath(blocks, i).map(directiveText), [
    '#if HZ3_S154_SPILL_PREFETCH',
    '#if HZ3_S154_PF_DIST >= 2',
  ]);
  const header = lineScanBlocks.blocks(
    'h',
    readFileSync(join(__dirname, '../../demo/mini-hz3/include/mh3_inline.h'), 'utf8'),
  );
  assert.ok(!header.some((b) => b.condition === 'MH3_INLINE_H'), 'include guard skipped');
});

test('Markdown escaping: code spans survive backticks and pipes, text escapes link and HTML syntax, fences outgrow content', () => {
  assert.equal(code('a|b'), '`a\\|b`');
  assert.equal(code('x`y'), '``x`y``');
  assert.equal(code('`'), '`` ` ``');
  assert.equal(text('<img src=x>[a](b)*'), '\\<img src=x\\>\\[a\\](b)\\*');
  assert.deepEqual(fence('c', ['```evil']), ['````c', '```evil', '````']);
});

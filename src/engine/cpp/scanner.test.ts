/**
 * The directive scanner on the lexical cases that break line-based tools: comments (spanning lines, hiding
 * directives, inside directives), `\` continuations (of code, of directives, of `//` comments), string and char
 * literals, CRLF and lone CR line ends, no final newline, unbalanced nesting. Lines are 1-based throughout.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlagViewEngine } from './flag-view';
import {
  directivePosition,
  displayText,
  LINE_CODE,
  LINE_COMMENT,
  LINE_DIRECTIVE,
  ScanCache,
  scanText,
} from './scanner';
import { compareWithCompiler, compilerAvailable, viewOf } from './testing';

const FIX = join(__dirname, '../../../test/fixtures/cpp');
const names = (src: string): [number, string][] => scanText(src).directives.map((d) => [d.line, d.name]);

test('directives: found at the start of a line only, whatever the spacing', () => {
  assert.deepEqual(names('#if A\n  #  else\n\t#endif\nx # define NOT\n#\n# 12 "file.c"\n'), [
    [1, 'if'],
    [2, 'else'],
    [3, 'endif'],
    [5, ''],
    [6, ''],
  ]);
});

test('comments: directives inside are ignored; a directive after a comment that starts the line is one', () => {
  const src = '/* block\n#if 0\n*/\n// line\n// #if 0\n/* a */ #if X\n#endif\nint y; /* open\n */ #if Z\n';
  assert.deepEqual(names(src), [
    [6, 'if'],
    [7, 'endif'],
  ]);
  const s = scanText(src);
  assert.equal(s.lineFlags[1] & (LINE_CODE | LINE_DIRECTIVE), 0, 'line 2 is comment only');
  assert.ok(s.lineFlags[8] & LINE_CODE, 'line 9 (`*/ #if Z` after code) is code');
});

test('continuations: of directives, of // comments into the next line, and spaces after the backslash', () => {
  const s = scanText('#if A \\\n  && B\nx;\n#endif\n// note \\\n#if 0\n#define M(x) \\   \n  (x)\n');
  assert.deepEqual(
    s.directives.map((d) => [d.line, d.endLine, d.name, displayText(d.text)]),
    [
      [1, 2, 'if', 'A && B'],
      [4, 4, 'endif', ''],
      [7, 8, 'define', 'M(x) (x)'],
    ],
  );
  assert.equal(s.lineFlags[5] & LINE_DIRECTIVE, 0, '`#if 0` continues the comment of line 5');
  assert.ok(s.lineFlags[7] & LINE_DIRECTIVE, 'continuation lines of a directive are directive lines');
});

test('block comments inside a directive, even across lines, are whitespace of the directive', () => {
  const s = scanText('#if A /* x\n y */ && B\n#endif\n');
  assert.deepEqual(
    [s.directives[0].line, s.directives[0].endLine, displayText(s.directives[0].text)],
    [1, 2, 'A && B'],
  );
  assert.equal(s.groups[0].branches[0].endLine, 2);
});

test('literals hide comment openers and quotes', () => {
  const s = scanText('char *a = "/* not a comment";\n#if 1\nchar b = \'"\';\n#endif\nchar *c = "x // y";\n#endif\n');
  assert.deepEqual(names('char *a = "/* not a comment";\n#if 1\n#endif\n'), [
    [2, 'if'],
    [3, 'endif'],
  ]);
  assert.deepEqual(
    s.diagnostics.map((d) => [d.line, d.message]),
    [[6, '#endif without #if']],
  );
});

test('CRLF, lone CR and a missing final newline give the same lines', () => {
  const lf = '#if A\nx;\n#else\ny;\n#endif\n';
  for (const src of [lf, lf.replace(/\n/g, '\r\n'), lf.replace(/\n/g, '\r'), lf.slice(0, -1)]) {
    const s = scanText(src);
    assert.equal(s.lineCount, 5);
    assert.deepEqual(
      s.groups.map((g) => [g.line, g.endLine, g.branches.map((b) => [b.line, b.endLine])]),
      [
        [
          1,
          5,
          [
            [1, 2],
            [3, 4],
          ],
        ],
      ],
    );
  }
  assert.equal(scanText('').lineCount, 0);
  assert.equal(scanText('\n').lineCount, 1);
});

test('branches: spans, conditions as written (comments removed), nesting depth, parents', () => {
  const s = scanText(
    '#if A /* why */ && B\n#if C\n#elif D // d\n#endif\n#elifdef E\n#elifndef F\n#else // lies\n#endif // A\n',
  );
  assert.deepEqual(
    s.branches.map((b) => [b.kind, b.line, b.endLine, b.condition, b.group.depth]),
    [
      ['if', 1, 4, 'A && B', 1],
      ['if', 2, 2, 'C', 2],
      ['elif', 3, 3, 'D', 2],
      ['elifdef', 5, 5, 'E', 1],
      ['elifndef', 6, 6, 'F', 1],
      ['else', 7, 7, '', 1],
    ],
  );
  assert.equal(s.groups[1].parent, s.branches[0]);
  assert.equal(s.groups[0].endLine, 8);
});

test('unbalanced: #endif without #if, #else after #else, missing #endif — diagnostics, never a throw', () => {
  const s = scanText('#endif\n#else\n#if A\n#else\n#else\n#elif B\n#endif\n#if C\n#ifdef D\nx\n');
  assert.deepEqual(
    s.diagnostics.map((d) => [d.line, d.message.replace(/ \(.*\)$/, '')]),
    [
      [1, '#endif without #if'],
      [2, '#else without #if'],
      [5, '#else after #else'],
      [6, '#elif after #else'],
      [8, 'unterminated #if'],
      [9, 'unterminated #ifdef'],
    ],
  );
  const g = s.groups.find((x) => x.line === 3)!;
  assert.deepEqual(
    g.branches.map((b) => b.afterElse),
    [false, false, true, true],
  );
  assert.deepEqual(
    s.groups.filter((x) => !x.terminated).map((x) => [x.line, x.endLine]),
    [
      [8, 10],
      [9, 10],
    ],
  );
});

test('#define, #undef, #include, #error keep their lines and text', () => {
  const s = scanText('#define A 1\n#undef A\n#include "x.inc"\n#include <y.h>\n#error "stop" // why\n#pragma once\n');
  assert.deepEqual(
    s.directives.map((d) => [d.line, d.name, displayText(d.text)]),
    [
      [1, 'define', 'A 1'],
      [2, 'undef', 'A'],
      [3, 'include', '"x.inc"'],
      [4, 'include', '<y.h>'],
      [5, 'error', '"stop"'],
      [6, 'pragma', 'once'],
    ],
  );
  assert.deepEqual(
    s.top.map((i) => i.directive?.name),
    ['define', 'undef', 'include', 'include', 'error', 'pragma'],
  );
});

test('columns: offsets in a directive map back to line and column, across continuations', () => {
  const s = scanText('#if  A &&\\\n   B\n#endif\n');
  const d = s.directives[0];
  assert.deepEqual(directivePosition(d, d.text.indexOf('A')), { line: 1, column: 6 });
  assert.deepEqual(directivePosition(d, d.text.indexOf('B')), { line: 2, column: 4 });
});

test('line flags: code, comment, directive', () => {
  const s = scanText('int x; // c\n/* only */\n\n#if A // c\n');
  assert.deepEqual([...s.lineFlags], [LINE_CODE | LINE_COMMENT, LINE_COMMENT, 0, LINE_DIRECTIVE | LINE_COMMENT]);
});

test('the scan cache keys by content: same text, same scan; changed text, new scan', () => {
  const cache = new ScanCache();
  const a = cache.get('/x.c', '#if A\n#endif\n');
  assert.equal(cache.get('/x.c', '#if A\n#endif\n'), a);
  assert.notEqual(cache.get('/x.c', '#if B\n#endif\n'), a);
  assert.equal(cache.scans, 2);
});

test(
  'lexing.c with CRLF line ends and with lone CRs: the compiler agrees line by line',
  { skip: !compilerAvailable() && 'no C compiler' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perfheat-crlf-'));
    try {
      const lf = readFileSync(join(FIX, 'lexing.c'), 'utf8');
      const engine = new FlagViewEngine();
      for (const [name, text] of [
        ['crlf.c', lf.replace(/\n/g, '\r\n')],
        ['cr.c', lf.replace(/\n/g, '\r')],
        ['lf.c', lf],
        ['unbalanced.c', readFileSync(join(FIX, 'unbalanced.c'), 'utf8')],
      ]) {
        writeFileSync(join(dir, name), text);
        for (const view of [viewOf({}), viewOf({ A: '1', B: '1', C: '1', D: '1', E: '1' })]) {
          // gcc's verbatim mode copies lone-CR text as it is, so only its normal output maps to lines there.
          const c = await compareWithCompiler(
            engine,
            join(dir, name),
            view,
            dir,
            name === 'cr.c' ? 'tokens' : 'verbatim',
          );
          assert.deepEqual([c.onlyOurs, c.onlyCompiler], [[], []], name);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSyntax } from './c-syntax';

// The server loads both wasm files from one folder (dist/ in the bundle): reproduce that layout.
const wasmDir = mkdtempSync(join(tmpdir(), 'ph-wasm-'));
const root = join(__dirname, '../..');
copyFileSync(join(root, 'node_modules/web-tree-sitter/web-tree-sitter.wasm'), join(wasmDir, 'web-tree-sitter.wasm'));
copyFileSync(join(root, 'node_modules/tree-sitter-c/tree-sitter-c.wasm'), join(wasmDir, 'tree-sitter-c.wasm'));

test('function spans and names from clean C', async () => {
  const syntax = await CSyntax.create(wasmDir);
  const src = [
    '#include <stdint.h>',
    'static inline uint64_t mix64(uint64_t x)',
    '{',
    '    return x ^ (x >> 33);',
    '}',
    '',
    'static void __attribute__((noinline)) pop(int n) {',
    '    return;',
    '}',
  ].join('\n');
  assert.deepEqual(syntax.functionSpans(src), [
    { name: 'mix64', line: 2, endLine: 5, clean: true },
    { name: 'pop', line: 7, endLine: 9, clean: true },
  ]);
  // tree-sitter-c mis-parses an attribute after `*`: the span must go rather than carry the attribute's name.
  const odd = syntax.functionSpans('static void *__attribute__((noinline)) pop(int n) {\n  return 0;\n}\n');
  assert.ok(
    odd.every((s) => s.name === 'pop'),
    JSON.stringify(odd),
  );
});

test('a brace split across #if blocks (hz3 P3) is reported unclean, never mislabelled', async () => {
  const syntax = await CSyntax.create(wasmDir);
  const src = [
    'int pop(int sc)',
    '{',
    '#if FEAT_LITE',
    '  if (sc >= 4) {',
    '#endif',
    '  sc++;',
    '#if FEAT_LITE',
    '  }',
    '#endif',
    '  return sc;',
    '}',
    'int after(void) { return 1; }',
  ].join('\n');
  const spans = syntax.functionSpans(src);
  for (const s of spans) {
    assert.ok(['pop', 'after'].includes(s.name), `only real function names: ${s.name}`);
    if (s.name === 'pop') assert.equal(s.line, 1);
  }
  assert.ok(!spans.every((s) => s.clean) || spans.length === 2);
});

test('a cached answer is returned for the same key; garbage does not crash', async () => {
  const syntax = await CSyntax.create(wasmDir);
  const a = syntax.functionSpans('int f(void) { return 0; }', 'k@1');
  assert.equal(syntax.functionSpans('', 'k@1'), a);
  assert.doesNotThrow(() => syntax.functionSpans('}}}{{{ #if\n#endif #else ((( int ) f'));
});

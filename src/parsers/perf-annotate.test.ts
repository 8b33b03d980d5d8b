import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { instructionCounts, looksLikePerfAnnotate, parsePerfAnnotate } from './perf-annotate';
import { ProfileFormatError } from './errors';

const FIX = join(__dirname, '../../test/fixtures');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');

test('annotate -l: addresses, values and suffixes; annotate line numbers ignored', () => {
  const f = parsePerfAnnotate(read('perf-probe/annotate_stdio_l_hot_loop.txt'), 'a.txt');
  assert.equal(f.symbols.length, 1);
  const s = f.symbols[0];
  assert.equal(s.symbol, 'hot_loop');
  assert.equal(s.startAddress, 0x1230);
  assert.equal(s.dsoPath, '/srv/prog');
  assert.equal(s.dso, 'prog');
  assert.deepEqual(s.events, ['cpu-clock']);
  assert.equal(s.sampleCount, 5519);
  assert.equal(s.column, 'percent');
  assert.ok(f.hasLineSuffixes);
  const hot = s.instructions.find((i) => i.address === 0x12a2)!;
  assert.deepEqual(hot.values, [94]);
  assert.deepEqual(hot.srcline, { file: 'hot.inc', line: 21 });
  assert.equal(hot.text, 'mov    %rsi,(%rax)');
  // 0x129f (0.24%, under perf's 0.5% threshold) has no suffix: unknown, not carried forward.
  assert.equal(s.instructions.find((i) => i.address === 0x129f)!.srcline, undefined);
  // Percent × the symbol's samples = counts.
  assert.ok(Math.abs(instructionCounts(s, hot)[0] - 0.94 * 5519) < 1e-9);
});

test('a repeated suffix above 0.5% is carried forward, as perf suppresses repeats', () => {
  const text = [
    ' Percent |\tSource code & Disassembly of prog for cpu-clock (100 samples, percent: local period)',
    '-----------',
    '         : 5    0000000000001000 <f>:',
    '   40.00 :   1000:   mov    %rsi,(%rax) // a.c:7',
    '   30.00 :   1004:   add    $0x1,%rcx',
    '    0.40 :   1008:   nop',
    '   29.60 :   100c:   ret    // a.c:9',
  ].join('\n');
  const s = parsePerfAnnotate(text, 'x').symbols[0];
  assert.deepEqual(
    s.instructions.map((i) => i.srcline?.line),
    [7, 7, undefined, 9],
  );
});

test('--group: one column per event, leader sample count', () => {
  const s = parsePerfAnnotate(read('perf-probe/annotate_stdio_group_l_two_events.txt'), 'g.txt').symbols[0];
  assert.deepEqual(s.events, ['cpu-clock', 'task-clock']);
  const hot = s.instructions.find((i) => i.address === 0x12a2)!;
  assert.deepEqual(hot.values, [93.61, 93.63]);
  assert.deepEqual(hot.srcline, { file: 'hot.inc', line: 21 });
});

test('-n and --show-total-period give absolute values', () => {
  const n = parsePerfAnnotate(read('perf-probe/annotate_stdio_nr_samples.txt'), 'n.txt').symbols[0];
  assert.equal(n.column, 'samples');
  const sum = n.instructions.reduce((a, i) => a + i.values[0], 0);
  assert.equal(sum, n.sampleCount, 'per-instruction samples add up to the header count');
  const p = parsePerfAnnotate(read('perf-probe/annotate_stdio_total_period.txt'), 'p.txt').symbols[0];
  assert.equal(p.column, 'period');
  assert.ok(p.instructions.some((i) => i.values[0] > 1e6));
});

test('--full-paths suffixes keep the absolute path', () => {
  const s = parsePerfAnnotate(read('perf-probe/annotate_stdio_fullpaths_l_hot_loop.txt'), 'f.txt').symbols[0];
  assert.deepEqual(s.instructions.find((i) => i.address === 0x12a2)!.srcline, {
    file: '/home/dev/probe/src/hot.inc',
    line: 21,
  });
});

test('several symbols in one file, each with its own sample count', () => {
  const f = parsePerfAnnotate(read('perf-probe/annotate_stdio_default.txt'), 'd.txt');
  assert.ok(f.symbols.length >= 2);
  assert.deepEqual(f.symbols.map((s) => s.sampleCount).slice(0, 2), [5519, 22]);
  assert.ok(f.symbols.every((s) => s.symbol && s.instructions.length > 0));
});

test('relative DWARF paths (hz10): addresses still parse, no suffix is invented', () => {
  const f = parsePerfAnnotate(read('hz10/hz10_malloc.annotate'), 'hz10_malloc.annotate');
  const s = f.symbols[0];
  assert.equal(s.symbol, 'hz10_malloc');
  assert.deepEqual(s.events, ['cycles:P']);
  assert.equal(f.hasLineSuffixes, false);
  assert.ok(s.instructions.every((i) => i.srcline === undefined));
  assert.deepEqual(s.instructions[0].values, [3.08]);
});

test('format sniffing', () => {
  assert.ok(looksLikePerfAnnotate(read('perf-probe/annotate_stdio_l_hot_loop.txt').slice(0, 4000)));
  assert.ok(!looksLikePerfAnnotate('# Samples: 5K of event cpu-clock\n91.84%  hot.inc:21\n'));
});

test('bad input: errors name the file and line', () => {
  assert.throws(
    () => parsePerfAnnotate('hello\n', 'notes.txt'),
    (e: ProfileFormatError) => e.file === 'notes.txt' && /no "Percent/.test(e.message),
  );
  const wrongColumns = [
    ' Percent |\tSource code & Disassembly of prog for a, b (10 samples, percent: local period)',
    '   50.00 :   1000:   nop',
  ].join('\n');
  assert.throws(
    () => parsePerfAnnotate(wrongColumns, 'w.txt'),
    (e: ProfileFormatError) => e.message.startsWith('w.txt:2:') && /2 value column/.test(e.message),
  );
});

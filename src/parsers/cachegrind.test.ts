import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { looksLikeCachegrind, parseCachegrind } from './cachegrind';
import { ProfileFormatError } from './errors';

const FIX = join(__dirname, '../../test/fixtures');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');

test('real cachegrind.out: header, rows per (file, function, line), totals equal the summary line', () => {
  const text = read('perf-probe/cachegrind.out.prog');
  const f = parseCachegrind(text, 'cachegrind.out.prog');
  assert.deepEqual(f.events, [
    'Ir',
    'I1mr',
    'ILmr',
    'Dr',
    'D1mr',
    'DLmr',
    'Dw',
    'D1mw',
    'DLmw',
    'Bc',
    'Bcm',
    'Bi',
    'Bim',
  ]);
  assert.deepEqual(f.desc, [
    'I1 cache:         32768 B, 64 B, 8-way associative',
    'D1 cache:         32768 B, 64 B, 8-way associative',
    'LL cache:         268435456 B, 64 B, direct-mapped',
  ]);
  assert.equal(f.cmd, './prog 1048576 2');
  const summary = text
    .split('\n')
    .find((l) => l.startsWith('summary:'))!
    .slice(8)
    .trim()
    .split(' ')
    .map(Number);
  assert.deepEqual(f.summary, summary);
  assert.deepEqual(f.totals, summary);
  assert.deepEqual(f.warnings, []);
  // valgrind's own end-of-run report (cachegrind_run.stderr): I refs 58,850,643; D1 misses 2,090,239 rd + 131,485 wr.
  assert.deepEqual([f.totals[0], f.totals[4], f.totals[7]], [58850643, 2090239, 131485]);
  const row = (file: string, fn: string, line: number) =>
    f.rows.find((r) => r.file === file && r.function === fn && r.line === line)!.counts;
  assert.deepEqual(
    row('/home/dev/probe/src/hot.inc', 'hot_loop', 20),
    [4194304, 0, 0, 2097152, 2088902, 0, 0, 0, 0, 0, 0, 0, 0],
  );
  // Inlined header code: fl= is the header, fn= the function it was inlined into; one row per function.
  assert.equal(row('/home/dev/probe/src/helper.h', 'hot_loop', 10)[0], 6291456);
  assert.equal(row('/home/dev/probe/src/helper.h', 'cold_init', 10)[0], 3145728);
  // No count line was lost: rows are unique keys, and the text has one count line per key or more.
  const countLines = text.split('\n').filter((l) => /^\d/.test(l)).length;
  assert.ok(f.rows.length > 0 && f.rows.length <= countLines);
});

test('short rows mean trailing zeros; fi=/fe= switch the file, keep the function; repeats add up', () => {
  const text = [
    'events: Ir D1mr DLmr',
    'fl=a.c',
    'fn=f',
    '3 10',
    '4 5 1',
    'fi=h.h',
    '8 7 0 1',
    'fe=a.c',
    '3 1',
    'summary: 23 6 2',
    '',
  ].join('\n');
  const f = parseCachegrind(text, 'x');
  assert.deepEqual(
    f.rows.map((r) => [r.file, r.function, r.line, r.counts]),
    [
      ['a.c', 'f', 3, [11, 0, 0]],
      ['a.c', 'f', 4, [5, 1, 0]],
      ['h.h', 'f', 8, [7, 0, 1]],
    ],
  );
  assert.deepEqual(f.totals, [23, 1, 1]);
  // The summary claims D1mr 6 and DLmr 2: a warning naming the events, not an exception.
  assert.deepEqual(f.warnings, [
    'the summary line does not equal the sum of the rows (D1mr 6 vs 1, DLmr 2 vs 1): counts may be incomplete',
  ]);
  assert.deepEqual(parseCachegrind('events: Ir\nfl=a\nfn=f\n1 2\ntotals: 2\n', 'x').warnings, []);
  assert.match(parseCachegrind('events: Ir\nfl=a\nfn=f\n1 2\n', 'x').warnings[0], /no "summary:" line/);
});

test('format sniffing: the cachegrind file, and nothing else (callgrind excluded)', () => {
  for (const dir of ['perf-probe', 'hz10']) {
    for (const name of readdirSync(join(FIX, dir))) {
      assert.equal(
        looksLikeCachegrind(read(`${dir}/${name}`).slice(0, 65536)),
        name.startsWith('cachegrind.out'),
        `${dir}/${name}`,
      );
    }
  }
  assert.ok(
    !looksLikeCachegrind(
      '# callgrind format\nversion: 1\ncreator: callgrind-3.19\nevents: Ir\nfl=(1) a.c\nfn=(1) f\n1 2\n',
    ),
  );
});

test('bad input: errors name the file, the line and the problem', () => {
  const throwsMessage = (text: string, re: RegExp): void =>
    assert.throws(
      () => parseCachegrind(text, 'cg.out'),
      (e: Error) => e instanceof ProfileFormatError && re.test(e.message),
    );
  throwsMessage('events: Ir\n12 3\n', /^cg\.out:2: count line before any "fl=" and "fn=" line/);
  throwsMessage('fl=a\nfn=f\n12 3\n', /^cg\.out:3: count line before the "events:" line/);
  throwsMessage(
    'events: Ir Dr\nfl=a\nfn=f\n12 3 4 5\n',
    /^cg\.out:4: count line has more than the 2 count\(s\) of the events: line/,
  );
  throwsMessage('events: Ir\nfl=a\nfn=f\n12 3x\n', /^cg\.out:4: count line: "3x" is not a whole number/);
  throwsMessage('events: Ir\nfl=a\nfn=f\n12x 3\n', /^cg\.out:4: line number "12x" is not a whole number/);
  throwsMessage('events: Ir\nfl=(1) a\nfn=(1) f\n12 3\ncalls=1 0\n', /^cg\.out:5: .*callgrind output/);
  throwsMessage('events: Ir\nhello\n', /^cg\.out:2: not a cachegrind line: "hello"/);
  throwsMessage('desc: x\n', /^cg\.out: no "events:" line/);
});

test('fl= with no fn= after it: the counts belong to <unspecified> in that file, not to the previous function', () => {
  // cg_annotate (valgrind ≥ 3.21, cg_annotate.in) resets the function to "<unspecified>" on every fl= line.
  const text = 'events: Ir\nfl=a.c\nfn=f\n1 10\nfl=b.c\n2 5\n3 7\nfn=g\n4 1\nsummary: 23\n';
  const cg = parseCachegrind(text, 't');
  const by = (file: string, fn: string) =>
    cg.rows.filter((r) => r.file === file && r.function === fn).reduce((n, r) => n + r.counts[0]!, 0);
  assert.equal(by('a.c', 'f'), 10);
  assert.equal(by('b.c', '<unspecified>'), 12);
  assert.equal(by('b.c', 'f'), 0);
  assert.equal(by('b.c', 'g'), 1);
});

/**
 * Long inputs through code that used to spread every row into Math.max (a stack overflow from ~100K values):
 * `lines --top 0` over a 200K-line cachegrind file, written here by our own generator. The expected row count and
 * total come from the generator, and the first data row from a sort of what it wrote.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { maxOf, minOf } from '../../src/model/extremes';

/** `lines` source lines of one function, line k costing 1 + (k mod 997) Ir. */
function longCachegrind(lines: number): { text: string; total: number; hottest: number } {
  const rows: string[] = [];
  let total = 0;
  for (let k = 1; k <= lines; k++) {
    const ir = 1 + (k % 997);
    total += ir;
    rows.push(`${k} ${ir}`);
  }
  return {
    text: [
      'desc: I1 cache: 32768 B, 64 B, 8-way associative',
      'cmd: ./big',
      'events: Ir',
      'fl=/src/big.c',
      'fn=big',
      ...rows,
      `summary: ${total}`,
      '',
    ].join('\n'),
    total,
    hottest: 997,
  };
}

test('lines --top 0 on a 200,000-line cachegrind file prints every line (no stack overflow)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ph-long-'));
  try {
    const g = longCachegrind(200_000);
    const file = join(dir, 'cachegrind.out.1');
    writeFileSync(file, g.text);
    const out: string[] = [];
    const err: string[] = [];
    const cwd = process.cwd();
    process.chdir(dir);
    let code: number;
    try {
      code = await main(
        ['lines', file, '--top', '0'],
        (s) => out.push(s),
        (s) => err.push(s),
      );
    } finally {
      process.chdir(cwd);
    }
    assert.equal(code, 0, err.join('\n'));
    const body = out
      .join('\n')
      .split('\n')
      .filter((l) => /big\.c:\d+/.test(l));
    assert.equal(body.length, 200_000);
    assert.match(body[0]!, new RegExp(`^\\s*${g.hottest}\\s.*/src/big\\.c:996$`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('maxOf/minOf over a million values', () => {
  const values = Array.from({ length: 1_000_000 }, (_, i) => (i * 7919) % 1_000_003);
  let max = -Infinity;
  let min = Infinity;
  for (const v of values) {
    if (v > max) max = v;
    if (v < min) min = v;
  }
  assert.equal(
    maxOf(values, (v) => v),
    max,
  );
  assert.equal(
    minOf(values, (v) => v),
    min,
  );
  assert.equal(
    maxOf([], (v: number) => v, 0),
    0,
  );
});

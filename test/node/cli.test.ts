import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { SampleType } from '../../src/parsers/perf-data';
import { buildFile } from '../../src/parsers/perf-data/testing/build';
import { writeMmap, writeSample } from '../../src/parsers/perf-data/testing/writer';

const FIX = join(__dirname, '../fixtures');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  // No binary near an empty cwd: lines come from the -l suffixes alone, deterministically.
  const cwd = process.cwd();
  process.chdir(mkdtempSync(join(tmpdir(), 'ph-cli-')));
  try {
    const code = await main(
      args,
      (s) => out.push(s),
      (s) => err.push(s),
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    process.chdir(cwd);
  }
}

test('lines --json: file, line, counts and percent per event, hottest first', async () => {
  const r = await run(['lines', join(FIX, 'perf-probe/annotate_stdio_group_l_two_events.txt'), '--json', '--top', '3']);
  assert.equal(r.code, 0, r.err);
  const rows = JSON.parse(r.out);
  assert.equal(rows.length, 3);
  assert.deepEqual(Object.keys(rows[0]).sort(), ['counts', 'file', 'line', 'percent']);
  assert.equal(rows[0].file, 'hot.inc');
  assert.equal(rows[0].line, 21);
  assert.deepEqual(Object.keys(rows[0].counts), ['cpu-clock', 'task-clock']);
  assert.ok(Math.abs(rows[0].percent['cpu-clock'] - 93.61) < 0.01);
  assert.ok(rows[0].counts['cpu-clock'] >= rows[1].counts['cpu-clock']);
});

test('lines --event sorts by another event; --remap rewrites paths', async () => {
  const r = await run([
    'lines',
    join(FIX, 'perf-probe/annotate_stdio_fullpaths_l_hot_loop.txt'),
    '--remap',
    '/home/dev/probe=/ws',
    '--top',
    '1',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\/ws\/src\/hot\.inc:21/);
  const bad = await run(['lines', join(FIX, 'perf-probe/annotate_stdio_l_hot_loop.txt'), '--event', 'cycles']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /no event "cycles" .*it has: cpu-clock/);
});

test('errors name the file; usage errors exit 2', async () => {
  const missing = await run(['lines', '/nonexistent/perf.txt']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /\/nonexistent\/perf\.txt: no such file/);
  const notProfile = await run(['lines', join(FIX, 'perf-probe/README.md')]);
  assert.equal(notProfile.code, 1);
  assert.match(notProfile.err, /README\.md: not a profile/);
  assert.equal((await run(['frobnicate'])).code, 2);
  assert.equal((await run(['lines'])).code, 2);
  assert.equal((await run(['lines', 'a', '--top', 'x'])).code, 2);
});

test('annotate without -l or binary: function-only attribution is explained', async () => {
  const r = await run(['lines', join(FIX, 'hz10/hz10_malloc.annotate')]);
  assert.equal(r.code, 0);
  assert.match(r.err, /attributed to functions only.*perf annotate --stdio -l/s);
});

test('functions: per-function totals', async () => {
  const r = await run(['functions', join(FIX, 'perf-probe/annotate_stdio_default.txt'), '--json']);
  assert.equal(r.code, 0, r.err);
  const rows = JSON.parse(r.out);
  assert.equal(rows[0].function, 'hot_loop');
  assert.equal(rows[0].dso, 'prog');
  assert.ok(rows[0].percent['cpu-clock'] > 99, 'hot_loop holds 5519 of the 5541 annotated samples');
  assert.ok(rows.some((x: { function: string }) => x.function === 'cold_init'));
});

test('lines on a perf.data whose binary is not found: the header, and on stderr what is missing and what to pass', async () => {
  // Our writer's recording of a binary at a path that exists nowhere, with no build-id cache to find it in.
  const attr = {
    type: 1,
    config: 0n,
    sampleType: SampleType.IP | SampleType.TID | SampleType.PERIOD,
    samplePeriod: 1,
    sampleIdAll: false,
    ids: [],
  };
  const data = join(mkdtempSync(join(tmpdir(), 'ph-cli-missing-')), 'gone.data');
  writeFileSync(
    data,
    buildFile({
      le: true,
      attrs: [attr],
      records: (w) => {
        writeMmap(w, {
          type: 10,
          pid: 7,
          tid: 7,
          addr: 0x400000,
          len: 0x1000,
          pgoff: 0,
          filename: '/nonexistent/build/bench',
          prot: 5,
        });
        for (let i = 0; i < 10; i++) writeSample(w, attr, { ip: 0x400010 + i, pid: 7, tid: 7, period: 1 });
      },
    }),
  );
  const saved = process.env.PERF_BUILDID_DIR;
  process.env.PERF_BUILDID_DIR = mkdtempSync(join(tmpdir(), 'ph-cli-no-cache-'));
  try {
    const r = await run(['lines', data]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^ *cpu-clock:HG \(ms\) +% +line$/m);
    assert.match(
      r.err,
      /source lines cover 0\.0% of cpu-clock:HG in gone\.data; 100\.0% is in binaries not found as recorded \(bench\): pass --binary-path \(perfHeat\.binaryPaths in the editor\).*perf buildid-cache -a/,
    );
  } finally {
    if (saved === undefined) delete process.env.PERF_BUILDID_DIR;
    else process.env.PERF_BUILDID_DIR = saved;
  }
});

test('diff: A/B builds of the demo, biggest change first, one-sided lines marked', async () => {
  const demo = join(__dirname, '../../demo/mini-hz3/profiles');
  const r = await run([
    'diff',
    join(demo, 'cpu-clock.perf.data'),
    join(demo, 'cpu-clock-b.perf.data'),
    '--json',
    '--top',
    '0',
    '--binary-path',
    join(demo, '../build'),
  ]);
  assert.equal(r.code, 0, r.err);
  const rows = JSON.parse(r.out) as {
    file: string;
    line: number;
    delta: Record<string, number>;
    basePercent: Record<string, number>;
    otherPercent: Record<string, number>;
    only?: string;
  }[];
  const abs = rows.map((x) => Math.abs(x.delta['cpu-clock']));
  assert.deepEqual(
    abs,
    [...abs].sort((x, y) => y - x),
  );
  for (const x of rows)
    assert.ok(Math.abs(x.otherPercent['cpu-clock'] - x.basePercent['cpu-clock'] - x.delta['cpu-clock']) < 1e-3);
  // perf report of each build gives the two sides of the hottest header line.
  const hot = rows.find((x) => x.file.endsWith('mh3_inline.h') && x.line === 78)!;
  assert.ok(
    Math.abs(hot.basePercent['cpu-clock'] - 15.67) <= 0.05 && Math.abs(hot.otherPercent['cpu-clock'] - 26.39) <= 0.05,
    JSON.stringify(hot),
  );
  assert.ok(rows.some((x) => x.only === 'other') && rows.some((x) => x.only === 'base'));
});

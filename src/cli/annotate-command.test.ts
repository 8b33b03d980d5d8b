/**
 * `perf-heat annotate`: its JSON rows and its text against `perf annotate --stdio` of the same recording (perf run
 * live, the recorded binary given through --symfs as in src/engine/disassembly.test.ts).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { main } from './main';
import { havePerfTools, parseAnnotateValues, runPerfAnnotate } from '../../test/perf-oracle';
import type { AnnotateRow } from './annotate-command';

const DEMO = join(__dirname, '../../demo/mini-hz3');
const RECORDING = join(DEMO, 'profiles/cpu-clock.perf.data');
const hasPerf = havePerfTools();
const perfAnnotate = (args: string[]): string => runPerfAnnotate(RECORDING, args, join(DEMO, 'build'));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    args,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test(
  'annotate --json: one row per instruction, samples and period as perf annotate -n / --show-total-period',
  { skip: !hasPerf && 'perf is not installed', timeout: 120_000 },
  async () => {
    const r = await run(['annotate', RECORDING, 'mh3_owner_stash_pop', '--json', '--binary-path', join(DEMO, 'build')]);
    assert.equal(r.code, 0, r.err);
    const rows = JSON.parse(r.out) as AnnotateRow[];
    const [samples] = parseAnnotateValues(perfAnnotate(['-n', 'mh3_owner_stash_pop']));
    const [period] = parseAnnotateValues(perfAnnotate(['--show-total-period', 'mh3_owner_stash_pop']));
    assert.deepEqual(
      rows.map((x) => Number.parseInt(x.address, 16)),
      [...samples.values.keys()],
    );
    for (const x of rows) {
      const a = Number.parseInt(x.address, 16);
      assert.equal(x.samples?.['cpu-clock'], samples.values.get(a), x.address);
      assert.equal(x.counts['cpu-clock'], period.values.get(a), x.address);
    }
    assert.ok(rows.every((x) => x.file === null || typeof x.line === 'number'));
  },
);

test(
  "annotate text: the hottest instruction carries perf annotate's percent (local period), under its source line",
  { skip: !hasPerf && 'perf is not installed', timeout: 120_000 },
  async () => {
    const r = await run(['annotate', RECORDING, 'mh3_owner_stash_pop', '--binary-path', join(DEMO, 'build')]);
    assert.equal(r.code, 0, r.err);
    const perf = perfAnnotate(['mh3_owner_stash_pop']);
    const rows = [...perf.matchAll(/^\s+([\d.]+) :\s+([0-9a-f]+):/gm)].map((m) => ({ percent: m[1], address: m[2] }));
    const hottest = rows.reduce((a, b) => (Number(b.percent) > Number(a.percent) ? b : a));
    const line = r.out.split('\n').find((l) => new RegExp(`:\\s+${hottest.address}:\\s`).test(l));
    assert.ok(line, `no row for ${hottest.address}`);
    // Ours is written by the one formatter (one decimal from 10%): perf's two decimals rounded to as many.
    const ours = /^\s*([\d.]+)%/.exec(line)![1];
    const decimals = ours.split('.')[1]?.length ?? 0;
    assert.equal(ours, Number(hottest.percent).toFixed(decimals), `perf: ${hottest.percent} at ${hottest.address}`);
    assert.match(r.out, /mh3_owner_stash_pop\.inc:\d+/);
  },
);

test('annotate: a function that was not sampled is one line naming the profile and the hottest functions', async () => {
  const r = await run(['annotate', RECORDING, 'no_such_function', '--binary-path', join(DEMO, 'build')]);
  assert.equal(r.code, 1);
  assert.match(
    r.err,
    /perf-heat: no instruction of "no_such_function" was sampled in cpu-clock\.perf\.data \(the hottest functions are mh3_owner_stash_pop/,
  );
  const u = await run(['annotate', RECORDING]);
  assert.equal(u.code, 2);
});

/**
 * The annotate benchmark (`npm run bench:annotate`): `perf-heat annotate` (dist/cli.js: load, disassemble in
 * process, place every instruction in the source) against `perf annotate --stdio` (objdump and addr2line under it)
 * on the demo recording, for its hottest function and for every sampled function of the binary, alternating runs;
 * prints both medians and the ratio. Expects dist/ to be built (`npm run build`); without perf it says so and exits 0.
 *
 *   node --import tsx bench/annotate/run.ts [--runs N]
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { havePerfTools, runPerfAnnotate } from '../../test/perf-oracle';

const ROOT = resolve(__dirname, '../..');
const DEMO = join(ROOT, 'demo/mini-hz3');
const RECORDING = join(DEMO, 'profiles/cpu-clock.perf.data');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);

function ms(f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!havePerfTools()) {
  console.log('perf or objdump is not installed: skipped');
  process.exit(0);
}
const cases: { name: string; perf: string[]; ours: string[] }[] = [
  { name: 'hottest function (mh3_owner_stash_pop)', perf: ['mh3_owner_stash_pop'], ours: ['mh3_owner_stash_pop'] },
  { name: 'mh3_alloc', perf: ['mh3_alloc'], ours: ['mh3_alloc'] },
];
for (const c of cases) {
  const perf: number[] = [];
  const ours: number[] = [];
  for (let i = 0; i < runs; i++) {
    perf.push(ms(() => runPerfAnnotate(RECORDING, c.perf, join(DEMO, 'build'))));
    ours.push(
      ms(() => {
        const r = spawnSync(
          process.execPath,
          [join(ROOT, 'dist/cli.js'), 'annotate', RECORDING, ...c.ours, '--binary-path', join(DEMO, 'build')],
          { encoding: 'utf8', env: { ...process.env, PERF_HEAT_CACHE_DIR: join(ROOT, 'bench/annotate/out/cache') } },
        );
        if (r.status !== 0) throw new Error(r.stderr);
      }),
    );
  }
  console.log(
    `${c.name}: perf annotate ${median(perf).toFixed(0)} ms, perf-heat annotate ${median(ours).toFixed(0)} ms (median of ${runs}), ratio perf/perf-heat ×${(median(perf) / median(ours)).toFixed(2)}`,
  );
}

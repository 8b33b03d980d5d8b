/** Inputs the pipeline cannot read say so in one line naming the file and the problem (issue #10, item 8). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfile } from './load-profile';
import { ProfileFormatError } from '../parsers/errors';
import { SampleType } from '../parsers/perf-data';
import { buildFile } from '../parsers/perf-data/testing/build';
import { writeSample } from '../parsers/perf-data/testing/writer';

const dir = mkdtempSync(join(tmpdir(), 'input-errors-'));

test('a v1 perf.data (PERFFILE) is "not supported", not "not a profile"', async () => {
  const path = join(dir, 'v1.data');
  writeFileSync(path, Buffer.concat([Buffer.from('PERFFILE', 'latin1'), Buffer.alloc(120)]));
  await assert.rejects(
    loadProfile(path),
    (e: unknown) =>
      e instanceof ProfileFormatError && /v1\.data.*perf\.data v1 \(PERFFILE\) is not supported/.test(e.message),
  );
});

test('samples recorded without an ip count in the totals and are reported, not dropped', async () => {
  const attr = {
    type: 1,
    config: 0n,
    sampleType: SampleType.TID | SampleType.TIME | SampleType.PERIOD,
    samplePeriod: 1000,
    sampleIdAll: true,
    ids: [],
  };
  const data = buildFile({
    le: true,
    attrs: [attr],
    records: (w) => {
      for (let i = 0; i < 3; i++) writeSample(w, attr, { pid: 7, tid: 7, time: 1000 + i, period: 250, cpumode: 2 });
    },
  });
  const path = join(dir, 'no-ip.data');
  writeFileSync(path, data);
  const p = await loadProfile(path);
  assert.deepEqual(p.totals, [750]);
  assert.ok(
    p.warnings.some((w) => /3 samples carry no instruction address/.test(w)),
    p.warnings.join('\n'),
  );
});

test('perf report text whose rows add up to a line above 100% is warned about', async () => {
  const report = readFileSync(
    join(__dirname, '../../test/fixtures/perf-probe/report_sort_srcline_nochildren_nocallgraph.txt'),
    'utf8',
  );
  const one = join(dir, 'one.txt');
  const twice = join(dir, 'twice.txt');
  writeFileSync(one, report);
  writeFileSync(twice, report + '\n' + report);
  assert.ok(!(await loadProfile(one)).warnings.some((w) => /more than the whole profile/.test(w)));
  const p = await loadProfile(twice);
  assert.ok(
    p.warnings.some((w) => /hot\.inc:21 has 183\.7% of cpu-clock, more than the whole profile/.test(w)),
    p.warnings.join('\n'),
  );
});

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfile } from './load-profile';
import { addJitSamples } from './jit-samples';
import { ProfileBuilder } from '../model/profile';

const FIX = join(__dirname, '../../test/fixtures/perf-names');

test('JIT code (executable anonymous memory) is [JIT] tid <pid> with raw addresses, as perf report shows it', async () => {
  const p = await loadProfile(join(FIX, 'jit.data'), { buildIdCacheDir: join(FIX, 'buildid-cache') });
  const perf = new Map<string, number>();
  for (const l of readFileSync(join(FIX, 'jit.report-dso-sym.txt'), 'utf8').split('\n')) {
    const m = /^\s+([\d.]+)%\s+(\[JIT\] tid \d+|\S+)\s+\[.\] (.+?)\s*$/.exec(l);
    if (m) perf.set(`${m[2]} ${m[3]}`, Number(m[1]));
  }
  assert.ok(
    [...perf.keys()].some((k) => k.startsWith('[JIT] tid ')),
    'perf reports JIT samples',
  );
  for (const [key, want] of perf) {
    const got = p.functions
      .filter((f) => `${f.dso} ${f.name}` === key)
      .reduce((n, f) => n + (100 * f.counts[0]!) / p.totals[0]!, 0);
    assert.ok(Math.abs(got - want) < 0.006, `${key}: ours ${got.toFixed(3)}, perf ${want}`);
  }
});

test('a JIT perf map (/tmp/perf-<pid>.map: start size name, hex) names JIT addresses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jitmap-'));
  writeFileSync(join(dir, 'perf-42.map'), '7f0000001000 40 js::Interpret\n7f0000001040 20 Baseline: foo.js:3\n');
  const b = new ProfileBuilder('x', [{ name: 'cpu-clock', unit: 'period' }], { format: 't', binaries: [] });
  addJitSamples(
    '[JIT] tid 42',
    [
      { dso: '[JIT] tid 42', fileOffset: 0x7f0000001010, samples: [1], period: [10] },
      { dso: '[JIT] tid 42', fileOffset: 0x7f0000001050, samples: [1], period: [5] },
      { dso: '[JIT] tid 42', fileOffset: 0x7f0000002000, samples: [1], period: [1] },
    ],
    b,
    dir,
  );
  assert.deepEqual(
    b.build().functions.map((f) => [f.name, f.counts[0]]),
    [
      ['js::Interpret', 10],
      ['Baseline: foo.js:3', 5],
      ['0x00007f0000002000', 1],
    ],
  );
});

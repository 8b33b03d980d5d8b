/**
 * Kernel modules named as perf names them (issue #10, item 4): the map `[foo_bar]` for `…/foo-bar.ko`, its samples
 * named from the recorded kernel's kallsyms entries tagged `[foo_bar]`. The file is synthetic (no module is loaded
 * on this machine); the oracle is `perf script` reading the same file with the same kallsyms copy.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfile } from './load-profile';
import { Feature, SampleType } from '../parsers/perf-data';
import { buildFile } from '../parsers/perf-data/testing/build';
import { writeFeature, writeMmap, writeSample } from '../parsers/perf-data/testing/writer';

const BUILD_ID = 'ab'.repeat(20);
const KALLSYMS =
  [
    'ffffffff81000000 T _text',
    'ffffffff81000100 T do_syscall_64',
    'ffffffff81000200 t finish_task_switch.isra.0',
    'ffffffff81000300 T vfs_write',
    'ffffffffc0000000 t foo_rx\t[foo_bar]',
    'ffffffffc0000100 t foo_tx\t[foo_bar]',
    'ffffffffc0000200 t foo_end\t[foo_bar]',
  ].join('\n') + '\n';
const IPS: [bigint, number][] = [
  [0xffffffff81000110n, 3],
  [0xffffffff81000210n, 2],
  [0xffffffffc0000010n, 4],
  [0xffffffffc0000120n, 1],
];

test('kernel module samples: [module] as the binary, its symbols from the kallsyms copy, as perf script shows them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kmod-'));
  const cache = join(dir, '.debug', '[kernel.kallsyms]', BUILD_ID);
  mkdirSync(cache, { recursive: true });
  writeFileSync(join(cache, 'kallsyms'), KALLSYMS);
  const attr = {
    type: 1,
    config: 0n,
    sampleType: SampleType.IP | SampleType.TID | SampleType.TIME | SampleType.PERIOD,
    samplePeriod: 1,
    sampleIdAll: false,
    excludeGuest: true,
    ids: [],
  };
  let time = 1;
  const data = buildFile({
    le: true,
    attrs: [attr],
    records: (w) => {
      writeMmap(w, {
        type: 1,
        misc: 1,
        pid: -1,
        tid: 0,
        addr: 0xffffffff81000000n,
        len: 0x1000000,
        pgoff: 0xffffffff81000000n,
        filename: '[kernel.kallsyms]_text',
      });
      writeMmap(w, {
        type: 1,
        misc: 1,
        pid: -1,
        tid: 0,
        addr: 0xffffffffc0000000n,
        len: 0x10000,
        pgoff: 0,
        filename: '/lib/modules/6.1.0/kernel/drivers/net/foo-bar.ko',
      });
      for (const [ip, n] of IPS)
        for (let i = 0; i < n; i++) writeSample(w, attr, { misc: 1, ip, pid: 9, tid: 9, time: time++, period: 1000 });
    },
    features: new Map([
      [
        Feature.BUILD_ID,
        (w) =>
          void writeFeature(w, Feature.BUILD_ID, {
            present: [],
            buildIds: [{ pid: -1, cpumode: 1, buildId: BUILD_ID, filename: '[kernel.kallsyms]' }],
          }),
      ],
    ]),
  });
  const path = join(dir, 'kmod.data');
  writeFileSync(path, data);
  let script: string;
  try {
    script = execFileSync('perf', ['--buildid-dir', join(dir, '.debug'), 'script', '-i', path, '-F', 'ip,sym,dso'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
  } catch {
    t.skip('perf is not installed');
    return;
  }
  const want = new Map<string, number>();
  for (const l of script.trim().split('\n')) {
    const m = /^\s*[0-9a-f]+ (\S+) \((\S+)\)$/.exec(l);
    if (!m) throw new Error(`perf script line: ${l}`);
    const key = `${m[2]} ${m[1]}`;
    want.set(key, (want.get(key) ?? 0) + 1000);
  }
  assert.ok(want.has('[foo_bar] foo_rx'), script);
  const p = await loadProfile(path);
  assert.deepEqual(new Map(p.functions.map((f) => [`${f.dso} ${f.name}`, f.counts[0]])), want);
});

/**
 * Names and numbers as perf gives them, on a recording made here (scripts/record-perf-names-fixtures.sh): a
 * leader-sampled group `{cpu-clock,task-clock}:S` whose samples land in the kernel, in PLT stubs, in mangled C++
 * and in a .constprop clone. The oracle is perf script / perf report of the same file, committed beside it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProfile } from './load-profile';
import type { Profile } from '../model/profile';

const FIX = join(__dirname, '../../test/fixtures/perf-names');
const DATA = join(FIX, 'group.data');
const CACHE = join(FIX, 'buildid-cache');

/**
 * perf 6.1 names the first stub of .plt `_init` (the zero-size `_init` before .plt is stretched over it); objdump
 * and perf itself for every later stub name it `<symbol>@plt`: here `_Znam@plt`, shown demangled as perf does.
 */
const PERF_IS_WRONG: Record<string, string> = { _init: 'operator new[]@plt' };

/** group.script-sums.txt: `event \t dso \t symbol \t samples \t period-sum`, from perf script of every delivered sample. */
function perfSums(): { event: string; dso: string; symbol: string; samples: number; period: number }[] {
  return readFileSync(join(FIX, 'group.script-sums.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [event, dso, symbol, samples, period] = l.split('\t');
      return {
        event: event!,
        dso: dso!,
        symbol: PERF_IS_WRONG[symbol!] ?? symbol!,
        samples: Number(samples),
        period: Number(period),
      };
    });
}

let loaded: Promise<Profile> | undefined;
const profile = (): Promise<Profile> => (loaded ??= loadProfile(DATA, { binaryPaths: [FIX], buildIdCacheDir: CACHE }));

test('group reads: each member event is weighted by the growth of its counter, as perf delivers them', async () => {
  const p = await profile();
  const sums = perfSums();
  for (const [e, ev] of p.events.entries()) {
    const perf = sums.filter((s) => s.event === ev.name).reduce((n, s) => n + s.period, 0);
    assert.ok(perf > 0, `perf has ${ev.name} samples`);
    assert.equal(p.totals[e], perf, `${ev.name} total`);
  }
  // task-clock used to read 0 everywhere, and cpu-clock the leader's raw PERIOD field.
  assert.notEqual(p.totals[0], p.totals[1]);
});

test('kernel samples are named from the build-id cache kallsyms and grouped by symbol, as perf report does', async () => {
  const p = await profile();
  const kernel = perfSums().filter((s) => s.dso === '[kernel.kallsyms]');
  assert.ok(kernel.length >= 5, 'the recording has kernel samples');
  for (const [e, ev] of p.events.entries()) {
    const want = new Map(kernel.filter((s) => s.event === ev.name).map((s) => [s.symbol, s.period]));
    const got = new Map(
      p.functions.filter((f) => f.dso === '[kernel.kallsyms]' && f.counts[e] > 0).map((f) => [f.name, f.counts[e]]),
    );
    assert.deepEqual(got, want, ev.name);
  }
  assert.ok(
    p.functions.some((f) => f.name === 'finish_task_switch.isra.0'),
    'kernel clone suffixes stay as perf shows them',
  );
  assert.ok(
    p.warnings.some((w) => /source lines cover [\d.]+% of cpu-clock.*[\d.]+% is kernel/.test(w)),
    p.warnings.join('\n'),
  );
});

test('the profiled binary: PLT stubs as name@plt, C++ demangled, clone of a C++ function by its name', async () => {
  const p = await profile();
  const dso = perfSums().find((s) => s.symbol === 'work::churn')!.dso;
  for (const [e, ev] of p.events.entries()) {
    const want = new Map(
      perfSums()
        .filter((s) => s.event === ev.name && s.dso === dso)
        .map((s) => [s.symbol, s.period]),
    );
    const got = new Map(p.functions.filter((f) => f.dso === dso && f.counts[e] > 0).map((f) => [f.name, f.counts[e]]));
    assert.deepEqual(got, want, ev.name);
  }
  assert.ok(p.functions.some((f) => f.name === 'malloc@plt'));
});

/**
 * Several recordings of the demo's A build as one profile, against perf's own answer for each file: every line perf
 * report lists for a recording has the same share (and, for page-faults recorded with -c 1, the same sample count)
 * in the merged profile. The recordings and perf's text were made by scripts/record-merge-demo.sh.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProfile, loadProfiles } from './load-profile';
import { cycleEvent, missDensity, missEvent } from '../model/events';
import type { Profile } from '../model/profile';
import { correctPerf, correctRows, parseReportSrclineCounts } from '../../test/perf-oracle';
import { main } from '../cli/main';

const ROOT = join(__dirname, '../..');
const DEMO = join(ROOT, 'demo/mini-hz3');
const P = (f: string): string => join(DEMO, 'profiles', f);
const opts = { searchRoots: [DEMO] };

/** perf report --sort srcline: share (and with -n samples) per `file:line`, perf's known addr2line errors moved. */
function perfLines(file: string): Map<string, { share: number; samples?: number }> {
  const text = readFileSync(P(file), 'utf8');
  const shares = new Map<string, number>();
  for (const l of text.split('\n')) {
    const m = /^\s+([\d.]+)%\s+(?:\d+\s+)?(\S+):(\d+)\s*$/.exec(l);
    // `??:0` and `:0` are perf's "no line known": such samples stay unattributed here.
    if (m && m[3] !== '0') shares.set(`${m[2].split('/').pop()}:${m[3]}`, Number(m[1]));
  }
  const samples = new Map(correctRows(parseReportSrclineCounts(text)).map((r) => [`${r.file}:${r.line}`, r.samples]));
  return new Map([...correctPerf(shares)].map(([k, share]) => [k, { share, samples: samples.get(k) }]));
}

function eventLines(p: Profile, e: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of p.lines) {
    const key = `${l.file.split('/').pop()}:${l.line}`;
    out.set(key, (out.get(key) ?? 0) + l.counts[e]);
  }
  return out;
}

/** perf's `# Event count (approx.): N` of a report file: the event's total period. */
function perfTotal(file: string): number {
  return Number(/^# Event count \(approx\.\): (\d+)/m.exec(readFileSync(P(file), 'utf8'))![1]);
}

test('cpu-clock + page-faults + task-clock of one build: one profile, every line equals perf report of its own file', async () => {
  const p = await loadProfiles([P('cpu-clock.perf.data'), P('page-faults.perf.data'), P('task-clock.perf.data')], opts);
  assert.deepEqual(
    p.events.map((e) => e.name),
    ['cpu-clock', 'page-faults', 'task-clock'],
  );
  const oracle = ['report-srcline.txt', 'report-srcline-page-faults.txt', 'report-srcline-task-clock.txt'];
  oracle.forEach((f, e) => assert.equal(p.totals[e], perfTotal(f), `${p.events[e].name}: total as perf counted it`));
  // The binary was recorded under /work/main for cpu-clock and under this worktree for the others: one build-id.
  const bench = p.functions.filter((f) => f.name === 'mh3_alloc');
  assert.equal(bench.length, 1, 'one mh3_alloc, whatever folder each recording was made in');
  // The demo's own sources: lines inside glibc depend on its debug info (strtoul.c for perf where DWARF says
  // strtol.c), which the single-file tests of the symbolizer cover; here the merge is under test.
  const own = new Set(['src', 'include', 'bench'].flatMap((d) => readdirSync(join(DEMO, d))));
  oracle.forEach((f, e) => {
    const perf = new Map([...perfLines(f)].filter(([k]) => own.has(k.split(':')[0])));
    assert.ok(perf.size >= 10, `${f} lists lines`);
    const ours = eventLines(p, e);
    for (const [key, v] of perf) {
      const got = (100 * (ours.get(key) ?? 0)) / p.totals[e];
      assert.ok(
        Math.abs(got - v.share) <= 0.05,
        `${p.events[e].name} ${key}: perf ${v.share}%, merged ${got.toFixed(3)}%`,
      );
      // page-faults with -c 1: a period of 1 per sample, so the count is perf's sample count, exactly.
      if (p.events[e].name === 'page-faults' && v.samples !== undefined)
        assert.equal(ours.get(key) ?? 0, v.samples, `page-faults ${key}`);
    }
    for (const [key, n] of ours)
      if (own.has(key.split(':')[0]) && (100 * n) / p.totals[e] >= 0.01)
        assert.ok(perf.has(key), `${p.events[e].name} ${key} is not in ${f}`);
  });
});

test('a recording of another build (the demo B build) is refused with both build-ids, as readelf reads them', async () => {
  const id = (bin: string): string =>
    /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', join(DEMO, 'build', bin)], { encoding: 'utf8' }))![1];
  const [a, b] = [id('mini-hz3-bench'), id('mini-hz3-bench-b')];
  await assert.rejects(loadProfiles([P('page-faults.perf.data'), P('cpu-clock-b.perf.data')], opts), (e: Error) => {
    assert.match(
      e.message,
      new RegExp(
        `^build-ids differ: mini-hz3-bench is ${a.slice(0, 12)} in page-faults\\.perf\\.data and mini-hz3-bench-b is ${b.slice(0, 12)} in cpu-clock-b\\.perf\\.data`,
      ),
    );
    return true;
  });
});

test('an event in two recordings is refused (cpu-clock in cpu-clock.perf.data and two-events.perf.data)', async () => {
  await assert.rejects(
    loadProfiles([P('cpu-clock.perf.data'), P('two-events.perf.data')], opts),
    /cpu-clock is in both cpu-clock\.perf\.data and two-events\.perf\.data/,
  );
});

test('miss density across recordings: cachegrind D1mr of the A build beside its perf cpu-clock, by (file, line)', async () => {
  const [perf, cg] = [await loadProfile(P('cpu-clock.perf.data'), opts), await loadProfile(P('cachegrind.out'), opts)];
  const m = await loadProfiles([P('cpu-clock.perf.data'), P('cachegrind.out')], opts);
  const names = m.events.map((e) => e.name);
  const [c, d] = [cycleEvent(names), missEvent(names)!];
  assert.equal(names[c], 'cpu-clock');
  assert.equal(names[d], 'D1mr');
  assert.ok(m.warnings.some((w) => /cachegrind\.out carries no build-id/.test(w)));
  // The densest line of the merged profile is computed from the two inputs' own shares.
  const share = (p: Profile, e: number, file: string, line: number): number =>
    (100 * p.lines.filter((l) => l.file === file && l.line === line).reduce((s, l) => s + l.counts[e], 0)) /
    p.totals[e];
  const perfShares = perfLines('report-srcline.txt');
  let checked = 0;
  for (const l of m.lines) {
    if (l.counts[c] <= 0 || l.counts[d] <= 0) continue;
    const key = `${l.file.split('/').pop()}:${l.line}`;
    const density = missDensity(share(m, d, l.file, l.line), share(m, c, l.file, l.line))!;
    const expected =
      share(
        cg,
        cg.events.findIndex((e) => e.name === 'D1mr'),
        l.file,
        l.line,
      ) / (perfShares.get(key)?.share ?? NaN);
    if ((perfShares.get(key)?.share ?? 0) < 1) continue; // perf prints two decimals: compare where that is precise
    assert.ok(
      Math.abs(density - expected) / expected < 0.01,
      `${key}: density ${density}, cachegrind share ÷ perf share ${expected}`,
    );
    assert.equal(share(m, c, l.file, l.line), share(perf, 0, l.file, l.line));
    checked++;
  }
  assert.ok(checked >= 5, `lines with both events (${checked})`);
});

test('CLI: functions and lines take several recordings; a refusal exits 1 with the reason', async () => {
  const out: string[] = [];
  const err: string[] = [];
  assert.equal(
    await main(
      ['functions', P('cpu-clock.perf.data'), P('page-faults.perf.data'), '--json', '--top', '3'],
      (s) => out.push(s),
      (s) => err.push(s),
    ),
    0,
    err.join('\n'),
  );
  const rows = JSON.parse(out.join('\n')) as { function: string; percent: Record<string, number> }[];
  assert.deepEqual(Object.keys(rows[0].percent), ['cpu-clock', 'page-faults']);
  out.length = 0;
  assert.equal(
    await main(
      ['lines', P('cpu-clock.perf.data'), P('page-faults.perf.data'), '--event', 'page-faults', '--top', '1', '--json'],
      (s) => out.push(s),
      (s) => err.push(s),
    ),
    0,
  );
  const [top] = JSON.parse(out.join('\n')) as { file: string; line: number; counts: Record<string, number> }[];
  const perf = perfLines('report-srcline-page-faults.txt');
  const [hottest] = [...perf].sort((x, y) => y[1].share - x[1].share);
  assert.equal(`${top.file.split('/').pop()}:${top.line}`, hottest[0]);
  assert.equal(top.counts['page-faults'], hottest[1].samples);
  assert.equal(
    await main(
      ['functions', P('cpu-clock.perf.data'), P('cpu-clock-b.perf.data')],
      () => undefined,
      (s) => err.push(s),
    ),
    1,
  );
  assert.match(err.pop()!, /^perf-heat: build-ids differ: /);
});

test("CLI: blocks takes --profile more than once; the file's page-faults are perf report's", async () => {
  const out: string[] = [];
  const err: string[] = [];
  const file = join(DEMO, 'src/mh3_alloc.c');
  const code = await main(
    [
      'blocks',
      file,
      '--profile',
      P('cpu-clock.perf.data'),
      '--profile',
      P('page-faults.perf.data'),
      '--makefile',
      join(DEMO, 'Makefile'),
      '--json',
      '--no-propose',
    ],
    (s) => out.push(s),
    (s) => err.push(s),
  );
  assert.equal(code, 0, err.join('\n'));
  const r = JSON.parse(out.join('\n')) as { events: string[]; fileTotal: number[]; profiles: string[] };
  assert.deepEqual(r.events, ['cpu-clock', 'page-faults']);
  assert.equal(r.profiles.length, 2);
  const perf = [...perfLines('report-srcline-page-faults.txt')].filter(([k]) => k.startsWith('mh3_alloc.c:'));
  assert.equal(
    r.fileTotal[1],
    perf.reduce((s, [, v]) => s + v.samples!, 0),
    'page-faults on mh3_alloc.c, as perf report -n',
  );
});

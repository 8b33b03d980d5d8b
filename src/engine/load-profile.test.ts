/**
 * The pipeline against perf itself: every source line perf report lists for a recording has the same share here,
 * within 0.05 percentage points. perf's numbers are read from its own output, committed beside the recordings.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProfile } from './load-profile';
import { ProfileFormatError } from '../parsers/errors';
import type { Profile } from '../model/profile';
import { correctPerf } from '../../test/perf-oracle';

const ROOT = join(__dirname, '../..');
const DEMO = join(ROOT, 'demo/mini-hz3');

/**
 * `perf report --stdio --no-children -g none --sort srcline`: `    16.02%  file.inc:195` rows, one
 * `# Samples: … of event 'X'` section per event. Returns the section of the requested event.
 */
function reportShares(text: string, event?: string): Map<string, number> {
  const out = new Map<string, number>();
  let current: string | undefined;
  for (const l of text.split('\n')) {
    const h = /^# Samples: .* of event '(.*)'/.exec(l);
    if (h) current = h[1];
    const m = /^\s+([\d.]+)%\s+(?:\d+\s+)?(\S+):(\d+)\s*$/.exec(l);
    if (m && (event === undefined || current === event)) out.set(`${m[2]}:${m[3]}`, Number(m[1]));
  }
  return out;
}

function ourShares(p: Profile, event = 0): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of p.lines) {
    const key = `${l.file.split('/').pop()}:${l.line}`;
    out.set(key, (out.get(key) ?? 0) + (100 * l.counts[event]) / p.totals[event]);
  }
  return out;
}

function assertMatchesReport(p: Profile, reportFile: string, event = 0, minLines = 20, perfsOwnLines = false): void {
  const shares = reportShares(readFileSync(reportFile, 'utf8'), p.events[event].name);
  // A profile read from perf report text carries perf's lines, errors included: compare it as is.
  const report = perfsOwnLines ? shares : correctPerf(shares);
  const ours = ourShares(p, event);
  assert.ok(report.size >= minLines, `the report lists lines (${report.size})`);
  for (const [key, share] of report) {
    const got = ours.get(key) ?? 0;
    assert.ok(Math.abs(got - share) <= 0.05, `${key}: perf report ${share}%, Perf Heat ${got.toFixed(3)}%`);
  }
  // Nothing we place on a line is missing from perf's list (perf prints lines down to 0.005%).
  for (const [key, share] of ours)
    if (share >= 0.01) assert.ok(report.has(key), `${key} (${share.toFixed(3)}%) is not in perf report`);
}

test('demo perf.data: every line perf report lists has its share', async () => {
  const p = await loadProfile(join(DEMO, 'profiles/cpu-clock.perf.data'), { searchRoots: [DEMO] });
  assert.deepEqual(
    p.events.map((e) => [e.name, e.unit]),
    [['cpu-clock', 'period']],
  );
  const bench = p.metadata.binaries.find((b) => b.recorded.endsWith('/mini-hz3-bench'));
  assert.ok(bench?.foundAt, 'the recorded binary is found (by path or by name in the workspace)');
  assertMatchesReport(p, join(DEMO, 'profiles/report-srcline.txt'));
});

// Every recording of the demo, in every format that has per-line samples, against perf report of the same data.
for (const [profile, report] of [
  ['cpu-clock.perf.data', 'report-srcline.txt'],
  ['two-events.perf.data', 'report-srcline-two-events.txt'],
  ['script.txt', 'report-srcline.txt'],
  ['script-srcline.txt', 'report-srcline.txt'],
  ['report-srcline-n.txt', 'report-srcline.txt'],
]) {
  test(`demo ${profile}: every event's lines equal ${report}`, async () => {
    const p = await loadProfile(join(DEMO, 'profiles', profile), { searchRoots: [DEMO] });
    for (let e = 0; e < p.events.length; e++)
      assertMatchesReport(p, join(DEMO, 'profiles', report), e, 20, profile.startsWith('report-'));
  });
}

// The native reader's fixtures: file mode, two events, pipe mode, zstd-compressed.
for (const name of ['cpu-clock-g', 'two-events', 'pipe', 'compressed']) {
  test(`perf.data fixture ${name}: every event's lines equal perf report`, async () => {
    const fix = join(ROOT, 'test/fixtures/perf-data');
    const p = await loadProfile(join(fix, `${name}.data`), { searchRoots: [fix] });
    for (let e = 0; e < p.events.length; e++) assertMatchesReport(p, join(fix, `${name}.report-srcline.txt`), e, 5);
  });
}

test('demo annotate -l: with the binary at hand, lines come from debug info and match perf report counts', async () => {
  const p = await loadProfile(join(DEMO, 'profiles/annotate-l.txt'), { searchRoots: [DEMO] });
  const n = readFileSync(join(DEMO, 'profiles/report-srcline-n.txt'), 'utf8');
  // The annotate file covers the benchmark binary only (--dsos), so only its sources are compared.
  const demoSources = new Set(p.lines.map((x) => x.file.split('/').pop()));
  let checked = 0;
  for (const l of n.split('\n')) {
    const m = /^\s+[\d.]+%\s+(\d+)\s+(\S+):(\d+)\s*$/.exec(l);
    if (!m || !demoSources.has(m[2])) continue;
    const ours = p.lines
      .filter((x) => x.file.endsWith('/' + m[2]) && x.line === Number(m[3]))
      .reduce((a, x) => a + x.counts[0], 0);
    // annotate prints 2-decimal percentages of each function's samples: a fraction of a sample per instruction.
    assert.ok(
      Math.abs(ours - Number(m[1])) <= 1.5,
      `${m[2]}:${m[3]}: perf report ${m[1]} samples, Perf Heat ${ours.toFixed(1)}`,
    );
    checked++;
  }
  assert.ok(checked >= 20, `checked ${checked} lines`);
});

test('perf.data: a file that is cut short still loads, and says so', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const full = readFileSync(join(DEMO, 'profiles/cpu-clock.perf.data'));
  const cut = join(mkdtempSync(join(tmpdir(), 'ph-cut-')), 'cut.perf.data');
  writeFileSync(cut, full.subarray(0, Math.floor(full.length * 0.6)));
  const p = await loadProfile(cut, { searchRoots: [DEMO] });
  assert.ok(p.totals[0] > 0);
  assert.ok(
    p.warnings.some((w) => /truncated/.test(w)),
    p.warnings.join('\n'),
  );
});

test('perf.data: garbage after a valid magic is a format error naming the file and offset', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const bad = join(mkdtempSync(join(tmpdir(), 'ph-bad-')), 'bad.data');
  writeFileSync(bad, Buffer.concat([Buffer.from('PERFILE2'), Buffer.alloc(200, 0xff)]));
  await assert.rejects(
    loadProfile(bad),
    (e: ProfileFormatError) =>
      e instanceof ProfileFormatError && e.message.startsWith(bad) && /byte \d+/.test(e.message),
  );
});

test('untrusted workspace: no process is started, the builtin symbolizer still maps every line', async () => {
  // The annotate and perf.data loads name a symbolizer that cannot run: nothing may start it.
  const options = {
    searchRoots: [DEMO],
    allowExternalPrograms: false,
    symbolizer: 'addr2line' as const,
    addr2line: '/nonexistent/addr2line-must-not-run',
    symbolCache: false as const,
  };
  const p = await loadProfile(join(DEMO, 'profiles/annotate-l.txt'), options);
  assert.ok(
    p.warnings.some((w) => /not trusted/.test(w)),
    p.warnings.join('\n'),
  );
  assert.ok(
    p.lines.some((l) => l.file.startsWith('/')),
    "lines come from the binary's DWARF, not only the -l suffixes",
  );
  const d = await loadProfile(join(DEMO, 'profiles/cpu-clock.perf.data'), options);
  assert.ok(
    d.functions.some((f) => f.name === 'mh3_owner_stash_pop'),
    'functions still come from the ELF symbol table',
  );
  assertMatchesReport(d, join(DEMO, 'profiles/report-srcline.txt'));
  const trusted = await loadProfile(join(DEMO, 'profiles/cpu-clock.perf.data'), {
    searchRoots: [DEMO],
    symbolCache: false,
  });
  assert.equal(
    trusted.warnings.some((w) => /not trusted/.test(w)),
    false,
  );
});

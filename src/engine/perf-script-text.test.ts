/**
 * perf script text read where its binaries are not (issue #10, item 2): recorded here from a folder deleted
 * afterwards (scripts/record-perf-names-fixtures.sh); the oracle is perf report of the same recording, run while
 * the binaries still existed.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadProfile } from './load-profile';
import type { Profile } from '../model/profile';

const FIX = join(__dirname, '../../test/fixtures/perf-names');
const PROG_DIR = join(__dirname, '../../test/fixtures/perf-data');

/** `    97.06%           297  prog               [.] hot_loop` → "prog hot_loop" → 97.06. */
function perfShares(file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of readFileSync(join(FIX, file), 'utf8').split('\n')) {
    const m = /^\s+([\d.]+)%\s+(?:\d+\s+)?(\S+)\s+\[.\] (.+?)\s*$/.exec(l);
    if (m) out.set(`${m[2]} ${m[3]}`, Number(m[1]));
  }
  return out;
}

function ourShares(p: Profile): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of p.functions) {
    const key = `${basename(f.dso)} ${f.name}`;
    out.set(key, (out.get(key) ?? 0) + (100 * f.counts[0]!) / p.totals[0]!);
  }
  return out;
}

function assertShares(ours: Map<string, number>, perf: Map<string, number>): void {
  assert.ok(perf.size >= 4);
  for (const [key, want] of perf)
    assert.ok(Math.abs((ours.get(key) ?? 0) - want) < 0.006, `${key}: ours ${ours.get(key)?.toFixed(3)}, perf ${want}`);
  for (const [key, got] of ours)
    assert.ok(perf.has(key) || got < 0.005, `${key} (${got.toFixed(3)}%) is not in perf's report`);
}

test('perf script text without its binaries: every sample named by its leaf frame, as perf report names it', async () => {
  const p = await loadProfile(join(FIX, 'inline.script.txt'), {});
  assertShares(ourShares(p), perfShares('inline.report-dso-sym.txt'));
  // The lines perf could not give without the binary are said to be missing, with what to pass.
  assert.ok(
    p.warnings.some((w) => /source lines cover .*binaries not found as recorded \(prog\).*--binary-path/.test(w)),
    p.warnings.join('\n'),
  );
});

test('frames indented with spaces read as the tab-indented ones', async () => {
  const tabs = await loadProfile(join(FIX, 'inline.script.txt'), {});
  const spaces = await loadProfile(join(FIX, 'inline.script-spaces.txt'), {});
  assert.deepEqual(ourShares(spaces), ourShares(tabs));
  assert.deepEqual(spaces.totals, tabs.totals);
});

test('an (inlined) leaf frame takes its binary from the frame under it: lines with --binary-path, as perf report --sort srcline', async () => {
  const text = readFileSync(join(FIX, 'inline.script.txt'), 'utf8');
  assert.ok(/^\t\s*[0-9a-f]+ mix64\+0x[0-9a-f]+ \(inlined\)$/m.test(text), 'the fixture has inlined leaf frames');
  const p = await loadProfile(join(FIX, 'inline.script.txt'), { binaryPaths: [PROG_DIR] });
  const perf = new Map<string, number>();
  for (const l of readFileSync(join(FIX, 'inline.report-srcline.txt'), 'utf8').split('\n')) {
    const m = /^\s+([\d.]+)%\s+(\S+\.(?:c|h|inc)):(\d+)\s*$/.exec(l);
    if (m) perf.set(`${m[2]}:${m[3]}`, Number(m[1]));
  }
  const ours = new Map<string, number>();
  for (const l of p.lines) ours.set(`${basename(l.file)}:${l.line}`, (100 * l.counts[0]!) / p.totals[0]!);
  assert.ok(
    [...perf.keys()].some((k) => k.startsWith('helper.h')),
    'perf puts samples on the inlined helper',
  );
  for (const [key, want] of perf)
    assert.ok(Math.abs((ours.get(key) ?? 0) - want) < 0.006, `${key}: ours ${ours.get(key)?.toFixed(3)}, perf ${want}`);
});

test('an event that printed no period counts in samples while the others keep their periods', async () => {
  const p = await loadProfile(join(FIX, 'mixed.script.txt'), {});
  const totals = readFileSync(join(FIX, 'mixed.report-totals.txt'), 'utf8');
  const cpuClock = Number(/of event 'cpu-clock'\n# Event count \(approx\.\): (\d+)/.exec(totals)![1]);
  const writes = Number(/# Samples: (\d+)\s+of event 'syscalls:sys_enter_write'/.exec(totals)![1]);
  assert.deepEqual(
    p.events.map((e) => [e.name, e.unit]),
    [
      ['cpu-clock', 'period'],
      ['syscalls:sys_enter_write', 'samples'],
    ],
  );
  assert.deepEqual(p.totals, [cpuClock, writes]);
  assert.ok(
    p.warnings.some((w) => /syscalls:sys_enter_write printed no period/.test(w)),
    p.warnings.join('\n'),
  );
});

/**
 * Tracepoint names from the tracing data, for pipe-mode files of older perfs that name their events nowhere else.
 * The recording is ours (scripts/record-tracepoint-pipe-fixture.sh, perf 6.1, `-o -`); the test removes what perf
 * 6.1 adds and older perfs did not write (EVENT_UPDATE records, the EVENT_DESC feature record), and the oracle is
 * perf itself: `perf script -F event` on the same bytes names the events from the tracing data.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPerfData } from './reader';
import { Feature, RecordType as T } from './constants';
import { parseTracingData } from './tracing-data';
import { memorySource } from './byte-source';

const FIX = join(__dirname, '../../../test/fixtures/perf-data/tracepoint-pipe.data');

interface PipeRecord {
  type: number;
  /** The record, with any payload that follows it uncounted in its size. */
  bytes: Buffer;
  payload?: Buffer;
}

/** A little-endian pipe-mode file's records, walked by their headers (written here from perf.data-file-format.txt). */
function pipeRecords(file: Buffer): { head: Buffer; records: PipeRecord[] } {
  assert.equal(file.toString('latin1', 0, 8), 'PERFILE2');
  const records: PipeRecord[] = [];
  let p = 16;
  while (p + 8 <= file.length) {
    const type = file.readUInt32LE(p);
    const size = file.readUInt16LE(p + 6);
    assert.ok(size >= 8, `record at ${p}`);
    // HEADER_TRACING_DATA {header, u32 size}: that many bytes of tracing data follow the record.
    const extra =
      type === T.HEADER_TRACING_DATA
        ? file.readUInt32LE(p + 8)
        : type === T.AUXTRACE
          ? Number(file.readBigUInt64LE(p + 8))
          : 0;
    records.push({
      type,
      bytes: file.subarray(p, p + size + extra),
      payload: extra ? file.subarray(p + size, p + size + extra) : undefined,
    });
    p += size + extra;
  }
  return { head: file.subarray(0, 16), records };
}

/** As an older perf wrote it: no EVENT_UPDATE, no EVENT_DESC feature. */
function withoutEventNames(file: Buffer): Buffer {
  const { head, records } = pipeRecords(file);
  const kept = records.filter(
    (r) =>
      r.type !== T.EVENT_UPDATE &&
      !(r.type === T.HEADER_FEATURE && Number(r.bytes.readBigUInt64LE(8)) === Feature.EVENT_DESC),
  );
  assert.ok(kept.length < records.length, 'the recording had event names to remove');
  return Buffer.concat([head, ...kept.map((r) => r.bytes)]);
}

function perfEventNames(path: string): string[] | undefined {
  try {
    const out = execFileSync('perf', ['script', '-i', path, '-F', 'event'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return [
      ...new Set(
        out
          .split('\n')
          .map((l) => l.trim().replace(/:$/, ''))
          .filter(Boolean),
      ),
    ].sort();
  } catch {
    return undefined;
  }
}

test('an old pipe-mode file: tracepoints are named from the tracing data as perf names them (sched:sched_switch)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tracing-data-'));
  const old = join(dir, 'old-pipe.data');
  writeFileSync(old, withoutEventNames(readFileSync(FIX)));
  const want = perfEventNames(old);
  if (!want) {
    t.skip('perf is not installed');
    return;
  }
  assert.ok(want.includes('sched:sched_switch') && want.includes('syscalls:sys_enter_write'), want.join());
  const pd = await openPerfData(old);
  assert.deepEqual(pd.attrs.map((a) => a.name).sort(), want);
  assert.deepEqual(pd.warnings, []);
  // The whole file read as records too (the names are applied while streaming, not only by the prescan).
  let samples = 0;
  for await (const r of pd.records()) if (r.type === T.SAMPLE) samples++;
  assert.ok(samples > 0);
  assert.deepEqual(pd.attrs.map((a) => a.name).sort(), want);
});

test("the tracing data read alone: each format file's ID and name, under its system", () => {
  const payload = pipeRecords(readFileSync(FIX)).records.find((r) => r.type === T.HEADER_TRACING_DATA)!.payload!;
  const { events, problem } = parseTracingData(payload);
  assert.equal(problem, undefined);
  // The format files perf read for this recording are in the text; their `ID:` lines are the attr configs.
  const text = payload.toString('latin1');
  for (const [name, system] of [
    ['sched_switch', 'sched'],
    ['sys_enter_write', 'syscalls'],
  ]) {
    const id = Number(new RegExp(`name: ${name}\\nID: (\\d+)`).exec(text)![1]);
    assert.equal(events.get(id), `${system}:${name}`);
  }
});

test(
  'damaged tracing data: every cut and many corruptions end with the names read so far and a reason, never a throw',
  { timeout: 120_000 },
  async () => {
    const payload = pipeRecords(readFileSync(FIX)).records.find((r) => r.type === T.HEADER_TRACING_DATA)!.payload!;
    const full = parseTracingData(payload).events;
    for (let cut = 0; cut < payload.length; cut += cut < 4096 ? 1 : 97) {
      const r = parseTracingData(payload.subarray(0, cut));
      for (const [id, name] of r.events) assert.equal(full.get(id), name);
      if (r.events.size < full.size) assert.ok(r.problem, `cut at ${cut}`);
    }
    let seed = 7;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
    for (let i = 0; i < 2000; i++) {
      const bad = Buffer.from(payload);
      for (let k = 0; k < 4; k++) bad[rnd(Math.min(bad.length, 8192))] = rnd(256);
      const r = parseTracingData(bad);
      assert.ok(r.events instanceof Map);
    }
    // A count near 2^32 (byte-order flag flipped) is refused by the bytes left, not looped over.
    const flipped = Buffer.from(payload);
    flipped[flipped.indexOf(0, 10) + 1] ^= 1;
    assert.ok(parseTracingData(flipped).problem);
    // The same damage inside a whole file: a warning naming the tracing data, the file still read.
    const file = readFileSync(FIX);
    const at = file.indexOf(payload.subarray(0, 16));
    const damaged = Buffer.from(withoutEventNames(file));
    const where = damaged.indexOf(payload.subarray(0, 16));
    assert.ok(at > 0 && where > 0);
    damaged[damaged.indexOf(0, where + 10) + 1] ^= 1;
    const pd = await openPerfData('damaged.data', { source: memorySource(damaged) });
    assert.ok(
      pd.warnings.some((w) => /^tracing data: /.test(w)),
      pd.warnings.join('\n'),
    );
    assert.ok(pd.attrs.some((a) => a.name.startsWith('tracepoint:')));
  },
);

/**
 * The right binary or a clear no (issue #10, item 6). Synthetic recordings (our perf.data writer) of the perf-names
 * workload name a binary; the candidates are that build and a rebuild of the same source (names-ibt, another
 * build-id). Which function a sample lands in says which binary was used: the oracle is nm's symbol table.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfile } from './load-profile';
import { Feature, SampleType } from '../parsers/perf-data';
import { buildFile } from '../parsers/perf-data/testing/build';
import { writeFeature, writeMmap, writeSample } from '../parsers/perf-data/testing/writer';

const FIX = join(__dirname, '../../test/fixtures/perf-names');
const BUILD = join(FIX, 'names');
const REBUILD = join(FIX, 'names-ibt');
const BASE = 0x555555554000;

const buildIdOf = (bin: string): string =>
  /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', bin]).toString())![1]!;
const nmAddress = (bin: string, sym: string): number => {
  const line = execFileSync('nm', [bin])
    .toString()
    .split('\n')
    .find((l) => l.endsWith(` ${sym}`))!;
  return parseInt(line.split(' ')[0]!, 16);
};

/** Ten samples at `offset` in `recorded`, mapped from file offset 0x1000 (the text segment of both builds). */
function recording(dir: string, recorded: string, offset: number, buildId?: string): string {
  const attr = {
    type: 1,
    config: 0n,
    sampleType: SampleType.IP | SampleType.TID | SampleType.TIME | SampleType.PERIOD,
    samplePeriod: 1,
    sampleIdAll: false,
    ids: [],
  };
  const data = buildFile({
    le: true,
    attrs: [attr],
    records: (w) => {
      writeMmap(w, {
        type: 10,
        pid: 7,
        tid: 7,
        addr: BASE + 0x1000,
        len: 0x1000,
        pgoff: 0x1000,
        filename: recorded,
        prot: 5,
      });
      for (let i = 0; i < 10; i++)
        writeSample(w, attr, { ip: BASE + offset, pid: 7, tid: 7, time: 10 + i, period: 100 });
    },
    features: buildId
      ? new Map([
          [
            Feature.BUILD_ID,
            (w) =>
              void writeFeature(w, Feature.BUILD_ID, {
                present: [],
                buildIds: [{ pid: -1, cpumode: 2, buildId, filename: recorded }],
              }),
          ],
        ])
      : undefined,
  });
  const path = join(dir, `rec-${Math.random().toString(36).slice(2)}.data`);
  writeFileSync(path, data);
  return path;
}

const fresh = (): string => mkdtempSync(join(tmpdir(), 'binary-choice-'));
const copyAs = (from: string, dir: string): string => {
  mkdirSync(dir, { recursive: true });
  copyFileSync(from, join(dir, 'names'));
  return dir;
};

test("a binary whose build-id is not the recording's is refused: raw addresses and a warning, as perf does", async () => {
  const dir = fresh();
  const offset = nmAddress(BUILD, '_ZN4work5churnEi') + 4;
  const data = recording(dir, '/nonexistent/build/names', offset, buildIdOf(BUILD));
  const p = await loadProfile(data, { binaryPaths: [copyAs(REBUILD, join(dir, 'rebuilt'))] });
  assert.ok(
    !p.functions.some((f) => f.name === 'work::churn' || f.name === 'scale'),
    p.functions.map((f) => f.name).join(),
  );
  assert.match(p.functions[0]!.name, /^names\+0x/);
  assert.ok(
    p.warnings.some((w) =>
      /not symbolized, samples are shown as raw addresses: .*rebuilt\/names \(build-id [0-9a-f]+\) is not the build that was recorded/.test(
        w,
      ),
    ),
    p.warnings.join('\n'),
  );
  // The recorded build, anywhere, is taken without a word.
  const ok = await loadProfile(data, { binaryPaths: [copyAs(BUILD, join(dir, 'good'))] });
  assert.deepEqual(
    ok.functions.map((f) => f.name),
    ['work::churn'],
  );
  assert.ok(!ok.warnings.some((w) => /guess|not the build/.test(w)), ok.warnings.join('\n'));
});

test('without build-ids the recorded path wins over a same-named file in the workspace; any other file is a guess, said so', async () => {
  const dir = fresh();
  // The recorded build is REBUILD (at the recorded path); the workspace holds another build of the same name.
  const recordedDir = copyAs(REBUILD, join(dir, 'recorded'));
  const workspace = copyAs(BUILD, join(dir, 'workspace', 'build'));
  const offset = nmAddress(REBUILD, '_ZN4work5churnEi') + 4;
  assert.notEqual(offset, nmAddress(BUILD, '_ZN4work5churnEi') + 4, 'the two builds lay the function out differently');
  const data = recording(dir, join(recordedDir, 'names'), offset);
  const p = await loadProfile(data, { searchRoots: [join(dir, 'workspace')] });
  assert.deepEqual(
    p.functions.map((f) => f.name),
    ['work::churn'],
  );
  assert.ok(!p.warnings.some((w) => /guess/.test(w)), p.warnings.join('\n'));
  rmSync(recordedDir, { recursive: true });
  const guessed = await loadProfile(data, { searchRoots: [join(dir, 'workspace')] });
  assert.ok(
    guessed.warnings.some((w) =>
      w.startsWith(`${join(workspace, 'names')} is a guess for ${join(recordedDir, 'names')}`),
    ),
    guessed.warnings.join('\n'),
  );
});

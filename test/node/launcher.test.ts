/**
 * bin/perf-heat.js, the launcher of the built CLI: the bundle through V8's code cache (written after the first run,
 * used by the next) prints what the bundle loaded by require() prints, and output goes straight to fds 1 and 2.
 * It needs dist/ (`node scripts/build.mjs`); without it the test says so and skips.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'bin/perf-heat.js');
const PROFILE = join(ROOT, 'demo/mini-hz3/profiles/cpu-clock.perf.data');
const built = existsSync(join(ROOT, 'dist/cli.js'));

test(
  'the launcher writes a code cache on the first run, uses it on the next, and prints the same',
  { skip: !built && 'dist/cli.js is not built', timeout: 120_000 },
  () => {
    const home = mkdtempSync(join(tmpdir(), 'ph-launcher-'));
    const env = { ...process.env, XDG_CACHE_HOME: home, PERF_HEAT_CACHE_DIR: join(home, 'symbols') };
    const run = (extra: NodeJS.ProcessEnv = {}): string =>
      execFileSync(process.execPath, [BIN, 'lines', PROFILE, '--top', '5', '--json'], {
        cwd: ROOT,
        env: { ...env, ...extra },
        encoding: 'utf8',
      });
    const plain = run({ PERF_HEAT_NO_CODE_CACHE: '1' });
    assert.ok(!existsSync(join(home, 'perf-heat/code-v1')), 'PERF_HEAT_NO_CODE_CACHE writes nothing');
    const first = run();
    const files = readdirSync(join(home, 'perf-heat/code-v1'));
    assert.equal(files.length, 1, files.join(', '));
    const cacheFile = join(home, 'perf-heat/code-v1', files[0]!);
    const written = statSync(cacheFile).mtimeMs;
    const second = run();
    assert.equal(statSync(cacheFile).mtimeMs, written, 'V8 accepted the cache: it was not written again');
    assert.equal(JSON.parse(plain).length, 5);
    assert.equal(first, plain);
    assert.equal(second, plain);
  },
);

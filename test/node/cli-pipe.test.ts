/**
 * `perf-heat … | head`: the reader closes the pipe before perf-heat has written everything. perf-heat stops as a
 * Unix tool does, without a stack trace; before, the EPIPE reached an unhandled 'error' event (exit 1, a trace on
 * stderr). The launcher is spawned as a user runs it, its stdout closed by the reading side before the first write.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const DATA = join(ROOT, 'test/fixtures/perf-names/clones.data');

function runWithClosedStdout(args: string[]): Promise<{ code: number | null; signal: string | null; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/perf-heat.js'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, err }));
  });
}

for (const args of [
  ['lines', DATA, '--top', '0'],
  ['functions', DATA, '--top', '0', '--json'],
]) {
  test(`perf-heat ${args[0]} into a pipe closed early exits quietly`, { timeout: 60_000 }, async () => {
    assert.ok(existsSync(join(ROOT, 'dist/cli.js')), 'dist/cli.js is built (npm run build)');
    const r = await runWithClosedStdout(args);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err, /EPIPE|Unhandled|^\s+at /m);
  });
}

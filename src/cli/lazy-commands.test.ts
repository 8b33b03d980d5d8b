/**
 * `perf-heat lines` loads only what it needs: after a whole `lines` run, no module of the #if engine, tree-sitter,
 * perf stat or the report is loaded; `regions` then loads them on demand (and `--help` still lists every command).
 * It runs in a fresh process: the unit tier loads many test files into one process, so this process's module cache
 * holds whatever other tests needed.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

const PROBE = `
const { join } = require('node:path');
const { main } = require(${JSON.stringify(join(__dirname, 'main.ts'))});
const HEAVY = /[\\\\/](engine[\\\\/]cpp|engine[\\\\/]c-syntax|engine[\\\\/]report|web-tree-sitter|chart\\.js|cli[\\\\/](regions|report-command|stat-command|annotate-command|experiment-command)|engine[\\\\/]experiment|capstone)/;
const heavyLoaded = () => Object.keys(require.cache).filter((m) => HEAVY.test(m));
(async () => {
  const out = [];
  const code = await main(['lines', ${JSON.stringify(join(ROOT, 'demo/mini-hz3/profiles/cpu-clock.perf.data'))}, '--top', '3'], (s) => out.push(s), () => undefined);
  const afterLines = heavyLoaded();
  const help = [];
  const helpCode = await main(['--help'], (s) => help.push(s), () => undefined);
  process.stdout.write(JSON.stringify({ code, out: out.join('\\n'), afterLines, helpCode, help: help.join('\\n'), afterHelp: heavyLoaded() }));
})();
`;

test('lines loads neither the #if engine, tree-sitter, the report nor perf stat code', { timeout: 120_000 }, () => {
  const r = JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', '-e', PROBE], { cwd: ROOT, encoding: 'utf8' }),
  ) as {
    code: number;
    out: string;
    afterLines: string[];
    helpCode: number;
    help: string;
    afterHelp: string[];
  };
  assert.equal(r.code, 0);
  assert.ok(r.out.includes('mh3_owner_stash_pop.inc'), r.out);
  assert.deepEqual(r.afterLines, []);
  assert.equal(r.helpCode, 0);
  assert.match(r.help, /regions/);
  assert.ok(
    r.afterHelp.some((m) => /cli[\\/]regions/.test(m)),
    'the commands are loaded when asked for',
  );
});

/**
 * `perf-heat lines` loads only what it needs: after a whole `lines` run, no module of the #if engine, tree-sitter,
 * perf stat or the report is loaded; `regions` then loads them on demand (and `--help` still lists every command).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { main } from './main';

const ROOT = join(__dirname, '../..');
const HEAVY = /[\\/](engine[\\/]cpp|engine[\\/]c-syntax|engine[\\/]report|web-tree-sitter|chart\.js|cli[\\/](regions|report-command|stat-command))/;
const heavyLoaded = (): string[] => Object.keys(require.cache).filter((m) => HEAVY.test(m));

test('lines loads neither the #if engine, tree-sitter, the report nor perf stat code', async () => {
  const out: string[] = [];
  const code = await main(['lines', join(ROOT, 'demo/mini-hz3/profiles/cpu-clock.perf.data'), '--top', '3'], (s) => out.push(s), () => undefined);
  assert.equal(code, 0);
  assert.ok(out.join('\n').includes('mh3_owner_stash_pop.inc'), out.join('\n'));
  assert.deepEqual(heavyLoaded(), []);
  const help: string[] = [];
  assert.equal(await main(['--help'], (s) => help.push(s), () => undefined), 0);
  assert.match(help.join('\n'), /regions <file\.c>|regions/);
  assert.ok(heavyLoaded().some((m) => /cli[\\/]regions/.test(m)), 'the commands are loaded when asked for');
});

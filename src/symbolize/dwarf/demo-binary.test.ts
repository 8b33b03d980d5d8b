/**
 * The demo binary (demo/mini-hz3/build/mini-hz3-bench, gcc 12 -O2 -g, DWARF 5): mh3_owner_stash.c (11 lines)
 * includes mh3_owner_stash_pop.inc, which holds the function. binutils 2.40 addr2line names
 * `mh3_owner_stash.c:<N>` for the first rows of that function — impossible line numbers in an 11-line file.
 * readelf, run here on the binary as it is now, is the ground truth; the line table must give its `.inc` line.
 * Skipped when readelf or addr2line is not installed.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAddr2lineOutput } from '../addr2line';
import type { InlineFrame } from '../../model/profile';
import { LineTable } from './line-table';
import { fileMismatch, parseCompDirs, parseReadelfDecoded, readelfLookup } from './readelf-decoded';
import { correctInnermostFrames } from './correct-chains';

const BINARY = join(__dirname, '../../../demo/mini-hz3/build/mini-hz3-bench');
const OWNER_STASH_C = join(__dirname, '../../../demo/mini-hz3/src/mh3_owner_stash.c');

function run(program: string, args: string[], input?: string): string | undefined {
  const r = spawnSync(program, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  return r.status === 0 ? r.stdout : undefined;
}

const readelf = existsSync(BINARY) ? run('readelf', ['-W', '--debug-dump=decodedline', BINARY]) : undefined;
const skip = !readelf ? 'readelf or the demo binary is missing' : undefined;

test('demo binary: the line table equals readelf at every row address', { skip }, () => {
  const decoded = parseReadelfDecoded(readelf!);
  const compDirs = parseCompDirs(run('readelf', ['--debug-dump=info', BINARY]) ?? '');
  const table = LineTable.fromFile(BINARY);
  const addresses = [...new Set(decoded.rows.map((r) => r.address))];
  let n = 0;
  for (const a of addresses) {
    const want = readelfLookup(decoded, a);
    const got = table.lookup(a);
    if (!want) {
      assert.equal(got, undefined, `0x${a.toString(16)}`);
      continue;
    }
    assert.equal(got?.line, want.line, `0x${a.toString(16)}: line`);
    const bad = fileMismatch(got!.file, want, compDirs[want.unit]);
    assert.equal(bad, undefined, `0x${a.toString(16)}: ${got!.file}: ${bad}`);
    n++;
  }
  assert.ok(n > 500, `${n} addresses`);
});

const addr2line = !skip && run('addr2line', ['--version']) !== undefined;

test(
  "demo binary: where addr2line says mh3_owner_stash.c:<N> (an 11-line file), the line table gives readelf's .inc line",
  { skip: skip ?? (!addr2line && 'addr2line is missing') },
  (t) => {
    const decoded = parseReadelfDecoded(readelf!);
    const addresses = [...new Set(decoded.rows.map((r) => r.address))].sort((a, b) => a - b);
    const chains = new Map<number, InlineFrame[]>();
    parseAddr2lineOutput(
      run(
        'addr2line',
        ['-f', '-i', '-a', '-e', BINARY],
        addresses.map((a) => '0x' + a.toString(16)).join('\n') + '\n',
      )!,
      chains,
    );
    const ownerStashLines = readFileSync(OWNER_STASH_C, 'utf8').split('\n').length - 1;
    const table = LineTable.fromFile(BINARY);
    const lines = new Map(addresses.map((a) => [a, table.lookup(a)] as const));
    const impossible: string[] = [];
    for (const [a, chain] of chains) {
      const inner = chain[0];
      if (!inner?.file.endsWith('/src/mh3_owner_stash.c')) continue;
      assert.ok(
        inner.line > ownerStashLines,
        `0x${a.toString(16)}: addr2line mh3_owner_stash.c:${inner.line} is a real line of the file`,
      );
      const truth = readelfLookup(decoded, a)!;
      const mine = lines.get(a)!;
      assert.equal(truth.name, 'mh3_owner_stash_pop.inc');
      assert.ok(mine.file.endsWith('/src/mh3_owner_stash_pop.inc'), mine.file);
      assert.equal(mine.line, truth.line);
      impossible.push(
        `0x${a.toString(16)} addr2line mh3_owner_stash.c:${inner.line} -> mh3_owner_stash_pop.inc:${mine.line}`,
      );
    }
    assert.ok(impossible.length > 0, 'addr2line no longer names mh3_owner_stash.c: rebuild changed the demo?');
    t.diagnostic(`${impossible.length} addresses:\n${impossible.join('\n')}`);
    // Correcting addr2line's chains with the line table changes exactly those innermost frames and nothing else.
    const corrected = correctInnermostFrames(chains, lines);
    assert.deepEqual(
      corrected.map((c) => c.address),
      impossible.map((s) => parseInt(s, 16)),
    );
  },
);

const llvmSymbolizer = !skip && addr2line && run('llvm-symbolizer', ['--version']) !== undefined;

test(
  "demo binary: addr2line's outer frames (DW_AT_call_file/call_line) equal llvm-symbolizer's, so only the innermost needs correcting",
  { skip: skip ?? (!llvmSymbolizer && 'addr2line or llvm-symbolizer is missing') },
  () => {
    const decoded = parseReadelfDecoded(readelf!);
    const input = [...new Set(decoded.rows.map((r) => r.address))].map((a) => '0x' + a.toString(16)).join('\n') + '\n';
    const gnu = new Map<number, InlineFrame[]>();
    parseAddr2lineOutput(run('addr2line', ['-f', '-i', '-a', '-e', BINARY], input)!, gnu);
    const llvm = new Map<number, InlineFrame[]>();
    parseAddr2lineOutput(
      run('llvm-symbolizer', ['--obj=' + BINARY, '--inlining', '--output-style=GNU', '-f', '-a'], input)!,
      llvm,
    );
    const table = LineTable.fromFile(BINARY);
    let outer = 0;
    let incCallSites = 0;
    for (const [a, chain] of gnu) {
      const other = llvm.get(a) ?? [];
      assert.deepEqual(chain.slice(1), other.slice(1), `0x${a.toString(16)}: outer frames`);
      outer += chain.length - 1;
      incCallSites += chain.slice(1).filter((f) => f.file.endsWith('.inc')).length;
      const mine = table.lookup(a);
      if (other[0] && mine)
        assert.deepEqual(
          { file: mine.file, line: mine.line },
          { file: other[0].file, line: other[0].line },
          `0x${a.toString(16)}: innermost vs llvm-symbolizer`,
        );
    }
    assert.ok(outer > 100 && incCallSites > 10, `${outer} outer frames, ${incCallSites} with an .inc call site`);
  },
);

/**
 * The symbolizer dispatch, the on-disk cache and the worker thread: the cache answers a second load without
 * DWARF (a planted answer comes back), merges new addresses, ignores damaged or older-version files and keeps
 * its folder under the cap; the worker gives the in-process answers; addr2line and llvm-symbolizer, when chosen,
 * give the builtin symbolizer's chains on the demo's sampled addresses (the oracle being both tools' output).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinFrames, symbolize } from './symbolize';
import { symbolizeInProcess } from './builtin';
import { CACHE_VERSION, cacheKey, SymbolCache } from './symbol-cache';
import { readElf } from './elf';
import { toolAvailable } from './testing/reference-tools';
import { fileOffsetToVaddr, summarizePerfData } from '../parsers/perf-data';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'demo/mini-hz3/build/mini-hz3-bench');

async function demoAddresses(): Promise<number[]> {
  const s = await summarizePerfData(join(ROOT, 'demo/mini-hz3/profiles/cpu-clock.perf.data'));
  const loads = readElf(BIN).loadSegments.map((l) => ({ offset: l.offset, vaddr: l.vaddr, filesz: l.fileSize }));
  return s.addresses
    .filter((a) => a.dso.endsWith('/mini-hz3-bench') && typeof a.fileOffset === 'number')
    .map((a) => fileOffsetToVaddr(a.fileOffset, loads))
    .filter((v): v is number => v !== undefined);
}

function tempCache(maxBytes?: number): { cache: SymbolCache; dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ph-symcache-'));
  return {
    cache: new SymbolCache(join(dir, 'symbols'), maxBytes),
    dir,
    done: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('cache: a second load is answered from the cache file, without reading DWARF again', async () => {
  const { cache, done } = tempCache();
  try {
    const addresses = (await demoAddresses()).slice(0, 50);
    const first = await builtinFrames(BIN, addresses, { cache, buildId: readElf(BIN).buildId });
    assert.deepEqual(
      [...first].sort((a, b) => a[0] - b[0]),
      [...symbolizeInProcess(BIN, addresses)].sort((a, b) => a[0] - b[0]),
    );
    const key = cacheKey(BIN, readElf(BIN).buildId, undefined);
    const file = join(cache.dir, `${key}.json`);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(stored.version, CACHE_VERSION);
    assert.equal(stored.addresses.length, new Set(addresses).size);
    // Plant an answer DWARF would never give: a cache hit must return it.
    stored.functions.push('planted_by_the_test');
    const planted = stored.functions.length - 1;
    stored.counts = stored.addresses.map(() => 1);
    stored.frames = stored.addresses.flatMap(() => [planted, 0, 7]);
    writeFileSync(file, JSON.stringify(stored));
    const second = await builtinFrames(BIN, addresses, { cache, buildId: readElf(BIN).buildId });
    assert.ok([...second.values()].every((f) => f[0]?.function === 'planted_by_the_test'));
  } finally {
    done();
  }
});

test('cache: new addresses of the same binary are resolved and merged in; a damaged or older file is replaced', async () => {
  const { cache, done } = tempCache();
  try {
    const addresses = await demoAddresses();
    const buildId = readElf(BIN).buildId;
    await builtinFrames(BIN, addresses.slice(0, 20), { cache, buildId });
    await builtinFrames(BIN, addresses.slice(10, 40), { cache, buildId });
    const file = join(cache.dir, `${cacheKey(BIN, buildId, undefined)}.json`);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).addresses.length, new Set(addresses.slice(0, 40)).size);
    const key = cacheKey(BIN, buildId, undefined);
    const damaged = [
      '{"version":',
      JSON.stringify({
        version: CACHE_VERSION - 1,
        key,
        files: [],
        functions: [],
        addresses: [],
        counts: [],
        frames: [],
      }),
      JSON.stringify({
        version: CACHE_VERSION,
        key,
        files: [],
        functions: [],
        addresses: [4096],
        counts: [1],
        frames: [5, 9, -1],
      }),
      JSON.stringify({
        version: CACHE_VERSION,
        key,
        files: ['a.c'],
        functions: ['f'],
        addresses: [4096],
        counts: [1e9],
        frames: [0, 0, 1],
      }),
    ];
    for (const damage of damaged) {
      writeFileSync(file, damage);
      assert.equal(cache.read(cacheKey(BIN, buildId, undefined)).size, 0, `ignored: ${damage.slice(0, 40)}`);
      const again = await builtinFrames(BIN, addresses.slice(0, 5), { cache, buildId });
      assert.deepEqual(again.get(addresses[0]!), symbolizeInProcess(BIN, [addresses[0]!]).get(addresses[0]!));
    }
  } finally {
    done();
  }
});

test('cache: the folder is kept under its size cap, least recently used first', () => {
  const { cache, done } = tempCache(4000);
  try {
    const frames = new Map([[0x1000, [{ function: 'f'.repeat(300), file: '/src/a.c', line: 1 }]]]);
    for (let i = 0; i < 12; i++) cache.write(`key-${i}`, frames);
    const left = readdirSync(cache.dir);
    const total = left.reduce((s, f) => s + readFileSync(join(cache.dir, f)).length, 0);
    assert.ok(total <= 4000, `${total} bytes left`);
    assert.ok(left.includes('key-11.json'), 'the newest entry is kept');
    assert.ok(!left.includes('key-0.json'), 'the oldest entry went first');
  } finally {
    done();
  }
});

test('worker thread: the same frames as in process', async () => {
  const addresses = (await demoAddresses()).slice(0, 30);
  const inWorker = await builtinFrames(BIN, addresses, { cache: false, workerThreshold: 0 });
  assert.deepEqual(
    [...inWorker].sort((a, b) => a[0] - b[0]),
    [...symbolizeInProcess(BIN, addresses)].sort((a, b) => a[0] - b[0]),
  );
});

test('worker thread: a file without DWARF is a clean error naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ph-worker-'));
  try {
    const bad = join(dir, 'not-elf');
    writeFileSync(bad, 'hello');
    await assert.rejects(builtinFrames(bad, [1], { cache: false, workerThreshold: 0 }), (e: Error) =>
      e.message.includes(bad),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const kind of ['addr2line', 'llvm-symbolizer'] as const) {
  test(
    `perfHeat.symbolizer = ${kind}: the demo's chains equal the builtin symbolizer's`,
    { skip: toolAvailable(kind) ? false : `${kind} is not installed` },
    async () => {
      const addresses = await demoAddresses();
      const builtin = await symbolize(BIN, addresses, { cache: false });
      const external = await symbolize(BIN, addresses, { kind });
      for (const a of addresses) assert.deepEqual(external.get(a), builtin.get(a), `0x${a.toString(16)}`);
    },
  );
}

test('an external symbolizer is not started in an untrusted workspace: the builtin one answers', async () => {
  const addresses = (await demoAddresses()).slice(0, 10);
  const chains = await symbolize(BIN, addresses, {
    kind: 'addr2line',
    program: '/nonexistent/addr2line',
    allowExternalPrograms: false,
    cache: false,
  });
  assert.deepEqual(chains, await symbolize(BIN, addresses, { cache: false }));
  assert.ok([...chains.values()].some((c) => c.length > 0));
});

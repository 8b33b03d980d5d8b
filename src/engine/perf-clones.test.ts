/**
 * `perf-heat functions` names every row as `perf report --sort dso,sym` does: GCC's clones of our own C program
 * (`mix.constprop.0`, `checksum.isra.0`, `scan.part.0`), libc's versioned names from its debug file
 * (`cfree@GLIBC_2.2.5`, `pthread_spin_lock@@GLIBC_2.34`), PLT stubs and kernel symbols. Oracle: perf report of the
 * same file — committed beside the recording (scripts/record-perf-clones-fixture.sh, kernel names from the trimmed
 * kallsyms copy in the fixture's build-id cache), and, where perf can record here, a fresh recording compared live
 * (kernel names from /proc/kallsyms, the running kernel's).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { main } from '../cli/main';
import { loadProfile } from './load-profile';
import { functionLookup, readElf } from '../symbolize/elf';

const FIX = join(__dirname, '../../test/fixtures/perf-names');

interface Row {
  dso: string;
  symbol: string;
  share: number;
  samples: number;
}

/** `perf report --stdio --no-children --sort dso,sym -n` rows: `  29.24%   250  clones  [.] refill`. */
function perfRows(text: string): Row[] {
  const rows: Row[] = [];
  for (const l of text.split('\n')) {
    const m = /^\s*([\d.]+)%\s+(\d+)\s+(\S+)\s+\[[.k]\]\s+(.+)$/.exec(l);
    if (m) rows.push({ share: Number(m[1]), samples: Number(m[2]), dso: m[3]!, symbol: m[4]!.trim() });
  }
  return rows;
}

/**
 * perf 6.1 names the first stub of .plt `_init` (the zero-size `_init` before .plt is stretched over it); objdump
 * names it `<symbol>@plt`, as perf names every later stub. The answer for `_init` is objdump's name of that stub.
 */
function firstPltStub(binary: string): string {
  const out = execFileSync('objdump', ['-d', '-j', '.plt', binary], { encoding: 'utf8' });
  const names = [...out.matchAll(/^[0-9a-f]+ <([^>]+@plt)>:/gm)].map((m) => m[1]!);
  assert.ok(names.length > 0, `objdump names no .plt stub in ${binary}`);
  return names[0]!;
}

/** perf's raw-address rows (`0x00000000000038b7`) and ours (`libgcc_s.so.1+0x38b7`) as one key. */
const rawKey = (symbol: string): string => {
  const m = /(?:^|\+)0x0*([0-9a-f]+)$/.exec(symbol);
  return m ? `raw ${m[1]}` : symbol;
};

/** The CLI as a user runs it, with perf's build-id cache at `cacheDir` (where kernel names come from). */
async function cli(args: string[], cacheDir: string): Promise<string> {
  const out: string[] = [];
  const errors: string[] = [];
  const saved = process.env.PERF_BUILDID_DIR;
  process.env.PERF_BUILDID_DIR = cacheDir;
  try {
    const code = await main(
      args,
      (s) => out.push(s),
      (s) => errors.push(s),
    );
    assert.equal(code, 0, errors.join('\n'));
  } finally {
    if (saved === undefined) delete process.env.PERF_BUILDID_DIR;
    else process.env.PERF_BUILDID_DIR = saved;
  }
  return out.join('\n');
}

async function cliFunctions(
  data: string,
  binaryPath: string,
  cacheDir: string,
): Promise<{ function: string; dso: string; percent: Record<string, number> }[]> {
  return JSON.parse(await cli(['functions', data, '--json', '--top', '0', '--binary-path', binaryPath], cacheDir));
}

/** Every perf row is one of ours with the same name and binary and the same share; and we have no other. */
async function assertSameRows(data: string, binary: string, perf: Row[], cacheDir: string): Promise<void> {
  const plt0 = firstPltStub(binary);
  const want = new Map<string, Row>();
  for (const r of perf) {
    const symbol = r.dso === basename(binary) && r.symbol === '_init' ? plt0 : rawKey(r.symbol);
    want.set(`${r.dso}\t${symbol}`, r);
  }
  const rows = await cliFunctions(data, join(binary, '..'), cacheDir);
  const got = new Map(rows.map((r) => [`${basename(r.dso)}\t${rawKey(r.function)}`, r]));
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), 'the same rows, named alike');
  for (const [k, r] of want) close(got.get(k)!.percent['cpu-clock']!, r.share, k);
  // Sample counts, exactly: perf report's -n column against the model's per-function samples.
  const p = await loadProfile(data, { binaryPaths: [join(binary, '..')], buildIdCacheDir: cacheDir });
  const e = p.events.findIndex((x) => x.name === 'cpu-clock');
  const samples = new Map(p.functions.map((f) => [`${basename(f.dso)}\t${rawKey(f.name)}`, f.samples?.[e]]));
  for (const [k, r] of want) assert.equal(samples.get(k), r.samples, `${k} samples`);
}

/** perf prints shares with two decimals. */
function close(got: number, want: number, what: string): void {
  assert.ok(Math.abs(got - want) <= 0.0051, `${what}: perf-heat ${got}%, perf ${want}%`);
}

test('clones, symbol versions, PLT stubs and kernel symbols are named as perf report names them (committed recording)', async () => {
  const perf = perfRows(readFileSync(join(FIX, 'clones.report-dso-sym.txt'), 'utf8'));
  const names = new Set(perf.map((r) => r.symbol));
  // What this fixture is for: had the recording lost one of these, the test would prove less than it says.
  for (const n of [
    'mix.constprop.0',
    'checksum.isra.0',
    'scan.part.0',
    'cfree@GLIBC_2.2.5',
    'pthread_spin_lock@@GLIBC_2.34',
  ])
    assert.ok(names.has(n), `perf report has ${n}`);
  assert.ok(perf.filter((r) => r.dso === '[kernel.kallsyms]').length >= 5, 'kernel rows');
  await assertSameRows(join(FIX, 'clones.data'), join(FIX, 'clones'), perf, join(FIX, 'buildid-cache'));
});

test("the report's top functions are perf report's rows: same names (clones, versions, kernel), binaries and sample counts", async () => {
  const perf = perfRows(readFileSync(join(FIX, 'clones.report-dso-sym.txt'), 'utf8'));
  const md = await cli(
    ['report', join(FIX, 'clones.data'), '--source-root', FIX, '--top', '20'],
    join(FIX, 'buildid-cache'),
  );
  const section = md.slice(md.indexOf('### By `cpu-clock`'), md.indexOf('### By binary'));
  const rows = [...section.matchAll(/^\| (\d+) \| `([^`]+)` \| (.+?) \| (\d+) \|/gm)].map((m) => ({
    symbol: m[2]!,
    dso: m[3]!.replace(/\\/g, ''),
    samples: Number(m[4]),
  }));
  assert.equal(rows.length, 20, section);
  for (const n of ['mix.constprop.0', 'pthread_spin_lock@@GLIBC_2.34', 'cfree@GLIBC_2.2.5', 'vfs_write'])
    assert.ok(
      rows.some((r) => r.symbol === n),
      `${n} in the table`,
    );
  for (const r of rows) {
    const p = perf.find((x) => x.symbol === r.symbol && x.dso === r.dso);
    assert.ok(p, `${r.symbol} (${r.dso}) is a perf report row`);
    assert.equal(r.samples, p.samples, `${r.symbol} samples`);
  }
});

const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';

test(
  'libc without its debug file: dynsym names without versions (`cfree`, `write`), as perf 6.1 names them',
  { timeout: 60_000 },
  async (t) => {
    const data = join(FIX, 'clones.data');
    const recordedLibc = execFileSync('perf', ['buildid-list', '-i', data], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')
      .find((l) => l.endsWith(` ${LIBC}`))
      ?.split(' ')[0];
    const elf = existsSync(LIBC) ? readElf(LIBC) : undefined;
    if (!recordedLibc || elf?.buildId !== recordedLibc) {
      t.skip("this machine's libc is not the recorded one");
      return;
    }
    // perf's answer with nothing but libc.so.6 itself under --symfs (no debug file, no build-id cache).
    const dir = mkdtempSync(join(tmpdir(), 'clones-symfs-'));
    let perf: Row[];
    try {
      mkdirSync(join(dir, 'root', '/usr/lib/x86_64-linux-gnu'), { recursive: true });
      copyFileSync(LIBC, join(dir, 'root', LIBC));
      const out = execFileSync(
        'perf',
        [
          '--buildid-dir',
          join(dir, 'cache'),
          'report',
          '-i',
          data,
          '--symfs',
          join(dir, 'root'),
          '--stdio',
          '--no-children',
          '--sort',
          'dso,sym',
          '-n',
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
      perf = perfRows(out).filter((r) => r.dso === 'libc.so.6');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(
      perf.some((r) => r.symbol === 'cfree') && perf.some((r) => r.symbol === 'write'),
      perf.map((r) => r.symbol).join(),
    );
    // Ours: the recording's libc addresses named from libc.so.6's own symbols (its .dynsym; no separate debug file).
    const p = await loadProfile(data, { binaryPaths: [FIX], buildIdCacheDir: join(FIX, 'buildid-cache') });
    const lookup = functionLookup({ symbols: () => elf.symbols(), pltSymbols: () => elf.pltSymbols() });
    const got = new Map<string, number>();
    for (const a of p.addresses) {
      if (basename(a.dso) !== 'libc.so.6') continue;
      const name = lookup(a.address) ?? `raw ${a.address.toString(16)}`;
      got.set(name, (got.get(name) ?? 0) + (a.samples?.[0] ?? 0));
    }
    assert.deepEqual(got, new Map(perf.map((r) => [rawKey(r.symbol), r.samples])));
  },
);

test(
  'a recording made now: perf-heat functions names the same kernel, PLT, libc and clone rows as perf report',
  { timeout: 120_000 },
  async (t) => {
    let dir: string | undefined;
    try {
      execFileSync('perf', ['--version'], { stdio: 'ignore' });
      execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    } catch {
      t.skip('perf or gcc is not installed');
      return;
    }
    if (process.getuid?.() !== 0) {
      t.skip('kernel samples need root');
      return;
    }
    try {
      // /tmp/clones-live-…, never /tmp/perf-*: perf takes DSOs there for JIT maps.
      dir = mkdtempSync(join(tmpdir(), 'clones-live-'));
      const bin = join(dir, 'clones');
      execFileSync('gcc', ['-O2', '-g', '-o', bin, join(FIX, 'src/clones.c')]);
      const data = join(dir, 'clones.data');
      const perfCache = join(dir, 'perf-cache');
      try {
        execFileSync(
          'perf',
          ['--buildid-dir', perfCache, 'record', '-q', '-F', '2000', '-e', 'cpu-clock', '-o', data, '--', bin, '1500'],
          { stdio: 'ignore' },
        );
      } catch (e) {
        t.skip(`perf record failed here: ${(e as Error).message.split('\n')[0]}`);
        return;
      }
      const report = execFileSync(
        'perf',
        ['--buildid-dir', perfCache, 'report', '-i', data, '--stdio', '--no-children', '--sort', 'dso,sym', '-n'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
      const perf = perfRows(report);
      assert.ok(
        perf.some((r) => r.dso === '[kernel.kallsyms]'),
        'the recording has kernel samples',
      );
      // Our kernel names come from /proc/kallsyms (the running kernel is the recorded one), not from perf's copy.
      await assertSameRows(data, bin, perf, join(dir, 'no-cache'));
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  },
);

/**
 * The in-process symbolizer against the reference tools, frame by frame (function, file, line, and the whole
 * inline chain): every sampled address of the committed recordings (demo and fixtures), a few thousand random
 * code addresses of libc's debug file (libc6-dbg), and random addresses of each DWARF fixture (versions 2–5,
 * 64-bit, zlib, .zdebug, zstd, relative paths). Where `addr2line -f -i` and `llvm-symbolizer` agree we must
 * equal them; where they disagree a named rule (testing/differential.ts) says which one we follow, and each such
 * address is listed in the test's diagnostics. scripts/ensure-deps.sh installs llvm and libc6-dbg.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { symbolizeInProcess } from './builtin';
import { readElf, type ElfFile } from './elf';
import { buildIdPaths } from './debug-files';
import { readDebugSections } from './dwarf/sections';
import { readUnitHeaders } from './dwarf/units';
import { compareFrames, FOLLOWS, type Rule } from './testing/differential';
import { frameText, runReference, toolAvailable } from './testing/reference-tools';
import { fileOffsetToVaddr, summarizePerfData } from '../parsers/perf-data';

const ROOT = join(__dirname, '../..');
const haveTools = toolAvailable('addr2line') && toolAvailable('llvm-symbolizer');
const skip = haveTools
  ? false
  : 'addr2line and llvm-symbolizer are needed (scripts/ensure-deps.sh installs binutils and llvm)';

interface Case {
  /** The file whose DWARF is read (the binary, or its separate debug file). */
  debugFile: string;
  /** The binary, when the debug file is separate (its symbols name what DWARF does not). */
  binary?: string;
  addresses: number[];
  /** A copy llvm-symbolizer can read, when it cannot read `debugFile` itself. */
  llvmFile?: string;
}

function isDwarf5(file: string): boolean {
  const s = readDebugSections(file);
  const info = s.get('.debug_info');
  return !!info && readUnitHeaders(file, info, s.littleEndian).some((u) => u.version >= 5);
}

function aliasesOf(...elves: ElfFile[]): (a: string, b: string) => boolean {
  const at = new Map<string, number>();
  for (const elf of elves) for (const s of elf.symbols()) if (s.isFunction) at.set(s.name, s.value);
  return (a, b) => at.has(a) && at.get(a) === at.get(b);
}

/** What one address of one file came to: kept so that a file sampled by several recordings is compared once. */
interface Verdict {
  withLine: boolean;
  rules: Rule[];
  failure?: string;
}
/**
 * Per (debug file, binary, llvm copy): the verdict of every address compared so far in this process. The demo's
 * seven recordings sample the same binary: each recording's test still covers every one of its addresses, but an
 * address an earlier recording already compared (with the same files, so the same answers) is not asked again.
 */
const verdicts = new Map<string, Map<number, Verdict>>();

function check(t: { diagnostic(m: string): void }, name: string, c: Case, listEvery: boolean): void {
  const addresses = [...new Set(c.addresses)].sort((x, y) => x - y);
  assert.ok(addresses.length > 0, `${name}: there are addresses to compare`);
  const key = JSON.stringify([c.debugFile, c.binary, c.llvmFile]);
  const known = verdicts.get(key) ?? new Map<number, Verdict>();
  verdicts.set(key, known);
  const fresh = addresses.filter((a) => !known.has(a));
  if (fresh.length) {
    const ours = symbolizeInProcess(c.debugFile, fresh, { binary: c.binary });
    const a2l = runReference('addr2line', c.debugFile, fresh);
    const llvm = runReference('llvm-symbolizer', c.llvmFile ?? c.debugFile, fresh);
    const dwarf5 = isDwarf5(c.debugFile);
    const aliases = aliasesOf(readElf(c.debugFile), ...(c.binary ? [readElf(c.binary)] : []));
    for (const a of fresh) {
      const o = ours.get(a) ?? [];
      const v = compareFrames(o, a2l.get(a) ?? [], llvm.get(a) ?? [], dwarf5, aliases);
      known.set(a, {
        withLine: o.some((f) => f.line > 0),
        rules: v.rules,
        failure: v.mismatches.length
          ? `0x${a.toString(16)}: ${v.mismatches.join('; ')}\n    ours ${frameText(o)}\n    addr2line ${frameText(a2l.get(a))}\n    llvm-symbolizer ${frameText(llvm.get(a))}`
          : undefined,
      });
    }
  }
  const byRule = new Map<Rule, number[]>();
  const failures: string[] = [];
  let withLines = 0;
  for (const a of addresses) {
    const v = known.get(a)!;
    if (v.withLine) withLines++;
    for (const r of v.rules) byRule.set(r, [...(byRule.get(r) ?? []), a]);
    if (v.failure) failures.push(v.failure);
  }
  t.diagnostic(
    `${name}: ${addresses.length} addresses (${addresses.length - fresh.length} compared for an earlier recording), ${withLines} with a line, ${addresses.length - failures.length} as the tools (or the named rule) say`,
  );
  for (const [rule, list] of byRule) {
    const shown = listEvery ? list : list.slice(0, 5);
    t.diagnostic(
      `  ${rule} (we follow ${FOLLOWS[rule]}): ${list.length} address(es): ${shown.map((a) => '0x' + a.toString(16)).join(' ')}${shown.length < list.length ? ' …' : ''}`,
    );
  }
  assert.equal(
    failures.length,
    0,
    `${name}: ${failures.length} address(es) differ from both tools:\n${failures.slice(0, 10).join('\n')}`,
  );
}

/** Every sampled user-space address of a perf.data, per binary, with the file its DWARF is in. */
async function recordingCases(path: string): Promise<Map<string, Case>> {
  const summary = await summarizePerfData(path);
  const cases = new Map<string, Case>();
  for (const a of summary.addresses) {
    if (typeof a.fileOffset !== 'number' || a.dso.startsWith('[')) continue;
    let c = cases.get(a.dso);
    if (!c) {
      const binary = localCopy(a.dso, summary.buildIds[a.dso]);
      if (!binary) continue;
      const elf = readElf(binary);
      // ~/.debug/.build-id may hold perf's copy of the (stripped) binary itself: take a file that has DWARF.
      const debugFile = elf.hasDebugInfo
        ? binary
        : elf.buildId
          ? buildIdPaths(elf.buildId).find((p) => readElf(p).hasDebugInfo)
          : undefined;
      if (!debugFile) continue;
      c = { debugFile, binary, addresses: [] };
      (c as Case & { elf: ElfFile }).elf = elf;
      cases.set(a.dso, c);
    }
    const elf = (c as Case & { elf: ElfFile }).elf;
    const v = fileOffsetToVaddr(
      a.fileOffset,
      elf.loadSegments.map((s) => ({ offset: s.offset, vaddr: s.vaddr, filesz: s.fileSize })),
    );
    if (v !== undefined) c.addresses.push(v);
  }
  return cases;
}

/** The committed binary (recordings name /work/main/…), or the system library when its build-id matches. */
function localCopy(dso: string, buildId: string | undefined): string | undefined {
  const inRepo = /\/(demo\/mini-hz3\/build\/.*|test\/fixtures\/.*)$/.exec(dso);
  const path = inRepo ? join(ROOT, inRepo[1]!) : dso;
  if (!existsSync(path)) return undefined;
  if (buildId && readElf(path).buildId !== buildId) return undefined;
  return path;
}

const RECORDINGS = [
  ...readdirSync(join(ROOT, 'demo/mini-hz3/profiles'))
    .filter((f) => f.endsWith('.perf.data'))
    .map((f) => join(ROOT, 'demo/mini-hz3/profiles', f)),
  ...readdirSync(join(ROOT, 'test/fixtures/perf-data'))
    .filter((f) => f.endsWith('.data'))
    .map((f) => join(ROOT, 'test/fixtures/perf-data', f)),
];

for (const rec of RECORDINGS) {
  test(
    `differential: every sampled address of ${rec.slice(ROOT.length + 1)} as addr2line / llvm-symbolizer`,
    { skip },
    async (t) => {
      const cases = await recordingCases(rec);
      assert.ok(cases.size > 0, 'the recorded binary is here');
      for (const [dso, c] of cases) check(t, dso, c, true);
    },
  );
}

/** Deterministic pseudo-random code addresses in a file's executable sections. */
function randomCodeAddresses(elf: ElfFile, count: number, seed: number): number[] {
  const text = elf.sections.filter((s) => s.name === '.text' && s.size > 0);
  let x = seed;
  const next = (): number => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out: number[] = [];
  for (const s of text) for (let i = 0; i < count; i++) out.push(s.addr + Math.floor(next() * s.size));
  return out;
}

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';
const libcDebug = existsSync(LIBC)
  ? (() => {
      const id = readElf(LIBC).buildId;
      return id ? buildIdPaths(id).find((p) => readElf(p).hasDebugInfo) : undefined;
    })()
  : undefined;

test(
  'differential: 3,000 random code addresses of libc (libc6-dbg debug file)',
  { skip: skip || (libcDebug ? false : 'libc6-dbg is not installed (scripts/ensure-deps.sh installs it)') },
  (t) => {
    check(
      t,
      'libc.so.6',
      { debugFile: libcDebug!, binary: LIBC, addresses: randomCodeAddresses(readElf(LIBC), 3000, 20261201) },
      false,
    );
  },
);

const DWARF = join(ROOT, 'test/fixtures/dwarf');
for (const name of readdirSync(DWARF).filter((f) => f.startsWith('prog-') && !f.includes('.'))) {
  test(`differential: random addresses of the DWARF fixture ${name}`, { skip }, (t) => {
    const file = join(DWARF, name);
    let llvmFile: string | undefined;
    let dir: string | undefined;
    if (name.includes('zstd')) {
      // llvm-symbolizer 14 cannot decompress zstd sections: it reads objcopy's decompressed copy of the same DWARF.
      dir = mkdtempSync(join(tmpdir(), 'perf-heat-diff-'));
      llvmFile = join(dir, name);
      const r = spawnSync('objcopy', ['--decompress-debug-sections', file, llvmFile]);
      assert.equal(r.status, 0, `objcopy --decompress-debug-sections: ${r.stderr}`);
    }
    try {
      check(t, name, { debugFile: file, addresses: randomCodeAddresses(readElf(file), 400, 7), llvmFile }, false);
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });
}

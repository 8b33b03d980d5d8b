/**
 * The disassembly against the reference tools, on the committed demo recordings:
 * - per-instruction counts against `perf annotate --stdio` run live on the same perf.data: its `-n` column against
 *   our samples, its `--show-total-period` column against our counts (periods), every instruction it lists, every
 *   symbol it annotates, for every event (cpu-clock's fixed period and task-clock's varying one);
 * - instruction boundaries and text against `objdump -d` of the recorded binaries, every instruction of .text,
 *   with each way Capstone's AT&T spelling differs from objdump's named below.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadProfile } from './load-profile';
import { disassembleFunction, listing } from './disassembly';
import { decode, EM_X86_64 } from './capstone';
import { havePerfTools, parseAnnotateValues, runPerfAnnotate } from '../../test/perf-oracle';
import type { Profile } from '../model/profile';

const DEMO = join(__dirname, '../../demo/mini-hz3');
const BUILD = join(DEMO, 'build');
const hasPerf = havePerfTools();
const perfAnnotate = (
  recording: string,
  column: '-n' | '--show-total-period',
): ReturnType<typeof parseAnnotateValues> => parseAnnotateValues(runPerfAnnotate(recording, [column], BUILD));

const profiles = new Map<string, Promise<Profile>>();
/** A demo recording by name, or a path (the fixtures of scripts/record-disassembly-fixtures.sh). */
const recordingPath = (name: string): string => (name.includes('/') ? name : join(DEMO, 'profiles', name));
const profileOf = (name: string): Promise<Profile> => {
  let p = profiles.get(name);
  if (!p)
    profiles.set(
      name,
      (p = loadProfile(recordingPath(name), { binaryPaths: [BUILD], searchRoots: [DEMO], symbolCache: false })),
    );
  return p;
};

// cpu-clock and task-clock at -F have one fixed period, so their period column is the sample column times a
// constant; page-faults at -F (frequency mode) has a period that changes from sample to sample, so only a
// period-weighted count matches --show-total-period there.
const PAGE_FAULTS_FREQ = join(__dirname, '../../test/fixtures/disassembly/page-faults-freq.perf.data');
for (const recording of ['cpu-clock.perf.data', 'two-events.perf.data', 'task-clock.perf.data', PAGE_FAULTS_FREQ]) {
  test(
    `per-instruction counts of ${basename(recording)} are perf annotate's, for every symbol and event it annotates`,
    { skip: !hasPerf && 'perf or objdump is not installed', timeout: 300_000 },
    async (t) => {
      const path = recordingPath(recording);
      const bySamples = perfAnnotate(path, '-n');
      const byPeriod = perfAnnotate(path, '--show-total-period');
      assert.ok(bySamples.length > 0, 'perf annotated nothing: the oracle is missing');
      assert.equal(byPeriod.length, bySamples.length);
      const profile = await profileOf(recording);
      let instructions = 0;
      for (const [k, want] of bySamples.entries()) {
        const period = byPeriod[k];
        assert.equal(
          `${period.binary} ${period.symbol} ${period.event}`,
          `${want.binary} ${want.symbol} ${want.event}`,
        );
        const e = profile.events.findIndex((ev) => ev.name === want.event);
        assert.ok(e >= 0, `event ${want.event}`);
        // perf annotate names the symbol by objdump's label, as perf report names the function (`@@GLIBC_2.34` kept).
        const symbol = want.symbol;
        const d = await disassembleFunction(profile, symbol, { dso: want.binary, symbolCache: false });
        // The name as written in the source finds the versioned or cloned symbol too (perf-heat annotate pthread_barrier_wait).
        const base = symbol.replace(/@.*$/, '').replace(/(\.(part|constprop|isra|cold)(\.\d+)?)+$/, '');
        if (base !== symbol)
          assert.equal(
            (await disassembleFunction(profile, base, { dso: want.binary, symbolCache: false, placeInSource: false }))
              .function,
            symbol,
          );
        const s = d.symbols.find((x) => x.symbol === symbol);
        assert.ok(s, `${want.symbol} in ${want.binary}: we show ${d.symbols.map((x) => x.symbol).join(', ')}`);
        assert.equal(
          s.samples?.[e],
          want.samples,
          `${want.symbol} ${want.event}: the symbol's samples (perf annotate's header)`,
        );
        // Every instruction perf (objdump) lists is one of ours, at the same address, with the same values.
        const ours = new Map(s.instructions.map((i) => [i.address, i]));
        for (const [address, samples] of want.values) {
          const i = ours.get(address);
          assert.ok(i, `${want.symbol}: no instruction of ours at 0x${address.toString(16)}`);
          assert.equal(
            i.samples?.[e] ?? 0,
            samples,
            `${want.symbol}+0x${(address - s.start).toString(16)} ${want.event}: samples (perf annotate -n)`,
          );
          assert.equal(
            i.counts[e],
            period.values.get(address),
            `${want.symbol}+0x${(address - s.start).toString(16)} ${want.event}: period (perf annotate --show-total-period)`,
          );
          instructions++;
        }
        assert.equal(
          s.instructions.length,
          want.values.size,
          `${want.symbol}: as many instructions as perf annotate lists`,
        );
      }
      assert.ok(instructions > 100, `${instructions} instructions compared`);
      if (recording === PAGE_FAULTS_FREQ) {
        const ratios = new Set(
          bySamples.flatMap((s, k) =>
            [...s.values].filter(([, v]) => v > 0).map(([a, v]) => byPeriod[k].values.get(a)! / v),
          ),
        );
        assert.ok(ratios.size > 1, 'periods vary from sample to sample in this recording');
      }
      t.diagnostic(`${bySamples.length} symbol sections, ${instructions} instructions compared`);
    },
  );
}

test(
  'the hottest instruction of the demo is shown under the source line and inline chain it comes from',
  { timeout: 120_000 },
  async () => {
    const profile = await profileOf('cpu-clock.perf.data');
    const d = await disassembleFunction(profile, 'mh3_owner_stash_pop', { symbolCache: false });
    const all = d.symbols.flatMap((s) => s.instructions);
    const hottest = all.reduce((a, b) => (b.counts[0] > a.counts[0] ? b : a));
    const rows = listing(d);
    const at = rows.findIndex((r) => r.kind === 'instruction' && r.text.includes(`${hottest.address.toString(16)}:`));
    assert.ok(at > 0);
    // The nearest source row above it names the instruction's innermost frame (addr2line's answer for the address).
    const source = rows
      .slice(0, at)
      .reverse()
      .find((r) => r.kind === 'source');
    const a2l = execFileSync('addr2line', ['-i', '-e', d.binary, `0x${hottest.address.toString(16)}`], {
      encoding: 'utf8',
    }).split('\n')[0];
    const [file, line] = a2l.split(':');
    assert.equal(
      `${basename(source!.location!.file)}:${source!.location!.line}`,
      `${basename(file)}:${Number.parseInt(line, 10)}`,
    );
    if (hottest.chain.length > 1) {
      const inline = rows
        .slice(0, at)
        .reverse()
        .find((r) => r.kind === 'inline');
      assert.ok(inline?.text.includes(`${hottest.chain[0].function}()`), inline?.text);
    }
  },
);

// ---- instruction text against objdump ----

/**
 * How Capstone's AT&T differs from objdump's, each a named rule applied to both sides before comparing. Anything
 * else is a failure.
 */
const RULES: { name: string; apply(objdump: string, capstone: string): [string, string] }[] = [
  // objdump: `mov 0x2096f(%rip),%rdi        # 22548 <mh3_arena_base>`; both: the branch target's `<sym+off>`.
  {
    name: 'objdump comments and <symbol> labels',
    apply: (o, c) => [o.replace(/\s+#.*$/, '').replace(/\s*<[^>]*>/g, ''), c.replace(/\s*<[^>]*>/g, '')],
  },
  // objdump prints a branch target as bare hex: `je 1d30`.
  {
    name: 'bare hex branch targets',
    apply: (o, c) => [o.replace(/^((?:bnd |notrack )?(?:j[a-z]+|call|loop\w*|xbegin))\s+([0-9a-f]+)$/, '$1 0x$2'), c],
  },
  { name: 'operand separators', apply: (o, c) => [o.replace(/,\s*/g, ','), c.replace(/,\s*/g, ',')] },
  // Capstone writes immediates and displacements below 10 in decimal, negative immediates signed.
  { name: 'numbers by value', apply: (o, c) => [numbers(o), numbers(c)] },
  // objdump spells out a zero displacement and a scale of 1: `0x0(%rax,%rax,1)`.
  {
    name: 'zero displacement, scale 1',
    apply: (o, c) => [
      o.replace(/(^|[\s,:])0\(/g, '$1(').replace(/,1\)/g, ')'),
      c.replace(/(^|[\s,:])0\(/g, '$1(').replace(/,1\)/g, ')'),
    ],
  },
  // `data16 cs nopw (%rax,%rax)` (objdump) is `nopw %cs:(%rax,%rax)` (Capstone): the same bytes.
  { name: 'nop padding prefixes', apply: (o, c) => [o.replace(/^(?:data16 )*cs (nop\w) \(/, '$1 %cs:('), c] },
  // 66 90 is `xchg %ax,%ax` to objdump, `nop` to Capstone.
  { name: 'xchg %ax,%ax is nop', apply: (o, c) => [o === 'xchg %ax,%ax' ? 'nop' : o, c] },
  // objdump's implicit segments of string instructions: `rep stos %rax,%es:(%rdi)`.
  { name: 'string instruction segments', apply: (o, c) => [o.replace(/%[de]s:\(/g, '('), c] },
  // Shift by one: `shr %rax` (objdump) is `shrq $1,%rax` (Capstone).
  {
    name: 'shift by one',
    apply: (o, c) => [
      o.replace(/^(s[ah][lr]|ro[lr]|rc[lr])(\w?) (%\w+|[^,]*\))$/, '$1$2 $1,$3'),
      c.replace(/^(s[ah][lr]|ro[lr]|rc[lr])(\w?) \$1,/, '$1$2 $1,'),
    ],
  },
  // Capstone always writes the operand-size suffix (`movq`, `callq`); objdump only where operands leave it open.
  {
    name: 'operand-size suffix',
    apply: (o, c) => {
      const [om, ...or] = o.split(' ');
      const [cm, ...cr] = c.split(' ');
      const prefix = /^(lock|rep\w*)$/.test(om) ? 1 : 0;
      const oName = prefix ? or[0] : om;
      const cName = prefix ? cr[0] : cm;
      if (oName !== cName && cName === oName + cName.slice(-1) && /[bwlq]$/.test(cName)) {
        const fixed = prefix ? [cm, oName, ...cr.slice(1)] : [oName, ...cr];
        return [o, fixed.join(' ')];
      }
      return [o, c];
    },
  },
];

function numbers(s: string): string {
  return s.replace(/(\$?)(-?)(0x[0-9a-f]+|\d+)\b/g, (_m, dollar: string, minus: string, n: string) => {
    let v = BigInt(n);
    if (minus) v = -v;
    // Signed and unsigned spellings of one immediate: compare modulo 2^32 (objdump's 32-bit forms of a sign-
    // extended immediate are 2^64 - n; both reduce to the same low 32 bits).
    v = ((v % (1n << 32n)) + (1n << 32n)) % (1n << 32n);
    return `${dollar}${v}`;
  });
}

function objdumpText(binary: string): { address: number; text: string }[] {
  const out = execFileSync('objdump', ['-d', '--no-show-raw-insn', '-j', '.text', binary], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  return [...out.matchAll(/^\s+([0-9a-f]+):\t(.*)$/gm)].map((m) => ({
    address: Number.parseInt(m[1], 16),
    text: m[2].trim(),
  }));
}

for (const name of ['mini-hz3-bench', 'mini-hz3-bench-b']) {
  test(
    `every instruction of ${name}'s .text is objdump's, at objdump's boundaries, under the named spelling rules`,
    { skip: !hasPerf && 'objdump is not installed', timeout: 120_000 },
    async () => {
      const binary = join(BUILD, name);
      const want = objdumpText(binary);
      const h = execFileSync('objdump', ['-h', '-j', '.text', binary], { encoding: 'utf8' });
      const m = /\.text\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(h)!;
      const [size, vma, offset] = [m[1], m[2], m[3]].map((x) => Number.parseInt(x, 16));
      const ours = await decode(EM_X86_64, readFileSync(binary).subarray(offset, offset + size), vma);
      assert.deepEqual(
        ours.map((i) => i.address),
        want.map((w) => w.address),
        'instruction boundaries',
      );
      const unexplained: string[] = [];
      ours.forEach((i, k) => {
        let o = want[k].text.replace(/\s+/g, ' ');
        let c = `${i.mnemonic} ${i.operands}`.trim();
        for (const r of RULES) [o, c] = r.apply(o, c);
        if (o !== c)
          unexplained.push(`0x${i.address.toString(16)}: objdump "${want[k].text}" vs "${i.mnemonic} ${i.operands}"`);
      });
      assert.deepEqual(unexplained.slice(0, 20), [], `${unexplained.length} of ${ours.length} instructions differ`);
    },
  );
}

test('what cannot be disassembled is one sentence saying why and what to do', { timeout: 120_000 }, async () => {
  // No binary folder and no search root: the recorded binary (another checkout's path) is not found, unless a
  // build-id cache on this machine holds it.
  const alone = await loadProfile(join(DEMO, 'profiles/cpu-clock.perf.data'), { searchRoots: [], symbolCache: false });
  const found = alone.metadata.binaries.find((b) => basename(b.recorded) === 'mini-hz3-bench')?.foundAt;
  if (!found) {
    await assert.rejects(
      disassembleFunction(alone, 'mh3_owner_stash_pop'),
      /the binary \S*mini-hz3-bench was not found.*point perfHeat\.binaryPaths \(or --binary-path\) at the folder that holds it/,
    );
  }
  const profile = await profileOf('cpu-clock.perf.data');
  await assert.rejects(
    disassembleFunction(profile, 'mh3_owner_stash_pop', { dso: 'libc.so.6' }),
    /no instruction of "mh3_owner_stash_pop" in libc\.so\.6 was sampled in cpu-clock\.perf\.data/,
  );
  await assert.rejects(
    decode(3, new Uint8Array([0x90]), 0),
    /machine type 3 \(ELF e_machine\) is not one Perf Heat disassembles/,
  );
});

/**
 * DWARF line-table speed: 25,000 addresses on a 4,000-function binary, file read and table build included
 * (`lookupLines`, the native `.debug_line` reader), beside binutils `readelf --debug-dump=decodedline` decoding the
 * same file in the same run. Target: under 200 ms (what the symbolizer may spend per binary of this size).
 *   npm run bench:lines            (= node --import tsx bench/symbolize/line-table.ts)
 * The binary is synthesized (40 DWARF 5 units of 100 functions, ~32 rows each, with file switches like inlined
 * header code), since a real one of that size is megabytes. Both tools' answers are compared, address by address.
 * Replaces a Node test that asserted the time (wall-time checks fail under load; see BRIEF/ARCHITECTURE: Tests).
 * Exit status: 0 target met, 1 missed, 2 error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { writeElf, type LineOp, type LineUnitSpec } from '../../src/symbolize/dwarf/dwarf-writer';
import { lookupLines } from '../../src/symbolize/dwarf/line-table';
import { parseReadelfDecoded, readelfLookup } from '../../src/symbolize/dwarf/readelf-decoded';

const FUNCTIONS = 4000;
const UNITS = 40;
const ADDRESSES = 25_000;
const TARGET_MS = 200;
const RUNS = 5;

function syntheticBinary(): { bytes: Uint8Array; text: [number, number] } {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const units: LineUnitSpec[] = [];
  let address = 0x401000;
  const start = address;
  for (let u = 0; u < UNITS; u++) {
    const program: LineOp[] = [];
    for (let f = 0; f < FUNCTIONS / UNITS; f++) {
      // Starts at line ≥ 100, so 30 rows of deltas down to -3 never wrap the unsigned line register.
      program.push(['set_address', address], ['advance_line', 100 + rnd(500)], ['copy']);
      let pc = 0;
      for (let r = 0; r < 30; r++) {
        if (r % 7 === 3) program.push(['set_file', 1 + rnd(3)]);
        const step = rnd(12);
        program.push(['special', step, rnd(8) - 3]);
        pc += step;
      }
      program.push(['advance_pc', 4], ['end_sequence']);
      address += pc + 4 + 12; // 12 bytes of padding between functions
    }
    units.push({
      version: 5,
      directories: ['/build/big', 'src', '/usr/include'],
      files: [
        { name: `unit${u}.c`, dir: 1 },
        { name: `unit${u}.c`, dir: 1 },
        { name: 'inline.h', dir: 1 },
        { name: 'stdlib.h', dir: 2 },
      ],
      program,
    });
  }
  return { bytes: writeElf({ elfClass: 64, littleEndian: true, machine: 62, units }), text: [start, address] };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): number {
  const dir = mkdtempSync(join(tmpdir(), 'ph-bench-lines-'));
  try {
    const { bytes, text } = syntheticBinary();
    const path = join(dir, 'big.elf');
    writeFileSync(path, bytes);
    const addresses: number[] = [];
    for (let i = 0; i < ADDRESSES; i++)
      addresses.push(text[0] + Math.floor((((i * 2654435761) % 4294967296) / 4294967296) * (text[1] - text[0])));
    const unique = [...new Set(addresses)];

    const ours: number[] = [];
    let answers = new Map<number, { file: string; line: number } | undefined>();
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      answers = lookupLines(path, addresses);
      ours.push(performance.now() - t0);
    }
    const answered = [...answers.values()].filter(Boolean).length;
    console.log(
      `binary: ${bytes.length} bytes, ${FUNCTIONS} functions in ${UNITS} DWARF 5 units; ${ADDRESSES} addresses (${unique.length} unique)`,
    );
    console.log(
      `perf-heat lookupLines: median ${median(ours).toFixed(1)} ms of ${RUNS} (${ours.map((x) => x.toFixed(1)).join(', ')}); ${answered} answered`,
    );

    // The anchor: binutils readelf decoding the same file's whole line table in the same run (addr2line cannot:
    // the synthetic file has no .text section for it to place addresses in). Its rows also answer every address,
    // by the definition the line table implements (readelf-decoded.ts), and both tools' answers are compared.
    const theirs: number[] = [];
    let out = '';
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      const r = spawnSync('readelf', ['-W', '--debug-dump=decodedline', path], {
        encoding: 'utf8',
        maxBuffer: 256 << 20,
      });
      theirs.push(performance.now() - t0);
      if (r.error || r.status !== 0) {
        console.log(`readelf: not run (${r.error?.message ?? r.stderr.trim()})`);
        theirs.length = 0;
        break;
      }
      out = r.stdout;
    }
    if (theirs.length) {
      const decoded = parseReadelfDecoded(out);
      let same = 0;
      let both = 0;
      const examples: string[] = [];
      for (const a of unique) {
        const want = readelfLookup(decoded, a);
        const mine = answers.get(a);
        if (!want || !mine) continue;
        both++;
        if (basename(want.name) === basename(mine.file) && want.line === mine.line) same++;
        else if (examples.length < 3)
          examples.push(`0x${a.toString(16)}: readelf ${want.name}:${want.line}, perf-heat ${mine.file}:${mine.line}`);
      }
      console.log(
        `binutils readelf --debug-dump=decodedline: median ${median(theirs).toFixed(1)} ms of ${theirs.length}; ${decoded.rows.length} rows; ${same} of ${both} addresses answered by both agree (file and line)`,
      );
      console.log(`ratio readelf / perf-heat: ${(median(theirs) / median(ours)).toFixed(1)}×`);
      if (same !== both) {
        console.log(`MISMATCH: the two readers disagree, e.g. ${examples.join('; ')}`);
        return 1;
      }
    }
    const ok = median(ours) < TARGET_MS && answered > ADDRESSES * 0.5;
    console.log(`target: perf-heat under ${TARGET_MS} ms with most addresses answered: ${ok ? 'ok' : 'MISSED'}`);
    return ok ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  process.exitCode = main();
} catch (e) {
  console.error(`bench:lines: ${(e as Error).stack ?? e}`);
  process.exitCode = 2;
}

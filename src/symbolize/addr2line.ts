/**
 * Batch symbolization: one `addr2line -f -i -a` process per binary, every unique address written to its stdin at
 * once. perf's own srcline path makes one round trip per address, which is what makes `perf report --sort srcline`
 * take half a minute on big profiles (docs/perf-formats.md §5); one batch over the same addresses takes a tenth of a second.
 */
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InlineFrame } from '../model/profile';
import { lookupLines } from './dwarf/line-table';
import { correctInnermostFrames } from './dwarf/correct-chains';

export interface SymbolizerOptions {
  /** `addr2line` by default; any binutils-compatible tool that accepts `-f -i -a -e`. */
  program?: string;
  /**
   * `gnu`: binutils addr2line (its innermost frames are checked against our line table); `llvm`: llvm-symbolizer,
   * asked for the same output style (it reads DWARF 5 file numbers right, so nothing is corrected).
   */
  style?: 'gnu' | 'llvm';
  signal?: AbortSignal;
  /** Told when the native line table could not be used to check addr2line's innermost frames. */
  onWarning?: (message: string) => void;
}

/** Maps each address to its inline chain, innermost first; addresses with no line info map to []. */
export async function symbolizeAddresses(
  binary: string,
  addresses: readonly number[],
  options: SymbolizerOptions = {},
): Promise<Map<number, InlineFrame[]>> {
  const unique = [...new Set(addresses)].sort((a, b) => a - b);
  const result = new Map<number, InlineFrame[]>();
  if (unique.length === 0) return result;
  const program = options.program ?? 'addr2line';
  // Start addr2line first: our own line-table pass below runs on this thread while it works in its process.
  const llvm = options.style === 'llvm';
  const args = llvm
    ? ['--output-style=GNU', '--no-demangle', '-f', '-i', '-a', '-e', binary]
    : ['-f', '-i', '-a', '-e', binary];
  const pending = runWithInput(
    program,
    args,
    unique.map((a) => '0x' + a.toString(16)).join('\n') + '\n',
    options.signal,
  );
  // binutils 2.40 puts the first rows of a function compiled from an .inc into the including .c under DWARF 5
  // (docs/perf-formats.md §2.4); our own .debug_line reader has the right innermost file:line. Outer frames keep
  // addr2line's call sites, which binutils reads correctly.
  let lines: ReturnType<typeof lookupLines> | undefined;
  if (!llvm) {
    try {
      lines = lookupLines(binary, unique);
    } catch (e) {
      options.onWarning?.(`line table of ${binary} not used: ${(e as Error).message}`);
    }
  }
  parseAddr2lineOutput(await pending, result);
  for (const a of unique) if (!result.has(a)) result.set(a, []);
  if (lines) correctInnermostFrames(result, lines);
  return result;
}

/**
 * Output of `addr2line -f -i -a`: for each address a `0x…` line, then (function, file:line) pairs, innermost first.
 * Unknown places print `??` / `??:0`; `file:line (discriminator N)` carries a suffix we drop.
 */
export function parseAddr2lineOutput(text: string, into: Map<number, InlineFrame[]>): void {
  const lines = text.split('\n');
  let current: InlineFrame[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/^0x[0-9a-f]+$/i.test(l)) {
      current = [];
      into.set(parseInt(l, 16), current);
      continue;
    }
    if (!current || l === '') continue;
    const fn = l;
    const where = lines[++i] ?? '';
    const m = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/.exec(where);
    if (!m || m[1] === '??' || m[2] === '?' || m[2] === '0') continue;
    current.push({ function: fn === '??' ? '' : fn, file: m[1], line: Number(m[2]) });
  }
}

/**
 * Runs the symbolizer with all addresses on stdin. Its stdout goes to a temporary file, not a pipe: binutils
 * addr2line flushes after every address, and tens of thousands of small pipe reads cost more than the lookup itself.
 */
async function runWithInput(program: string, args: string[], input: string, signal?: AbortSignal): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'perf-heat-a2l-'));
  const outPath = join(dir, 'out');
  const out = openSync(outPath, 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      // Required on use: node:child_process (and node:net with it) is not needed by the builtin symbolizer's loads.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { spawn } = require('node:child_process') as typeof import('node:child_process');
      const child = spawn(program, args, { stdio: ['pipe', out, 'pipe'], signal });
      const err: Buffer[] = [];
      child.stderr!.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e) => reject(new Error(`could not run ${program}: ${e.message}`)));
      child.on('close', (code) => {
        if (code === 0) resolve();
        else
          reject(
            new Error(
              `${program} ${args.join(' ')} exited with ${code}: ${Buffer.concat(err).toString('utf8').trim()}`,
            ),
          );
      });
      child.stdin!.on('error', () => undefined); // a failed start already rejects above
      child.stdin!.end(input);
    });
    return await readFile(outPath, 'utf8');
  } finally {
    closeSync(out);
    await rm(dir, { recursive: true, force: true });
  }
}

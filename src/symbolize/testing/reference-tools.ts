/**
 * Test support: the reference symbolizers run over a batch of addresses, their output kept frame by frame
 * exactly as printed (`??` → '', `??:0` → line 0), so our frames can be compared with theirs.
 */
import { spawnSync } from 'node:child_process';
import type { SymbolFrame } from '../builtin';

export type ReferenceTool = 'addr2line' | 'llvm-symbolizer';

export function toolAvailable(tool: ReferenceTool): boolean {
  return spawnSync(tool, ['--version'], { encoding: 'utf8' }).status === 0;
}

/** `addr2line -f -i -a -e FILE`, or llvm-symbolizer in its GNU output style, over every address at once. */
export function runReference(
  tool: ReferenceTool,
  file: string,
  addresses: readonly number[],
): Map<number, SymbolFrame[]> {
  const args =
    tool === 'addr2line'
      ? ['-f', '-i', '-a', '-e', file]
      : ['--output-style=GNU', '-f', '-i', '-a', '--no-demangle', '-e', file];
  const input = addresses.map((a) => '0x' + a.toString(16)).join('\n') + '\n';
  const r = spawnSync(tool, args, { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${r.stderr}`);
  return parseGnuFrames(r.stdout);
}

/** The GNU output: `0x…` per address, then (function, file:line[ (discriminator N)]) pairs, innermost first. */
export function parseGnuFrames(text: string): Map<number, SymbolFrame[]> {
  const out = new Map<number, SymbolFrame[]>();
  const lines = text.split('\n');
  let current: SymbolFrame[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^0x[0-9a-f]+$/i.test(l)) {
      current = [];
      out.set(parseInt(l, 16), current);
      continue;
    }
    if (!current || l === '') continue;
    const where = lines[++i] ?? '';
    const m = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/.exec(where);
    const file = !m || m[1] === '??' ? '' : m[1]!;
    const line = !m || m[2] === '?' ? 0 : Number(m[2]);
    current.push({ function: l === '??' ? '' : l, file, line });
  }
  // A lone `?? / ??:0` is how both say "nothing known".
  for (const [a, f] of out) if (f.length === 1 && !f[0]!.function && !f[0]!.file) out.set(a, []);
  return out;
}

export function frameText(frames: readonly SymbolFrame[] | undefined): string {
  if (!frames || frames.length === 0) return '(nothing)';
  return frames.map((f) => `${f.function || '??'} ${f.file || '??'}:${f.line}`).join(' ← ');
}

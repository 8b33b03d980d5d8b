/**
 * Puts the line table's answer into addr2line's inline chains: the innermost frame's file:line comes from
 * `.debug_line` (which binutils 2.40 misreads for DWARF 5: the first rows of a function from an included `.inc`
 * get the including `.c`), the function names and the outer frames' call sites stay addr2line's.
 */
import type { InlineFrame } from '../../model/profile';

export interface Correction {
  address: number;
  was: { file: string; line: number };
  now: { file: string; line: number };
}

/**
 * Replaces, in place, the innermost frame's file and line of every chain where the line table has a real answer
 * (a file and a line > 0) that differs. Chains addr2line left empty stay empty (no function name to give them).
 * Returns what changed, for a debug log or a test.
 */
export function correctInnermostFrames(
  chains: Map<number, InlineFrame[]>,
  lines: ReadonlyMap<number, { file: string; line: number } | undefined>,
): Correction[] {
  const changed: Correction[] = [];
  for (const [address, chain] of chains) {
    const inner = chain[0];
    const loc = lines.get(address);
    if (!inner || !loc || !loc.file || loc.line <= 0) continue;
    if (inner.file === loc.file && inner.line === loc.line) continue;
    changed.push({ address, was: { file: inner.file, line: inner.line }, now: { file: loc.file, line: loc.line } });
    inner.file = loc.file;
    inner.line = loc.line;
  }
  return changed;
}

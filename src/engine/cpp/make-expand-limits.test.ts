/**
 * A Makefile whose variables double at each level (`A2 = $(A1)$(A1)` …, written here by our own generator) must
 * not freeze the reader: the expansion stops at its budget, with a note naming the Makefile, and the rest of the
 * Makefile is still read. Runs in a child process with a generous timeout, so the unguarded exponential expansion
 * fails the test rather than stalling the run.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runBounded } from '../../../test/bounded';
import { expand, MAX_EXPANSION_BYTES } from './make-expand';

/** levels variables, each the previous one twice; the compile uses the last. 27 lines for 24 levels. */
export function doublingMakefile(levels: number, seed: string): string {
  const lines = [`A1 = ${seed}`];
  for (let i = 2; i <= levels; i++) lines.push(`A${i} = $(A${i - 1})$(A${i - 1})`);
  lines.push(`DEFS = -DKEEP=1 -DBIG=$(A${levels})`, 'all:', '\tcc $(DEFS) -c main.c -o main.o');
  return lines.join('\n') + '\n';
}

const dir = mkdtempSync(join(tmpdir(), 'ph-mk-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('make expansion has a size guard', () => {
  for (const [name, seed] of [
    ['empty seed (work without output)', ''],
    ['one-byte seed (output that doubles)', 'x'],
  ] as const) {
    it(`24 doubling levels with an ${name} stop with a note naming the Makefile`, () => {
      const mk = join(dir, `Makefile-${seed || 'empty'}`);
      writeFileSync(mk, doublingMakefile(24, seed));
      const r = runBounded(
        `
        const { flagsFromMakefile } = await load('src/engine/cpp/make-flags.ts');
        const f = flagsFromMakefile(${JSON.stringify(mk)}, 'all');
        return { notes: f.notes };`,
        { timeoutMs: 120_000, heapMb: 512 },
      );
      assert.equal(r.failure, undefined);
      // Either the flags come back with the note, or (the compile command itself was the runaway expansion) the
      // reader says it found no compile — in one line that names the Makefile and carries the note.
      const v = r.value as { notes?: string[]; thrown?: string };
      const note = v.notes ? v.notes.find((n) => n.includes('stopped')) : v.thrown;
      assert.ok(note, JSON.stringify(v));
      assert.ok(note.startsWith(`${mk}: `), note);
      assert.match(
        note,
        new RegExp(
          `${mk.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: expansion of "[^"]*" stopped: more than \\d+ variable references`,
        ),
      );
      assert.ok(!note.includes('\n'));
    });
  }

  it('a value just under the byte limit still expands in full (the guard does not cut real values)', () => {
    // 2^k copies of a 64-byte seed: the largest power of two under the limit.
    const seed = 'y'.repeat(64);
    let levels = 1;
    while (seed.length * 2 ** levels <= MAX_EXPANSION_BYTES) levels++;
    const vars = new Map([['A0', { value: seed, flavor: 'recursive' as const, origin: 'file' as const }]]);
    for (let i = 1; i < levels; i++)
      vars.set(`A${i}`, { value: `$(A${i - 1})$(A${i - 1})`, flavor: 'recursive', origin: 'file' });
    const notes: string[] = [];
    const out = expand(`$(A${levels - 1})`, { vars, dir, notes });
    assert.equal(out.length, seed.length * 2 ** (levels - 1));
    assert.deepEqual(notes, []);
  });
});

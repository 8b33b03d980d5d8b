/**
 * Flag-view benchmark on a generated hz3-sized tree (bench/flags/generate.ts), written to a temp folder.
 *   node --import tsx bench/flags/run.ts [--no-compiler]
 * Prints: scan + evaluate of the whole tree, re-evaluation of the hot file after one flag toggle (scans cached),
 * the compiler's answer (`cc -E` of the hot translation unit) per toggle, and how soon the macro expansion guard
 * stops a doubling expansion, each with its target.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { compilerTruth } from '../../src/engine/cpp/compiler';
import { emptyView, type FlagView, FlagViewEngine, withOverride } from '../../src/engine/cpp/flag-view';
import { evaluate } from '../../src/engine/cpp/expr';
import { LINE_CODE, LINE_DIRECTIVE } from '../../src/engine/cpp/scanner';
import { parseDefine, type MacroTable } from '../../src/engine/cpp/tokens';
import { generateTree } from './generate';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function line(what: string, ms: number, target: number): void {
  console.log(
    `${what.padEnd(58)} ${ms.toFixed(1).padStart(8)} ms   (target < ${target} ms) ${ms < target ? 'ok' : 'OVER'}`,
  );
}

async function main(): Promise<void> {
  const useCompiler = !process.argv.includes('--no-compiler');
  const tree = generateTree(42);
  const root = mkdtempSync(join(tmpdir(), 'perfheat-flags-'));
  try {
    let lines = 0;
    for (const [p, text] of tree.files) {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), text);
      lines += text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    }
    const view: FlagView = {
      ...emptyView(),
      paths: { quote: [], angled: [join(root, 'include')], system: [] },
      base: [{ op: 'D', name: tree.booleans[0], value: '1' }],
    };
    console.log(
      `tree: ${tree.files.size} files, ${lines} lines, ${tree.booleans.length + tree.numerics.length} flags, ${tree.units.length} translation units (${root})`,
    );

    // 1. Everything from cold: scan every file, evaluate every unit, regions of every file.
    const cold: number[] = [];
    let stats = { directives: 0, regions: 0, errors: 0 };
    for (let i = 0; i < 5; i++) {
      const engine = new FlagViewEngine();
      const t = performance.now();
      if (i > 0) stats = { ...stats, regions: 0, errors: 0 };
      for (const u of tree.units) {
        const regions = engine.evaluateUnit(join(root, u), view);
        stats.regions += regions.length;
        stats.errors += regions[0]?.errors.length ?? 0;
      }
      cold.push(performance.now() - t);
      if (i === 0) {
        const counted = { ...stats };
        for (const p of tree.files.keys())
          counted.directives += engine.scans.get(
            join(root, p),
            engine.sources.read(join(root, p)) ?? '',
          ).directives.length;
        stats = counted;
      }
    }
    console.log(
      `  (${stats.directives} directives; ${stats.regions} file regions; ${stats.errors} #error reached under the base view)`,
    );
    line('scan + evaluate the whole tree (cold, median of 5)', median(cold), 300);
    console.log('  (every file scanned; every unit walked once; regions and block values of every file of every unit)');

    // 2. One toggle, warm caches: the hot file again.
    const engine = new FlagViewEngine();
    const hot = join(root, tree.hotFile);
    const unit = join(root, tree.hotUnit);
    const first = engine.evaluate(hot, view, { unit });
    const flags = first.flags
      .filter((f) => f.name.startsWith('HZ3_') && /^[01]$/.test(f.value ?? ''))
      .map((f) => f.name);
    const toggles: number[] = [];
    let inactiveLines = 0;
    for (let i = 0; i < 40; i++) {
      const f = flags[i % flags.length];
      const v = withOverride(view, f, i % 2 ? '0' : '1');
      const t = performance.now();
      const r = engine.evaluate(hot, v, { unit });
      toggles.push(performance.now() - t);
      inactiveLines = r.inactive.reduce((s, [a, b]) => s + b - a + 1, 0);
    }
    const scan = engine.scans.get(hot, engine.sources.read(hot) ?? '');
    console.log(
      `  (hot file: ${scan.lineCount} lines, ${scan.groups.length} #if groups, ${first.flags.length} flags; ${inactiveLines} lines inactive after the last toggle)`,
    );
    line('re-evaluate the hot file after one toggle (median of 40)', median(toggles), 10);
    console.log(
      `  (regions, blocks and flag details with descriptions; slowest of 40: ${Math.max(...toggles).toFixed(1)} ms)`,
    );

    // 3. The compiler's answer for the same toggles.
    if (useCompiler) {
      const cc: number[] = [];
      let agree = 0;
      for (let i = 0; i < 8; i++) {
        const v = withOverride(view, flags[i % flags.length], i % 2 ? '0' : '1');
        const t = performance.now();
        const truth = await compilerTruth(unit, v, { allowExternalPrograms: true, cwd: root });
        cc.push(performance.now() - t);
        const ours = engine.evaluate(hot, v, { unit, flags: false });
        const live = truth.codeLines.get(hot) ?? new Set<number>();
        const mask = new Uint8Array(ours.lineCount + 2);
        for (const [a, b] of ours.active) mask.fill(1, a, b + 1);
        let same = true;
        for (let l = 1; l <= ours.lineCount; l++) {
          const content = (scan.lineFlags[l - 1] & LINE_DIRECTIVE) === 0 && (scan.lineFlags[l - 1] & LINE_CODE) !== 0;
          if ((mask[l] === 1 && content) !== live.has(l)) same = false;
        }
        if (same) agree++;
      }
      console.log(`  (engine and compiler agree on every line of the hot file for ${agree} of 8 toggles)`);
      line('compiler truth: cc -E of the hot unit per toggle (median of 8)', median(cc), 300);
    }
    // 4. The expansion guard: 30 macros that each expand to two copies of the next (2^30 tokens unguarded) must
    //    stop with "macro expansion too large" quickly. No anchor: gcc has no such guard and would exhaust memory.
    const m: MacroTable = new Map();
    for (let i = 0; i < 30; i++)
      m.set(`G${i}`, parseDefine(`G${i} G${i + 1} + G${i + 1}`, { kind: 'define' }) as never);
    const guard: number[] = [];
    let message = '';
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      message = evaluate('G0', m).error?.message ?? '(no error)';
      guard.push(performance.now() - t);
    }
    console.log(`  (${message})`);
    line('doubling macros stopped by the expansion guard (median of 5)', median(guard), 2000);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

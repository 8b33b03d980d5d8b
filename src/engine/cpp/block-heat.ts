/**
 * Heat per `#if` block: each branch's self counts (its own lines, nested groups excluded) and inclusive counts,
 * from a file's per-line counts. Lines partition cleanly: a branch owns its directive line and its body up to
 * the next branch's directive; the last branch of a group also owns the `#endif`.
 *
 * Samples on lines the current view makes inactive mean the view is not the build that was profiled. They are
 * listed, and `proposeAssignment` searches for flag values that make every sampled line active: an exact search
 * over sets of changes, smallest first (so the answer changes as few flags as possible), within a budget of
 * evaluations; past the budget, a greedy search that adds the change covering the most remaining samples. Each
 * candidate is checked by evaluating the whole view again, so config-header cascades and `#error` guards count.
 */
import type { BlockInfo } from './flag-view';

export interface BlockHeat {
  block: BlockInfo;
  self: number[];
  inclusive: number[];
}

export interface InactiveSample {
  line: number;
  counts: number[];
  /** The innermost block owning the line (undefined: outside every block, i.e. the file is not included). */
  block?: BlockInfo;
}

export interface BlockHeatResult {
  blocks: BlockHeat[];
  /** Samples on lines outside every block. */
  outside: number[];
  total: number[];
  inactiveSamples: InactiveSample[];
  inactiveTotal: number[];
}

export interface FileBlocks {
  lineCount: number;
  blocks: BlockInfo[];
  active: [number, number][];
}

function zeros(n: number): number[] {
  return new Array<number>(n).fill(0);
}

function add(into: number[], from: readonly number[]): void {
  for (let i = 0; i < into.length; i++) into[i] += from[i] ?? 0;
}

/** For each line (index = line), the innermost block owning it, or -1. */
export function lineOwners(file: FileBlocks): Int32Array {
  const owner = new Int32Array(file.lineCount + 2).fill(-1);
  for (const b of file.blocks) {
    const last = b.endLine === b.groupEndLine - 1 || b.endLine === b.groupEndLine ? b.groupEndLine : b.endLine;
    owner.fill(b.index, b.line, Math.min(last, file.lineCount) + 1);
  }
  return owner;
}

export function blockHeat(
  file: FileBlocks,
  counts: ReadonlyMap<number, readonly number[]>,
  events: number,
): BlockHeatResult {
  const owner = lineOwners(file);
  const active = new Uint8Array(file.lineCount + 2);
  for (const [s, e] of file.active) active.fill(1, s, e + 1);
  const heat: BlockHeat[] = file.blocks.map((block) => ({ block, self: zeros(events), inclusive: zeros(events) }));
  const outside = zeros(events);
  const total = zeros(events);
  const inactiveTotal = zeros(events);
  const inactiveSamples: InactiveSample[] = [];
  for (const [line, c] of [...counts].sort((a, b) => a[0] - b[0])) {
    add(total, c);
    const o = line >= 0 && line < owner.length ? owner[line] : -1;
    if (o >= 0) add(heat[o].self, c);
    else add(outside, c);
    if (!active[line] && c.some((x) => x > 0)) {
      inactiveSamples.push(o >= 0 ? { line, counts: [...c], block: file.blocks[o] } : { line, counts: [...c] });
      add(inactiveTotal, c);
    }
  }
  for (const h of heat) add(h.inclusive, h.self);
  for (let i = heat.length - 1; i >= 0; i--) {
    const p = heat[i].block.parent;
    if (p >= 0) add(heat[p].inclusive, heat[i].inclusive);
  }
  return { blocks: heat, outside, total, inactiveSamples, inactiveTotal };
}

export interface Assignment {
  name: string;
  /** null: `-U name`. */
  value: string | null;
}

export interface ProposalCheck {
  isActive(line: number): boolean;
  /** `#error` messages the assignment runs into. */
  errors: string[];
}

export interface ProposalContext {
  /** Evaluates the file under the current view plus these changes. */
  evaluate(changes: readonly Assignment[]): ProposalCheck;
  /** The flag's current value (replacement text), null when undefined. */
  current(name: string): string | null;
}

export interface Proposal {
  changes: Assignment[];
  method: 'exact' | 'greedy' | 'none-needed';
  evaluations: number;
  /** Sampled inactive lines still inactive with the changes (empty: all covered). */
  uncovered: number[];
  /** `#error`s the changes hit (empty: the view builds). */
  errors: string[];
}

const IDENT = /\b[A-Za-z_]\w*\b/g;
const NOT_FLAGS = new Set(['defined', 'true', 'false']);

/** Flags of the blocks that decide whether `line` is active: its own chain and the earlier branches of each group. */
function decidingFlags(block: BlockInfo | undefined, blocks: readonly BlockInfo[]): Set<string> {
  const out = new Set<string>();
  for (let b = block; b; b = b.parent >= 0 ? blocks[b.parent] : undefined) {
    for (const x of blocks) {
      if (x.groupLine !== b.groupLine || x.line > b.line) continue;
      for (const m of x.condition.matchAll(IDENT)) if (!NOT_FLAGS.has(m[0]) && !m[0].startsWith('__')) out.add(m[0]);
    }
  }
  return out;
}

/** Values worth trying for a flag: 0/1, the thresholds its comparisons use (±1), and undefined for `defined` tests. */
function candidateValues(name: string, current: string | null, blocks: readonly BlockInfo[]): (string | null)[] {
  const vals = new Set<string | null>(['1', '0']);
  const re = new RegExp(
    `\\b${name}\\b\\s*(>=|<=|==|!=|>|<)\\s*(\\d+)|(\\d+)\\s*(>=|<=|==|!=|>|<)\\s*\\b${name}\\b`,
    'g',
  );
  for (const b of blocks) {
    for (const m of b.condition.matchAll(re)) {
      const n = Number(m[2] ?? m[3]);
      for (const v of [n - 1, n, n + 1]) if (v >= 0) vals.add(String(v));
    }
    if (
      new RegExp(`defined\\s*\\(?\\s*${name}\\b`).test(b.condition) ||
      ((b.directive === 'ifdef' || b.directive === 'ifndef') && b.condition === name)
    )
      vals.add(null);
  }
  vals.delete(current);
  if (current !== null && /^\d+$/.test(current)) vals.delete(String(Number(current)));
  return [...vals].slice(0, 8);
}

export interface ProposeOptions {
  /** Evaluations allowed to the exact search (default 300). */
  budget?: number;
  /** Weight of each line (default: its first event's count). */
  weight?: (s: InactiveSample) => number;
}

export function proposeAssignment(
  samples: readonly InactiveSample[],
  blocks: readonly BlockInfo[],
  ctx: ProposalContext,
  opts: ProposeOptions = {},
): Proposal {
  const lines = samples.map((s) => s.line);
  const weight = new Map(samples.map((s) => [s.line, opts.weight ? opts.weight(s) : (s.counts[0] ?? 0)]));
  let evaluations = 0;
  const check = (changes: readonly Assignment[]): { covered: number; uncovered: number[]; errors: string[] } => {
    evaluations++;
    const r = ctx.evaluate(changes);
    const uncovered = lines.filter((l) => !r.isActive(l));
    const covered = lines.reduce((s, l) => s + (r.isActive(l) ? (weight.get(l) ?? 0) + 1e-9 : 0), 0);
    return { covered, uncovered, errors: r.errors };
  };
  const base = check([]);
  if (!base.uncovered.length && !base.errors.length)
    return { changes: [], method: 'none-needed', evaluations, uncovered: [], errors: [] };
  const flags = new Set<string>();
  for (const s of samples) for (const f of decidingFlags(s.block, blocks)) flags.add(f);
  const moves: Assignment[] = [];
  for (const f of [...flags].sort())
    for (const v of candidateValues(f, ctx.current(f), blocks)) moves.push({ name: f, value: v });
  const budget = opts.budget ?? 300;
  let best = { changes: [] as Assignment[], ...base };
  const better = (c: typeof best): boolean =>
    (c.errors.length === 0) !== (best.errors.length === 0) ? c.errors.length === 0 : c.covered > best.covered + 1e-12;
  // Exact: every set of k changes to distinct flags, k = 1, 2, 3, while the budget lasts.
  const search = (k: number, start: number, chosen: Assignment[]): Proposal | undefined => {
    if (chosen.length === k) {
      if (evaluations >= budget) return undefined;
      const r = { changes: [...chosen], ...check(chosen) };
      if (!r.uncovered.length && !r.errors.length)
        return { changes: r.changes, method: 'exact', evaluations, uncovered: [], errors: [] };
      if (better(r)) best = r;
      return undefined;
    }
    for (let i = start; i < moves.length && evaluations < budget; i++) {
      if (chosen.some((c) => c.name === moves[i].name)) continue;
      const found = search(k, i + 1, [...chosen, moves[i]]);
      if (found) return found;
    }
    return undefined;
  };
  for (let k = 1; k <= Math.min(3, flags.size) && evaluations < budget; k++) {
    const found = search(k, 0, []);
    if (found) return found;
  }
  // Greedy: from the best set so far, add the change that covers most, until nothing improves.
  let current = best;
  for (let step = 0; step < 12 && (current.uncovered.length || current.errors.length); step++) {
    let next: typeof best | undefined;
    for (const m of moves) {
      if (current.changes.some((c) => c.name === m.name)) continue;
      const changes = [...current.changes, m];
      const r = { changes, ...check(changes) };
      if (
        !next ||
        ((r.errors.length === 0) !== (next.errors.length === 0)
          ? r.errors.length === 0
          : r.covered > next.covered + 1e-12)
      )
        next = r;
    }
    if (
      !next ||
      !(
        next.covered > current.covered + 1e-12 ||
        (next.errors.length < current.errors.length && next.covered >= current.covered)
      )
    )
      break;
    current = next;
  }
  return {
    changes: current.changes,
    method: 'greedy',
    evaluations,
    uncovered: current.uncovered,
    errors: current.errors,
  };
}

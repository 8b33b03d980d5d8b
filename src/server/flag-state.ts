/**
 * The flag state of one file (perfHeat/flagState): its view's regions with every block's heat, the flags its
 * conditions use, samples on lines a known build does not compile (with the proposal), and the compiler's check.
 * Samples on such lines are also published as diagnostics (diagnostics.ts publishes them on its own for any client).
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection, Diagnostic } from 'vscode-languageserver/node';
import { DiagnosticSeverity } from 'vscode-languageserver/node';
import type { FlagState, LineHeat } from '../protocol';
import { formatShare } from '../model/format';
import type { FlagView } from '../engine/cpp/flag-view';
import { viewHeat } from '../engine/cpp/view-heat';
import { blockHeat } from '../engine/cpp/block-heat';
import type { ServerContext } from './context';
import type { FlagService } from './flags';

/**
 * The flag state of one file under the current view, with block heat and the lines whose samples a known build
 * does not compile. `compiler: false` skips the `cc -E` check (diagnostics do not depend on it).
 */
export async function flagState(
  { flags, profiles }: ServerContext,
  uri: string,
  options: { compiler: boolean; signal?: AbortSignal } = { compiler: true },
): Promise<{ state: FlagState; deadLines: number[] } | null> {
  if (!uri.startsWith('file:')) return null;
  const file = fileURLToPath(uri);
  flags.trusted = profiles.trusted;
  await flags.dryRunIfNeeded(file, options.signal);
  const resolved = flags.view(file);
  const { view, base, known: buildKnown } = resolved;
  const heatMap = profiles.heatMap;
  const events = heatMap?.profile.events.map((e) => e.name) ?? [];
  const counts = flags.countsOf(file);
  // The proposal search evaluates the view up to a few hundred times: once per file, view and profile is enough
  // (the Flags view asks again on every editor switch).
  const proposalKey = JSON.stringify([
    file,
    profiles.summary?.id,
    flags.preset,
    flags.settingDefines,
    [...flags.overrides],
    resolved.base,
  ]);
  const known = flags.knownProposal(proposalKey);
  const vh = viewHeat(flags.engine, file, view, counts, {
    events: Math.max(1, events.length),
    unit: resolved.unit,
    propose: buildKnown && counts.size > 0 && !known,
  });
  const r = vh.regions;
  const share = (c: number[]): number[] => c.map((x, e) => (heatMap ? heatMap.share(x, e) : 0));
  const heatByIndex = new Map(vh.heat.blocks.map((b) => [b.block.index, b]));
  // While comparing: the same blocks weighed by the baseline's samples, for block-level diffs, per event of this
  // profile (by name; null where the baseline did not record it).
  const diff = profiles.diff;
  const baseMap = profiles.baselineHeatMap;
  const baseByIndex = new Map<number, (number | null)[]>();
  if (diff && baseMap && heatMap) {
    const at = events.map((n) => baseMap.profile.events.findIndex((x) => x.name === n));
    const baseCounts = new Map<number, number[]>(
      baseMap.linesOf(file).map((l) => [l.line, at.map((i) => (i >= 0 ? l.counts[i] : 0))]),
    );
    for (const b of blockHeat(r, baseCounts, events.length).blocks) {
      baseByIndex.set(
        b.block.index,
        b.inclusive.map((c, e) => (at[e] >= 0 ? baseMap.share(c, at[e]) : null)),
      );
    }
  }
  const sampled: LineHeat[] = heatMap
    ? heatMap.linesOf(file).map((l) => ({ line: l.line - 1, counts: l.counts, shares: l.shares }))
    : [];
  const root = (p: string): string => {
    const base = profiles.roots().find((x) => p.startsWith(x + '/'));
    return base ? relative(base, p) : p;
  };
  const state: FlagState = {
    uri,
    preset: flags.preset,
    presets: flags.presets(file),
    base,
    origin: resolved.origin,
    known: buildKnown,
    ...(resolved.detail ? { detail: resolved.detail } : {}),
    events,
    // What the compiler predefines (`__GNUC__`, `__x86_64__`) is no flag of the build: the hover still names it.
    flags: r.flags
      .filter((f) => f.source.kind !== 'predefined' || flags.overrides.has(f.name))
      .map((f) => ({
        name: f.name,
        value: f.value,
        source: flags.overrides.has(f.name) ? 'user' : f.source.kind,
        where: f.source.file ? `${root(f.source.file)}${f.source.line ? `:${f.source.line}` : ''}` : undefined,
        description: f.description?.text,
        overridden: flags.overrides.has(f.name),
      })),
    inactive: r.inactive.map(([a, b]) => [a - 1, b - 1]),
    blocks: r.blocks.map((b) => {
      const h = heatByIndex.get(b.index);
      const self = h?.self ?? events.map(() => 0);
      const inclusive = h?.inclusive ?? events.map(() => 0);
      const inclusiveShares = share(inclusive);
      const base = baseByIndex.get(b.index);
      const baseline = base && {
        inclusiveShares: base,
        delta: base.map((s, e) => (s === null ? null : inclusiveShares[e] - s)),
      };
      // The block's own lines and its nested blocks': after the directive, up to its end (0-based here).
      const lines = hottestLines(sampled.filter((l) => l.line > b.line - 1 && l.line <= b.endLine - 1));
      return {
        line: b.line - 1,
        endLine: b.endLine - 1,
        directive: b.directive,
        condition: b.condition,
        value: b.value,
        active: b.active,
        depth: b.depth,
        self,
        inclusive,
        selfShares: share(self),
        inclusiveShares,
        ...(baseline ? { baseline } : {}),
        lines,
      };
    }),
    errors: r.errors.map((e) => ({ message: e.message, where: `${root(e.file)}:${e.line}` })),
  };
  const dead = vh.heat.inactiveSamples;
  if (!buildKnown) {
    if (resolved.origin === 'none') {
      // Nothing says which lines are compiled: no dimming at all, rather than the header defaults' guess.
      state.inactive = [];
    } else if (dead.length) {
      // Inferred from the profile: a sampled line ran, so the innermost block around it is never dimmed.
      const keep = new Set<number>();
      for (const d of dead) {
        const owner = r.blocks
          .filter((b) => b.line <= d.line && d.line <= b.endLine)
          .sort((x, y) => y.depth - x.depth)[0];
        for (let l = owner ? owner.line : d.line; l <= (owner ? owner.endLine : d.line); l++) keep.add(l - 1);
      }
      state.inactive = ranges(
        state.inactive
          .flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i))
          .filter((l) => !keep.has(l)),
      );
    }
    for (const b of state.blocks) if (!b.active && b.inclusive.some((x) => x > 0)) b.active = true;
  } else if (heatMap && dead.length) {
    const proposal = known
      ? known.text
      : vh.proposal && vh.proposal.changes.length
        ? vh.proposal.changes.map((c) => `${c.name}=${c.value ?? '(undefined)'}`).join(' ')
        : undefined;
    if (!known) flags.rememberProposal(proposalKey, proposal);
    state.inactiveSamples = { share: heatMap.share(vh.heat.inactiveTotal[0] ?? 0, 0), lines: dead.length, proposal };
  }
  if (options.compiler && buildKnown && profiles.trusted && flags.compilerWorks !== false)
    await checkWithCompiler(flags, file, r.unit, view, state, root);
  // Only a known build calls a sampled line "not compiled".
  return { state, deadLines: buildKnown ? dead.map((d) => d.line) : [] };
}

/**
 * The compiler as ground truth (trusted workspaces): `cc -E` of the unit with the view's flags. Lines it compiles
 * that the engine dims are shown as compiled, and the Flags view says whether the two agree. A missing compiler is
 * remembered, not retried on every toggle.
 */
async function checkWithCompiler(
  flags: FlagService,
  file: string,
  unit: string,
  view: FlagView,
  state: FlagState,
  root: (p: string) => string,
): Promise<void> {
  try {
    const truth = await flags.compilerTruth(file, unit, view);
    if (!truth) return; // superseded by a newer request for this file
    flags.noteCompiler(true);
    const fatal = truth.diagnostics.find((d) => d.severity === 'fatal error');
    if (fatal) {
      // A compile that stopped early (a header it cannot find) says nothing about the lines after it.
      state.compiler = {
        agrees: false,
        disagreements: 0,
        command: truth.command.join(' '),
        errors: [],
        failed: `${root(fatal.file)}:${fatal.line}: ${fatal.message}`,
      };
      return;
    }
    const live = truth.codeLines.get(file) ?? new Set<number>();
    const dimmed = new Set(state.inactive.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i + 1)));
    const wrong = [...live].filter((l) => dimmed.has(l));
    if (wrong.length) {
      const keep = new Set(wrong.map((l) => l - 1));
      state.inactive = ranges([...dimmed].map((l) => l - 1).filter((l) => !keep.has(l)));
    }
    state.compiler = {
      agrees: wrong.length === 0,
      disagreements: wrong.length,
      command: truth.command.join(' '),
      errors: truth.errors.map((e) => e.message),
    };
  } catch (e) {
    if (
      (e as NodeJS.ErrnoException).code === 'ENOENT' ||
      /could not run|could not be run|ENOENT/.test((e as Error).message)
    )
      flags.noteCompiler(false);
  }
}

/** Lines listed per block at most, as the hotspot panel lists per function and file. */
const LINES_PER_BLOCK = 50;

/** A block's sampled lines in line order, the hottest LINES_PER_BLOCK of them (by their shares over every event). */
function hottestLines(lines: LineHeat[]): LineHeat[] {
  if (lines.length <= LINES_PER_BLOCK) return lines;
  const weight = (l: LineHeat): number => l.shares.reduce((a, x) => a + x, 0);
  return [...lines]
    .sort((a, b) => weight(b) - weight(a))
    .slice(0, LINES_PER_BLOCK)
    .sort((a, b) => a.line - b.line);
}

function ranges(lines: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const l of lines.sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && last[1] === l - 1) last[1] = l;
    else out.push([l, l]);
  }
  return out;
}

/**
 * Samples on lines this view does not compile mean the profile was recorded with other flags: one warning on the
 * first such line, naming the flag values that would compile them all (the proposal), and hints on the others.
 */
export function publishDiagnostics(connection: Connection, uri: string, state: FlagState, deadLines: number[]): void {
  const diagnostics: Diagnostic[] = [];
  const s = state.inactiveSamples;
  deadLines
    .sort((a, b) => a - b)
    .forEach((line, i) => {
      const range = { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: 200 } };
      diagnostics.push({
        range,
        severity: i === 0 ? DiagnosticSeverity.Warning : DiagnosticSeverity.Hint,
        source: 'Perf Heat',
        message:
          i === 0 && s
            ? `${formatShare(s.share)} of ${state.events[0] ?? 'samples'} lands on ${s.lines} line(s) that ${state.base} does not compile: the profile was recorded with other flags.${s.proposal ? ` These would compile them: ${s.proposal}.` : ''}`
            : 'Samples on a line this flag view does not compile.',
      });
    });
  for (const e of state.errors) {
    diagnostics.push({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: DiagnosticSeverity.Error,
      source: 'Perf Heat',
      message: `This flag view does not build: #error ${e.message} (${e.where})`,
    });
  }
  void connection.sendDiagnostics({ uri, diagnostics });
}

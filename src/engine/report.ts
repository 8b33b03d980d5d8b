/**
 * The analysis report (`perf-heat report`): the structure of the hand-written A/B analyses allocator engineers
 * write today (seed: perf-analysis-t16-r90-hz3-vs-mimalloc.txt), with every number computed from the inputs:
 *   1. basic metrics from perf stat, each run against the base (ratio and difference);
 *   2. top functions by each event (a profile may be several recordings of one build merged), beside the
 *      baseline's, and shares by binary with the two builds' binaries paired by role;
 *   3. function groups ("allocator" vs "program", by binary or by name prefix) with their share of every event;
 *   4. the functions whose share of misses (or another event) exceeds their share of cycles, by the ratio;
 *   5. cache-miss hotspots with miss density, when a profile has a miss event;
 *   6. the hottest function broken down by `#if` block, its hot lines quoted;
 *   7. the cycle-gap decomposition (extra instructions vs IPC) for each stat run against the base.
 * Deterministic: no dates, no machine paths (sources relative to the source root, inputs by file name), every
 * ordering has a tie-break.
 */
import type { StatRun } from '../model/stat-metrics';
import { compareRuns, cycleGap, visibleMetrics, type CycleGap, type StatComparison } from '../model/stat-metrics-compare';
import { cellText, formatChange, formatCount } from '../model/stat-metrics-format';
import type { BlockProvider } from './report-blocks';
import { functionSection } from './report-function';
import { code, count, table, text } from './report-markdown';
import { binariesSection, concentrationSection, groupsSection, topByEventSection, type GroupSpec } from './report-groups';
import { missEvents, missSection, topFunctionsSection, type ProfileSide } from './report-profile';
import type { SourceFiles } from './report-sources';

export type { BlockProvider, SourceBlock } from './report-blocks';
export type { ProfileSide } from './report-profile';
export type { GroupSpec } from './report-groups';
export { parseGroupSpec } from './report-groups';

export interface ReportInput {
  profile?: ProfileSide;
  baseline?: ProfileSide;
  stats?: readonly StatRun[];
  /** Index of the stat run the others are compared with. */
  statBase?: number;
  sources: SourceFiles;
  /** The function to break down by `#if` block (default: the hottest with readable sources). */
  functionName?: string;
  /** `#if` structure; default the line scan. */
  blocks?: BlockProvider;
  /** Rows in the function and line tables. */
  top?: number;
  /** Function groups (`--group allocator=hz3_`); default: by binary. */
  groups?: readonly GroupSpec[];
}

export function buildReport(input: ReportInput): string {
  const stats = input.stats ?? [];
  if (!input.profile && stats.length === 0) throw new Error('a report needs a profile or perf stat files');
  const comparison = stats.length ? compareRuns(stats, input.statBase ?? 0) : undefined;
  const top = input.top ?? 10;
  const sections: { title: string; body: string[] }[] = [];
  if (comparison) sections.push({ title: 'Basic metrics (perf stat)', body: statSection(stats, comparison) });
  if (input.profile) {
    const body = topByEventSection(input.profile, top);
    if (input.baseline) body.push('', `### Against ${text(input.baseline.name)}`, '', ...topFunctionsSection(input.profile, input.baseline, top));
    const bins = binariesSection(input.profile, input.baseline);
    if (bins.length) body.push('', '### By binary', '', ...bins);
    sections.push({ title: 'Top functions', body });
    sections.push({ title: 'Allocator and program', body: groupsSection(input.profile, input.baseline, input.groups ?? []) });
    const conc = concentrationSection(input.profile, top);
    if (conc.length) sections.push({ title: 'Where events concentrate (share above the share of cycles)', body: conc });
    const sides = [input.profile, ...(input.baseline && missEvents(input.baseline.profile).length ? [input.baseline] : [])];
    const miss: string[] = [];
    for (const s of sides) {
      if (sides.length > 1) miss.push(...(miss.length ? [''] : []), `### ${text(s.name)}`, '');
      miss.push(...missSection(s, input.sources, top));
    }
    sections.push({ title: 'Cache-miss hotspots', body: miss });
    sections.push(functionSection(input.profile, input.sources, { functionName: input.functionName, blocks: input.blocks }));
  }
  if (comparison && stats.length > 1) sections.push({ title: 'Cycle-gap decomposition (perf stat)', body: gapSection(stats, comparison) });
  const out = [`# ${text(title(input, comparison))}`, '', ...inputsList(input, comparison)];
  sections.forEach((s, i) => out.push('', `## ${i + 1}. ${s.title}`, '', ...s.body));
  return out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

function title(input: ReportInput, c: StatComparison | undefined): string {
  if (input.profile && input.baseline) return `Performance analysis: ${input.profile.name} vs ${input.baseline.name}`;
  const statPair = c && c.runs.length > 1 ? `${c.runs.filter((_, i) => i !== c.baseIndex).map((r) => r.label).join(', ')} vs ${c.runs[c.baseIndex].label}` : undefined;
  if (input.profile && statPair) return `Performance analysis: ${input.profile.name} (perf stat: ${statPair})`;
  if (c && c.runs.length > 1) return `Performance analysis: ${c.runs.filter((_, i) => i !== c.baseIndex).map((r) => r.label).join(', ')} vs ${c.runs[c.baseIndex].label}`;
  return `Performance analysis: ${input.profile?.name ?? c!.runs[0].label}`;
}

function inputsList(input: ReportInput, c: StatComparison | undefined): string[] {
  const describe = (s: ProfileSide): string => {
    const events = `${s.profile.events.map((e, i) => `${code(e.name)} ${count(s.profile.totals[i])}`).join(', ')}`;
    const recs = s.profile.metadata.recordings;
    if (!recs || recs.length < 2) return `${code(s.name)}: ${text(s.profile.metadata.format)}, ${events}`;
    const files = recs.map((r) => `${code(r.source.replace(/\\/g, '/').split('/').pop()!)} (${r.events.map(code).join(', ')})`).join(', ');
    return `${recs.length} recordings of one build, merged: ${files}; ${events}`;
  };
  const out = ['Inputs (source paths are relative to the source root):', ''];
  if (input.profile) out.push(`- Profile: ${describe(input.profile)}`);
  if (input.baseline) out.push(`- Baseline: ${describe(input.baseline)}`);
  if (c && input.stats) {
    const runs = input.stats.map((r, i) => `${code(r.file.replace(/\\/g, '/').split('/').pop()!)}${i === c.baseIndex ? ' (base)' : ''} as ${text(r.label)}${r.hasVariance ? ', with -r variance' : ''}`);
    out.push(`- perf stat: ${runs.join('; ')}`);
  }
  return out;
}

function statSection(runs: readonly StatRun[], c: StatComparison): string[] {
  const b = c.baseIndex;
  const others = runs.map((_, i) => i).filter((i) => i !== b);
  const header = ['Metric', ...runs.map((r, i) => (i === b ? `${r.label} (base)` : r.label)), ...others.flatMap((i) => [`Ratio (${runs[i].label}/${runs[b].label})`, `Δ (${runs[i].label}−${runs[b].label})`])];
  const rows = visibleMetrics(c).map((m) => {
    const t = m.cells.map((cell) => cellText(m.unit, cell));
    return [text(m.label), ...t.map((x) => text(x.variance ? `${x.value} ${x.variance}` : x.value)), ...others.flatMap((i) => [t[i].change, text(t[i].delta)])];
  });
  const out = table(header.map(text), rows);
  out.push('', 'Ratios and differences are computed from unrounded values; IPC and miss rates are recomputed from the raw counts of each run, not taken from perf\'s metric column.');
  const findings: string[] = [];
  for (const i of others) {
    const get = (id: string) => c.metrics.find((m) => m.id === id)!.cells;
    const [cy, ins, ipc] = [get('cycles')[i], get('instructions')[i], get('ipc')];
    if (cy.changePct === undefined || ins.changePct === undefined || ipc[i].changePct === undefined) continue;
    findings.push(
      `- ${text(runs[i].label)} vs ${text(runs[b].label)}: ${formatChange(cy.changePct)} cycles for ${formatChange(ins.changePct)} instructions → IPC ${formatChange(ipc[i].changePct)} (${ipc[i].value!.toFixed(2)} vs ${ipc[b].value!.toFixed(2)}).`,
    );
  }
  if (findings.length) out.push('', 'Key findings:', '', ...findings);
  const missing = c.metrics.filter((m) => !m.id.startsWith('counter:') && m.cells.every((x) => x.status === 'absent')).map((m) => m.label);
  const notes = [...c.notes];
  if (missing.length) notes.push(`not in any file: ${missing.join(', ')}`);
  const texts = notes.map(text);
  if (missing.includes('Time')) texts.push(`perf stat -x and -j print no elapsed time: add ${code('-e duration_time')} for Time and CPUs utilized`);
  const unsupported = c.metrics.filter((m) => m.cells.some((x) => x.status === 'unsupported')).map((m) => `${m.label} (${m.cells.map((x, i) => (x.status === 'unsupported' ? runs[i].label : '')).filter(Boolean).join(', ')})`);
  if (unsupported.length) texts.push(text(`<not supported> on the recording machine: ${unsupported.join('; ')}`));
  if (texts.length) out.push('', 'Notes:', '', ...texts.map((n) => `- ${n}`));
  return out;
}

function gapSection(runs: readonly StatRun[], c: StatComparison): string[] {
  const out: string[] = [];
  const pct = (f: number | undefined): string => (f === undefined ? 'n/a' : `${(f * 100).toFixed(1)}%`);
  const sign = (n: number): string => (n > 0 ? '+' : '') + formatCount(n);
  for (const g of c.cycleGaps) {
    const [a, b] = [runs[g.run].label, runs[g.base].label];
    if (out.length) out.push('');
    if (c.cycleGaps.length > 1) out.push(`### ${text(a)} vs ${text(b)}`, '');
    if ('unavailable' in g) {
      out.push(`Not computable: ${text(g.unavailable)}.`);
      continue;
    }
    out.push(
      `Total cycles ratio: ${text(a)}/${text(b)} = ${formatCount(g.cycles[0])} / ${formatCount(g.cycles[1])} = ${(g.cycles[0] / g.cycles[1]).toFixed(3)} (${formatChange((g.cycles[0] / g.cycles[1] - 1) * 100)}).`,
      '',
      ...table(
        ['Component', 'How', 'Cycles', 'Share of the gap'],
        [
          ['Extra instructions', text(`${sign(g.extraInstructions)} instructions ÷ ${b}'s IPC ${g.ipc[1].toFixed(2)}`), sign(g.extraInstructionCycles), pct(g.instructionShare)],
          ['IPC', text(`${formatCount(g.instructions[0])} ÷ ${g.ipc[0].toFixed(2)} − ${formatCount(g.instructions[0])} ÷ ${g.ipc[1].toFixed(2)}`), sign(g.ipcPenaltyCycles), pct(g.ipcShare)],
          ['Sum', '', sign(g.explainedCycles), pct(g.actualGap !== 0 ? g.explainedCycles / g.actualGap : undefined)],
          ['Actual gap', text(`${formatCount(g.cycles[0])} − ${formatCount(g.cycles[1])}`), sign(g.actualGap), g.actualGap !== 0 ? '100.0%' : 'n/a'],
        ],
        'llrr',
      ),
      '',
      `IPC accounts for ${pct(g.ipcShare)} of the cycle gap, extra instructions for ${pct(g.instructionShare)}. With exact IPCs the two parts add up to the measured gap.`,
    );
    const rounded = cycleGap(runs, g.run, g.base, { ipcDigits: 2 }) as CycleGap;
    const residual = rounded.actualGap - rounded.explainedCycles;
    if (g.actualGap !== 0 && Math.abs(residual / g.actualGap) >= 0.005) {
      out.push(
        '',
        `By hand, with IPCs rounded to two decimals (${rounded.ipc[0].toFixed(2)} and ${rounded.ipc[1].toFixed(2)}), the same arithmetic gives ${sign(rounded.extraInstructionCycles)} + ${sign(rounded.ipcPenaltyCycles)} = ${sign(rounded.explainedCycles)} of the ${sign(rounded.actualGap)} gap (IPC ${pct(rounded.ipcShare)}): the ${sign(residual)} left over is that rounding, not a third cause.`,
      );
    }
  }
  return out;
}

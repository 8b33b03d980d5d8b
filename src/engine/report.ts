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
 *   7. the cycle-gap decomposition (extra instructions vs IPC) for each stat run against the base;
 * and, for an A/B pair (report-ab.ts): each build's flags and the flags that differ, the hot function's active `#if`
 * path in each build and its block-level A/B, and the lines that changed most, absolute counts beside shares.
 * Deterministic: no dates, no machine paths (sources relative to the source root, inputs by file name), every
 * ordering has a tie-break.
 */
import type { StatRun } from '../model/stat-metrics';
import {
  compareRuns,
  cycleGap,
  visibleMetrics,
  type CycleGap,
  type StatComparison,
} from '../model/stat-metrics-compare';
import { cellText, formatChange, formatCount } from '../model/stat-metrics-format';
import { FlagViewEngine } from './cpp/flag-view';
import {
  buildsSection,
  hotFunctionAbSection,
  lineChangesSection,
  summaryLines,
  totalsLine,
  type AbPair,
} from './report-ab';
import { flagViewBlocks, lineScanBlocks, type BlockProvider } from './report-blocks';
import {
  defineWords as commandLineWords,
  isReportBuild,
  resolveBuild,
  specGiven,
  type BuildSpec,
  type ReportBuild,
} from './report-builds';
import { cycleEvent } from '../model/events';
import { formatEventValue, isClockEvent } from '../model/format';
import { chooseFunction, functionLines, functionSection } from './report-function';
import { code, count, table, text } from './report-markdown';
import {
  binariesSection,
  concentrationSection,
  groupsSection,
  roleOf,
  topByEventSection,
  type GroupSpec,
} from './report-groups';
import { dsoName, missEvents, missSection, topFunctionsSection, type ProfileSide } from './report-profile';
import type { SourceFiles } from './report-sources';

export type { BlockProvider, SourceBlock } from './report-blocks';
export type { ProfileSide } from './report-profile';
export type { BuildSpec, ReportBuild } from './report-builds';
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
  /**
   * The experiment that made the pair: its name and the flags its variant flipped (`NAME` or `NAME=VALUE`), checked
   * against the flags that differ between the builds.
   */
  experiment?: { name?: string; flipped?: readonly string[] };
  /** The `#if` engine (default: a new one reading the file system). */
  engine?: FlagViewEngine;
}

function buildOf(
  s: { build?: BuildSpec | ReportBuild } | undefined,
  engine: FlagViewEngine,
  root: string,
): ReportBuild | undefined {
  const b = s?.build;
  if (!b) return undefined;
  if (isReportBuild(b)) return b;
  return specGiven(b) ? resolveBuild(b, engine, root) : undefined;
}

export function buildReport(input: ReportInput): string {
  const stats = input.stats ?? [];
  if (!input.profile && stats.length === 0) throw new Error('a report needs a profile or perf stat files');
  const comparison = stats.length ? compareRuns(stats, input.statBase ?? 0) : undefined;
  const top = input.top ?? 10;
  const engine = input.engine ?? new FlagViewEngine();
  const sections: { title: string; body: string[] }[] = [];
  if (comparison)
    sections.push({ title: 'Basic metrics (perf stat)', body: statSection(stats, comparison, benchmarkOf(input)) });
  const chosen = input.profile ? chooseFunction(input.profile.profile, input.sources, input.functionName) : undefined;
  const hotName = chosen && 'name' in chosen ? chosen.name : undefined;
  // The hot function's files on this machine, hottest first: where each build's flags are asked for, in the unit
  // that compiles the function (a header it inlines is read there, not in the first file that includes it).
  const hotFiles = input.profile && hotName ? hotFilesOf(input.profile, hotName, input.sources) : [];
  const buildB = inHotUnit(buildOf(input.profile, engine, input.sources.root), hotFiles);
  const buildA = inHotUnit(buildOf(input.baseline, engine, input.sources.root), hotFiles);
  const pair: AbPair | undefined =
    input.profile && input.baseline
      ? {
          a: input.baseline,
          b: input.profile,
          buildA,
          buildB,
          engine,
          sources: input.sources,
          flipped: input.experiment?.flipped,
        }
      : undefined;
  const builds = pair ? buildsSection(pair, hotFiles) : undefined;
  if (builds)
    sections.push({
      title: `Builds and flags${input.experiment?.name ? ` (experiment ${text(input.experiment.name)})` : ''}`,
      body: builds.body,
    });
  else if (buildB && input.profile)
    sections.push({ title: 'Build flags', body: singleBuild(input.profile.name, buildB, hotFiles) });
  if (input.profile) {
    const body = topByEventSection(input.profile, top);
    if (input.baseline)
      body.push(
        '',
        `### Against ${text(input.baseline.name)}`,
        '',
        ...topFunctionsSection(input.profile, input.baseline, top),
      );
    const bins = binariesSection(input.profile, input.baseline);
    if (bins.length) body.push('', '### By binary', '', ...bins);
    sections.push({ title: 'Top functions', body });
    sections.push({
      title: 'Allocator and program',
      body: groupsSection(input.profile, input.baseline, input.groups ?? []),
    });
    const conc = concentrationSection(input.profile, top);
    if (conc.length) sections.push({ title: 'Where events concentrate (share above the share of cycles)', body: conc });
    const sides = [
      input.profile,
      ...(input.baseline && missEvents(input.baseline.profile).length ? [input.baseline] : []),
    ];
    const miss: string[] = [];
    for (const s of sides) {
      if (sides.length > 1) miss.push(...(miss.length ? [''] : []), `### ${text(s.name)}`, '');
      miss.push(...missSection(s, input.sources, top));
    }
    sections.push({ title: 'Cache-miss hotspots', body: miss });
    if (pair && hotName)
      sections.push({
        title: `Hot function A/B by \`#if\` block: ${code(hotName)}`,
        body: hotFunctionAbSection(pair, hotName),
      });
    const blocks =
      input.blocks ??
      (buildB
        ? flagViewBlocks(
            engine,
            `the \`#if\` engine with B's flags (${text(buildB.label)}); "not compiled" marks a branch this build leaves out`,
            (path) => buildB.view(path),
          )
        : lineScanBlocks);
    sections.push(functionSection(input.profile, input.sources, { functionName: input.functionName, blocks }));
    if (pair)
      sections.push({
        title: 'Lines that changed most',
        body: [totalsLine(pair), '', ...lineChangesSection(pair, top)],
      });
  }
  if (comparison && stats.length > 1)
    sections.push({
      title: 'Cycle-gap decomposition (perf stat)',
      body: gapSection(stats, comparison, benchmarkOf(input)),
    });
  const out = [`# ${text(title(input, comparison))}`, '', ...inputsList(input, comparison)];
  if (pair) {
    const time = comparison && stats.length > 1 ? timeLine(stats, comparison) : undefined;
    out.push(
      '',
      'Summary (A = the baseline, B = the profile):',
      '',
      ...summaryLines(pair, hotName, builds?.differ),
      ...(time ? [time] : []),
    );
  }
  sections.forEach((s, i) => out.push('', `## ${i + 1}. ${s.title}`, '', ...s.body));
  return out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

/** The build with the hot function's unit as the default unit of every file it is asked for. */
function inHotUnit(build: ReportBuild | undefined, hotFiles: readonly string[]): ReportBuild | undefined {
  if (!build) return undefined;
  const source = hotFiles.find((f) => !/\.(h|hh|hpp|hxx)$/.test(f));
  const unit = source ? build.view(source)?.unit : undefined;
  if (!unit) return build;
  return {
    get label() {
      return build.label;
    },
    notes: build.notes,
    // A source file is its own unit; headers and .inc files are read in the hot function's.
    view: (file, u) => build.view(file, u ?? (/\.(c|cc|cpp|cxx)$/.test(file) ? undefined : unit)),
  };
}

function hotFilesOf(side: ProfileSide, name: string, sources: SourceFiles): string[] {
  const e = cycleEvent(side.profile.events.map((x) => x.name));
  const by = new Map<string, number>();
  for (const l of functionLines(side.profile, name).lines) {
    const path = sources.locate(l.file);
    if (path) by.set(path, (by.get(path) ?? 0) + l.counts[e]);
  }
  return [...by].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([p]) => p);
}

function singleBuild(name: string, build: ReportBuild, hotFiles: readonly string[]): string[] {
  const v = hotFiles[0] ? build.view(hotFiles[0]) : undefined;
  const out = [`- ${code(name)}: ${text(build.label)}${v ? '' : " — no flags found for the hot function's file"}.`];
  for (const n of build.notes) out.push(`- Note: ${text(n)}`);
  if (v) out.push('', `Command line: ${commandLineWords(v.view).map(code).join(' ') || '(no -D)'}.`);
  return out;
}

/** The benchmark's command line, as perf recorded it (perf.data), for the commands the report suggests. */
interface Benchmark {
  command?: string;
  /** An allocator library was sampled: it was LD_PRELOADed (or linked) into the benchmark. */
  preloaded: boolean;
}

function benchmarkOf(input: ReportInput): Benchmark {
  const side = input.baseline ?? input.profile;
  const preloaded = !!side?.profile.functions.some((f) => roleOf(dsoName(f.dso)) === 'allocator');
  let command = side?.profile.metadata.command;
  // perf records its own command line: the benchmark is what follows `--`.
  if (command && /(^|\/)perf\s+record\b/.test(command)) {
    const at = command.indexOf(' -- ');
    command = at >= 0 ? command.slice(at + 4).trim() : undefined;
  }
  return { command, preloaded };
}

/** Hardware counters a cycle-gap decomposition and the miss analysis need. */
const PMU_EVENTS =
  'cycles,instructions,cache-references,cache-misses,branches,branch-misses,L1-dcache-loads,L1-dcache-load-misses,task-clock';

/**
 * Where cycles or instructions are missing (no PMU: a VM, or perf_event_paranoid), what to run instead: the same
 * perf stat with hardware events on a machine with PMU access, and what the software events still tell meanwhile.
 */
function pmuAdvice(
  runs: readonly StatRun[],
  c: StatComparison,
  benchmark: string | undefined,
  preloaded = false,
): string | undefined {
  const get = (id: string) => c.metrics.find((m) => m.id === id);
  const missing = ['cycles', 'instructions'].filter((id) => get(id)?.cells.some((x) => x.status !== 'ok'));
  if (!missing.length) return undefined;
  const cmd = benchmark ?? '<benchmark>';
  const withClock = ['task-clock', 'cpu-clock'].find((id) =>
    runs.every((r) => r.counters.some((k) => k.event === id && k.value !== null)),
  );
  const preload =
    runs.length && preloaded
      ? " perf records no environment: set the allocator's LD_PRELOAD as for the recording."
      : '';
  return `${missing.map(code).join(' and ')} ${missing.length > 1 ? 'have' : 'has'} no value here (no PMU access: a VM, or \`perf_event_paranoid\`), so IPC and the cycle-gap decomposition cannot be computed. On a machine with PMU access run, for each build: ${code(`perf stat -r 5 -x, -e ${PMU_EVENTS} -o stat-A.csv -- ${cmd}`)} (the A build's command), and the same with ${code('-o stat-B.csv')} and B's, then pass both with \`--stat\`. Until then, compare time: ${withClock ? code(withClock) : code('task-clock')} above, and the profiles' ${code('cpu-clock')} per function and line.${preload}`;
}

/** perf stat's verdict in one line: cycles when counted, else task-clock, with perf's ± where -r gave one. */
function timeLine(runs: readonly StatRun[], c: StatComparison): string | undefined {
  const others = runs.map((_, i) => i).filter((i) => i !== c.baseIndex);
  for (const id of ['cycles', 'taskClock', 'time']) {
    const m = c.metrics.find((x) => x.id === id);
    if (!m || m.cells.some((x) => x.status !== 'ok')) continue;
    const parts = others.map((i) => {
      const t = cellText(m.unit, m.cells[i]);
      const b = cellText(m.unit, m.cells[c.baseIndex]);
      return `${text(runs[i].label)} ${t.value}${t.variance ? ` ${t.variance}` : ''} vs ${text(runs[c.baseIndex].label)} ${b.value}${b.variance ? ` ${b.variance}` : ''} (${t.change})`;
    });
    return `- perf stat ${text(m.label.toLowerCase())}: ${parts.join('; ')}.`;
  }
  return undefined;
}

function title(input: ReportInput, c: StatComparison | undefined): string {
  if (input.profile && input.baseline) return `Performance analysis: ${input.profile.name} vs ${input.baseline.name}`;
  const statPair =
    c && c.runs.length > 1
      ? `${c.runs
          .filter((_, i) => i !== c.baseIndex)
          .map((r) => r.label)
          .join(', ')} vs ${c.runs[c.baseIndex].label}`
      : undefined;
  if (input.profile && statPair) return `Performance analysis: ${input.profile.name} (perf stat: ${statPair})`;
  if (c && c.runs.length > 1)
    return `Performance analysis: ${c.runs
      .filter((_, i) => i !== c.baseIndex)
      .map((r) => r.label)
      .join(', ')} vs ${c.runs[c.baseIndex].label}`;
  return `Performance analysis: ${input.profile?.name ?? c!.runs[0].label}`;
}

function inputsList(input: ReportInput, c: StatComparison | undefined): string[] {
  const describe = (s: ProfileSide): string => {
    // perf's event count as perf prints it, and its unit (clock periods are nanoseconds).
    const events = `${s.profile.events.map((e, i) => `${code(e.name)} ${count(s.profile.totals[i])}${e.unit === 'period' && isClockEvent(e.name) ? ` ns (${formatEventValue(s.profile.totals[i], e)})` : e.unit === 'samples' ? ' samples' : ''}`).join(', ')}`;
    const recs = s.profile.metadata.recordings;
    if (!recs || recs.length < 2) return `${code(s.name)}: ${text(s.profile.metadata.format)}, ${events}`;
    const files = recs
      .map((r) => `${code(r.source.replace(/\\/g, '/').split('/').pop()!)} (${r.events.map(code).join(', ')})`)
      .join(', ');
    return `${recs.length} recordings of one build, merged: ${files}; ${events}`;
  };
  const out = ['Inputs (source paths are relative to the source root):', ''];
  if (input.profile) out.push(`- Profile: ${describe(input.profile)}`);
  if (input.baseline) out.push(`- Baseline: ${describe(input.baseline)}`);
  if (c && input.stats) {
    const runs = input.stats.map(
      (r, i) =>
        `${code(r.file.replace(/\\/g, '/').split('/').pop()!)}${i === c.baseIndex ? ' (base)' : ''} as ${text(r.label)}${r.hasVariance ? ', with -r variance' : ''}`,
    );
    out.push(`- perf stat: ${runs.join('; ')}`);
  }
  return out;
}

function statSection(runs: readonly StatRun[], c: StatComparison, benchmark?: Benchmark): string[] {
  const b = c.baseIndex;
  const others = runs.map((_, i) => i).filter((i) => i !== b);
  const header = [
    'Metric',
    ...runs.map((r, i) => (i === b ? `${r.label} (base)` : r.label)),
    ...others.flatMap((i) => [`Ratio (${runs[i].label}/${runs[b].label})`, `Δ (${runs[i].label}−${runs[b].label})`]),
  ];
  const rows = visibleMetrics(c).map((m) => {
    const t = m.cells.map((cell) => cellText(m.unit, cell));
    return [
      text(m.label),
      ...t.map((x) => text(x.variance ? `${x.value} ${x.variance}` : x.value)),
      ...others.flatMap((i) => [t[i].change, text(t[i].delta)]),
    ];
  });
  const out = table(header.map(text), rows);
  out.push(
    '',
    "Ratios and differences are computed from unrounded values; IPC and miss rates are recomputed from the raw counts of each run, not taken from perf's metric column.",
  );
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
  const missing = c.metrics
    .filter((m) => !m.id.startsWith('counter:') && m.cells.every((x) => x.status === 'absent'))
    .map((m) => m.label);
  const notes = [...c.notes];
  if (missing.length) notes.push(`not in any file: ${missing.join(', ')}`);
  const texts = notes.map(text);
  if (missing.includes('Time'))
    texts.push(`perf stat -x and -j print no elapsed time: add ${code('-e duration_time')} for Time and CPUs utilized`);
  const unsupported = c.metrics
    .filter((m) => m.cells.some((x) => x.status === 'unsupported'))
    .map(
      (m) =>
        `${m.label} (${m.cells
          .map((x, i) => (x.status === 'unsupported' ? runs[i].label : ''))
          .filter(Boolean)
          .join(', ')})`,
    );
  if (unsupported.length) texts.push(text(`<not supported> on the recording machine: ${unsupported.join('; ')}`));
  // With two runs or more the cycle-gap section says what to run; a single run says it here.
  const advice = runs.length < 2 ? pmuAdvice(runs, c, benchmark?.command, benchmark?.preloaded) : undefined;
  if (advice) texts.push(advice);
  if (texts.length) out.push('', 'Notes:', '', ...texts.map((n) => `- ${n}`));
  return out;
}

function gapSection(runs: readonly StatRun[], c: StatComparison, benchmark?: Benchmark): string[] {
  const out: string[] = [];
  const pct = (f: number | undefined): string => (f === undefined ? 'n/a' : `${(f * 100).toFixed(1)}%`);
  const sign = (n: number): string => (n > 0 ? '+' : '') + formatCount(n);
  for (const g of c.cycleGaps) {
    const [a, b] = [runs[g.run].label, runs[g.base].label];
    if (out.length) out.push('');
    if (c.cycleGaps.length > 1) out.push(`### ${text(a)} vs ${text(b)}`, '');
    if ('unavailable' in g) {
      out.push(`Not computable: ${text(g.unavailable)}.`);
      const advice = pmuAdvice(runs, c, benchmark?.command, benchmark?.preloaded);
      if (advice) out.push('', advice);
      continue;
    }
    out.push(
      `Total cycles ratio: ${text(a)}/${text(b)} = ${formatCount(g.cycles[0])} / ${formatCount(g.cycles[1])} = ${(g.cycles[0] / g.cycles[1]).toFixed(3)} (${formatChange((g.cycles[0] / g.cycles[1] - 1) * 100)}).`,
      '',
      ...table(
        ['Component', 'How', 'Cycles', 'Share of the gap'],
        [
          [
            'Extra instructions',
            text(`${sign(g.extraInstructions)} instructions ÷ ${b}'s IPC ${g.ipc[1].toFixed(2)}`),
            sign(g.extraInstructionCycles),
            pct(g.instructionShare),
          ],
          [
            'IPC',
            text(
              `${formatCount(g.instructions[0])} ÷ ${g.ipc[0].toFixed(2)} − ${formatCount(g.instructions[0])} ÷ ${g.ipc[1].toFixed(2)}`,
            ),
            sign(g.ipcPenaltyCycles),
            pct(g.ipcShare),
          ],
          ['Sum', '', sign(g.explainedCycles), pct(g.actualGap !== 0 ? g.explainedCycles / g.actualGap : undefined)],
          [
            'Actual gap',
            text(`${formatCount(g.cycles[0])} − ${formatCount(g.cycles[1])}`),
            sign(g.actualGap),
            g.actualGap !== 0 ? '100.0%' : 'n/a',
          ],
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

/**
 * `perf-heat`: the command line over the same pipeline as the language server.
 *   perf-heat lines <profile> [--event NAME] [--top N] [--json] [--binary-path DIR]… [--remap FROM=TO]…
 */
import { parseArgs } from 'node:util';
import { loadProfile, loadProfiles } from '../engine/load-profile';
import { addCounts, type Profile } from '../model/profile';
import type { PathRemap } from '../model/path-map';
import { applyRemaps, parseRemap, PathMapper } from '../model/path-map';
import { diffProfiles } from '../model/profile-diff';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { maxOf } from '../model/extremes';
import { eventUnitName, formatEventNumber, formatPoints, formatShare, type EventLike } from '../model/format';
import { shareOf } from '../model/share';
import { FILTER_OPTIONS, FILTER_USAGE, FilterOptionError, sampleFilterOf } from './filter-options';
import {
  CALLGRAPH_USAGE,
  callGraphOf,
  inclusiveByFunction,
  neighbourRows,
  NoCallchainsError,
  printNeighbours,
} from './callgraph-command';
type Regions = typeof import('./regions');
type Stat = typeof import('./stat-command');
type Report = typeof import('./report-command');
type Annotate = typeof import('./annotate-command');
type ExperimentCmd = typeof import('./experiment-command');

/**
 * The commands that need the #if engine, tree-sitter, perf stat or the report code are loaded when run, not at
 * start: in dist/ each is its own bundle beside cli.js (scripts/build.mjs), under tsx its source module.
 */
function lazyCommand<T>(
  name: 'regions' | 'stat-command' | 'report-command' | 'annotate-command' | 'experiment-command',
): T {
  const path = __filename.endsWith('.ts') ? join(__dirname, name) : join(__dirname, `cli-${name}.js`);
  return createRequire(__filename)(path) as T;
}

const usage = (): string => {
  const { REGIONS_USAGE } = lazyCommand<Regions>('regions');
  const { STAT_USAGE } = lazyCommand<Stat>('stat-command');
  const { REPORT_USAGE } = lazyCommand<Report>('report-command');
  const { ANNOTATE_USAGE } = lazyCommand<Annotate>('annotate-command');
  const { EXPERIMENT_USAGE } = lazyCommand<ExperimentCmd>('experiment-command');
  return `usage: perf-heat <command> [options]

commands:
  lines <profile>…  the hottest source lines, with count and share per event; several recordings of one build
                    (one event each: cycles.data misses.data) are one profile, their events side by side
      --event NAME        sort by this event (default: the profile's first)
      --top N             how many lines (default 20; 0 = all)
      --json              JSON: [{file, line, counts: {event: n}, percent: {event: p}}]
      --inclusive         by inclusive cost: a call-site line carries what its callees cost (needs perf record -g);
                          rows gain inclusive: {event: n}, inclusivePercent: {event: p}
      --binary-path DIR   where the profiled binaries are (repeatable)
      --remap FROM=TO     rewrite recorded source paths starting with FROM (repeatable)
${FILTER_USAGE}

  functions <profile>…  every sampled function, with count and share per event (several recordings as for lines);
                    with callchains (perf record -g) also the inclusive cost (self and callees, as perf --children)
      --event, --top, --json, --binary-path, --remap, filters as for lines
      --json              JSON: [{function, dso, counts: {event: n}, percent: {event: p},
                            inclusive: {event: n}, inclusivePercent: {event: p}}]

${CALLGRAPH_USAGE}

  diff <base> <other>  lines whose share changed between two profiles (an A/B pair), biggest change first
      --event, --top, --binary-path, --remap, filters as for lines (the filter applies to both)
      --json              JSON: [{file, line, base: {event: n}, other: {event: n}, basePercent, otherPercent,
                            delta: {event: points}, normalizedDelta: {event: n}, only?: "base"|"other"}]

${REGIONS_USAGE}

${STAT_USAGE}

${REPORT_USAGE}

${ANNOTATE_USAGE}
${EXPERIMENT_USAGE}

inputs: perf annotate --stdio output (with -l, --group, -n, --show-total-period)`;
};

export class UsageError extends Error {}

export interface LineRow {
  file: string;
  line: number;
  counts: Record<string, number>;
  percent: Record<string, number>;
  /** With --inclusive: the line's cost with what its calls cost (perf's children for srcline). */
  inclusive?: Record<string, number>;
  inclusivePercent?: Record<string, number>;
}

/** `inclusive`: rows sorted by inclusive cost, call-site lines without self samples included. */
export function hottestLines(
  profile: Profile,
  remaps: ReturnType<typeof parseRemap>[],
  event: number,
  top: number,
  inclusive = false,
): LineRow[] {
  const zeros = () => profile.events.map(() => 0);
  const merged = new Map<string, { file: string; line: number; counts: number[]; inclusive: number[] }>();
  const row = (f: string, line: number) => {
    const file = applyRemaps(f, remaps);
    const key = `${file}\0${line}`;
    let m = merged.get(key);
    if (!m) merged.set(key, (m = { file, line, counts: zeros(), inclusive: zeros() }));
    return m;
  };
  for (const l of profile.lines) addCounts(row(l.file, l.line).counts, l.counts);
  if (inclusive) for (const l of callGraphOf(profile, true).lines) addCounts(row(l.file, l.line).inclusive, l.counts);
  const key = (r: { counts: number[]; inclusive: number[] }) => (inclusive ? r.inclusive[event] : r.counts[event]);
  // Plain code-unit order for ties: localeCompare's first call initialises ICU (~20 ms of a 100 ms command).
  const rows = [...merged.values()].sort(
    (a, b) => key(b) - key(a) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line,
  );
  const names = profile.events.map((e) => e.name);
  const share = (v: number, e: number) => round(shareOf(v, profile.totals[e]), 4);
  return (top > 0 ? rows.slice(0, top) : rows).map((r) => ({
    file: r.file,
    line: r.line,
    counts: Object.fromEntries(names.map((n, e) => [n, round(r.counts[e], 3)])),
    percent: Object.fromEntries(names.map((n, e) => [n, share(r.counts[e], e)])),
    ...(inclusive
      ? {
          inclusive: Object.fromEntries(names.map((n, e) => [n, round(r.inclusive[e], 3)])),
          inclusivePercent: Object.fromEntries(names.map((n, e) => [n, share(r.inclusive[e], e)])),
        }
      : {}),
  }));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export async function main(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    out(usage());
    return command ? 0 : 2;
  }
  try {
    switch (command) {
      case 'lines':
        return await linesCommand(rest, out, err);
      case 'functions':
        return await functionsCommand(rest, out, err);
      case 'callers':
      case 'callees':
        return await neighboursCommand(command, rest, out, err);
      case 'diff':
        return await diffCommand(rest, out, err);
      case 'regions':
        return await lazyCommand<Regions>('regions').regionsCommand(rest, out, err);
      case 'blocks':
        return await lazyCommand<Regions>('regions').blocksCommand(rest, out, err);
      case 'stat':
        return await lazyCommand<Stat>('stat-command').statCommand(rest, out, err);
      case 'report':
        return await lazyCommand<Report>('report-command').reportCommand(rest, out, err);
      case 'annotate':
        return await lazyCommand<Annotate>('annotate-command').annotateCommand(rest, out, err);
      case 'experiment':
        return await lazyCommand<ExperimentCmd>('experiment-command').experimentCommand(rest, out, err);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (
      e instanceof UsageError ||
      e instanceof FilterOptionError ||
      (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      err(`perf-heat: ${(e as Error).message}\n\n${usage()}`);
      return 2;
    }
    err(`perf-heat: ${(e as Error).message}`);
    return 1;
  }
}

interface CommonArgs {
  profile: Profile;
  event: number;
  top: number;
  json: boolean;
  remaps: PathRemap[];
  /** --inclusive: lines by inclusive cost. */
  inclusive: boolean;
  /** False with --no-inline: inlined functions are not functions of the call graph. */
  inline: boolean;
  /** Positionals before the profiles (callers' FUNCTION). */
  leading: string[];
}

/**
 * The options every profile command shares: one profile, an event, a limit, JSON, binary folders, remaps. Several
 * positionals are recordings of one build, merged into one profile (refused, naming the files, if they are not).
 */
async function profileArgs(
  command: string,
  args: string[],
  err: (s: string) => void,
  leading = 0,
): Promise<CommonArgs> {
  const [first] = await profilesArgs(command, args, err, 'merge', leading);
  return first;
}

/**
 * `count` profiles as positionals, with the shared options; the event is looked up in the first. `merge`: one or
 * more positionals, merged into one profile.
 */
async function profilesArgs(
  command: string,
  args: string[],
  err: (s: string) => void,
  count: number | 'merge',
  leadingCount = 0,
): Promise<CommonArgs[]> {
  const { values, positionals: all } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      event: { type: 'string' },
      top: { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
      'binary-path': { type: 'string', multiple: true, default: [] },
      remap: { type: 'string', multiple: true, default: [] },
      'no-inline': { type: 'boolean', default: false },
      inclusive: { type: 'boolean', default: false },
      ...FILTER_OPTIONS,
    },
  });
  if (all.length < leadingCount)
    throw new UsageError(`${command} takes a function name, then one or more profile files`);
  const leading = all.slice(0, leadingCount);
  const positionals = all.slice(leadingCount);
  const filter = sampleFilterOf(values);
  if (count === 'merge' ? positionals.length === 0 : positionals.length !== count) {
    throw new UsageError(
      `${command} takes ${count === 'merge' ? 'one or more profile files (recordings of one build)' : `exactly ${count} profile files`}`,
    );
  }
  const top = Number(values.top);
  if (!Number.isInteger(top) || top < 0) throw new UsageError(`--top takes a whole number, got "${values.top}"`);
  const remaps = values.remap.map(parseRemap);
  const out: CommonArgs[] = [];
  const load = {
    binaryPaths: values['binary-path'],
    searchRoots: [process.cwd()],
    ...(filter ? { filter } : {}),
    // `lines` shows inclusive cost only when asked: without it the callchains are not read (nor their frames
    // symbolized), which is most of a `perf record -g` file's load.
    // Nor are function names shown: no kallsyms or ELF symbol table is read for them.
    ...(command === 'lines' && !values.inclusive ? { callchains: false, functionNames: false } : {}),
  };
  for (const path of count === 'merge' ? [positionals.join(' + ')] : positionals) {
    const profile = count === 'merge' ? await loadProfiles(positionals, load) : await loadProfile(path, load);
    const names = profile.events.map((e) => e.name);
    const event = values.event === undefined ? 0 : names.indexOf(values.event);
    if (event < 0) throw new UsageError(`no event "${values.event}" in ${path} (it has: ${names.join(', ')})`);
    for (const w of profile.warnings) err(`warning: ${w}`);
    if (profile.filter) err(`filter: ${profile.filter} (shares are of the samples it keeps)`);
    out.push({
      profile,
      event,
      top,
      json: values.json,
      remaps,
      inline: !values['no-inline'],
      inclusive: values.inclusive,
      leading,
    });
  }
  return out;
}

async function diffCommand(args: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const [a, b] = await profilesArgs('diff', args, err, 2);
  const remap = (p: Profile): Profile => ({
    ...p,
    lines: p.lines.map((l) => ({ ...l, file: applyRemaps(l.file, a.remaps) })),
  });
  const base = remap(a.profile);
  // The other build's paths are matched to the baseline's by longest common suffix, as in the editor.
  const d = diffProfiles(base, remap(b.profile), new PathMapper(new Set(base.lines.map((l) => l.file))));
  const eventName = a.profile.events[a.event].name;
  const e = d.events.indexOf(eventName);
  if (e < 0)
    throw new UsageError(`${eventName} is not in both profiles (common events: ${d.events.join(', ') || 'none'})`);
  const rows = d.lines
    .filter((l) => l.base[e] > 0 || l.other[e] > 0)
    .sort((x, y) => Math.abs(y.delta[e]) - Math.abs(x.delta[e]));
  const shown = a.top > 0 ? rows.slice(0, a.top) : rows;
  const byEvent = (v: number[], digits: number) => Object.fromEntries(d.events.map((n, i) => [n, round(v[i], digits)]));
  if (a.json) {
    out(
      JSON.stringify(
        shown.map((l) => ({
          file: l.file,
          line: l.line,
          base: byEvent(l.base, 3),
          other: byEvent(l.other, 3),
          basePercent: byEvent(l.baseShares, 4),
          otherPercent: byEvent(l.otherShares, 4),
          delta: byEvent(l.delta, 4),
          normalizedDelta: byEvent(l.normalizedDelta, 3),
          ...(l.only ? { only: l.only } : {}),
        })),
        null,
        2,
      ),
    );
    return 0;
  }
  out(`${'base %'.padStart(8)} ${'other %'.padStart(8)} ${'Δ points'.padStart(9)}  line (${eventName})`);
  for (const l of shown) {
    const note = l.only === 'base' ? '  (only in base)' : l.only === 'other' ? '  (only in other)' : '';
    out(
      `${formatShare(l.baseShares[e]).padStart(8)} ${formatShare(l.otherShares[e]).padStart(8)} ${formatPoints(l.delta[e]).replace(/ pts$/, '').padStart(9)}  ${l.file}:${l.line}${note}`,
    );
  }
  return 0;
}

async function linesCommand(args: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { profile, event, top, json, remaps, inclusive } = await profileArgs('lines', args, err);
  let rows;
  try {
    rows = hottestLines(profile, remaps, event, top, inclusive);
  } catch (e) {
    if (!(e instanceof NoCallchainsError)) throw e;
    err(`perf-heat: ${e.message}`);
    return 1;
  }
  if (json) {
    out(JSON.stringify(rows, null, 2));
    return 0;
  }
  const width = Math.max(
    4,
    maxOf(rows, (r) => `${r.file}:${r.line}`.length),
  );
  out(
    [
      ...profile.events.map(heading),
      ...(inclusive ? [`${'inclusive'.padStart(14)} ${'%'.padStart(7)}`] : []),
      ' ' + 'line',
    ].join(' '),
  );
  for (const r of rows) {
    const cols = profile.events.map(
      (ev) => `${formatEventNumber(r.counts[ev.name], ev).padStart(14)} ${formatShare(r.percent[ev.name]).padStart(7)}`,
    );
    const ev = profile.events[event];
    if (r.inclusive && r.inclusivePercent)
      cols.push(
        `${formatEventNumber(r.inclusive[ev.name], ev).padStart(14)} ${formatShare(r.inclusivePercent[ev.name]).padStart(7)}`,
      );
    out(`${cols.join(' ')}  ${`${r.file}:${r.line}`.padEnd(width)}`.trimEnd());
  }
  return 0;
}

async function functionsCommand(args: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { profile, event, top, json } = await profileArgs('functions', args, err);
  const names = profile.events.map((e) => e.name);
  const sorted = profile.functions
    .slice()
    .sort((a, b) => b.counts[event] - a.counts[event] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const inclusive = inclusiveByFunction(profile);
  const share = (v: number, e: number) => round(shareOf(v, profile.totals[e]), 4);
  const rows = (top > 0 ? sorted.slice(0, top) : sorted).map((f) => {
    const inc = inclusive?.get(`${f.dso}\0${f.name}`) ?? (inclusive ? f.counts : undefined);
    return {
      function: f.name,
      dso: f.dso,
      counts: Object.fromEntries(names.map((n, e) => [n, round(f.counts[e], 3)])),
      percent: Object.fromEntries(names.map((n, e) => [n, share(f.counts[e], e)])),
      ...(inc
        ? {
            inclusive: Object.fromEntries(names.map((n, e) => [n, round(inc[e], 3)])),
            inclusivePercent: Object.fromEntries(names.map((n, e) => [n, share(inc[e], e)])),
          }
        : {}),
    };
  });
  if (json) {
    out(JSON.stringify(rows, null, 2));
    return 0;
  }
  out(
    [
      ...profile.events.map(heading),
      ...(inclusive ? [`${'inclusive'.padStart(14)} ${'%'.padStart(7)}`] : []),
      ' function (binary)',
    ].join(' '),
  );
  for (const r of rows) {
    const cols = profile.events.map(
      (ev) => `${formatEventNumber(r.counts[ev.name], ev).padStart(14)} ${formatShare(r.percent[ev.name]).padStart(7)}`,
    );
    const ev = profile.events[event];
    if (r.inclusive && r.inclusivePercent)
      cols.push(
        `${formatEventNumber(r.inclusive[ev.name], ev).padStart(14)} ${formatShare(r.inclusivePercent[ev.name]).padStart(7)}`,
      );
    out(`${cols.join(' ')}  ${r.function} (${r.dso})`);
  }
  if (!inclusive)
    err(`note: ${profile.source} has no callchains, so no inclusive cost: record with \`perf record -g\` for it`);
  return 0;
}

async function neighboursCommand(
  direction: 'callers' | 'callees',
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { profile, event, top, json, inline, leading } = await profileArgs(direction, args, err, 1);
  const name = leading[0]!;
  let rows;
  try {
    rows = neighbourRows(profile, name, direction, event, top, inline);
  } catch (e) {
    if (e instanceof NoCallchainsError) {
      err(`perf-heat: ${e.message}`);
      return 1;
    }
    throw e;
  }
  if (json) {
    out(JSON.stringify(rows, null, 2));
    return 0;
  }
  printNeighbours(rows, profile, direction, name, out);
  return 0;
}

/** A column heading with its unit: `cpu-clock (ms)`, `Ir`, `cycles (samples)`. */
function heading(ev: EventLike): string {
  const unit = eventUnitName(ev);
  return `${(unit === ev.name ? ev.name : `${ev.name} (${unit})`).padStart(14)} ${'%'.padStart(7)}`;
}

/**
 * `perf-heat … | head`: when the reader closes the pipe, the next write fails with EPIPE (Node ignores SIGPIPE, so
 * the error reaches the stream, and unhandled it is a stack trace). Stop there, quietly and with status 0, as a Unix
 * tool killed by SIGPIPE stops without a word.
 */
export function exitQuietlyOnClosedPipe(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const s of streams) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}

if (require.main === module) {
  exitQuietlyOnClosedPipe();
  main(
    process.argv.slice(2),
    (s) => process.stdout.write(s + '\n'),
    (s) => process.stderr.write(s + '\n'),
  ).then((code) => {
    process.exitCode = code;
  });
}

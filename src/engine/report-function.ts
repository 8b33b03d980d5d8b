/**
 * The hottest function (or `--function NAME`) broken down by `#if` block: its samples per source line (innermost
 * frame, so header helpers inlined into it count in the header's blocks), each line put in the innermost branch that
 * holds it, counts rolled up to the enclosing branches, and the hot lines of each branch quoted from the source.
 */
import { cycleEvent } from '../model/events';
import { addCounts, innermostLines, sourceFunctionName, type LineHeat, type Profile } from '../model/profile';
import {
  blockOfLine,
  blockPath,
  directiveText,
  groupChain,
  lineScanBlocks,
  type BlockProvider,
  type SourceBlock,
} from './report-blocks';
import { code, fence, share, table, text } from './report-markdown';
import { secondaryEvents } from './report-groups';
import { cmp, functionsByName, type ProfileSide } from './report-profile';
import type { SourceFiles } from './report-sources';
import { maxOf } from '../model/extremes';
import { eventUnitName, formatEventNumber, formatEventValue } from '../model/format';

export interface FunctionBreakdownOptions {
  functionName?: string;
  blocks?: BlockProvider;
  /** Quoted lines per branch. */
  linesPerBlock?: number;
}

/**
 * The source function's samples per (recorded file, line), and what it has on no line: every part of it
 * (`scan.part.0`, `scan.cold` and `scan` are one function's `#if` blocks).
 */
export function functionLines(p: Profile, name: string): { lines: LineHeat[]; unattributed: number[] } {
  const base = sourceFunctionName(name);
  return innermostLines(
    p.addresses.filter((a) => sourceFunctionName(a.symbol) === base),
    p.events.length,
  );
}

/**
 * The source function to break down: the one asked for (`scan` or `scan.part.0` alike), else the hottest, all its
 * parts together, whose lines are in a file we can read.
 */
export function chooseFunction(
  p: Profile,
  sources: SourceFiles,
  asked?: string,
): { name: string } | { problem: string } {
  const e = cycleEvent(p.events.map((x) => x.name));
  const bySource = new Map<string, number[]>();
  for (const f of functionsByName(p)) {
    const base = sourceFunctionName(f.name);
    const c = bySource.get(base);
    if (c) addCounts(c, f.counts);
    else bySource.set(base, f.counts.slice());
  }
  const fns = [...bySource]
    .map(([name, counts]) => ({ name, counts }))
    .sort((a, b) => b.counts[e] - a.counts[e] || cmp(a.name, b.name));
  if (asked !== undefined) {
    const name = fns.find((f) => f.name === asked || f.name === sourceFunctionName(asked))?.name;
    return name ? { name } : { problem: `no function ${code(asked)} in the profile` };
  }
  for (const f of fns) {
    if (f.counts[e] <= 0) break;
    if (functionLines(p, f.name).lines.some((l) => sources.lines(l.file))) return { name: f.name };
  }
  return {
    problem: p.lines.length
      ? "none of the profile's source files was found under the source root (pass `--source-root DIR`)"
      : 'the profile has no source lines (a symbol-sorted perf report): load the perf.data, or a `perf report --sort srcline`',
  };
}

interface BlockRow {
  index: number;
  /** Counts on lines directly in this branch, and including nested branches. */
  own: number[];
  all: number[];
  lines: LineHeat[];
}

const OUTSIDE = -1;

function describe(blocks: readonly SourceBlock[], i: number): string {
  const b = blocks[i];
  // An `#elif` or `#else` is read with the branches before it: `#else` (of `#if A / #elif B`).
  const before = groupChain(blocks, i).filter((x) => x.line < b.line);
  const of = before.length ? ` (of ${code(before.map((x) => directiveText(x).slice(0, 80)).join(' / '))})` : '';
  const compiled = b.active === false ? ' (not compiled)' : '';
  return `${code(directiveText(b).slice(0, 80))}${of}${compiled}`;
}

/** One file's part of the function: a tree table of its branches and the quoted hot lines of each. */
function fileSection(
  side: ProfileSide,
  sources: SourceFiles,
  recorded: string,
  lines: LineHeat[],
  fnTotal: number[],
  ev: number[],
  provider: BlockProvider,
  perBlock: number,
): string[] {
  const p = side.profile;
  const [c, m] = ev as [number, number | undefined];
  const src = sources.lines(recorded)!;
  const blocks = provider.blocks(sources.display(recorded), src.join('\n'), sources.locate(recorded));
  const rows = new Map<number, BlockRow>();
  const row = (i: number): BlockRow => {
    let r = rows.get(i);
    if (!r) rows.set(i, (r = { index: i, own: p.events.map(() => 0), all: p.events.map(() => 0), lines: [] }));
    return r;
  };
  for (const l of lines) {
    const i = blockOfLine(blocks, l.line);
    const r = row(i);
    addCounts(r.own, l.counts);
    r.lines.push(l);
    if (i === OUTSIDE) addCounts(r.all, l.counts);
    for (const b of i === OUTSIDE ? [] : blockPath(blocks, i)) addCounts(row(blocks.indexOf(b)).all, l.counts);
  }
  const ordered = [...rows.values()]
    .filter((r) => ev.some((x) => r.all[x] > 0))
    .sort((a, b) => (a.index === OUTSIDE ? -1 : b.index === OUTSIDE ? 1 : a.index - b.index));
  const names = p.events.map((e) => e.name);
  const others = ev.slice(1);
  // Each block's share of every event of the profile, as the report's group table has per group, and how much more
  // of the first secondary event (misses) it has than of cycles.
  const ratio = (r: BlockRow): string => {
    if (m === undefined || p.totals[m] <= 0 || p.totals[c] <= 0 || r.all[c] <= 0)
      return m !== undefined && r.all[m] > 0 ? 'no cycles' : '';
    return (r.all[m] / p.totals[m] / (r.all[c] / p.totals[c])).toFixed(2);
  };
  const header = [
    'Block',
    'Lines',
    `${names[c]} (${eventUnitName(p.events[c])})`,
    `% of function`,
    `% of ${names[c]}`,
    ...others.map((x) => `% of ${names[x]}`),
    ...(m !== undefined ? [`${names[m]}/${names[c]}`] : []),
  ];
  const table_ = table(
    header.map(text),
    ordered.map((r) => {
      const b = blocks[r.index];
      const label =
        r.index === OUTSIDE ? '(outside any `#if`)' : `${'· '.repeat(b.depth - 1)}${describe(blocks, r.index)}`;
      const span = r.index === OUTSIDE ? '' : `${b.line}-${b.endLine}`;
      return [
        label,
        span,
        formatEventNumber(r.all[c], p.events[c]),
        share(r.all[c], fnTotal[c], 1),
        share(r.all[c], p.totals[c]),
        ...others.map((x) => share(r.all[x], p.totals[x])),
        ...(m !== undefined ? [ratio(r)] : []),
      ];
    }),
    'll' + 'r'.repeat(header.length - 2),
  );
  const out = [...table_];
  const beyond = lines.filter((l) => l.line > src.length);
  if (beyond.length) {
    out.push(
      '',
      `${beyond.length} of these lines are past the end of the file (it has ${src.length} lines): the debug info does not describe this text (edited since the build, or the compiler placed code of an \`#include\`d body on the includer).`,
    );
  }
  // Quote the branches that hold lines themselves, in source order.
  const quoted = ordered.filter((r) => r.own[c] > 0 || (m !== undefined && r.own[m] > 0));
  for (const r of quoted) {
    const hot = r.lines
      .slice()
      .sort((a, b) => b.counts[c] - a.counts[c] || (m !== undefined ? b.counts[m] - a.counts[m] : 0) || a.line - b.line)
      .slice(0, perBlock)
      .sort((a, b) => a.line - b.line);
    const where =
      r.index === OUTSIDE
        ? 'outside any `#if`'
        : blockPath(blocks, r.index)
            .map((_, k, path) => describe(blocks, blocks.indexOf(path[k])))
            .join(' › ');
    out.push(
      '',
      `${where}: ${share(r.own[c], fnTotal[c], 1)} of the function on its own lines${hot.length < r.lines.length ? ` (hottest ${hot.length} of ${r.lines.length} shown)` : ''}`,
      '',
    );
    const width = String(maxOf(hot, (l) => l.line)).length;
    out.push(
      ...fence(
        'c',
        hot.map((l) => {
          const misses = m !== undefined ? ` ${share(l.counts[m], fnTotal[m], 1).padStart(6)} ${names[m]} │` : '';
          const textLine =
            l.line <= src.length
              ? src[l.line - 1].replace(/\t/g, '    ').slice(0, 140)
              : `/* no line ${l.line}: the file has ${src.length} */`;
          return `${String(l.line).padStart(width)} │ ${share(l.counts[c], fnTotal[c], 1).padStart(6)} │${misses} ${textLine}`.trimEnd();
        }),
      ),
    );
  }
  return out;
}

export function functionSection(
  side: ProfileSide,
  sources: SourceFiles,
  options: FunctionBreakdownOptions = {},
): { title: string; body: string[] } {
  const p = side.profile;
  const chosen = chooseFunction(p, sources, options.functionName);
  if ('problem' in chosen)
    return { title: 'Hottest function by `#if` block', body: [`No breakdown: ${chosen.problem}.`] };
  const names = p.events.map((e) => e.name);
  const c = cycleEvent(names);
  const ev = [c, ...secondaryEvents(p)];
  const m = ev[1] as number | undefined;
  const { lines, unattributed } = functionLines(p, chosen.name);
  const fnTotal = p.events.map(() => 0);
  for (const l of lines) addCounts(fnTotal, l.counts);
  addCounts(fnTotal, unattributed);
  const byFile = new Map<string, LineHeat[]>();
  for (const l of lines) {
    const list = byFile.get(l.file);
    if (list) list.push(l);
    else byFile.set(l.file, [l]);
  }
  const files = [...byFile]
    .map(([file, ls]) => ({ file, ls, n: ls.reduce((s, l) => s + l.counts[c], 0), shown: sources.display(file) }))
    .sort((a, b) => b.n - a.n || cmp(a.shown, b.shown));
  const body: string[] = [
    `${code(chosen.name)}: ${formatEventValue(fnTotal[c], p.events[c])}${eventUnitName(p.events[c]) !== names[c] ? ` of ${code(names[c])}` : ''} (${share(fnTotal[c], p.totals[c])} of the profile)${m !== undefined ? `, ${share(fnTotal[m], p.totals[m])} of ${code(names[m])}` : ''}, on ${lines.length} source line${lines.length === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'} (inlined helpers count in their own files). Blocks from ${(options.blocks ?? lineScanBlocks).description}; a block's count includes its nested blocks.`,
  ];
  if (unattributed[c] > 0)
    body.push(
      '',
      `${share(unattributed[c], fnTotal[c], 1)} of the function has no source line (no debug info for those addresses).`,
    );
  body.push(
    '',
    ...table(
      ['File', `${names[c]} (${eventUnitName(p.events[c])})`, '% of function'].map(text),
      files.map((f) => [code(f.shown), formatEventNumber(f.n, p.events[c]), share(f.n, fnTotal[c], 1)]),
      'lrr',
    ),
  );
  for (const f of files) {
    body.push('', `### ${code(f.shown)}`, '');
    if (!sources.lines(f.file)) {
      body.push(
        `Not found under the source root: ${share(f.n, fnTotal[c], 1)} of the function is on its lines (${f.ls.length} lines).`,
      );
      continue;
    }
    body.push(
      ...fileSection(
        side,
        sources,
        f.file,
        f.ls,
        fnTotal,
        ev,
        options.blocks ?? lineScanBlocks,
        options.linesPerBlock ?? 5,
      ),
    );
  }
  return { title: `Hottest function by \`#if\` block: ${code(chosen.name)}`, body };
}

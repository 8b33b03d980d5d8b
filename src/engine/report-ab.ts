/**
 * The report's A/B sections, as an allocator engineer signs an experiment: the builds and the flags that differ
 * between them (tied to the flags the experiment flipped), the active `#if` path of the hot function in each build,
 * its block-level A/B (both builds' absolute counts and shares per `#if` branch, the chain labelled `#if X / #elif Y /
 * #else`), and the lines that changed most. Every count is in its event's unit (model/format.ts) and beside its share:
 * when the totals differ, a line can lose share and still cost more.
 *
 * A is the baseline, B the comparison (the profile). The `#if` structure and which branch each build compiles come
 * from the `#if` engine (src/engine/cpp), the one the Flags view uses.
 */
import { relative, isAbsolute } from 'node:path';
import { cycleEvent } from '../model/events';
import {
  eventUnitName,
  formatEventNumber,
  formatEventValue,
  formatPoints,
  formatRatio,
  formatShare,
} from '../model/format';
import type { Profile } from '../model/profile';
import { shareOf } from '../model/share';
import type { FlagInfo, FlagViewEngine } from './cpp/flag-view';
import { blockOfLine, blockPath, directiveText, engineBlocks, groupChain, type SourceBlock } from './report-blocks';
import { commandLineValues, defineWords, parseDefine, type BuildView, type ReportBuild } from './report-builds';
import { functionLines } from './report-function';
import { code, table, text } from './report-markdown';
import { cmp, lineFunctions, matchingEvent, type ProfileSide } from './report-profile';
import type { SourceFiles } from './report-sources';

/** What the A/B sections need: both sides with their builds, and the event compared. */
export interface AbPair {
  a: ProfileSide;
  b: ProfileSide;
  buildA?: ReportBuild;
  buildB?: ReportBuild;
  engine: FlagViewEngine;
  sources: SourceFiles;
  /** The flags the experiment flipped (`NAME` or `NAME=VALUE`), when the pair comes from one. */
  flipped?: readonly string[];
}

interface Ev {
  ea: number;
  eb: number;
}

export function pairEvents(pair: AbPair): Ev {
  const eb = cycleEvent(pair.b.profile.events.map((e) => e.name));
  return { eb, ea: matchingEvent(pair.a.profile, pair.b.profile.events[eb].name) };
}

/** Share in percent of a profile's total. */
const pctOf = (n: number, p: Profile, e: number): number => shareOf(n, p.totals[e]);
const ratioText = (b: number, a: number): string =>
  a > 0 ? (b > 0 ? formatRatio(b / a) : 'gone') : b > 0 ? 'new' : '';
/** A count as the column's unit reads it (`278.25` under `ms`), signed for differences. */
const signed = (n: number, p: Profile, e: number): string =>
  (n > 0 ? '+' : n < 0 ? '−' : '') + formatEventNumber(Math.abs(n), p.events[e]);

/** The pair's totals, and what share points alone would hide. */
export function totalsLine(pair: AbPair): string {
  const { ea, eb } = pairEvents(pair);
  const [ta, tb] = [pair.a.profile.totals[ea], pair.b.profile.totals[eb]];
  const ev = pair.b.profile.events[eb];
  return `Totals: A ${formatEventValue(ta, pair.a.profile.events[ea])}, B ${formatEventValue(tb, ev)} of ${code(ev.name)} (B/A ${ratioText(tb, ta)}). Shares are of each build's own total, so a line or block can lose share and still cost more: read the absolute columns and the ratio beside the points.`;
}

// ---- Builds and flags ------------------------------------------------------------------------------------------

const flagValue = (f: FlagInfo | undefined): string =>
  !f || !f.defined ? '(undefined)' : f.value === '' ? '(defined, empty)' : f.value!;

function whereSet(f: FlagInfo | undefined, sources: SourceFiles): string {
  if (!f || !f.defined) return '';
  const s = f.source;
  if (s.file) return `${s.kind} at ${sources.display(s.file)}:${s.line}`;
  return s.kind === '-D' ? '-D' : s.kind;
}

/** The unit's path as the report shows it (relative to the source root). */
function shown(sources: SourceFiles, p: string | undefined): string {
  if (!p) return '';
  const r = relative(sources.root, p);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r.split('\\').join('/') : p.split('/').slice(-2).join('/');
}

/**
 * Each build's flags (from where, in which unit), the flags that differ — on the command line, and as the hot
 * function's `#if`s see them after the config headers — and the experiment's flipped flags checked against them.
 */
/** A flag whose value differs between the builds (cells already Markdown). */
export interface FlagDifference {
  name: string;
  a: string;
  b: string;
}

/** The section's lines, and the flags that differ when both builds' flags are known (for the summary). */
export function buildsSection(
  pair: AbPair,
  hotFiles: readonly string[],
): { body: string[]; differ?: FlagDifference[] } {
  const { sources, engine } = pair;
  const out: string[] = [];
  const file = hotFiles[0];
  const sides = [
    { key: 'A', side: pair.a, build: pair.buildA },
    { key: 'B', side: pair.b, build: pair.buildB },
  ].map((s) => ({ ...s, view: file && s.build ? s.build.view(file) : undefined }));
  for (const s of sides) {
    const role = s.key === 'A' ? 'baseline' : 'comparison';
    if (!s.build) {
      out.push(
        `- ${s.key} (${role}, ${code(s.side.name)}): flags unknown. Give them with \`--makefile F --target-${s.key.toLowerCase()} T\`, \`--make-var-${s.key.toLowerCase()} NAME=VALUE\`, \`--compile-commands-${s.key.toLowerCase()} F\` or \`--flags-${s.key.toLowerCase()}='-DX=1 …'\`.`,
      );
      continue;
    }
    const unit = s.view?.unit ? `; compiles the hot code in ${code(shown(sources, s.view.unit))}` : '';
    out.push(
      `- ${s.key} (${role}, ${code(s.side.name)}): ${text(s.build.label)}${unit}${s.view ? '' : " — no flags found for the hot function's file"}.`,
    );
  }
  for (const s of sides) for (const n of s.build?.notes ?? []) out.push(`- Note (${s.key}): ${text(n)}`);
  const [va, vb] = [sides[0].view, sides[1].view];
  const flipped = (pair.flipped ?? []).map((f) => parseDefine(f, 'experiment'));
  if (!va || !vb) {
    const known = va ?? vb;
    if (known)
      out.push('', `${va ? 'A' : 'B'}'s command line: ${defineWords(known.view).map(code).join(' ') || '(no -D)'}.`);
    if (flipped.length)
      out.push(
        '',
        `The experiment flipped ${flipped.map((f) => code(f.name)).join(', ')}; with one build's flags unknown the report cannot check that the builds differ there.`,
      );
    return { body: out };
  }
  const [ca, cb] = [commandLineValues(va.view), commandLineValues(vb.view)];
  const names = [...new Set([...ca.keys(), ...cb.keys()])];
  const cmdDiffer = names.filter((n) => ca.get(n) !== cb.get(n));
  const shared = defineWords(va.view).filter((w) => defineWords(vb.view).includes(w));
  // As the `#if`s of the hot files see them: values after config headers and defaults.
  const effective = new Map<string, { a?: FlagInfo; b?: FlagInfo }>();
  for (const f of hotFiles) {
    const [ba, bb] = [pair.buildA!.view(f), pair.buildB!.view(f)];
    if (!ba || !bb) continue;
    const fa = engine.evaluate(f, ba.view, { unit: ba.unit }).flags;
    const fb = engine.evaluate(f, bb.view, { unit: bb.unit }).flags;
    for (const x of fa)
      if (!effective.has(x.name)) effective.set(x.name, { a: x, b: fb.find((y) => y.name === x.name) });
    for (const y of fb) if (!effective.has(y.name)) effective.set(y.name, { a: undefined, b: y });
  }
  const rows: string[][] = [];
  const flippedNames = new Set(flipped.map((f) => f.name));
  const seen = new Set<string>();
  const row = (name: string, a: string, b: string, set: string): void => {
    seen.add(name);
    rows.push([code(name), code(a), code(b), text(set), flippedNames.has(name) ? 'yes' : '']);
  };
  for (const n of cmdDiffer) {
    const e = effective.get(n);
    const ia = ca.has(n) ? `-D: ${ca.get(n) ?? '-U'}` : e?.a ? `${whereSet(e.a, sources) || 'not set'}` : 'not set';
    const ib = cb.has(n) ? `-D: ${cb.get(n) ?? '-U'}` : e?.b ? `${whereSet(e.b, sources) || 'not set'}` : 'not set';
    row(
      n,
      e ? flagValue(e.a) : ca.has(n) ? (ca.get(n) ?? '(undefined)') : '(not on the command line)',
      e ? flagValue(e.b) : cb.has(n) ? (cb.get(n) ?? '(undefined)') : '(not on the command line)',
      `A ${ia}; B ${ib}`,
    );
  }
  for (const [n, e] of effective) {
    if (seen.has(n) || n.startsWith('__') || flagValue(e.a) === flagValue(e.b)) continue;
    row(
      n,
      flagValue(e.a),
      flagValue(e.b),
      `A ${whereSet(e.a, sources) || 'not set'}; B ${whereSet(e.b, sources) || 'not set'}`,
    );
  }
  out.push('');
  if (rows.length) {
    out.push(
      `Flags that differ (${rows.length}): values as the hot function's \`#if\`s see them, after the command line and the config headers.`,
      '',
    );
    out.push(...table(['Flag', 'A', 'B', 'Set by', 'Flipped by the experiment'], rows, 'lllll'));
  } else
    out.push(
      "The two builds give the hot function's files the same flags: any difference is not in the `#if`s (the workload, the machine, or code outside these files).",
    );
  const notDiffering = flipped.filter((f) => !seen.has(f.name));
  if (notDiffering.length)
    out.push(
      '',
      `The experiment flipped ${notDiffering.map((f) => code(f.name)).join(', ')}, but both builds compile the hot files with the same value: check that the build command passes the variant's defines.`,
    );
  if (shared.length) out.push('', `Both builds (${shared.length} on the command line): ${shared.map(code).join(' ')}`);
  return { body: out, differ: rows.map((r) => ({ name: r[0], a: r[1], b: r[2] })) };
}

// ---- The hot function's #if path and block-level A/B -----------------------------------------------------------

interface FileCounts {
  /** Display path (both builds' recorded paths meet there). */
  shown: string;
  /** The file on this machine. */
  path?: string;
  recorded: string;
  a: Map<number, number>;
  b: Map<number, number>;
}

/** The function's counts per line of each file, both builds, by display path; hottest file (in B, then A) first. */
export function functionFiles(pair: AbPair, name: string): FileCounts[] {
  const { ea, eb } = pairEvents(pair);
  const by = new Map<string, FileCounts>();
  const add = (p: Profile, e: number, key: 'a' | 'b') => {
    for (const l of functionLines(p, name).lines) {
      const shownPath = pair.sources.display(l.file);
      let f = by.get(shownPath);
      if (!f)
        by.set(
          shownPath,
          (f = { shown: shownPath, path: pair.sources.locate(l.file), recorded: l.file, a: new Map(), b: new Map() }),
        );
      f[key].set(l.line, (f[key].get(l.line) ?? 0) + l.counts[e]);
    }
  };
  add(pair.b.profile, eb, 'b');
  add(pair.a.profile, ea, 'a');
  const sumOf = (m: Map<number, number>) => [...m.values()].reduce((s, x) => s + x, 0);
  return [...by.values()].sort((x, y) => sumOf(y.b) - sumOf(x.b) || sumOf(y.a) - sumOf(x.a) || cmp(x.shown, y.shown));
}

/** `#if A / #elif B / #else`, the given branch in bold. */
function chainText(blocks: readonly SourceBlock[], i: number): string {
  const chain = groupChain(blocks, i);
  return chain
    .map((b) =>
      b === blocks[i] && chain.length > 1
        ? `**${code(directiveText(b).slice(0, 70))}**`
        : code(directiveText(b).slice(0, 70)),
    )
    .join(' / ');
}

/** Which branch of a group a build compiles: its directive, `none`, or why not known. */
function compiledBranch(blocks: readonly SourceBlock[] | undefined, first: number): string {
  if (!blocks) return 'unknown';
  const chain = groupChain(blocks, first);
  if (chain.some((b) => b.active === undefined)) return 'unknown';
  const taken = chain.find((b) => b.active);
  if (taken) return code(directiveText(taken).slice(0, 50));
  // No branch active: either none was taken, or the group sits in a branch the build leaves out.
  return chain.some((b) => b.taken) ? 'not compiled (enclosing branch)' : 'none';
}

interface Sums {
  a: number;
  b: number;
}

function blockSums(blocks: readonly SourceBlock[], f: FileCounts): Map<number, Sums> {
  const sums = new Map<number, Sums>();
  const add = (i: number, key: 'a' | 'b', n: number) => {
    let s = sums.get(i);
    if (!s) sums.set(i, (s = { a: 0, b: 0 }));
    s[key] += n;
  };
  for (const key of ['a', 'b'] as const) {
    for (const [line, n] of f[key]) {
      const i = blockOfLine(blocks, line);
      if (i < 0) add(-1, key, n);
      else for (const b of blockPath(blocks, i)) add(blocks.indexOf(b), key, n);
    }
  }
  return sums;
}

/**
 * The active `#if` path of the function in each build, and its counts per block in both. One part per file the
 * function has samples in; rows are the groups its sampled lines span, each with the branch each build compiles.
 */
export function hotFunctionAbSection(pair: AbPair, name: string, maxRows = 40): string[] {
  const { ea, eb } = pairEvents(pair);
  const [pa, pb] = [pair.a.profile, pair.b.profile];
  const ev = pb.events[eb];
  const unit = eventUnitName(ev);
  const files = functionFiles(pair, name);
  const out: string[] = [];
  const fa = files.reduce((s, f) => s + [...f.a.values()].reduce((x, y) => x + y, 0), 0);
  const fb = files.reduce((s, f) => s + [...f.b.values()].reduce((x, y) => x + y, 0), 0);
  out.push(
    `${code(name)} on its source lines: A ${formatEventValue(fa, pa.events[ea])} (${formatShare(pctOf(fa, pa, ea))} of A), B ${formatEventValue(fb, ev)} (${formatShare(pctOf(fb, pb, eb))} of B): ${ratioText(fb, fa)}, ${formatPoints(pctOf(fb, pb, eb) - pctOf(fa, pa, ea))}.`,
    '',
    "The `#if` structure and the branch each build compiles are the `#if` engine's (the Flags view's), evaluated with each build's flags in the unit that compiles the file. A block's counts include its nested blocks; lines are the innermost frame, so inlined helpers count in their own files.",
  );
  const describe = (b: ReportBuild | undefined, path: string): BuildView | undefined => (b ? b.view(path) : undefined);
  for (const f of files) {
    out.push('', `### ${code(f.shown)}`, '');
    const textLines = pair.sources.lines(f.recorded);
    if (!textLines || !f.path) {
      out.push('Not found under the source root: no `#if` breakdown.');
      continue;
    }
    const src = textLines.join('\n');
    const [va, vb] = [describe(pair.buildA, f.path), describe(pair.buildB, f.path)];
    const [ba, bb] = [engineBlocks(pair.engine, f.path, src, va), engineBlocks(pair.engine, f.path, src, vb)];
    const sums = blockSums(bb, f);
    const sampledLines = [...f.a.keys(), ...f.b.keys()];
    const lo = sampledLines.reduce((m, x) => (x < m ? x : m), Infinity);
    const hi = sampledLines.reduce((m, x) => (x > m ? x : m), -Infinity);
    // The active path: groups the function's sampled lines span (their outermost to innermost), with the branch each
    // build compiles; rows where the builds differ, or that hold samples, are shown.
    const firsts = [...new Set(bb.map((b, i) => (b.groupFirst === i ? i : -1)).filter((i) => i >= 0))];
    const groupEnd = (first: number): number =>
      groupChain(bb, first).reduce((m, b) => (b.endLine > m ? b.endLine : m), 0);
    const pathRows = firsts
      .filter((g) => bb[g].line <= hi && groupEnd(g) >= lo)
      .map((g) => ({
        g,
        a: compiledBranch(ba, g),
        b: compiledBranch(bb, g),
        sampled: groupChain(bb, g).some((x) => sums.has(bb.indexOf(x))),
      }))
      .filter((r) => r.a !== r.b || r.sampled);
    // With a build unknown, its side of every row is 'unknown': show only the groups that hold samples.
    const unknown = [...(va ? [] : ['A']), ...(vb ? [] : ['B'])];
    const differ = pathRows.filter((r) => r.a !== r.b && r.a !== 'unknown' && r.b !== 'unknown');
    const verdict = unknown.length
      ? `${unknown.join(' and ')}'s flags unknown, so which branch ${unknown.length > 1 ? 'they compile' : 'it compiles'} is not stated`
      : differ.length
        ? `${differ.length} compiled differently by A and B`
        : 'A and B compile the same branches';
    out.push(`Active \`#if\` path (groups spanned by the function's sampled lines ${lo}-${hi}; ${verdict}):`, '');
    if (pathRows.length) {
      const shownRows = pathRows.slice(0, maxRows);
      out.push(
        ...table(
          ['Group', 'Lines', 'A compiles', 'B compiles', 'Differs'],
          shownRows.map((r) => [
            `${'· '.repeat(bb[r.g].depth - 1)}${chainText(bb, r.g).replace(/\*\*/g, '')}`,
            `${bb[r.g].line}-${groupEnd(r.g) + 1}`,
            r.a,
            r.b,
            r.a === 'unknown' || r.b === 'unknown' ? '?' : r.a !== r.b ? 'yes' : '',
          ]),
          'lllll',
        ),
      );
      if (pathRows.length > shownRows.length)
        out.push('', `${pathRows.length - shownRows.length} more groups not shown.`);
    } else out.push('No `#if` group spans the sampled lines.');
    // Block-level A/B.
    const rows = [...sums.entries()]
      .sort((x, y) => (x[0] < 0 ? -1 : y[0] < 0 ? 1 : x[0] - y[0]))
      .map(([i, s]) => {
        const b = i >= 0 ? bb[i] : undefined;
        const compiled = b ? compiledBoth(ba[i], b) : '';
        return [
          b ? `${'· '.repeat(b.depth - 1)}${chainText(bb, i)}` : '(outside any `#if`)',
          b ? `${b.line}-${b.endLine}` : '',
          compiled,
          formatEventNumber(s.a, pa.events[ea]),
          formatEventNumber(s.b, ev),
          ratioText(s.b, s.a),
          formatShare(pctOf(s.a, pa, ea)),
          formatShare(pctOf(s.b, pb, eb)),
          formatPoints(pctOf(s.b, pb, eb) - pctOf(s.a, pa, ea)),
        ];
      });
    out.push('', 'Block-level A/B:', '');
    out.push(
      ...table(
        [
          'Block',
          'Lines',
          'Compiled in',
          `A ${ev.name} (${unit})`,
          `B ${ev.name} (${unit})`,
          'B/A',
          `A % of ${ev.name}`,
          `B % of ${ev.name}`,
          'Δ share',
        ].map(text),
        rows,
        'lll' + 'r'.repeat(6),
      ),
    );
    const lostButCost = rows.filter((r) => r[8].startsWith('−') && r[5].startsWith('×') && Number(r[5].slice(1)) > 1);
    if (lostButCost.length)
      out.push(
        '',
        `Lost share but cost more in B: ${lostButCost.map((r) => `${r[0].replace(/^(· )+/, '')} (${r[8]}, ${r[5]})`).join('; ')}.`,
      );
  }
  return out;
}

function compiledBoth(a: SourceBlock | undefined, b: SourceBlock): string {
  const [x, y] = [a?.active, b.active];
  if (x === undefined && y === undefined) return 'unknown';
  if (x === undefined) return y ? 'B (A unknown)' : 'not B (A unknown)';
  if (y === undefined) return x ? 'A (B unknown)' : 'not A (B unknown)';
  return x && y ? 'both' : x ? 'A only' : y ? 'B only' : 'neither';
}

// ---- Lines that changed most -----------------------------------------------------------------------------------

/** The source lines whose cost changed most between the builds (absolute count, in the event's unit). */
export function lineChangesSection(pair: AbPair, top: number): string[] {
  const { ea, eb } = pairEvents(pair);
  const [pa, pb] = [pair.a.profile, pair.b.profile];
  const ev = pb.events[eb];
  const unit = eventUnitName(ev);
  const by = new Map<string, { where: string; recorded: string; line: number; a: number; b: number; fn: string }>();
  const owners = [lineFunctions(pb), lineFunctions(pa)];
  const add = (p: Profile, e: number, key: 'a' | 'b', owner: Map<string, string>) => {
    for (const l of p.lines) {
      const where = `${pair.sources.display(l.file)}:${l.line}`;
      let r = by.get(where);
      if (!r)
        by.set(
          where,
          (r = { where, recorded: l.file, line: l.line, a: 0, b: 0, fn: owner.get(`${l.file}\0${l.line}`) ?? '' }),
        );
      r[key] += l.counts[e];
      if (!r.fn) r.fn = owner.get(`${l.file}\0${l.line}`) ?? '';
    }
  };
  add(pb, eb, 'b', owners[0]);
  add(pa, ea, 'a', owners[1]);
  const rows = [...by.values()]
    .filter((r) => r.a !== r.b)
    .sort((x, y) => Math.abs(y.b - y.a) - Math.abs(x.b - x.a) || cmp(x.where, y.where))
    .slice(0, top);
  if (!rows.length) return ['No source line changed.'];
  const blockOf = (recorded: string, line: number): string => {
    const src = pair.sources.text(recorded);
    const path = pair.sources.locate(recorded);
    if (src === undefined || !path) return '';
    const blocks = engineBlocks(pair.engine, path, src, undefined);
    const i = blockOfLine(blocks, line);
    return i < 0 ? '' : code(directiveText(blocks[i]).slice(0, 60));
  };
  const out = [
    `Ranked by the change of ${code(ev.name)} on the line (B − A, in ${unit}); the block is the innermost \`#if\` branch holding it.`,
    '',
  ];
  out.push(
    ...table(
      [
        'Line',
        'Function',
        'Block',
        `A (${unit})`,
        `B (${unit})`,
        `Δ (${unit})`,
        'B/A',
        'A share',
        'B share',
        'Δ share',
      ].map(text),
      rows.map((r) => {
        const sa = pctOf(r.a, pa, ea);
        const sb = pctOf(r.b, pb, eb);
        return [
          code(r.where),
          r.fn ? code(r.fn) : '',
          blockOf(r.recorded, r.line),
          formatEventNumber(r.a, pa.events[ea]),
          formatEventNumber(r.b, ev),
          signed(r.b - r.a, pb, eb),
          ratioText(r.b, r.a),
          formatShare(sa),
          formatShare(sb),
          formatPoints(sb - sa),
        ];
      }),
      'lll' + 'r'.repeat(7),
    ),
  );
  const hidden = rows.filter((r) => r.b > r.a && pctOf(r.b, pb, eb) < pctOf(r.a, pa, ea));
  if (hidden.length) out.push('', `Lost share but cost more in B: ${hidden.map((r) => code(r.where)).join(', ')}.`);
  return out;
}

/**
 * The few lines an engineer reads first: what differs between the builds, how the totals and the hot function
 * moved (absolute and in share), and the line whose cost changed most.
 */
export function summaryLines(pair: AbPair, hotName: string | undefined, flags: FlagDifference[] | undefined): string[] {
  const { ea, eb } = pairEvents(pair);
  const [pa, pb] = [pair.a.profile, pair.b.profile];
  const ev = pb.events[eb];
  const out: string[] = [];
  if (flags === undefined) out.push('- Flags: not known for both builds (see Builds and flags).');
  else if (!flags.length) out.push('- Flags: the builds compile the hot function with the same flags.');
  else
    out.push(
      `- Flags that differ: ${flags
        .slice(0, 6)
        .map((f) => `${f.name} ${f.a} → ${f.b}`)
        .join(', ')}${flags.length > 6 ? `, and ${flags.length - 6} more` : ''}.`,
    );
  out.push(
    `- ${code(ev.name)} in total: A ${formatEventValue(pa.totals[ea], pa.events[ea])}, B ${formatEventValue(pb.totals[eb], ev)} (${ratioText(pb.totals[eb], pa.totals[ea])}).`,
  );
  if (hotName) {
    const sum = (p: Profile, e: number) => functionLines(p, hotName).lines.reduce((x, l) => x + l.counts[e], 0);
    const [fa, fb] = [sum(pa, ea), sum(pb, eb)];
    out.push(
      `- Hot function ${code(hotName)} on its source lines: A ${formatEventValue(fa, pa.events[ea])}, B ${formatEventValue(fb, ev)} (${ratioText(fb, fa)}, ${formatPoints(pctOf(fb, pb, eb) - pctOf(fa, pa, ea))}).`,
    );
  }
  return out;
}

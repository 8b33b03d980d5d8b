/**
 * The report's profile sections: top functions (with the baseline's shares and the change in points), shares by
 * binary (allocator library vs benchmark when the allocator was LD_PRELOADed), and cache-miss hotspots with miss
 * density per function and per line. Every share has its own profile's total as denominator.
 */
import { basename } from 'node:path';
import { cycleEvent, missDensity, missEvent } from '../model/events';
import { eventUnitName, formatEventNumber, formatEventValue, formatPoints, formatRatio } from '../model/format';
import { sourceFunctionName, type Profile } from '../model/profile';
import { code, count, points, share, table, text } from './report-markdown';
import type { SourceFiles } from './report-sources';
import { shareOf } from '../model/share';
import type { BuildSpec, ReportBuild } from './report-builds';

export interface ProfileSide {
  /** Display name (the file name). */
  name: string;
  profile: Profile;
  /** The build's flags (a Makefile target, compile_commands.json, the experiment's defines), when known. */
  build?: BuildSpec | ReportBuild;
}

export interface NamedCounts {
  name: string;
  /** The binary holding most of it (display name). */
  dso: string;
  counts: number[];
  /** Samples per event where the input had them apart from the period (perf.data): perf report's `-n` column. */
  samples?: number[];
}

/** `/usr/lib/libc.so.6` → `libc.so.6`; '' (cachegrind) stays ''. */
export const dsoName = (dso: string): string => (dso ? basename(dso) : '');

/** Functions summed by name over binaries (A/B builds name their binaries differently), stable order. */
export function functionsByName(p: Profile): NamedCounts[] {
  const by = new Map<string, { counts: number[]; dsos: Map<string, number> }>();
  for (const f of p.functions) {
    let e = by.get(f.name);
    if (!e) by.set(f.name, (e = { counts: p.events.map(() => 0), dsos: new Map() }));
    f.counts.forEach((c, i) => (e!.counts[i] += c));
    e.dsos.set(dsoName(f.dso), (e.dsos.get(dsoName(f.dso)) ?? 0) + f.counts.reduce((s, c) => s + c, 0));
  }
  return [...by].map(([name, e]) => ({
    name,
    dso: [...e.dsos].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))[0][0],
    counts: e.counts,
  }));
}

export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The event index to rank by in `p`: the same name as in the other profile when it has it. */
export function matchingEvent(p: Profile, name: string): number {
  const i = p.events.findIndex((e) => e.name === name);
  return i >= 0 ? i : cycleEvent(p.events.map((e) => e.name));
}

/** Functions as perf report lists them: one row per (name, binary). */
export function functionRows(p: Profile): NamedCounts[] {
  const by = new Map<string, NamedCounts>();
  for (const f of p.functions) {
    const key = `${f.name}\0${dsoName(f.dso)}`;
    const e = by.get(key);
    if (!e) {
      by.set(key, {
        name: f.name,
        dso: dsoName(f.dso),
        counts: f.counts.slice(),
        ...(f.samples ? { samples: f.samples.slice() } : {}),
      });
      continue;
    }
    f.counts.forEach((c, i) => (e.counts[i] += c));
    if (e.samples && f.samples) f.samples.forEach((c, i) => (e.samples![i] += c));
    else delete e.samples;
  }
  return [...by.values()];
}

/**
 * Each row of `mine` paired with the baseline's row of the same name and binary; failing that, of the same name when
 * each side has exactly one (the A/B builds' binaries are usually named differently); failing that, of the same
 * source function (a clone in one build only).
 */
function pairRows(mine: readonly NamedCounts[], theirs: readonly NamedCounts[]): Map<NamedCounts, NamedCounts> {
  const key = (r: NamedCounts): string => `${r.name}\0${r.dso}`;
  const exact = new Map(theirs.map((r) => [key(r), r]));
  const only = (list: readonly NamedCounts[], name: (r: NamedCounts) => string, want: string) => {
    const found = list.filter((r) => name(r) === want);
    return found.length === 1 ? found[0] : undefined;
  };
  const plain = (r: NamedCounts): string => r.name;
  const source = (r: NamedCounts): string => sourceFunctionName(r.name);
  const pairs = new Map<NamedCounts, NamedCounts>();
  const taken = new Set<NamedCounts>();
  for (const r of mine) {
    const t = exact.get(key(r)) ?? (only(mine, plain, r.name) && only(theirs, plain, r.name));
    if (t) {
      pairs.set(r, t);
      taken.add(t);
    }
  }
  // One build's clone of a function the other build kept whole (`scan.part.0` beside `scan`): the same source
  // function, when each side has exactly one row of it left.
  for (const r of mine) {
    if (pairs.has(r)) continue;
    const base = source(r);
    const left = theirs.filter((t) => !taken.has(t));
    const t =
      only(
        mine.filter((m) => !pairs.has(m)),
        source,
        base,
      ) && only(left, source, base);
    if (t) {
      pairs.set(r, t);
      taken.add(t);
    }
  }
  return pairs;
}

export function topFunctionsSection(side: ProfileSide, baseline: ProfileSide | undefined, top: number): string[] {
  const p = side.profile;
  const e = cycleEvent(p.events.map((x) => x.name));
  const eventName = p.events[e].name;
  const mine = functionRows(p);
  const rank = (list: NamedCounts[], ev: number) =>
    list.slice().sort((a, b) => b.counts[ev] - a.counts[ev] || cmp(a.name, b.name) || cmp(a.dso, b.dso));
  const out: string[] = [];
  out.push(
    `Ranked by ${code(eventName)}; shares are of each profile's own total (${text(side.name)}: ${count(p.totals[e])}${baseline ? `, ${text(baseline.name)}: ${count(baseline.profile.totals[matchingEvent(baseline.profile, eventName)])}` : ''}).`,
    '',
  );
  const withDso = mine.some((f) => f.dso !== '');
  if (!baseline) {
    const rows = rank(mine, e)
      .slice(0, top)
      .map((f, i) => [
        String(i + 1),
        code(f.name),
        ...(withDso ? [text(f.dso)] : []),
        count(f.counts[e]),
        share(f.counts[e], p.totals[e]),
      ]);
    out.push(
      ...table(
        ['#', 'Function', ...(withDso ? ['Binary'] : []), eventName, 'Share'].map(text),
        rows,
        withDso ? 'rllrr' : 'rlrr',
      ),
    );
    return out;
  }
  const b = baseline.profile;
  const be = matchingEvent(b, eventName);
  const theirs = functionRows(b);
  const pairs = pairRows(mine, theirs);
  const paired = new Set(pairs.values());
  const pct = (r: NamedCounts | undefined, q: Profile, ev: number): number =>
    r ? shareOf(r.counts[ev], q.totals[ev]) : 0;
  const shown = new Set([...rank(mine, e).slice(0, top), ...rank(theirs, be).slice(0, top)]);
  const rows = [
    ...mine
      .filter((r) => shown.has(r) || (pairs.has(r) && shown.has(pairs.get(r)!)))
      .map((r) => ({
        name: r.name,
        dso: r.dso,
        ms: pct(r, p, e),
        ts: pct(pairs.get(r), b, be),
        mc: r.counts[e],
        tc: pairs.get(r)?.counts[be] ?? 0,
      })),
    ...theirs
      .filter((t) => shown.has(t) && !paired.has(t))
      .map((t) => ({ name: t.name, dso: t.dso, ms: 0, ts: pct(t, b, be), mc: 0, tc: t.counts[be] })),
  ].sort((x, y) => y.ms - x.ms || y.ts - x.ts || cmp(x.name, y.name) || cmp(x.dso, y.dso));
  // Absolute counts in the event's unit beside the shares: when the totals differ, a function can lose share
  // and still cost more.
  const ev = p.events[e];
  const unit = eventUnitName(ev);
  const ratio = (m: number, t: number): string => (t > 0 ? (m > 0 ? formatRatio(m / t) : 'gone') : m > 0 ? 'new' : '');
  out.push(
    ...table(
      [
        '#',
        'Function',
        ...(withDso ? ['Binary'] : []),
        side.name,
        baseline.name,
        'Δ points',
        `${side.name} (${unit})`,
        `${baseline.name} (${unit})`,
        'Ratio',
      ].map(text),
      rows.map((r, i) => [
        String(i + 1),
        code(r.name),
        ...(withDso ? [text(r.dso)] : []),
        `${r.ms.toFixed(2)}%`,
        `${r.ts.toFixed(2)}%`,
        points(r.ms - r.ts),
        formatEventNumber(r.mc, ev),
        formatEventNumber(r.tc, b.events[be]),
        ratio(r.mc, r.tc),
      ]),
      withDso ? 'rllrrrrrr' : 'rlrrrrrr',
    ),
  );
  const [tm, tt] = [p.totals[e], b.totals[be]];
  out.push(
    '',
    `Totals: ${text(side.name)} ${formatEventValue(tm, ev)}, ${text(baseline.name)} ${formatEventValue(tt, b.events[be])} (${ratio(tm, tt)}).`,
  );
  const hidden = rows.filter((r) => r.ms < r.ts - 0.005 && r.mc > r.tc && r.tc > 0);
  if (hidden.length)
    out.push(
      '',
      `Lost share but cost more: ${hidden
        .slice(0, 5)
        .map((r) => `${code(r.name)} ${formatPoints(r.ms - r.ts)} while its ${code(ev.name)} went ${ratio(r.mc, r.tc)}`)
        .join('; ')}.`,
    );
  const moved = rows
    .slice()
    .sort((x, y) => Math.abs(y.ms - y.ts) - Math.abs(x.ms - x.ts) || cmp(x.name, y.name))
    .slice(0, 3)
    .filter((r) => Math.abs(r.ms - r.ts) >= 0.005);
  if (moved.length)
    out.push(
      '',
      `Largest changes of share: ${moved.map((r) => `${code(r.name)} ${points(r.ms - r.ts)} points`).join(', ')}.`,
    );
  return out;
}

/** Miss events worth a column: perf's and cachegrind's data-miss events, primary first (at most three). */
export function missEvents(p: Profile): number[] {
  const names = p.events.map((e) => e.name);
  const wanted = [
    /^cache-misses(:\w+)?$/,
    /^L1-dcache-load-misses(:\w+)?$/,
    /^LLC-load-misses(:\w+)?$/,
    /^D1mr$/,
    /^DLmr$/,
  ];
  const found = wanted.flatMap((re) => names.map((n, i) => (re.test(n) ? i : -1)).filter((i) => i >= 0));
  const primary = missEvent(names);
  const list = [...new Set([...(primary !== undefined ? [primary] : []), ...found])];
  return list.slice(0, 3);
}

/** Line → the function with most of its counts there (for the miss-line table). */
export function lineFunctions(p: Profile): Map<string, string> {
  const best = new Map<string, [string, number]>();
  for (const a of p.addresses) {
    const f = a.inlineChain[0];
    if (!f) continue;
    const key = `${f.file}\0${f.line}`;
    const n = a.counts.reduce((s, c) => s + c, 0);
    const name = sourceFunctionName(a.symbol);
    const cur = best.get(key);
    if (!cur || n > cur[1] || (n === cur[1] && name < cur[0])) best.set(key, [name, n]);
  }
  return new Map([...best].map(([k, [n]]) => [k, n]));
}

export function missSection(side: ProfileSide, sources: SourceFiles, top: number): string[] {
  const p = side.profile;
  const names = p.events.map((e) => e.name);
  const misses = missEvents(p);
  if (misses.length === 0)
    return [
      `${text(side.name)} has no cache-miss event (it has: ${names.map(code).join(', ')}): record with \`perf record -e cycles,cache-misses\`, or run cachegrind with \`--cache-sim=yes\`.`,
    ];
  const m = misses[0];
  const c = cycleEvent(names);
  const dens = (mc: number, cc: number): string => {
    const d = missDensity(p.totals[m] > 0 ? mc / p.totals[m] : 0, p.totals[c] > 0 ? cc / p.totals[c] : 0);
    return d === undefined ? 'n/a' : d.toFixed(2);
  };
  const out: string[] = [
    `Ranked by ${code(names[m])} (total ${count(p.totals[m])}). Miss density = share of ${code(names[m])} ÷ share of ${code(names[c])}: above 1, misses concentrate there.`,
    '',
  ];
  const extra = misses.slice(1);
  const header = [
    '#',
    'Function',
    names[m],
    `% of ${names[m]}`,
    ...extra.map((x) => `% of ${names[x]}`),
    `% of ${names[c]}`,
    'Density',
  ];
  const fns = functionRows(p)
    .filter((f) => f.counts[m] > 0)
    .sort((a, b) => b.counts[m] - a.counts[m] || cmp(a.name, b.name))
    .slice(0, top);
  out.push(
    ...table(
      header.map(text),
      fns.map((f, i) => [
        String(i + 1),
        code(f.name),
        count(f.counts[m]),
        share(f.counts[m], p.totals[m]),
        ...extra.map((x) => share(f.counts[x], p.totals[x])),
        share(f.counts[c], p.totals[c]),
        dens(f.counts[m], f.counts[c]),
      ]),
      'rl' + 'r'.repeat(header.length - 2),
    ),
  );
  const owner = lineFunctions(p);
  const lines = p.lines
    .filter((l) => l.counts[m] > 0)
    .map((l) => ({ l, where: `${sources.display(l.file)}:${l.line}` }))
    .sort((a, b) => b.l.counts[m] - a.l.counts[m] || cmp(a.where, b.where))
    .slice(0, top);
  if (lines.length) {
    out.push('', `Hottest lines by ${code(names[m])}:`, '');
    out.push(
      ...table(
        ['Line', 'Function', names[m], `% of ${names[m]}`, `% of ${names[c]}`, 'Density'].map(text),
        lines.map(({ l, where }) => [
          code(where),
          code(owner.get(`${l.file}\0${l.line}`) ?? ''),
          count(l.counts[m]),
          share(l.counts[m], p.totals[m]),
          share(l.counts[c], p.totals[c]),
          dens(l.counts[m], l.counts[c]),
        ]),
        'llrrrr',
      ),
    );
  }
  const densest = functionRows(p)
    .filter((f) => p.totals[m] > 0 && f.counts[m] / p.totals[m] >= 0.01 && f.counts[c] > 0)
    .map((f) => ({ f, d: missDensity(f.counts[m] / p.totals[m], f.counts[c] / p.totals[c])! }))
    .sort((a, b) => b.d - a.d || cmp(a.f.name, b.f.name))[0];
  if (densest)
    out.push(
      '',
      `Densest function with at least 1% of the misses: ${code(densest.f.name)}, ${share(densest.f.counts[m], p.totals[m])} of ${code(names[m])} for ${share(densest.f.counts[c], p.totals[c])} of ${code(names[c])} (density ${densest.d.toFixed(2)}).`,
    );
  return out;
}

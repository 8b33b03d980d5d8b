/**
 * The report's tables that put events side by side, as the seed analysis does (§4–§6): the top functions by each
 * event, the functions whose share of a miss event exceeds their share of cycles (ranked by the ratio), and the
 * functions grouped into "allocator" and "program" with each group's share per event (the seed's "allocator
 * overhead"). Every share has its own event's total as denominator, so each number can be put beside perf's.
 */
import { cycleEvent } from '../model/events';
import type { Profile } from '../model/profile';
import { code, count, points, share, table, text } from './report-markdown';
import { formatEventNumber, formatEventValue, isClockEvent } from '../model/format';
import {
  cmp,
  dsoName,
  functionRows,
  matchingEvent,
  missEvents,
  type NamedCounts,
  type ProfileSide,
} from './report-profile';
import { shareOf } from '../model/share';

/** A user's group: functions whose name starts with `prefix`, or every function of the binary `binary`. */
export interface GroupSpec {
  name: string;
  prefix?: string;
  binary?: string;
}

/** `allocator=hz3_` (name prefix) or `allocator=binary:libhz3.so` (a binary's file name). */
export function parseGroupSpec(spec: string): GroupSpec {
  const eq = spec.indexOf('=');
  const name = spec.slice(0, eq).trim();
  const rule = spec.slice(eq + 1).trim();
  if (eq <= 0 || !name || !rule)
    throw new Error(`--group takes NAME=PREFIX or NAME=binary:FILE (e.g. allocator=hz3_), got "${spec}"`);
  if (rule.startsWith('binary:')) {
    const binary = rule.slice('binary:'.length).trim();
    if (!binary) throw new Error(`--group ${name}=binary: needs a binary's file name (e.g. binary:libhz3.so)`);
    return { name, binary };
  }
  return { name, prefix: rule };
}

const isPseudoBinary = (dso: string): boolean => dso.startsWith('[');
const SYSTEM_LIBRARY = /^(libc|libm|libpthread|libdl|librt|libgcc_s|libstdc\+\+|ld-linux[\w.-]*|ld)\.so(\.|$)/;
const SHARED_LIBRARY = /\.so(\.\d+)*$/;

const matches = (f: NamedCounts, s: GroupSpec): boolean =>
  s.prefix !== undefined ? f.name.startsWith(s.prefix) : f.dso === s.binary;

/**
 * The groups a function is in: every user group with a rule that matches it (groups may overlap, as the seed's
 * "allocator" holds its "remote stash" pair), else the catch-all `program` (`other` when the user named a group
 * `program`); without user groups, its binary's role.
 */
export function groupsOf(f: NamedCounts, specs: readonly GroupSpec[]): string[] {
  if (specs.length) {
    const hit = [...new Set(specs.filter((s) => matches(f, s)).map((s) => s.name))];
    if (hit.length) return hit;
    return [specs.some((s) => s.name === 'program') ? 'other' : 'program'];
  }
  return [roleOf(f.dso)];
}

/** A binary's role by its file name: the kernel, a system library, another shared library (an allocator), a program. */
export function roleOf(dso: string): string {
  if (isPseudoBinary(dso)) return 'kernel';
  if (dso === '') return 'program';
  if (SYSTEM_LIBRARY.test(dso)) return 'system libraries';
  if (SHARED_LIBRARY.test(dso)) return 'allocator';
  return 'program';
}

/** The events beside the cycle event: miss events where there are, else every other non-clock event (at most 3). */
export function secondaryEvents(p: Profile): number[] {
  const names = p.events.map((e) => e.name);
  const c = cycleEvent(names);
  const misses = missEvents(p).filter((m) => m !== c);
  if (misses.length) return misses;
  return names
    .map((_, i) => i)
    .filter((i) => i !== c && !/(^|-)(cycles|clock)(:\w+)?$|^Ir$|^instructions/.test(names[i]))
    .slice(0, 3);
}

/** The events a profile's tables are shown for: cycles first, then the secondary events. */
export function shownEvents(p: Profile): number[] {
  const c = cycleEvent(p.events.map((e) => e.name));
  return [c, ...secondaryEvents(p)];
}

/** A count's unit as the reader knows it: `period` for perf.data and perf report text (derived from its shares). */
const unitOf = (p: Profile, e: number): string => (isClock(p, e) ? 'ms' : p.events[e].unit);
/** Clock periods are nanoseconds: shown in ms, as everywhere else (model/format.ts). */
const isClock = (p: Profile, e: number): boolean => p.events[e].unit === 'period' && isClockEvent(p.events[e].name);

/** Counts derived from a printed share (perf report text) are fractional; past 100 the fraction is noise. */
const bigCount = (n: number): string => count(Math.abs(n) >= 100 ? Math.round(n) : n);

/** §4/§5 of the seed: for each event, the top functions with their count and share. */
export function topByEventSection(side: ProfileSide, top: number): string[] {
  const p = side.profile;
  const rows = functionRows(p);
  const withDso = rows.some((f) => f.dso !== '');
  const out: string[] = [];
  for (const e of shownEvents(p)) {
    const name = p.events[e].name;
    const ranked = rows
      .filter((f) => f.counts[e] > 0)
      .sort((a, b) => b.counts[e] - a.counts[e] || cmp(a.name, b.name) || cmp(a.dso, b.dso))
      .slice(0, top);
    const held = ranked.reduce((s, f) => s + f.counts[e], 0);
    out.push(`### By ${code(name)}`, '');
    if (!ranked.length) {
      out.push(`No function has ${code(name)}.`, '');
      continue;
    }
    const withSamples = ranked.every((f) => f.samples);
    out.push(
      ...table(
        [
          '#',
          'Function',
          ...(withDso ? ['Binary'] : []),
          ...(withSamples ? ['Samples'] : []),
          `${name} (${unitOf(p, e)})`,
          `% of ${name}`,
        ].map(text),
        ranked.map((f, i) => [
          String(i + 1),
          code(f.name),
          ...(withDso ? [text(f.dso)] : []),
          ...(withSamples ? [count(f.samples![e])] : []),
          isClock(p, e) ? formatEventNumber(f.counts[e], p.events[e]) : bigCount(f.counts[e]),
          share(f.counts[e], p.totals[e]),
        ]),
        'rl' + (withDso ? 'l' : '') + 'r'.repeat(withSamples ? 3 : 2),
      ),
      '',
      `These ${ranked.length} functions hold ${share(held, p.totals[e])} of ${code(name)} (total ${count(p.totals[e])}${isClock(p, e) ? ` ns, ${formatEventValue(p.totals[e], p.events[e])}` : ''}).`,
      '',
    );
  }
  return out;
}

/** §6 of the seed: functions whose share of a secondary event exceeds their share of cycles, by the ratio. */
export function concentrationSection(side: ProfileSide, top: number): string[] {
  const p = side.profile;
  const names = p.events.map((e) => e.name);
  const c = cycleEvent(names);
  const out: string[] = [];
  const rows = functionRows(p);
  const withDso = rows.some((f) => f.dso !== '');
  for (const m of secondaryEvents(p)) {
    const pm = (f: NamedCounts): number => shareOf(f.counts[m], p.totals[m]);
    const pc = (f: NamedCounts): number => shareOf(f.counts[c], p.totals[c]);
    const above = rows
      .filter((f) => pm(f) >= 0.5 && pm(f) > pc(f))
      .map((f) => ({ f, ratio: pc(f) > 0 ? pm(f) / pc(f) : Infinity }))
      .sort((a, b) => b.ratio - a.ratio || pm(b.f) - pm(a.f) || cmp(a.f.name, b.f.name));
    if (out.length) out.push('');
    out.push(`### ${code(names[m])} above its share of ${code(names[c])}`, '');
    if (!above.length) {
      out.push(`No function with at least 0.5% of ${code(names[m])} has more of it than of ${code(names[c])}.`);
      continue;
    }
    const shown = above.slice(0, top);
    out.push(
      `Functions with at least 0.5% of ${code(names[m])} whose share of it exceeds their share of ${code(names[c])}, ranked by the ratio (above 1: ${code(names[m])} concentrates there).`,
      '',
      ...table(
        ['#', 'Function', ...(withDso ? ['Binary'] : []), `% of ${names[m]}`, `% of ${names[c]}`, 'Ratio'].map(text),
        shown.map(({ f, ratio }, i) => [
          String(i + 1),
          code(f.name),
          ...(withDso ? [text(f.dso)] : []),
          `${pm(f).toFixed(2)}%`,
          `${pc(f).toFixed(2)}%`,
          Number.isFinite(ratio) ? ratio.toFixed(2) : 'no cycles',
        ]),
        withDso ? 'rllrrr' : 'rlrrr',
      ),
    );
    const sm = above.reduce((s, x) => s + pm(x.f), 0);
    const sc = above.reduce((s, x) => s + pc(x.f), 0);
    const first = above[0];
    out.push(
      '',
      `${code(first.f.name)} has ${pm(first.f).toFixed(2)}% of ${code(names[m])} but ${pc(first.f).toFixed(2)}% of ${code(names[c])}. ${above.length > 1 ? `Together these ${above.length} functions hold ${sm.toFixed(2)}% of ${code(names[m])} for ${sc.toFixed(2)}% of ${code(names[c])}.` : ''}`.trimEnd(),
    );
  }
  return out;
}

interface GroupRow {
  name: string;
  counts: number[];
  members: NamedCounts[];
}

export function groupRows(p: Profile, specs: readonly GroupSpec[]): GroupRow[] {
  const by = new Map<string, GroupRow>();
  // User groups in the order given, then the catch-all.
  for (const s of specs)
    if (!by.has(s.name)) by.set(s.name, { name: s.name, counts: p.events.map(() => 0), members: [] });
  for (const f of functionRows(p)) {
    for (const g of groupsOf(f, specs)) {
      let r = by.get(g);
      if (!r) by.set(g, (r = { name: g, counts: p.events.map(() => 0), members: [] }));
      f.counts.forEach((x, i) => (r!.counts[i] += x));
      r.members.push(f);
    }
  }
  return [...by.values()];
}

function describeSpecs(name: string, specs: readonly GroupSpec[]): string {
  const own = specs.filter((s) => s.name === name);
  if (!own.length) return specs.length ? 'in no other group' : '';
  return own
    .map((s) => (s.prefix !== undefined ? `names starting ${code(s.prefix)}` : `binary ${text(s.binary!)}`))
    .join(', ');
}

/** The seed's "allocator overhead": each group's share of every shown event, beside the baseline's. */
export function groupsSection(
  side: ProfileSide,
  baseline: ProfileSide | undefined,
  specs: readonly GroupSpec[],
): string[] {
  const p = side.profile;
  if (!specs.length && !p.functions.some((f) => f.dso !== '')) {
    return [
      `${text(side.name)} names no binaries (cachegrind output does not), so functions cannot be grouped by binary: set \`--group allocator=PREFIX\` (repeatable, e.g. \`hz3_\`, \`mi_\`) to group them by name.`,
    ];
  }
  const evs = shownEvents(p);
  const names = p.events.map((e) => e.name);
  const c = evs[0];
  const mine = groupRows(p, specs);
  const b = baseline?.profile;
  const theirs = b ? groupRows(b, specs) : [];
  // The baseline's column for each shown event: the event of the same name (the cycle event by its kind), when it has one.
  const bEvents = b
    ? evs.map((e, k) => (k === 0 ? matchingEvent(b, names[e]) : b.events.findIndex((x) => x.name === names[e])))
    : [];
  const bc = bEvents[0] ?? 0;
  const bShown = bEvents.map((be, k) => ({ be, k })).filter((x) => x.be >= 0);
  const order = [...new Set([...mine.map((g) => g.name), ...theirs.map((g) => g.name)])];
  const rows = order
    .map((n) => ({ n, g: mine.find((x) => x.name === n), t: theirs.find((x) => x.name === n) }))
    .filter(
      (r) =>
        (r.g && r.g.counts.some((x) => x > 0)) ||
        (r.t && r.t.counts.some((x) => x > 0)) ||
        specs.some((s) => s.name === r.n),
    );
  const how = specs.length
    ? 'Groups by function name or binary as set with `--group NAME=PREFIX` / `NAME=binary:FILE`. A function is in every group with a rule that matches it (groups may overlap: their shares can add up to more than 100%), and in `program` when it is in none.'
    : 'Groups by binary: `allocator` = shared libraries other than the C runtime and the loader (an LD_PRELOADed allocator), `program` = executables, `system libraries` = libc, ld.so and the like, `kernel` = the kernel and vdso. Set `--group allocator=PREFIX` (repeatable, e.g. `hz3_`, `mi_`) to group by function name instead.';
  const header = [
    'Group',
    ...(specs.length ? ['Rule'] : []),
    ...evs.map((e) => `% of ${names[e]}`),
    ...(b ? [...bShown.map(({ be }) => `${baseline!.name} % of ${b.events[be].name}`), `Δ points (${names[c]})`] : []),
    `Largest members (by ${names[c]})`,
  ];
  const pctOf = (g: GroupRow | undefined, q: Profile, e: number): number => (g ? shareOf(g.counts[e], q.totals[e]) : 0);
  const body = rows.map(({ n, g, t }) => {
    const largest = (g?.members ?? [])
      .filter((f) => f.counts[c] > 0)
      .sort((x, y) => y.counts[c] - x.counts[c] || cmp(x.name, y.name))
      .slice(0, 3)
      .map((f) => `${code(f.name)} ${share(f.counts[c], p.totals[c])}`)
      .join(', ');
    return [
      text(n),
      ...(specs.length ? [describeSpecs(n, specs)] : []),
      ...evs.map((e) => `${pctOf(g, p, e).toFixed(2)}%`),
      ...(b
        ? [...bShown.map(({ be }) => `${pctOf(t, b, be).toFixed(2)}%`), points(pctOf(g, p, c) - pctOf(t, b, bc))]
        : []),
      largest,
    ];
  });
  const out = [
    how,
    '',
    ...table(
      header.map(text),
      body,
      'l' + (specs.length ? 'l' : '') + 'r'.repeat(evs.length + (b ? bShown.length + 1 : 0)) + 'l',
    ),
  ];
  const alloc = mine.find((g) => g.name === 'allocator');
  if (alloc) {
    const parts = evs.map((e) => `${share(alloc.counts[e], p.totals[e])} of ${code(names[e])}`).join(', ');
    const t = theirs.find((g) => g.name === 'allocator');
    const vs =
      b && t
        ? `; ${text(baseline!.name)}: ${bShown.map(({ be }) => `${share(t.counts[be], b.totals[be])} of ${code(b.events[be].name)}`).join(', ')} (${points(pctOf(alloc, p, c) - pctOf(t, b, bc))} points of ${code(names[c])})`
        : '';
    out.push('', `Allocator overhead in ${text(side.name)}: ${parts}${vs}.`);
    if (b && !specs.length && !(t && t.counts[bc] > 0)) {
      out.push(
        '',
        `${text(baseline!.name)} has no allocator library of its own: its allocator is part of a system library (glibc's malloc is in libc.so.6). Compare by name with \`--group allocator=PREFIX\`, or name the binary with \`--group allocator=binary:libc.so.6\`.`,
      );
    }
  }
  return out;
}

/** Names of the functions sampled in each binary. */
function functionsOf(p: Profile): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const f of functionRows(p)) {
    let s = m.get(f.dso);
    if (!s) m.set(f.dso, (s = new Set()));
    s.add(f.name);
  }
  return m;
}

/**
 * The A and B builds' binaries paired by role: the same file name first, then, for the rest, the binary of the other
 * build that holds the most of the same functions (`mini-hz3-bench` ↔ `mini-hz3-bench-b`, an allocator library ↔ the
 * library that defines malloc and free on the other side), then the one allocator library (or executable) left on
 * each side. Pseudo-DSOs pair by name only.
 */
export function pairBinaries(a: Profile, b: Profile): Map<string, string> {
  const fa = functionsOf(a);
  const fb = functionsOf(b);
  const pairs = new Map<string, string>();
  const takenB = new Set<string>();
  for (const n of fa.keys()) {
    if (!fb.has(n)) continue;
    pairs.set(n, n);
    takenB.add(n);
  }
  const candidates: { x: string; y: string; shared: number }[] = [];
  for (const [x, sx] of fa) {
    if (pairs.has(x) || isPseudoBinary(x)) continue;
    for (const [y, sy] of fb) {
      if (takenB.has(y) || isPseudoBinary(y)) continue;
      const shared = [...sx].filter((f) => sy.has(f)).length;
      if (shared > 0) candidates.push({ x, y, shared });
    }
  }
  candidates.sort((p, q) => q.shared - p.shared || cmp(p.x, q.x) || cmp(p.y, q.y));
  for (const { x, y } of candidates) {
    if (pairs.has(x) || takenB.has(y)) continue;
    pairs.set(x, y);
    takenB.add(y);
  }
  // Allocators rarely share symbol names (hz3_malloc vs mi_malloc): what is left pairs by role, when each side has
  // exactly one unpaired binary of it (one allocator library, one executable).
  for (const role of ['allocator', 'program']) {
    const xs = [...fa.keys()].filter((x) => !pairs.has(x) && roleOf(x) === role);
    const ys = [...fb.keys()].filter((y) => !takenB.has(y) && roleOf(y) === role);
    if (xs.length === 1 && ys.length === 1) {
      pairs.set(xs[0], ys[0]);
      takenB.add(ys[0]);
    }
  }
  return pairs;
}

/** Shares per binary, the A and B builds' binaries paired by role (see pairBinaries). */
export function binariesSection(side: ProfileSide, baseline: ProfileSide | undefined): string[] {
  const sum = (p: Profile, ev: number): Map<string, number> => {
    const m = new Map<string, number>();
    for (const f of p.functions) m.set(dsoName(f.dso), (m.get(dsoName(f.dso)) ?? 0) + f.counts[ev]);
    return m;
  };
  const p = side.profile;
  const e = cycleEvent(p.events.map((x) => x.name));
  const mine = sum(p, e);
  const b = baseline?.profile;
  const be = b ? matchingEvent(b, p.events[e].name) : 0;
  const theirs = b ? sum(b, be) : new Map<string, number>();
  const pairs = b ? pairBinaries(p, b) : new Map<string, string>();
  const pairedB = new Set(pairs.values());
  const rows = [
    ...[...mine.keys()].map((n) => ({
      label: pairs.has(n) && pairs.get(n) !== n ? `${n} ↔ ${pairs.get(n)}` : n,
      m: mine.get(n) ?? 0,
      t: pairs.has(n) ? (theirs.get(pairs.get(n)!) ?? 0) : 0,
    })),
    ...[...theirs.keys()].filter((n) => !pairedB.has(n)).map((n) => ({ label: n, m: 0, t: theirs.get(n) ?? 0 })),
  ].filter((r) => r.label !== '');
  if (rows.length < 2 && !b) return [];
  const shown = rows
    // Binaries below 0.005% on both sides (kernel modules hit once) would only print as 0.00%.
    .filter((r) => r.m / (p.totals[e] || 1) >= 5e-5 || (b && r.t / (b.totals[be] || 1) >= 5e-5))
    .sort((x, y) => y.m - x.m || y.t - x.t || cmp(x.label, y.label))
    .map((r) => [text(r.label), share(r.m, p.totals[e]), ...(b ? [share(r.t, b.totals[be])] : [])]);
  const out = table(['Binary', side.name, ...(b ? [baseline!.name] : [])].map(text), shown, 'lrr');
  if (b && [...pairs].some(([x, y]) => x !== y))
    out.push(
      '',
      `Binaries of the two builds are paired by role: the same file name, else the binary that holds the most of the same functions, else the one allocator library or executable of each side (${[
        ...pairs,
      ]
        .filter(([x, y]) => x !== y)
        .map(([x, y]) => `${text(x)} ↔ ${text(y)}`)
        .join(', ')}).`,
    );
  return out;
}

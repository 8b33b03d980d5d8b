/**
 * Two profiles of one program (an A/B pair of builds) compared line by line. Shares are compared in percentage
 * points of each profile's own total; counts are compared after scaling the other profile to the baseline's total
 * ("normalised"), so a longer run does not read as a regression. Events are matched by name.
 */
import { addCounts, type Profile } from './profile';
import type { PathMapper } from './path-map';
import { shareOf } from './share';

export interface LineDiff {
  /** Workspace path when mapped, else as recorded by the baseline (or the other profile). */
  file: string;
  /** True when `file` is a workspace file. */
  mapped: boolean;
  /** 1-based. */
  line: number;
  /** Per common event. */
  base: number[];
  other: number[];
  baseShares: number[];
  otherShares: number[];
  /** otherShare − baseShare, percentage points. */
  delta: number[];
  /** other × (baseTotal / otherTotal) − base, in the baseline's unit. */
  normalizedDelta: number[];
  /** Samples in one profile only: the line was not run (or not compiled) in the other build. */
  only?: 'base' | 'other';
}

export interface ProfileDiff {
  /** Event names both profiles have, in the baseline's order. */
  events: string[];
  lines: LineDiff[];
  /** Largest |delta| and |normalizedDelta| per event over all lines: one colour scale per way of comparing. */
  maxAbsDelta: number[];
  maxAbsNormalized: number[];
}

export function diffProfiles(base: Profile, other: Profile, mapper?: PathMapper): ProfileDiff {
  const events = base.events.map((e) => e.name).filter((n) => other.events.some((o) => o.name === n));
  const bi = events.map((n) => base.events.findIndex((e) => e.name === n));
  const oi = events.map((n) => other.events.findIndex((e) => e.name === n));
  const where = (file: string): { file: string; mapped: boolean } => {
    const r = mapper?.resolve(file);
    return r?.kind === 'mapped' ? { file: r.path, mapped: true } : { file, mapped: false };
  };
  const rows = new Map<string, { file: string; mapped: boolean; line: number; base: number[]; other: number[] }>();
  const add = (p: Profile, idx: number[], side: 'base' | 'other'): void => {
    for (const l of p.lines) {
      const { file, mapped } = where(l.file);
      const key = `${file}\0${l.line}`;
      let r = rows.get(key);
      if (!r)
        rows.set(key, (r = { file, mapped, line: l.line, base: events.map(() => 0), other: events.map(() => 0) }));
      addCounts(
        r[side],
        idx.map((i) => l.counts[i]),
      );
    }
  };
  add(base, bi, 'base');
  add(other, oi, 'other');
  const bt = bi.map((i) => base.totals[i]);
  const ot = oi.map((i) => other.totals[i]);
  const lines: LineDiff[] = [];
  const maxAbsDelta = events.map(() => 0);
  const maxAbsNormalized = events.map(() => 0);
  for (const r of rows.values()) {
    const baseShares = r.base.map((c, e) => shareOf(c, bt[e]));
    const otherShares = r.other.map((c, e) => shareOf(c, ot[e]));
    const delta = otherShares.map((s, e) => s - baseShares[e]);
    const normalizedDelta = r.other.map((c, e) => (ot[e] > 0 ? (c * bt[e]) / ot[e] : 0) - r.base[e]);
    delta.forEach((d, e) => (maxAbsDelta[e] = Math.max(maxAbsDelta[e], Math.abs(d))));
    normalizedDelta.forEach((d, e) => (maxAbsNormalized[e] = Math.max(maxAbsNormalized[e], Math.abs(d))));
    const inBase = r.base.some((c) => c > 0);
    const inOther = r.other.some((c) => c > 0);
    lines.push({
      file: r.file,
      mapped: r.mapped,
      line: r.line,
      base: r.base,
      other: r.other,
      baseShares,
      otherShares,
      delta,
      normalizedDelta,
      only: inBase && !inOther ? 'base' : !inBase && inOther ? 'other' : undefined,
    });
  }
  lines.sort(
    (a, b) => Math.abs(b.delta[0] ?? 0) - Math.abs(a.delta[0] ?? 0) || a.file.localeCompare(b.file) || a.line - b.line,
  );
  return { events, lines, maxAbsDelta, maxAbsNormalized };
}

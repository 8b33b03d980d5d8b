/**
 * What part of a profile has no source line, and why, in one warning: kernel code (no sources here), binaries that
 * were not found or not the recorded build, code without debug info. `lines` and the editor show only lines, so
 * without this a profile whose binaries are missing reads as an empty or small one (and its shares look complete).
 */
import { basename } from 'node:path';
import type { Profile } from '../model/profile';
import { shareOf } from '../model/share';

const FIX_MISSING =
  "pass --binary-path (perfHeat.binaryPaths in the editor) with the folder holding the recorded build, or add it to perf's cache with `perf buildid-cache -a <binary>`";

export function coverageWarning(profile: Profile, event = 0): string | undefined {
  const total = profile.totals[event] ?? 0;
  if (!(total > 0)) return undefined;
  const byDso = new Map<string, number>();
  let attributed = 0;
  for (const a of profile.addresses) {
    const c = a.counts[event] ?? 0;
    if (a.inlineChain.length) attributed += c;
    else byDso.set(a.dso, (byDso.get(a.dso) ?? 0) + c);
  }
  const missing = total - attributed;
  if (missing <= total * 0.0005) return undefined;
  const pct = (n: number): string => `${shareOf(n, total).toFixed(1)}%`;
  const notFound = new Set(
    profile.metadata.binaries
      .filter((b) => b.note === 'not found' || b.note?.startsWith('refused'))
      .map((b) => b.recorded),
  );
  const parts: string[] = [];
  let kernel = 0;
  let absent = 0;
  const absentNames: string[] = [];
  let other = 0;
  for (const [dso, c] of [...byDso].sort((x, y) => y[1] - x[1])) {
    if (dso.startsWith('[') || dso === '//anon' || dso.startsWith('/tmp/perf-')) kernel += c;
    else if (notFound.has(dso)) {
      absent += c;
      absentNames.push(basename(dso));
    } else other += c;
  }
  if (kernel) parts.push(`${pct(kernel)} is kernel, vdso or JIT code, which has no source lines here`);
  if (absent)
    parts.push(
      `${pct(absent)} is in binaries not found as recorded (${absentNames.slice(0, 5).join(', ')}${absentNames.length > 5 ? ', …' : ''}): ${FIX_MISSING}`,
    );
  const rest = missing - kernel - absent;
  if (rest > total * 0.0005)
    parts.push(
      `${pct(Math.max(rest, other))} has no line in the debug info (no -g, or samples outside every known map)`,
    );
  const name = profile.events[event]?.name ?? 'samples';
  return `source lines cover ${pct(attributed)} of ${name} in ${basename(profile.source)}; ${parts.join('; ')}.`;
}

/**
 * Several recordings of one build as one profile: a `perf record -e cycles` and a `perf record -e cache-misses` of
 * the same binaries become one Profile whose events are the union, so miss density and cache-miss heat work across
 * them (the seed analysis compares the two per function).
 *
 * - Instructions are keyed by the binary's build-id and address (perf.data), so two recordings of one binary made
 *   from different folders still meet; rows without an address (perf report/script text, cachegrind) are keyed by
 *   binary, symbol and (file, line), which is all such inputs know.
 * - Recordings of different builds are refused, never merged: a binary name, a recorded path or a sampled function
 *   found under two build-ids means the code differs, and the union would put one build's samples on the other's
 *   lines. The error names both binaries and both build-ids.
 * - An event present in two inputs is refused: two runs of one event are two measurements, and summing them would
 *   make every share a mixture of both runs (comparing them is what a baseline or `perf-heat diff` is for).
 */
import type { ProfileCallchains } from './call-graph';
import { basename } from 'node:path';
import { ProfileBuilder, sourceFunctionName, type AddressHeat, type Profile, type ProfileMetadata } from './profile';

/** Why recordings cannot be one profile; the message is the one line the user sees. */
export class ProfileMergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileMergeError';
  }
}

/** Pseudo-DSOs perf names in brackets (kernel, vdso) are not one build's code: the same on every run. */
const isPseudo = (dso: string): boolean =>
  dso === '' || dso.startsWith('[') || dso === '//anon' || dso.startsWith('/memfd:');

interface BinaryBuild {
  recorded: string;
  buildId: string;
  /** The source functions sampled in it (a clone in one build, `pop.part.0`, is the other's `pop`). */
  functions: Set<string>;
}

/** Each binary of a profile that has a build-id, with the functions sampled in it. */
function builds(p: Profile): BinaryBuild[] {
  const out = new Map<string, BinaryBuild>();
  for (const b of p.metadata.binaries) {
    if (!b.buildId || isPseudo(b.recorded)) continue;
    out.set(b.recorded, { recorded: b.recorded, buildId: b.buildId.toLowerCase(), functions: new Set() });
  }
  for (const f of p.functions) out.get(f.dso)?.functions.add(sourceFunctionName(f.name));
  return [...out.values()];
}

const short = (id: string): string => id.slice(0, 12);

/**
 * Throws ProfileMergeError when two recordings are of different builds: the same binary (by path or file name),
 * or a binary holding the same sampled functions, under two build-ids.
 */
export function checkSameBuild(a: Profile, b: Profile): void {
  const ab = builds(a);
  const bb = builds(b);
  for (const x of ab) {
    for (const y of bb) {
      if (x.buildId === y.buildId) continue;
      const shared = [...x.functions].filter((f) => y.functions.has(f)).sort();
      const sameName = x.recorded === y.recorded || basename(x.recorded) === basename(y.recorded);
      if (!sameName && shared.length === 0) continue;
      const why = sameName
        ? 'the same binary'
        : `both hold ${shared.slice(0, 3).join(', ')}${shared.length > 3 ? ` and ${shared.length - 3} more functions` : ''}`;
      throw new ProfileMergeError(
        `build-ids differ: ${basename(x.recorded)} is ${short(x.buildId)} in ${basename(a.source)} and ${basename(y.recorded)} is ${short(y.buildId)} in ${basename(b.source)} (${why}): recordings of different builds are compared (baseline, diff), not merged`,
      );
    }
  }
}

/** Throws ProfileMergeError when an event is in more than one input. */
function checkDistinctEvents(profiles: readonly Profile[]): void {
  const seen = new Map<string, string>();
  for (const p of profiles) {
    for (const e of p.events) {
      const first = seen.get(e.name);
      if (first !== undefined) {
        throw new ProfileMergeError(
          `${e.name} is in both ${basename(first)} and ${basename(p.source)}: each event of a merged profile must come from one recording (two runs of one event are compared as baseline and profile, not added)`,
        );
      }
      seen.set(e.name, p.source);
    }
  }
}

/** Where a row of an input lands in the merged profile: by build-id and address, else by binary and line. */
function addressKey(a: AddressHeat, buildIdOf: ReadonlyMap<string, string>): string {
  if (a.address >= 0) return `${buildIdOf.get(a.dso) ?? a.dso}\0${a.address}`;
  const f = a.inlineChain[0];
  return `${basename(a.dso)}\0${a.symbol}\0${f ? `${f.file}\0${f.line}` : ''}`;
}

/**
 * The union of several recordings of one build. One input is returned as it is. Totals are each input's own, so
 * every share in the merged profile equals the share in the recording its event came from.
 */
export function mergeProfiles(profiles: readonly Profile[]): Profile {
  if (profiles.length === 0) throw new ProfileMergeError('no profile to merge');
  if (profiles.length === 1) return profiles[0];
  const twice = profiles.find((p, i) => profiles.findIndex((q) => q.source === p.source) !== i);
  if (twice)
    throw new ProfileMergeError(`${basename(twice.source)} is given twice: each recording adds its own events once`);
  // The build first: two builds' recordings of one event are refused for the deeper reason.
  for (let i = 0; i < profiles.length; i++)
    for (let j = i + 1; j < profiles.length; j++) checkSameBuild(profiles[i], profiles[j]);
  checkDistinctEvents(profiles);

  const events = profiles.flatMap((p) => p.events);
  const offsets: number[] = [];
  profiles.reduce((at, p) => (offsets.push(at), at + p.events.length), 0);
  const binaries: ProfileMetadata['binaries'] = [];
  const buildIdOf = new Map<string, string>();
  // One path per build: the first recording's, so a binary recorded from two folders is one binary in every view.
  const pathOf = new Map<string, string>();
  for (const p of profiles) {
    for (const b of p.metadata.binaries) {
      if (b.buildId) buildIdOf.set(b.recorded, b.buildId.toLowerCase());
      if (b.buildId && !pathOf.has(b.buildId.toLowerCase())) pathOf.set(b.buildId.toLowerCase(), b.recorded);
      if (!binaries.some((x) => x.recorded === b.recorded && x.buildId === b.buildId)) binaries.push(b);
    }
  }
  const metadata: ProfileMetadata = {
    format: profiles
      .map((p) => p.metadata.format)
      .filter((f, i, all) => all.indexOf(f) === i)
      .join(' + '),
    binaries,
    command: profiles.map((p) => p.metadata.command).find((c) => c !== undefined),
    lostSamples: profiles.some((p) => p.metadata.lostSamples !== undefined)
      ? profiles.reduce((s, p) => s + (p.metadata.lostSamples ?? 0), 0)
      : undefined,
    recordings: profiles.flatMap(
      (p) =>
        p.metadata.recordings ?? [{ source: p.source, format: p.metadata.format, events: p.events.map((e) => e.name) }],
    ),
  };
  const builder = new ProfileBuilder(profiles[0].source, events, metadata);
  const merged = new Map<string, AddressHeat>();
  profiles.forEach((p, k) => {
    for (const a of p.addresses) {
      const key = addressKey(a, buildIdOf);
      let m = merged.get(key);
      const id = buildIdOf.get(a.dso);
      if (!m)
        merged.set(
          key,
          (m = {
            ...a,
            dso: (id && pathOf.get(id)) || a.dso,
            counts: events.map(() => 0),
            samples: events.map(() => 0),
          }),
        );
      else if (!m.instruction && a.instruction) m.instruction = a.instruction;
      a.counts.forEach((c, e) => (m!.counts[offsets[k] + e] += c));
      a.samples?.forEach((c, e) => (m!.samples![offsets[k] + e] += c));
    }
    for (const w of p.warnings) builder.warn(w);
  });
  const unchecked = profiles.filter((p) => builds(p).length === 0);
  if (unchecked.length) {
    builder.warn(
      `${unchecked.map((p) => basename(p.source)).join(', ')} ${unchecked.length === 1 ? 'carries' : 'carry'} no build-id, so ${unchecked.length === 1 ? 'it' : 'they'} cannot be checked to be of the same build as the other recordings: their samples are matched by source file and line.`,
    );
  }
  // Sample counts survive only where every input had them (perf.data); text inputs give counts or shares alone.
  const withSamples = profiles.every((p) => p.addresses.every((a) => a.samples));
  for (const a of merged.values()) {
    if (!withSamples) delete a.samples;
    builder.addAddress(a);
  }
  builder.setTotals(profiles.flatMap((p) => p.totals));
  // Callchains side by side: each recording's chains keep their own frames, their counts in that recording's columns.
  if (profiles.some((p) => p.callchains)) {
    const frames: ProfileCallchains['frames'] = [];
    const chains: ProfileCallchains['chains'] = [];
    profiles.forEach((p, k) => {
      if (!p.callchains) return;
      const base = frames.length;
      for (const f of p.callchains.frames) {
        const id = buildIdOf.get(f.dso);
        frames.push({ ...f, dso: (id && pathOf.get(id)) || f.dso });
      }
      for (const ch of p.callchains.chains) {
        const counts = events.map(() => 0);
        ch.counts.forEach((c, e) => (counts[offsets[k] + e] = c));
        chains.push({ frames: ch.frames.map((i) => i + base), counts });
      }
    });
    builder.setCallchains({ frames, chains });
  }
  return builder.build();
}

/** Choosing what the heat shows: any event of the profile, cycle heat, cache-miss heat, or miss density. */
import * as vscode from 'vscode';
import type { ProfileSummary } from '../protocol';
import { cycleEvent, missEvent } from '../model/events';
import type { HeatMode } from './heat-values';

export function describeMode(mode: HeatMode, events: readonly string[], baseline?: ProfileSummary): string {
  switch (mode.kind) {
    case 'event':
      return events[mode.event] ?? '';
    case 'density':
      return `${events[mode.miss]} / ${events[mode.cycles]} density`;
    case 'diff':
      return `Δ vs ${baseline ? baseline.source.split('/').pop() : 'baseline'} (${mode.by === 'share' ? 'points' : 'normalised'})`;
  }
}

/** Comparing: the change of the cycle event (by name, as the comparison's events are the two profiles' common ones). */
export function diffMode(active: ProfileSummary, baseline: ProfileSummary, by: 'share' | 'normalized' = 'share'): HeatMode | string {
  const common = baseline.events.map((e) => e.name).filter((n) => active.events.some((a) => a.name === n));
  if (common.length === 0) return `${baseline.source} and ${active.source} have no event in common (${baseline.events.map((e) => e.name).join(', ')} vs ${active.events.map((e) => e.name).join(', ')})`;
  return { kind: 'diff', event: cycleEvent(common), by };
}

export function cycleMode(profile: ProfileSummary): HeatMode {
  return { kind: 'event', event: cycleEvent(profile.events.map((e) => e.name)) };
}

/** Undefined, with the reason, when the profile has no cache-miss event. */
export function missMode(profile: ProfileSummary): HeatMode | string {
  const names = profile.events.map((e) => e.name);
  const miss = missEvent(names);
  if (miss === undefined) return noMissEvent(names);
  return { kind: 'event', event: miss };
}

export function densityMode(profile: ProfileSummary): HeatMode | string {
  const names = profile.events.map((e) => e.name);
  const miss = missEvent(names);
  if (miss === undefined) return noMissEvent(names);
  const cycles = cycleEvent(names);
  if (cycles === miss) return `miss density needs a cycle event besides ${names[miss]}`;
  return { kind: 'density', miss, cycles };
}

function noMissEvent(names: string[]): string {
  return `this profile has no cache-miss event (it has: ${names.join(', ')}). Record with -e cycles,cache-misses where the CPU counts them, or load a cachegrind output (valgrind --tool=cachegrind --cache-sim=yes).`;
}

export async function pickHeatMode(profile: ProfileSummary, current: HeatMode, baseline?: ProfileSummary): Promise<HeatMode | undefined> {
  const names = profile.events.map((e) => e.name);
  type Item = vscode.QuickPickItem & { mode?: HeatMode };
  const items: Item[] = names.map((name, event) => ({
    label: `$(flame) ${name}`,
    description: profile.events[event].unit,
    detail: `Heat by share of ${name}`,
    mode: { kind: 'event', event },
  }));
  const density = densityMode(profile);
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  items.push(
    typeof density === 'string'
      ? { label: '$(circle-slash) Miss density', detail: density }
      : { label: `$(graph) Miss density: ${names[density.kind === 'density' ? density.miss : 0]} / ${names[density.kind === 'density' ? density.cycles : 0]}`, detail: 'Where memory stalls concentrate: a line\'s share of misses divided by its share of cycles', mode: density },
  );
  if (baseline) {
    const base = baseline.source.split('/').pop();
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
    for (const by of ['share', 'normalized'] as const) {
      const m = diffMode(profile, baseline, by);
      if (typeof m !== 'string') {
        items.push({
          label: `$(diff) Change vs ${base} (${by === 'share' ? 'share points' : 'normalised counts'})`,
          detail: by === 'share' ? 'Each line\'s share here minus its share in the baseline' : 'Counts scaled to the baseline\'s total, minus the baseline\'s counts',
          mode: m,
        });
      }
    }
  }
  for (const i of items) if (i.mode && JSON.stringify(i.mode) === JSON.stringify(current)) i.picked = true;
  const chosen = await vscode.window.showQuickPick(items, { title: 'Perf Heat: Show Heat Of…', placeHolder: `now: ${describeMode(current, names, baseline)}` });
  return chosen?.mode;
}

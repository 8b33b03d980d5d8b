/** Choosing what the heat shows: any event of the profile, cycle heat, cache-miss heat, or miss density. */
import * as vscode from 'vscode';
import type { HeatMode, ProfileSummary } from '../protocol';
import { cycleEvent, missEvent } from '../model/events';
import { eventMeaning, eventUnitName } from '../model/format';

export function describeMode(mode: HeatMode, events: readonly string[], baseline?: ProfileSummary): string {
  switch (mode.kind) {
    case 'event':
      return events[mode.event] ?? '';
    case 'density':
      return `${events[mode.miss]} per ${events[mode.cycles]}`;
    case 'inclusive':
      return `${events[mode.event] ?? ''} inclusive`;
    case 'diff':
      return `Δ vs ${baseline ? baseline.source.split('/').pop() : 'baseline'} (${mode.by === 'share' ? 'points' : 'normalised'})`;
  }
}

/** Comparing: the change of the cycle event (by name, as the comparison's events are the two profiles' common ones). */
export function diffMode(
  active: ProfileSummary,
  baseline: ProfileSummary,
  by: 'share' | 'normalized' = 'share',
): HeatMode | string {
  const common = baseline.events.map((e) => e.name).filter((n) => active.events.some((a) => a.name === n));
  if (common.length === 0)
    return `${baseline.source} and ${active.source} have no event in common (${baseline.events.map((e) => e.name).join(', ')} vs ${active.events.map((e) => e.name).join(', ')})`;
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

/** The entries of the mode picker, the current one marked; pure but for the icons' syntax, for tests. */
export function heatModeItems(
  profile: ProfileSummary,
  current: HeatMode,
  baseline?: ProfileSummary,
): (vscode.QuickPickItem & { mode?: HeatMode; current?: boolean })[] {
  const names = profile.events.map((e) => e.name);
  type Item = vscode.QuickPickItem & { mode?: HeatMode; current?: boolean };
  const items: Item[] = names.map((name, event) => {
    const meaning = eventMeaning(name);
    return {
      label: `$(flame) ${name}`,
      description: meaning ? `${meaning}` : undefined,
      detail: `Heat by each line's share of ${name}${eventUnitName(profile.events[event]) === name ? '' : ` (values in ${eventUnitName(profile.events[event])})`}`,
      mode: { kind: 'event', event },
    };
  });
  if (profile.callGraph) {
    items.push({ label: 'inclusive', kind: vscode.QuickPickItemKind.Separator });
    names.forEach((name, event) =>
      items.push({
        label: `$(type-hierarchy) ${name} inclusive`,
        description: 'self + callees',
        detail: `Heat by each line's inclusive share of ${name}: a call-site line carries what its callees cost (perf report --children for lines); the label gives self beside it`,
        mode: { kind: 'inclusive', event },
      }),
    );
  }
  const density = densityMode(profile);
  items.push({ label: 'density', kind: vscode.QuickPickItemKind.Separator });
  if (typeof density === 'string') items.push({ label: '$(circle-slash) Miss density', detail: density });
  else if (density.kind === 'density') {
    const [miss, cycles] = [names[density.miss], names[density.cycles]];
    items.push({
      label: `$(graph) ${miss} per ${cycles}`,
      description: 'miss density',
      detail: `Where memory stalls concentrate: each line's ${miss} per ${cycles}, against the profile's average (×1 = average)`,
      mode: density,
    });
  }
  if (baseline) {
    const base = baseline.source.split('/').pop();
    items.push({ label: 'comparison', kind: vscode.QuickPickItemKind.Separator });
    for (const by of ['share', 'normalized'] as const) {
      const m = diffMode(profile, baseline, by);
      if (typeof m !== 'string') {
        items.push({
          label: `$(diff) Change vs ${base} (${by === 'share' ? 'share points' : 'normalised counts'})`,
          detail:
            by === 'share'
              ? "Each line's share here minus its share in the baseline"
              : "Counts scaled to the baseline's total, minus the baseline's counts",
          mode: m,
        });
      }
    }
  }
  for (const i of items) {
    if (i.mode && JSON.stringify(i.mode) === JSON.stringify(current)) {
      i.current = true;
      i.label = i.label.replace(/^\$\([\w-]+\)/, '$(check)');
      i.description = i.description ? `${i.description} · shown now` : 'shown now';
    }
  }
  return items;
}

export async function pickHeatMode(
  profile: ProfileSummary,
  current: HeatMode,
  baseline?: ProfileSummary,
): Promise<HeatMode | undefined> {
  const items = heatModeItems(profile, current, baseline);
  const qp = vscode.window.createQuickPick<(typeof items)[number]>();
  qp.title = 'Perf Heat: Show Heat Of…';
  qp.placeholder = `now: ${describeMode(
    current,
    profile.events.map((e) => e.name),
    baseline,
  )}`;
  qp.matchOnDescription = true;
  qp.items = items;
  // The current mode is the highlighted entry: Enter keeps it, arrows move from it.
  const now = items.find((i) => i.current);
  if (now) qp.activeItems = [now];
  return new Promise((resolve) => {
    qp.onDidAccept(() => {
      resolve(qp.selectedItems[0]?.mode ?? qp.activeItems[0]?.mode);
      qp.hide();
    });
    qp.onDidHide(() => {
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

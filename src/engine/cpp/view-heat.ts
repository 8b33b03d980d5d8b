/**
 * Block heat of one file under a flag view, with a proposal when samples sit on lines the view makes inactive:
 * the pieces of flag-view.ts and block-heat.ts put together the way the CLI and the server use them.
 */
import { type Assignment, type BlockHeatResult, blockHeat, type Proposal, proposeAssignment } from './block-heat';
import { type FileRegions, type FlagView, type FlagViewEngine, withOverride } from './flag-view';

export interface ViewHeatOptions {
  events: number;
  unit?: string;
  /** Search for flag values that make sampled inactive lines active (default true). */
  propose?: boolean;
  /** Evaluations allowed to the exact search (default 300). */
  budget?: number;
}

export interface ViewHeat {
  regions: FileRegions;
  heat: BlockHeatResult;
  proposal?: Proposal;
}

/** The view with a set of changes applied as overrides. */
export function applyChanges(view: FlagView, changes: readonly Assignment[]): FlagView {
  return changes.reduce((v, c) => withOverride(v, c.name, c.value), view);
}

export function viewHeat(
  engine: FlagViewEngine,
  file: string,
  view: FlagView,
  counts: ReadonlyMap<number, readonly number[]>,
  opts: ViewHeatOptions,
): ViewHeat {
  const regions = engine.evaluate(file, view, { unit: opts.unit });
  const heat = blockHeat(regions, counts, opts.events);
  if (opts.propose === false || !heat.inactiveSamples.length) return { regions, heat };
  const flags = new Map(regions.flags.map((f) => [f.name, f]));
  const proposal = proposeAssignment(
    heat.inactiveSamples,
    regions.blocks,
    {
      evaluate(changes) {
        const r = engine.evaluate(file, applyChanges(view, changes), { unit: regions.unit, flags: false });
        const mask = new Uint8Array(r.lineCount + 2);
        for (const [s, e] of r.active) mask.fill(1, s, e + 1);
        return { isActive: (l) => mask[l] === 1, errors: r.errors.map((x) => `${x.file}:${x.line}: ${x.message}`) };
      },
      current(name) {
        const f = flags.get(name);
        return f?.defined ? f.value : null;
      },
    },
    { budget: opts.budget },
  );
  return { regions, heat, proposal };
}

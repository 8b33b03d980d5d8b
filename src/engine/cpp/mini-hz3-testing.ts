/**
 * What the demo-workspace tests of the `#if` engine share (mini-hz3.test.ts, mini-hz3-random.fuzz.test.ts): the
 * demo's Makefile, config header and translation units, views from its Makefile targets, the config header's flags,
 * and a check that two macro tables agree.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { viewFromFlags } from './build-flags';
import { definitionSites } from './descriptions';
import { evaluate, formatValue } from './expr';
import type { FlagView } from './flag-view';
import { flagsFromMakefile } from './make-flags';
import { prepared } from './prepared';
import { scanText } from './scanner';
import { isDefineError, type MacroTable } from './tokens';

export const DEMO = join(__dirname, '../../../demo/mini-hz3');
export const MAKEFILE = join(DEMO, 'Makefile');
export const CONFIG = join(DEMO, 'include/mh3_config.h');
export const UNITS = ['src/mh3_owner_stash.c', 'src/mh3_alloc.c', 'src/mh3_stats.c', 'bench/remote_free_bench.c'].map(
  (u) => join(DEMO, u),
);
export const POP_UNIT = UNITS[0];
export const TARGETS: (string | undefined)[] = [
  undefined,
  'ab',
  'preset_scale_r90',
  'preset_lite',
  'preset_legacy',
  'preset_array2',
  'preset_nospill',
];

/** The view the Makefile gives `unit` for `target` (undefined: the default goal). */
export function viewFor(target: string | undefined, unit = POP_UNIT, commandLine?: Record<string, string>): FlagView {
  return viewFromFlags(flagsFromMakefile(MAKEFILE, target, { sourceFile: unit, commandLine }));
}

/** Names the config header defines, with their default replacement text. */
export function configFlags(): Map<string, string> {
  const scan = scanText(readFileSync(CONFIG, 'utf8'));
  const out = new Map<string, string>();
  for (const [name, site] of definitionSites(scan)) {
    const d = prepared(scan).define(site.directive);
    if (!isDefineError(d) && name.startsWith('HZ3_')) out.set(name, d.text);
  }
  return out;
}

export function assertSameMacros(ours: MacroTable, theirs: MacroTable, names: Iterable<string>, what: string): void {
  for (const n of names) {
    const a = ours.get(n);
    const b = theirs.get(n);
    assert.equal(!!a, !!b, `${what}: ${n} defined here ${!!a}, for the compiler ${!!b}`);
    if (!a || !b) continue;
    assert.equal(a.text, b.text, `${what}: ${n}`);
    assert.equal(formatValue(evaluate(n, ours)), formatValue(evaluate(n, theirs)), `${what}: value of ${n}`);
  }
}

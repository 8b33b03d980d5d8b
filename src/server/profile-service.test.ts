/**
 * Loads that race: each test holds loads behind gates and lets them finish in the order that used to leave stale
 * state (an earlier, slower load replacing a later one; a switch or Clear Heat undone by the load that was running;
 * a cancelled load installing a profile with no heat). The profiles are real fixtures read by the real pipeline.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadProfile, type LoadOptions } from '../engine/load-profile';
import type { ServerSettings } from '../protocol';
import { LoadCancelled, ProfileService, programPath } from './profile-service';

const FIX = join(__dirname, '../../test/fixtures/perf-probe');
const A = join(FIX, 'cachegrind.out.prog');
const B = join(FIX, 'report_sort_srcline.txt');
const C = join(FIX, 'annotate_stdio_l_hot_loop.txt');
const SETTINGS: ServerSettings = {
  profile: '',
  binaryPaths: [],
  pathRemaps: {},
  addr2linePath: '',
  symbolizer: 'builtin',
  llvmSymbolizerPath: '',
  flagDefines: [],
  compileCommands: '',
  makeVariables: [],
  reportGroups: [],
};

/** A service whose loads wait for `release(path)`; `seen` records the options each load got. */
function gated() {
  const gates = new Map<string, () => void>();
  const waits = new Map<string, Promise<void>>();
  const seen: { path: string; options: LoadOptions }[] = [];
  const gate = (path: string) => {
    if (!waits.has(path)) waits.set(path, new Promise<void>((r) => gates.set(path, r)));
    return waits.get(path)!;
  };
  const service = new ProfileService(
    () => [FIX],
    false,
    async (path, options = {}) => {
      seen.push({ path, options });
      await gate(path);
      return loadProfile(path, options);
    },
  );
  return {
    service,
    seen,
    hold: (path: string) => void gate(path),
    release: (path: string) => {
      gate(path);
      gates.get(path)!();
    },
  };
}

async function cancelled(p: Promise<unknown>): Promise<LoadCancelled> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof LoadCancelled, `expected LoadCancelled, got ${(e as Error).message}`);
    return e;
  }
  assert.fail('the load was expected to answer "cancelled"');
}

describe('ProfileService: generations and cancellation', () => {
  it('a slower earlier load never replaces a later one', async () => {
    const g = gated();
    g.hold(A);
    const first = g.service.load(A, SETTINGS);
    g.release(B);
    const second = await g.service.load(B, SETTINGS);
    g.release(A);
    const e = await cancelled(first);
    assert.match(e.message, /superseded/);
    assert.equal(g.service.summary?.id, second.id);
    assert.equal(g.service.summary?.source, B);
    assert.deepEqual(
      g.service.list().map((s) => s.source),
      [B],
    );
    // The earlier load's work was told to stop (its addr2line would have been killed).
    assert.equal(g.seen.find((s) => s.path === A)!.options.signal!.aborted, true);
  });

  it('Clear Heat during a load wins: the load answers cancelled and installs nothing', async () => {
    const g = gated();
    g.hold(A);
    const running = g.service.load(A, SETTINGS);
    g.service.clear();
    g.release(A);
    await cancelled(running);
    assert.equal(g.service.summary, undefined);
    assert.deepEqual(g.service.list(), []);
  });

  it('switching profiles during a load wins', async () => {
    const g = gated();
    g.release(A);
    g.release(B);
    const a = await g.service.load(A, SETTINGS);
    await g.service.load(B, SETTINGS);
    g.hold(C);
    const running = g.service.load(C, SETTINGS);
    g.service.activate(a.id);
    g.release(C);
    await cancelled(running);
    assert.equal(g.service.summary?.source, A);
    assert.deepEqual(
      g.service
        .list()
        .map((s) => s.source)
        .sort(),
      [A, B].sort(),
    );
  });

  it('a baseline chosen during a baseline load wins; the active profile is untouched by baseline loads', async () => {
    const g = gated();
    g.release(A);
    g.release(B);
    const a = await g.service.load(A, SETTINGS);
    const b = await g.service.load(B, SETTINGS, undefined, 'baseline');
    g.hold(C);
    const running = g.service.load(C, SETTINGS, undefined, 'baseline');
    g.service.setBaseline(b.id);
    g.release(C);
    await cancelled(running);
    assert.equal(g.service.baseline?.id, b.id);
    assert.equal(g.service.summary?.id, a.id);
  });

  it('a cancelled load answers cancelled, installs nothing and aborts the pipeline', async () => {
    const g = gated();
    g.hold(A);
    const abort = new AbortController();
    const running = g.service.load(A, SETTINGS, abort.signal);
    abort.abort();
    assert.equal(g.seen[0]!.options.signal!.aborted, true);
    g.release(A);
    const e = await cancelled(running);
    assert.equal(e.message, `loading ${A} was cancelled`);
    assert.equal(g.service.summary, undefined);
    assert.deepEqual(g.service.list(), []);
  });

  it('a load that is not disturbed installs as before', async () => {
    const g = gated();
    g.release(A);
    const s = await g.service.load(A, SETTINGS);
    assert.equal(g.service.summary?.id, s.id);
    assert.ok(s.events.length > 0 && s.events[0]!.total > 0);
  });
});

describe('program paths from settings', () => {
  it('a relative perfHeat.addr2linePath is not run: PATH is used, with a warning', async () => {
    const g = gated();
    g.release(A);
    const s = await g.service.load(A, { ...SETTINGS, addr2linePath: 'tools/addr2line' });
    assert.equal(g.seen[0]!.options.addr2line, undefined);
    assert.ok(
      s.warnings.some((w) => /^perfHeat\.addr2linePath "tools\/addr2line" is not an absolute path/.test(w)),
      s.warnings.join('\n'),
    );
  });

  it('an absolute one is used as given', () => {
    assert.deepEqual(programPath('perfHeat.addr2linePath', '/usr/bin/addr2line'), { path: '/usr/bin/addr2line' });
    assert.deepEqual(programPath('perfHeat.addr2linePath', ''), {});
  });
});

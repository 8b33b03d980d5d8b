/**
 * The server's flag states on a new user's project (test/fixtures/projects/one-step: a one-step Makefile, an .inc,
 * and a real cpu-clock recording of it), through the same request handlers the editor calls: which source the
 * flags come from (compile_commands.json first, the `perfHeat.compileCommands` setting, the Makefile read, make -n),
 * and what happens when none is found (a view inferred from the profile, or no dimming at all). Every dimmed range is
 * checked against `cc -E` run by the shell on the build's own command.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { BuildChoice, FlagState, ServerSettings } from '../protocol';
import { commandLineOf } from '../engine/cpp/flag-view';
import { ccLive, compilerAvailable, makeCommand } from '../engine/cpp/testing';
import { ProfileService } from './profile-service';
import type { ServerContext } from './context';
import { FlagService, register } from './flags';

const ONE_STEP = join(__dirname, '../../test/fixtures/projects/one-step');
const skip = !compilerAvailable() ? 'needs cc' : false;

const SETTINGS: ServerSettings = {
  profile: '',
  binaryPaths: [],
  pathRemaps: {},
  addr2linePath: '',
  flagDefines: [],
  compileCommands: '',
  makeVariables: [],
  symbolizer: 'builtin',
  llvmSymbolizerPath: '',
  reportGroups: [],
};

interface Harness {
  dir: string;
  inc: string;
  flags: FlagService;
  profiles: ProfileService;
  state(): Promise<FlagState>;
  builds(): Promise<BuildChoice[]>;
  diagnostics: Map<string, { message: string }[]>;
  done(): void;
}

/** The project copied to a folder of its own, a server's flag service on it, and the recording loaded. */
async function harness(opts: { trusted?: boolean; profile?: boolean } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'perfheat-onestep-'));
  cpSync(ONE_STEP, dir, { recursive: true });
  const handlers = new Map<string, (p: unknown, token: unknown) => unknown>();
  const diagnostics = new Map<string, { message: string }[]>();
  const connection = {
    onRequest: (method: string, h: (p: unknown, t: unknown) => unknown) => handlers.set(method, h),
    sendNotification: () => Promise.resolve(),
    sendDiagnostics: (d: { uri: string; diagnostics: { message: string }[] }) => {
      diagnostics.set(d.uri, d.diagnostics);
      return Promise.resolve();
    },
  } as unknown as Connection;
  const documents = {
    onDidChangeContent: () => undefined,
    onDidClose: () => undefined,
  } as unknown as TextDocuments<TextDocument>;
  const profiles = new ProfileService(() => [dir], opts.trusted !== false);
  if (opts.profile !== false) await profiles.load(join(dir, 'profiles/cpu-clock.perf.data'), SETTINGS);
  const flags = new FlagService(() => [dir]);
  const never = (): { dispose(): void } => ({ dispose: () => undefined });
  // The parts of the server's context the flag feature uses; settings are given to it with applySettings.
  const ctx = {
    connection,
    documents,
    profiles,
    flags,
    settings: () => Promise.resolve(SETTINGS),
    flagsChanged: () => undefined,
    profileChanged: () => undefined,
    onInitialized: never,
    onSettingsChanged: never,
    onFlagsChanged: never,
    onProfileChanged: never,
  } as unknown as ServerContext;
  register(ctx);
  const inc = join(dir, 'src/mix.inc');
  const state = async (): Promise<FlagState> => {
    const s = (await handlers.get('perfHeat/flagState')!(
      { uri: pathToFileURL(inc).href },
      { onCancellationRequested: () => undefined },
    )) as FlagState | null;
    assert.ok(s, 'a flag state');
    return s;
  };
  const builds = async (): Promise<BuildChoice[]> =>
    (await handlers.get('perfHeat/builds')!({ uri: pathToFileURL(inc).href }, undefined)) as BuildChoice[];
  return {
    dir,
    inc,
    flags,
    profiles,
    state,
    builds,
    diagnostics,
    done: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** 1-based lines dimmed in a state. */
const dimmed = (s: FlagState): number[] =>
  s.inactive.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i + 1));
/** Code lines of the fixture's .inc (not directives, comments or blank). */
const CODE = [9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 23, 24, 25, 26, 28, 29, 32, 34, 35];
/** What cc -E drops of them when the shell runs `command`. */
const dropped = (command: string, h: Harness): number[] => {
  const live = new Set(ccLive(command, h.dir, h.inc));
  return CODE.filter((l) => !live.has(l));
};
const sampled = (h: Harness): number[] => [...h.flags.countsOf(h.inc).keys()].sort((a, b) => a - b);

test(
  'the one-step Makefile is the build: the hot lines stay lit, and the dimming is what cc -E drops',
  { skip },
  async () => {
    const h = await harness();
    try {
      const s = await h.state();
      assert.deepEqual([s.origin, s.base, s.known], ['makefile', 'Makefile default goal', true]);
      // perf report --sort srcline names these line numbers (as main.c:N: binutils 2.40 misreads the DWARF 5 file
      // index; readelf --debug-dump=decodedline puts them in mix.inc, as our .debug_line reader does).
      assert.deepEqual(sampled(h), [21, 23, 24, 25, 32]);
      assert.deepEqual(
        dimmed(s).filter((l) => CODE.includes(l)),
        dropped(makeCommand(h.dir, undefined, {}, 'src/main.c'), h),
      );
      for (const l of sampled(h)) assert.ok(!dimmed(s).includes(l), `sampled line ${l} is compiled`);
      assert.equal(s.inactiveSamples, undefined);
      assert.equal(s.compiler?.agrees, true, "the server's own cc -E check agrees");
      // Select Build: every target that compiles main.c (which includes the .inc).
      const builds = (await h.builds()).map((b) => b.id);
      assert.deepEqual(builds, ['prog', 'prog-plain']);
      // Include guards and predefined names are no flags; every row has a value or says "not defined".
      assert.deepEqual(
        s.flags.map((f) => [f.name, f.value, f.source]),
        [
          ['USE_TABLE', '1', '-D'],
          ['ROUNDS', '3', '-D'],
        ],
      );
    } finally {
      h.done();
    }
  },
);

test(
  "each #if block lists its sampled lines with perf's shares; against a baseline, its share there and the change",
  { skip },
  async () => {
    const h = await harness();
    try {
      // perf report --sort srcline of the recording (profiles/report-srcline.txt, as main.c:N: see above).
      const perf = new Map([
        [23, 0.97],
        [24, 43.07],
        [25, 42.97],
        [32, 5.77],
      ]);
      const near = (got: number | null | undefined, want: number, what: string): void =>
        assert.ok(got != null && Math.abs(got - want) < 0.06, `${what}: ${got}, perf report ${want}`);
      const byLine = (s: FlagState, line: number): FlagState['blocks'][number] =>
        s.blocks.find((b) => b.line === line - 1)!;
      let s = await h.state();
      // `#if USE_TABLE` (line 22) up to its #else holds lines 23–25; `#else` none sampled; `#if ROUNDS > 2` line 32.
      assert.deepEqual(
        byLine(s, 22).lines.map((l) => l.line + 1),
        [23, 24, 25],
      );
      for (const l of byLine(s, 22).lines) near(l.shares[0], perf.get(l.line + 1)!, `line ${l.line + 1}`);
      assert.deepEqual(byLine(s, 27).lines, []);
      assert.deepEqual(
        byLine(s, 31).lines.map((l) => l.line + 1),
        [32],
      );
      assert.equal(byLine(s, 22).baseline, undefined, 'no baseline, no change');
      // The same recording under another name as the baseline: the baseline's share is perf's, the change is 0.
      cpSync(join(h.dir, 'profiles/cpu-clock.perf.data'), join(h.dir, 'profiles/baseline.perf.data'));
      await h.profiles.load(join(h.dir, 'profiles/baseline.perf.data'), SETTINGS, undefined, 'baseline');
      s = await h.state();
      const table = byLine(s, 22);
      near(table.baseline?.inclusiveShares[0], 0.97 + 43.07 + 42.97, 'the USE_TABLE block in the baseline');
      assert.equal(table.baseline?.delta[0], 0);
    } finally {
      h.done();
    }
  },
);

test(
  'compile_commands.json is preferred to the Makefile; perfHeat.compileCommands names another; a known build diagnoses the profile',
  { skip },
  async () => {
    const h = await harness();
    try {
      const plain = `cc -O2 -DUSE_TABLE=0 -DROUNDS=1 -c src/main.c -o main.o`;
      writeFileSync(
        join(h.dir, 'compile_commands.json'),
        JSON.stringify([{ directory: h.dir, file: 'src/main.c', command: plain }]),
      );
      const s = await h.state();
      assert.deepEqual([s.origin, s.base], ['compile_commands', 'compile_commands.json']);
      assert.deepEqual(
        (await h.builds()).map((b) => b.id),
        ['compile_commands.json#0', 'prog', 'prog-plain'],
        'its entry and the Makefile targets',
      );
      assert.deepEqual(
        dimmed(s).filter((l) => CODE.includes(l)),
        dropped(plain, h),
      );
      // The recording was made with the table on: its samples sit on lines this build does not compile.
      assert.ok(s.inactiveSamples && s.inactiveSamples.share > 80, JSON.stringify(s.inactiveSamples));
      assert.match(s.inactiveSamples.proposal ?? '', /USE_TABLE=1/);
      assert.match(
        h.diagnostics.get(pathToFileURL(h.inc).href)?.[0]?.message ?? '',
        /compile_commands\.json does not compile: the profile was recorded with other flags/,
      );

      mkdirSync(join(h.dir, 'build'));
      const other = `cc -O2 -DUSE_TABLE=1 -DROUNDS=1 -c src/main.c`;
      writeFileSync(
        join(h.dir, 'build/alt.json'),
        JSON.stringify([{ directory: h.dir, file: 'src/main.c', arguments: other.split(' ') }]),
      );
      h.flags.applySettings({ ...SETTINGS, compileCommands: 'build/alt.json' });
      const alt = await h.state();
      assert.deepEqual([alt.origin, alt.base], ['compile_commands', 'build/alt.json']);
      assert.deepEqual(
        dimmed(alt).filter((l) => CODE.includes(l)),
        dropped(other, h),
      );

      h.flags.applySettings(SETTINGS);
      unlinkSync(join(h.dir, 'compile_commands.json'));
      assert.equal((await h.state()).origin, 'makefile', 'without it, the Makefile again');
    } finally {
      h.done();
    }
  },
);

test(
  'no build found: a view inferred from the profile keeps every sampled line compiled, and nothing is called "not compiled"',
  { skip },
  async () => {
    const h = await harness();
    try {
      unlinkSync(join(h.dir, 'Makefile'));
      const s = await h.state();
      assert.deepEqual([s.origin, s.base, s.known], ['inferred', 'inferred from the profile', false]);
      assert.match(s.detail ?? '', /no compile_commands\.json and no Makefile above this file/);
      for (const l of sampled(h)) assert.ok(!dimmed(s).includes(l), `sampled line ${l} is not dimmed`);
      assert.equal(s.inactiveSamples, undefined);
      assert.deepEqual(h.diagnostics.get(pathToFileURL(h.inc).href), [], 'no warning on a guess');
      // The inferred flags, given to the compiler, compile every sampled line.
      const defs = commandLineOf(h.flags.view(h.inc).view).map((d) =>
        d.op === 'U' ? `-U${d.name}` : `-D${d.name}${d.value === undefined ? '' : `=${d.value}`}`,
      );
      const live = new Set(ccLive(`cc ${defs.join(' ')} -c src/main.c`, h.dir, h.inc));
      assert.deepEqual(
        sampled(h).filter((l) => !live.has(l)),
        [],
        `cc -E with ${defs.join(' ')}`,
      );
    } finally {
      h.done();
    }
  },
);

test(
  'no build and no profile: nothing is dimmed; a Makefile only make can read is run with make -n, in trusted workspaces only',
  { skip },
  async () => {
    const h = await harness({ profile: false });
    try {
      unlinkSync(join(h.dir, 'Makefile'));
      const none = await h.state();
      assert.deepEqual([none.origin, none.inactive], ['none', []]);
      // Reading cannot expand $(shell …); make can.
      writeFileSync(
        join(h.dir, 'Makefile'),
        'SRC := $(shell echo src/main.c)\nprog: $(SRC)\n\t$(CC) -O2 -DUSE_TABLE=1 -DROUNDS=3 $(SRC) -o prog\n',
      );
      const ran = await h.state();
      assert.deepEqual([ran.origin, ran.base], ['make -n', 'make -n (default goal)']);
      assert.deepEqual(
        dimmed(ran).filter((l) => CODE.includes(l)),
        dropped(makeCommand(h.dir, undefined, {}, 'src/main.c'), h),
      );
    } finally {
      h.done();
    }
    const u = await harness({ profile: false, trusted: false });
    try {
      writeFileSync(join(u.dir, 'Makefile'), 'SRC := $(shell echo src/main.c)\nprog: $(SRC)\n\t$(CC) $(SRC) -o prog\n');
      const s = await u.state();
      assert.deepEqual([s.origin, s.inactive], ['none', []]);
      assert.match(s.detail ?? '', /make -n was not run: the workspace is not trusted/);
    } finally {
      u.done();
    }
  },
);

test(
  "the user's own -Ds are a view of their own; a cc -E that stops early is reported, not used",
  { skip },
  async () => {
    const h = await harness({ profile: false });
    try {
      unlinkSync(join(h.dir, 'Makefile'));
      h.flags.applySettings({ ...SETTINGS, flagDefines: ['USE_TABLE=1', 'ROUNDS=3'] });
      const s = await h.state();
      assert.deepEqual(
        [s.origin, s.known, s.base],
        ['settings', true, 'build flags not found + -DUSE_TABLE=1 -DROUNDS=3'],
      );
      assert.deepEqual(
        dimmed(s).filter((l) => CODE.includes(l)),
        dropped('cc -DUSE_TABLE=1 -DROUNDS=3 -c src/main.c', h),
      );
      // main.c including a header that is not there: the compiler stops, and its silence is not agreement.
      h.flags.applySettings(SETTINGS);
      writeFileSync(
        join(h.dir, 'compile_commands.json'),
        JSON.stringify([
          { directory: h.dir, file: 'src/main.c', command: 'cc -include no-such-config.h -c src/main.c' },
        ]),
      );
      const broken = await h.state();
      assert.equal(broken.origin, 'compile_commands');
      assert.equal(broken.compiler?.agrees, false);
      assert.match(broken.compiler?.failed ?? '', /no-such-config\.h/);
    } finally {
      h.done();
    }
  },
);

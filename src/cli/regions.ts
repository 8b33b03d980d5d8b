/**
 * `perf-heat regions` and `perf-heat blocks`: a C file's `#if` blocks under a flag view, and their heat in a
 * profile. The view is the build's flags (a Makefile target, compile_commands.json) with the command line's
 * `-D`/`-U` on top, as the editor's toggles would be.
 *
 *   perf-heat regions <file> [view options] [--json] [--compiler-truth]
 *   perf-heat blocks <file> --profile P [view options] [--json] [--no-propose] [--binary-path DIR]…
 */
import { resolve, relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type BuildFlags,
  flagsFromCompileCommands,
  mergeFlags,
  parseCompilerArgs,
  viewFromFlags,
} from '../engine/cpp/build-flags';
import { compilerTruth, withCompilerValues } from '../engine/cpp/compiler';
import { type FileRegions, type FlagView, FlagViewEngine, projectRoot } from '../engine/cpp/flag-view';
import { flagsFromMakeDryRun, flagsFromMakefile } from '../engine/cpp/make-flags';
import { LINE_CODE, LINE_DIRECTIVE } from '../engine/cpp/scanner';
import { viewHeat } from '../engine/cpp/view-heat';
import { loadProfiles } from '../engine/load-profile';
import { PathMapper } from '../model/path-map';
import { shareOf } from '../model/share';
import { FILTER_OPTIONS, sampleFilterOf } from './filter-options';

type Out = (s: string) => void;

export const REGIONS_USAGE = `  regions <file>    the file's #if blocks under a flag view: active/inactive lines, each block's condition and value
      -D NAME[=VALUE]     define (repeatable; replaces the build's definition of NAME)
      -U NAME             undefine (repeatable)
      -I DIR              include folder (repeatable)
      --config-header F   read F before the file, like -include (repeatable)
      --compile-commands F  take the build's flags from compile_commands.json
      --makefile F        take them from a Makefile target (default goal, or --target)
      --target T          the Makefile target to read (e.g. all_ldpreload_scale; --preset is the same)
      --make-var N=V      a make command-line variable, as on make's command line (repeatable)
      --make-dry-run      run make -n -B TARGET (with the --make-var's) instead of reading the Makefile
      --unit FILE         the .c file to evaluate in (default: one that includes the file)
      --compiler-truth    also run cc -E and report where it disagrees
      --json              JSON: {file, unit, active, inactive, blocks: [{line, endLine, directive, condition, value, active}], flags, errors}

  blocks <file> --profile P   heat per #if block of the file, and samples on inactive lines
      --profile P         repeatable: recordings of one build with different events, merged into one profile
      the options of regions, and --event NAME, --binary-path DIR, --no-propose, --json,
      and the sample filters of lines (--tid, --comm, --cpu, --time)`;

class UsageError extends Error {}

const OPTIONS = {
  D: { type: 'string', short: 'D', multiple: true, default: [] as string[] },
  U: { type: 'string', short: 'U', multiple: true, default: [] as string[] },
  I: { type: 'string', short: 'I', multiple: true, default: [] as string[] },
  'config-header': { type: 'string', multiple: true, default: [] as string[] },
  'compile-commands': { type: 'string' },
  makefile: { type: 'string' },
  preset: { type: 'string' },
  target: { type: 'string' },
  'make-var': { type: 'string', multiple: true, default: [] as string[] },
  'make-dry-run': { type: 'boolean', default: false },
  unit: { type: 'string' },
  json: { type: 'boolean', default: false },
  'compiler-truth': { type: 'boolean', default: false },
  // Repeatable: several recordings of one build (one event each) are merged into one profile.
  profile: { type: 'string', multiple: true, default: [] as string[] },
  event: { type: 'string' },
  'binary-path': { type: 'string', multiple: true, default: [] as string[] },
  'no-propose': { type: 'boolean', default: false },
  ...FILTER_OPTIONS,
} as const;

type ViewValues = {
  D: string[];
  U: string[];
  I: string[];
  'config-header': string[];
  'compile-commands'?: string;
  makefile?: string;
  preset?: string;
  target?: string;
  'make-var': string[];
  'make-dry-run': boolean;
  unit?: string;
};

function display(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
}

function ranges(rs: [number, number][]): string {
  return rs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ') || '(none)';
}

async function buildView(
  file: string,
  v: ViewValues,
  engine: FlagViewEngine,
): Promise<{ view: FlagView; unit?: string; notes: string[]; origin: string }> {
  const notes: string[] = [];
  const cwd = process.cwd();
  let flags: BuildFlags = {
    defines: [],
    paths: { quote: [], angled: [], system: [] },
    forcedIncludes: [],
    compileOptions: [],
    source: 'command line',
    notes: [],
  };
  let unit = v.unit ? resolve(v.unit) : undefined;
  let origin = 'the command line only (-D/-U/-I/--config-header)';
  const makeVars: Record<string, string> = {};
  for (const mv of v['make-var']) {
    const eq = mv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--make-var expects NAME=VALUE, got "${mv}"`);
    makeVars[mv.slice(0, eq)] = mv.slice(eq + 1);
  }
  if (v.target && v.preset && v.target !== v.preset)
    throw new UsageError('--target and --preset name the same thing: give one');
  const target = v.target ?? v.preset;
  if (v['compile-commands'] && (v.makefile || target || v['make-dry-run']))
    throw new UsageError('--compile-commands and --makefile/--target/--make-dry-run are alternatives: give one');
  const varsText = Object.keys(makeVars).length
    ? ` with ${Object.entries(makeVars)
        .map(([k, x]) => `${k}=${x}`)
        .join(' ')}`
    : '';
  if (v['compile-commands']) {
    const cc = resolve(v['compile-commands']);
    const found = flagsFromCompileCommands(
      cc,
      file,
      unit ??
        engine.unitFor(file, {
          base: [],
          overrides: [],
          paths: { quote: [], angled: [], system: [] },
          configHeaders: [],
        }),
    );
    if (!found) throw new Error(`${cc}: no entry compiles ${display(file)}${unit ? ` or ${display(unit)}` : ''}`);
    flags = found;
    unit ??= found.file;
    origin = `${display(cc)}, the entry for ${display(found.file ?? file)}`;
  } else if (v.makefile || target || v['make-dry-run']) {
    const mf = resolve(v.makefile ?? resolve(projectRoot(file), 'Makefile'));
    if (v['make-dry-run']) {
      // make itself is the reader: no static read first (it may fail where make does not).
      const first = await flagsFromMakeDryRun(mf, target, { commandLine: makeVars, allowExternalPrograms: true });
      unit ??= engine.unitFor(file, viewFromFlags(first));
      flags = await flagsFromMakeDryRun(mf, target, {
        sourceFile: unit,
        commandLine: makeVars,
        allowExternalPrograms: true,
      });
      origin = `make -n -B ${target ?? '(default goal)'}${varsText} in ${display(resolve(mf, '..'))}: ${flags.command ?? ''}`;
    } else {
      // The unit decides which compile command of the target applies: find it with the include paths the
      // target's first compile uses.
      const first = flagsFromMakefile(mf, target, { commandLine: makeVars });
      unit ??= engine.unitFor(file, viewFromFlags(first));
      flags = flagsFromMakefile(mf, target, { sourceFile: unit, commandLine: makeVars });
      origin = `${display(mf)} target ${target ?? '(default goal)'}${varsText}, read without running make: ${flags.command ?? ''}`;
    }
  }
  notes.push(...flags.notes);
  const extra = parseCompilerArgs([...v.I.map((d) => `-I${d}`)], cwd, 'command line');
  flags = mergeFlags(flags, { paths: extra.paths, forcedIncludes: v['config-header'].map((h) => resolve(h)) });
  const view = viewFromFlags(flags);
  for (const d of v.D) {
    const eq = d.indexOf('=');
    view.overrides.push(
      eq < 0 ? { op: 'D', name: d, via: '-D' } : { op: 'D', name: d.slice(0, eq), value: d.slice(eq + 1), via: '-D' },
    );
  }
  for (const u of v.U) view.overrides.push({ op: 'U', name: u, via: '-U' });
  return { view, unit, notes, origin };
}

function blocksJson(r: FileRegions) {
  return r.blocks.map((b) => ({
    line: b.line,
    endLine: b.endLine,
    directive: `#${b.directive}`,
    condition: b.condition,
    value: b.value === null ? null : Number.isSafeInteger(Number(b.value)) ? Number(b.value) : b.value,
    active: b.active,
    taken: b.taken,
    depth: b.depth,
    evaluated: b.evaluated,
    ...(b.error ? { error: b.error } : {}),
    ...(b.notes ? { notes: b.notes } : {}),
  }));
}

function blockLine(r: FileRegions, i: number, extra = ''): string {
  const b = r.blocks[i];
  const head = `${'  '.repeat(b.depth - 1)}#${b.directive}${b.condition ? ' ' + b.condition : ''}`;
  const value = b.error
    ? `error: ${b.error}`
    : b.value === null
      ? '(not evaluated)'
      : `= ${b.value}${b.evaluated === 'display' ? '*' : ''}`;
  return `  ${`${b.line}-${b.endLine}`.padStart(9)}  ${extra}${head.padEnd(60)} ${value.padEnd(8)} ${b.active ? 'active' : 'inactive'}`;
}

async function run(args: string[], out: Out, err: Out, kind: 'regions' | 'blocks'): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: OPTIONS,
    });
    if (parsed.positionals.length !== 1) throw new UsageError(`${kind} takes exactly one C file`);
    if (kind === 'blocks' && parsed.values.profile.length === 0) throw new UsageError('blocks needs --profile P');
  } catch (e) {
    err(`perf-heat: ${(e as Error).message}\n\nusage:\n${REGIONS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const file = resolve(positionals[0]);
  try {
    const engine = new FlagViewEngine();
    if (engine.sources.read(file) === undefined) throw new Error(`${display(file)}: no such file or it cannot be read`);
    const { view, unit, notes, origin } = await buildView(file, values, engine);
    if (!values.json) out(`flags from ${origin}`);
    if (kind === 'regions')
      return await regions(engine, file, view, unit, notes, values.json, values['compiler-truth'], out, origin);
    return await blocks(engine, file, view, unit, notes, values, out, err, origin);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`perf-heat: ${e.message}\n\nusage:\n${REGIONS_USAGE}`);
      return 2;
    }
    const msg = (e as Error).message;
    err(`perf-heat: ${msg.includes(display(file)) || msg.includes(file) ? msg : `${display(file)}: ${msg}`}`);
    return 1;
  }
}

async function regions(
  engine: FlagViewEngine,
  file: string,
  view: FlagView,
  unit: string | undefined,
  notes: string[],
  json: boolean,
  truth: boolean,
  out: Out,
  origin: string,
): Promise<number> {
  const r = engine.evaluate(file, view, { unit });
  r.notes.unshift(...notes);
  let compiler:
    | {
        command: string;
        liveCode: number;
        agrees: boolean;
        onlyOurs: number[];
        onlyCompiler: number[];
        errors: string[];
        flagsDiffer: { name: string; engine: string | null; compiler: string | null }[];
      }
    | undefined;
  if (truth) {
    const t = await compilerTruth(r.unit, view, { allowExternalPrograms: true, cwd: process.cwd() });
    const live = t.codeLines.get(file) ?? new Set<number>();
    const scan = engine.scans.get(file, engine.sources.read(file) ?? '');
    const mask = new Uint8Array(r.lineCount + 2);
    for (const [s, e] of r.active) mask.fill(1, s, e + 1);
    const onlyOurs: number[] = [];
    const onlyCompiler: number[] = [];
    for (let l = 1; l <= r.lineCount; l++) {
      const f = scan.lineFlags[l - 1];
      const ours = mask[l] === 1 && !(f & LINE_DIRECTIVE) && (f & LINE_CODE) !== 0;
      if (ours && !live.has(l)) onlyOurs.push(l);
      if (!ours && live.has(l)) onlyCompiler.push(l);
    }
    const errors = t.errors.map((x) => `${display(x.file)}:${x.line}: ${x.message}`);
    const ourErrors = r.errors.map((x) => `${display(x.file)}:${x.line}: ${x.message}`);
    // Flags the compiler's predefined set answers differently (the engine assumes gcc on x86-64) count as well.
    const flagsDiffer = withCompilerValues(r.flags, t.macros)
      .filter((f) => !f.agrees && !f.name.startsWith('__'))
      .map((f) => ({ name: f.name, engine: f.engineValue, compiler: f.value }));
    compiler = {
      command: t.command.join(' '),
      liveCode: live.size,
      agrees:
        !onlyOurs.length && !onlyCompiler.length && !flagsDiffer.length && errors.join('\n') === ourErrors.join('\n'),
      onlyOurs,
      onlyCompiler,
      errors,
      flagsDiffer,
    };
  }
  // Code lines this view compiles (directives, comments and blank lines left out): what `cc -E` keeps.
  const scanned = engine.scans.get(file, engine.sources.read(file) ?? '');
  const liveMask = new Uint8Array(r.lineCount + 2);
  for (const [s, e] of r.active) liveMask.fill(1, s, e + 1);
  let liveCode = 0;
  for (let l = 1; l <= r.lineCount; l++)
    if (liveMask[l] && !(scanned.lineFlags[l - 1] & LINE_DIRECTIVE) && scanned.lineFlags[l - 1] & LINE_CODE) liveCode++;
  if (json) {
    out(
      JSON.stringify(
        {
          file: r.file,
          unit: r.unit,
          view: view.label ?? 'command line',
          origin,
          liveCodeLines: liveCode,
          lineCount: r.lineCount,
          reached: r.reached,
          active: r.active,
          inactive: r.inactive,
          blocks: blocksJson(r),
          flags: r.flags,
          errors: r.errors,
          diagnostics: r.diagnostics,
          notes: r.notes,
          ...(compiler ? { compiler } : {}),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  out(
    `${display(r.file)}${r.unit !== r.file ? ` (in ${display(r.unit)})` : ''}: view ${view.label ?? 'command line'}${view.overrides.length ? ` + ${view.overrides.map((o) => (o.op === 'U' ? `-U${o.name}` : `-D${o.name}${o.value === undefined ? '' : '=' + o.value}`)).join(' ')}` : ''}`,
  );
  out(`live code lines: ${liveCode} of ${r.lineCount} lines`);
  out(`active:   ${ranges(r.active)}`);
  out(`inactive: ${ranges(r.inactive)}`);
  out(`blocks (${r.blocks.length}; * = evaluated for display, the preprocessor skips it):`);
  r.blocks.forEach((_, i) => out(blockLine(r, i)));
  if (r.flags.length) {
    out('flags:');
    for (const f of r.flags) {
      const src = f.source.file
        ? `${f.source.kind} at ${display(f.source.file)}:${f.source.line}`
        : `${f.source.kind}${f.source.via ? ` (${f.source.via})` : ''}`;
      out(
        `  ${f.name} = ${f.defined ? f.value : '(undefined)'}  [${src}]${f.description ? `  ${f.description.text.slice(0, 100)}` : ''}`,
      );
    }
  }
  for (const e of r.errors) out(`#error reached: ${display(e.file)}:${e.line}: ${e.message}`);
  for (const d of r.diagnostics)
    out(`${d.severity}: ${display(d.file)}:${d.line}${d.column ? `:${d.column}` : ''}: ${d.message}`);
  for (const n of r.notes) out(`note: ${n}`);
  if (compiler) {
    out(
      `${compiler.agrees ? 'compiler: agrees' : 'compiler: DISAGREES'}, ${compiler.liveCode} code lines of this file live for it (${compiler.command})`,
    );
    if (compiler.onlyOurs.length) out(`  live here, not for the compiler: ${compiler.onlyOurs.join(', ')}`);
    if (compiler.onlyCompiler.length) out(`  live for the compiler, not here: ${compiler.onlyCompiler.join(', ')}`);
    for (const f of compiler.flagsDiffer)
      out(`  ${f.name}: ${f.engine ?? '(undefined)'} here, ${f.compiler ?? '(undefined)'} for the compiler`);
  }
  return 0;
}

async function blocks(
  engine: FlagViewEngine,
  file: string,
  view: FlagView,
  unit: string | undefined,
  notes: string[],
  values: Record<string, unknown>,
  out: Out,
  err: Out,
  origin: string,
): Promise<number> {
  const profilePaths = (values.profile as string[]).map((p) => resolve(p));
  const profilePath = profilePaths.join(' + ');
  let filter;
  try {
    filter = sampleFilterOf(values as Parameters<typeof sampleFilterOf>[0]);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const profile = await loadProfiles(profilePaths, {
    binaryPaths: values['binary-path'] as string[],
    searchRoots: [process.cwd(), ...profilePaths.map((p) => resolve(p, '..'))],
    ...(filter ? { filter } : {}),
  });
  for (const w of profile.warnings) err(`warning: ${w}`);
  const names = profile.events.map((e) => e.name);
  const event = values.event === undefined ? 0 : names.indexOf(values.event as string);
  if (event < 0) throw new UsageError(`no event "${values.event}" in ${profilePath} (it has: ${names.join(', ')})`);
  const mapper = new PathMapper([file]);
  const counts = new Map<number, number[]>();
  for (const l of profile.lines) {
    if (mapper.resolve(l.file).kind !== 'mapped') continue;
    const c = counts.get(l.line);
    if (c) l.counts.forEach((x, i) => (c[i] += x));
    else counts.set(l.line, l.counts.slice());
  }
  const vh = viewHeat(engine, file, view, counts, { events: names.length, unit, propose: !values['no-propose'] });
  const { regions: r, heat, proposal } = vh;
  r.notes.unshift(...notes);
  const pct = (c: number[]): number => shareOf(c[event] ?? 0, profile.totals[event]);
  if (values.json) {
    out(
      JSON.stringify(
        {
          file: r.file,
          unit: r.unit,
          origin,
          profile: profilePaths[0],
          ...(profilePaths.length > 1 ? { profiles: profilePaths } : {}),
          events: names,
          totals: profile.totals,
          fileTotal: heat.total,
          outside: heat.outside,
          blocks: heat.blocks.map((h, i) => ({ ...blocksJson(r)[i], self: h.self, inclusive: h.inclusive })),
          inactiveSamples: heat.inactiveSamples.map((s) => ({
            line: s.line,
            counts: s.counts,
            block: s.block ? s.block.line : null,
          })),
          proposal: proposal ?? null,
          errors: r.errors,
          notes: r.notes,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  out(
    `${display(r.file)}${r.unit !== r.file ? ` (in ${display(r.unit)})` : ''}: ${names[event]} from ${profilePaths.map(display).join(' + ')}; file total ${pct(heat.total).toFixed(2)}%`,
  );
  out(`  ${'self%'.padStart(7)} ${'incl%'.padStart(7)}  ${'lines'.padStart(9)}  block`);
  heat.blocks.forEach((h, i) => {
    if (!h.inclusive.some((x) => x > 0) && !r.blocks[i].active) return;
    out(
      `  ${pct(h.self).toFixed(2).padStart(6)}% ${pct(h.inclusive).toFixed(2).padStart(6)}% ${blockLine(r, i).trimStart()}`,
    );
  });
  out(`  outside every block: ${pct(heat.outside).toFixed(2)}%`);
  if (heat.inactiveSamples.length) {
    out(
      `samples on lines inactive under this view: ${heat.inactiveSamples.length} lines, ${pct(heat.inactiveTotal).toFixed(2)}% (lines ${heat.inactiveSamples.map((s) => s.line).join(', ')})`,
    );
    if (proposal) {
      const ch = proposal.changes.map((c) => (c.value === null ? `-U${c.name}` : `-D${c.name}=${c.value}`)).join(' ');
      out(`  proposal (${proposal.method}, ${proposal.evaluations} evaluations): ${ch || '(no change found)'}`);
      if (proposal.uncovered.length) out(`  still inactive with it: ${proposal.uncovered.join(', ')}`);
      for (const e of proposal.errors) out(`  but it reaches #error: ${e}`);
    }
  }
  for (const e of r.errors) out(`#error reached: ${display(e.file)}:${e.line}: ${e.message}`);
  for (const n of r.notes) out(`note: ${n}`);
  return 0;
}

/** `perf-heat regions <file> …` (see REGIONS_USAGE). Usage errors return 2, other errors 1. */
export function regionsCommand(args: string[], out: Out, err: Out): Promise<number> {
  return run(args, out, err, 'regions');
}

/** `perf-heat blocks <file> --profile P …` (see REGIONS_USAGE). */
export function blocksCommand(args: string[], out: Out, err: Out): Promise<number> {
  return run(args, out, err, 'blocks');
}

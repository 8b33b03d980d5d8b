/**
 * The A/B experiment file (`.vscode/perf-heat-experiments.json`, schema in schemas/perf-heat-experiments.schema.json):
 * how to build a variant (`${defines}`, `${outDir}`), the benchmark, perf stat's events and repeat count, perf
 * record's options, and the variants (a base, and variants that assign flags on top of the base). Parsing is strict:
 * every problem is one line naming the file and the field (`experiments[0].variants[1].defines.HZ3_X: …`), so a typo
 * is caught before anything is built. Pure: no process is started here (experiment-plan.ts turns an experiment into
 * commands, experiment-run.ts runs them).
 */
import { dirname, basename, isAbsolute, resolve } from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';

/** A flag assignment: a value for `-DNAME=VALUE`, or null for `-UNAME`. */
export type Defines = Record<string, string | null>;

/** A command: an argument vector run as is (no shell), or a string run by `/bin/sh -c`. */
export type CommandSpec = { argv: string[] } | { shell: string };

export interface Variant {
  name: string;
  /** The variant's own flag assignments (on top of the base's, for a non-base variant). */
  defines: Defines;
}

export interface Experiment {
  name: string;
  /** The file it was read from (errors name it); empty for one built in memory from nothing. */
  file: string;
  /** The workspace folder: `${workspaceFolder}`, and what relative paths are relative to. */
  workspaceFolder: string;
  /** Where the commands run (absolute). */
  cwd: string;
  build: CommandSpec;
  benchmark: CommandSpec;
  stat: { events: string[]; repeat: number };
  record: { options: string[] };
  base: Variant;
  variants: Variant[];
  /** The experiment's folder, may hold `${experiment}` and `${workspaceFolder}`; each variant gets `<outDir>/<variant>/`. */
  outDir: string;
  /** Per command; a command running longer is stopped. */
  timeoutSeconds: number;
}

export const EXPERIMENTS_FILE = '.vscode/perf-heat-experiments.json';
export const DEFAULT_STAT_EVENTS = [
  'task-clock',
  'cpu-clock',
  'context-switches',
  'page-faults',
  'cycles',
  'instructions',
];
/** cpu-clock works everywhere perf does, software events included (VMs without PMU access). */
export const DEFAULT_RECORD_OPTIONS = ['-e', 'cpu-clock', '-F', '4000', '-g'];
export const DEFAULT_OUT_DIR = '.perf-heat/experiments/${experiment}';
export const DEFAULT_TIMEOUT_SECONDS = 600;
export const PLACEHOLDERS = ['defines', 'outDir', 'variant', 'experiment', 'workspaceFolder'] as const;

/** A variant or experiment name is a folder and file name: letters, digits, `.`, `_`, `-`. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MACRO = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** An event as perf stat -e takes it, one per entry (no commas: they separate events). */
const EVENT = /^[A-Za-z0-9_.:/=-]+$/;

export class ExperimentConfigError extends Error {
  override name = 'ExperimentConfigError';
}

const FILE_KEYS = ['$schema', 'experiments'];
const EXPERIMENT_KEYS = [
  'name',
  'description',
  'cwd',
  'build',
  'benchmark',
  'perfStat',
  'perfRecord',
  'base',
  'variants',
  'outDir',
  'timeoutSeconds',
];

/**
 * The workspace folder of an experiments file: the folder holding its `.vscode/`, or the file's own folder when it
 * is elsewhere.
 */
export function workspaceFolderOf(file: string): string {
  const dir = dirname(resolve(file));
  return basename(dir) === '.vscode' ? dirname(dir) : dir;
}

/** Every experiment of the file's text; `file` names it in errors. */
export function parseExperiments(text: string, file: string, workspaceFolder = workspaceFolderOf(file)): Experiment[] {
  // JSON with comments and trailing commas, as VS Code's own .vscode files (the file opens as JSONC).
  const errors: ParseError[] = [];
  const json: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) throw new ExperimentConfigError(`${file}: ${jsonErrorPlace(text, errors[0])}`);
  const r = new Reader(file);
  const top = r.object(json, '');
  r.onlyKeys(top, FILE_KEYS, '');
  const list = top.experiments;
  if (!Array.isArray(list)) return r.fail('experiments', 'must be a list of experiments');
  if (list.length === 0)
    return r.fail('experiments', 'is empty: add an experiment with a build, a benchmark and variants');
  const out = list.map((x, i) => readExperiment(r, x, `experiments[${i}]`, workspaceFolder));
  const seen = new Set<string>();
  out.forEach((x, i) => {
    if (seen.has(x.name)) r.fail(`experiments[${i}].name`, `"${x.name}" is used by an earlier experiment`);
    seen.add(x.name);
  });
  return out;
}

/** The experiment called `name`, or the first; the error lists the names there are. */
export function chooseExperiment(all: readonly Experiment[], name: string | undefined, file: string): Experiment {
  if (name === undefined) return all[0];
  const x = all.find((e) => e.name === name);
  if (!x)
    throw new ExperimentConfigError(
      `${file}: no experiment "${name}" (there are: ${all.map((e) => e.name).join(', ')})`,
    );
  return x;
}

/** Only the variants named (beside the base, which always runs); unknown names are an error listing the others. */
export function selectVariants(x: Experiment, names: readonly string[] | undefined): Experiment {
  if (!names?.length) return x;
  for (const n of names) {
    if (!x.variants.some((v) => v.name === n)) {
      const all = x.variants.map((v) => v.name).join(', ');
      throw new ExperimentConfigError(
        `${x.file || x.name}: experiment "${x.name}" has no variant "${n}"${n === x.base.name ? ' (that is the base, which always runs)' : ''} (its variants: ${all})`,
      );
    }
  }
  return { ...x, variants: x.variants.filter((v) => names.includes(v.name)) };
}

/**
 * "A/B this flag": the experiment's commands, with its base (plus `baseDefines`, e.g. the flags the user toggled in
 * the Flags view) against one variant that sets `flag` to `value`. The variant's name says what it changes.
 */
export function abExperiment(
  from: Experiment,
  flag: string,
  value: string | null,
  baseDefines: Defines = {},
): Experiment {
  if (!MACRO.test(flag)) throw new ExperimentConfigError(`A/B: "${flag}" is not a macro name`);
  const base: Defines = { ...from.base.defines, ...baseDefines };
  const variant = abVariantName(flag, value);
  const baseName = variant === from.base.name ? 'base-build' : from.base.name;
  return {
    ...from,
    name: `ab-${flag}`.slice(0, 64),
    base: { name: baseName, defines: base },
    variants: [{ name: variant, defines: { [flag]: value } }],
  };
}

/** `HZ3_S154_SPILL_PREFETCH=0` → `S154_SPILL_PREFETCH-0`: a folder name that says what changed. */
export function abVariantName(flag: string, value: string | null): string {
  const short = flag.replace(/^HZ3_/, '');
  const v = value === null ? 'undef' : value.replace(/[^A-Za-z0-9._-]+/g, '_') || 'empty';
  return `${short}-${v}`.slice(0, 64).replace(/^[^A-Za-z0-9]+/, '') || 'variant';
}

function readExperiment(r: Reader, raw: unknown, at: string, workspaceFolder: string): Experiment {
  const o = r.object(raw, at);
  r.onlyKeys(o, EXPERIMENT_KEYS, at);
  const name = r.name(o.name, `${at}.name`);
  if (o.description !== undefined && typeof o.description !== 'string') r.fail(`${at}.description`, 'must be text');
  const cwdRel = o.cwd === undefined ? '.' : r.string(o.cwd, `${at}.cwd`);
  const cwd = isAbsolute(cwdRel) ? cwdRel : resolve(workspaceFolder, cwdRel);
  const build = r.command(o.build, `${at}.build`);
  const benchmark = r.command(o.benchmark, `${at}.benchmark`);
  if (!mentions(build, 'defines'))
    r.fail(
      `${at}.build`,
      'has no ${defines}: every variant would be the same build (put ${defines} where the -D flags go, e.g. "DEFS_EXTRA=${defines}")',
    );
  if (!mentions(build, 'outDir'))
    r.fail(
      `${at}.build`,
      'has no ${outDir}: each variant is built into its own folder, so the build must write there (e.g. "BIN=${outDir}/bench")',
    );
  if (!mentions(benchmark, 'outDir'))
    r.fail(
      `${at}.benchmark`,
      'has no ${outDir}: it would run the same binary for every variant (e.g. "${outDir}/bench")',
    );
  const stat = readStat(r, o.perfStat, `${at}.perfStat`);
  const record = readRecord(r, o.perfRecord, `${at}.perfRecord`);
  const base = o.base === undefined ? { name: 'base', defines: {} } : readVariant(r, o.base, `${at}.base`, 'base');
  if (!Array.isArray(o.variants))
    r.fail(`${at}.variants`, 'must be a list of variants, each {"name": …, "defines": {…}}');
  const variants = (o.variants as unknown[]).map((v, i) => readVariant(r, v, `${at}.variants[${i}]`));
  if (variants.length === 0)
    r.fail(`${at}.variants`, 'is empty: an experiment compares the base with at least one variant');
  const names = new Set([base.name]);
  variants.forEach((v, i) => {
    if (names.has(v.name))
      r.fail(
        `${at}.variants[${i}].name`,
        `"${v.name}" is already the name of ${v.name === base.name ? 'the base' : 'an earlier variant'}`,
      );
    names.add(v.name);
  });
  const outDir = o.outDir === undefined ? DEFAULT_OUT_DIR : r.string(o.outDir, `${at}.outDir`);
  r.placeholders(outDir, `${at}.outDir`, ['experiment', 'workspaceFolder']);
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  if (o.timeoutSeconds !== undefined) {
    if (typeof o.timeoutSeconds !== 'number' || !(o.timeoutSeconds > 0) || o.timeoutSeconds > 86_400)
      r.fail(`${at}.timeoutSeconds`, 'must be a number of seconds from 1 to 86400');
    timeoutSeconds = o.timeoutSeconds as number;
  }
  return {
    name,
    file: r.file,
    workspaceFolder,
    cwd,
    build,
    benchmark,
    stat,
    record,
    base,
    variants,
    outDir,
    timeoutSeconds,
  };
}

function readStat(r: Reader, raw: unknown, at: string): Experiment['stat'] {
  if (raw === undefined) return { events: DEFAULT_STAT_EVENTS, repeat: 5 };
  const o = r.object(raw, at);
  r.onlyKeys(o, ['events', 'repeat'], at);
  let events = DEFAULT_STAT_EVENTS;
  if (o.events !== undefined) {
    if (!Array.isArray(o.events) || o.events.length === 0)
      r.fail(`${at}.events`, 'must be a non-empty list of events, e.g. ["task-clock", "cycles", "instructions"]');
    events = (o.events as unknown[]).map((e, i) => {
      if (typeof e !== 'string' || !EVENT.test(e))
        r.fail(`${at}.events[${i}]`, `${JSON.stringify(e)} is not one perf event (one per entry, no commas or spaces)`);
      return e as string;
    });
  }
  let repeat = 5;
  if (o.repeat !== undefined) {
    if (typeof o.repeat !== 'number' || !Number.isInteger(o.repeat) || o.repeat < 1 || o.repeat > 100)
      r.fail(`${at}.repeat`, 'must be a whole number from 1 to 100 (perf stat -r)');
    repeat = o.repeat as number;
  }
  return { events, repeat };
}

function readRecord(r: Reader, raw: unknown, at: string): Experiment['record'] {
  if (raw === undefined) return { options: DEFAULT_RECORD_OPTIONS };
  const o = r.object(raw, at);
  r.onlyKeys(o, ['options'], at);
  if (o.options === undefined) return { options: DEFAULT_RECORD_OPTIONS };
  if (!Array.isArray(o.options))
    r.fail(`${at}.options`, 'must be a list of perf record arguments, e.g. ["-e", "cpu-clock", "-F", "4000", "-g"]');
  const options = (o.options as unknown[]).map((x, i) => {
    if (typeof x !== 'string') r.fail(`${at}.options[${i}]`, 'must be text');
    const s = x as string;
    // The output file and the command are the experiment's: each variant records into its own folder.
    if (s === '-o' || s.startsWith('--output') || /^-o./.test(s))
      r.fail(
        `${at}.options[${i}]`,
        `"${s}": the output file is chosen by the experiment (<outDir>/<variant>/<variant>.perf.data)`,
      );
    if (s === '--') r.fail(`${at}.options[${i}]`, '"--": the benchmark command follows the options by itself');
    return s;
  });
  return { options };
}

function readVariant(r: Reader, raw: unknown, at: string, defaultName?: string): Variant {
  const o = r.object(raw, at);
  r.onlyKeys(o, ['name', 'defines', 'description'], at);
  const name = o.name === undefined && defaultName ? defaultName : r.name(o.name, `${at}.name`);
  const defines: Defines = {};
  if (o.defines !== undefined) {
    const d = r.object(o.defines, `${at}.defines`);
    for (const [k, v] of Object.entries(d)) {
      if (!MACRO.test(k)) r.fail(`${at}.defines`, `"${k}" is not a macro name`);
      if (v === null) defines[k] = null;
      else if (typeof v === 'boolean') defines[k] = v ? '1' : '0';
      else if (typeof v === 'number' && Number.isFinite(v)) defines[k] = String(v);
      else if (typeof v === 'string') defines[k] = v;
      else r.fail(`${at}.defines.${k}`, 'must be a value (text, a number, true/false for 1/0) or null to undefine it');
    }
  }
  return { name, defines };
}

function mentions(c: CommandSpec, placeholder: string): boolean {
  const needle = '${' + placeholder + '}';
  return 'argv' in c ? c.argv.some((a) => a.includes(needle)) : c.shell.includes(needle);
}

class Reader {
  constructor(readonly file: string) {}

  fail(at: string, problem: string): never {
    throw new ExperimentConfigError(`${this.file}: ${at ? `${at}: ` : ''}${problem}`);
  }

  object(x: unknown, at: string): Record<string, unknown> {
    if (typeof x !== 'object' || x === null || Array.isArray(x))
      this.fail(at, `must be an object ({…}), not ${describe(x)}`);
    return x as Record<string, unknown>;
  }

  onlyKeys(o: Record<string, unknown>, allowed: readonly string[], at: string): void {
    for (const k of Object.keys(o))
      if (!allowed.includes(k))
        this.fail(
          at ? `${at}.${k}` : k,
          `unknown field (expected one of: ${allowed.filter((a) => a !== '$schema').join(', ')})`,
        );
  }

  string(x: unknown, at: string): string {
    if (typeof x !== 'string' || x === '') this.fail(at, `must be non-empty text, not ${describe(x)}`);
    return x;
  }

  name(x: unknown, at: string): string {
    if (x === undefined) this.fail(at, 'is missing');
    const s = this.string(x, at);
    if (!NAME_PATTERN.test(s))
      this.fail(at, `"${s}" is also a folder name: use letters, digits, ".", "_" and "-" (at most 64)`);
    return s;
  }

  command(x: unknown, at: string): CommandSpec {
    if (x === undefined) this.fail(at, 'is missing');
    if (typeof x === 'string') {
      if (!x.trim()) this.fail(at, 'is empty');
      this.placeholders(x, at, PLACEHOLDERS);
      return { shell: x };
    }
    if (!Array.isArray(x) || x.length === 0)
      this.fail(at, 'must be a command: a list of arguments (["make", "DEFS_EXTRA=${defines}"]) or one shell line');
    const argv = x.map((a, i) => {
      if (typeof a !== 'string') this.fail(`${at}[${i}]`, `must be text, not ${describe(a)}`);
      this.placeholders(a, `${at}[${i}]`, PLACEHOLDERS);
      return a;
    });
    if (!argv[0]) this.fail(`${at}[0]`, 'the program is empty');
    return { argv };
  }

  placeholders(s: string, at: string, allowed: readonly string[]): void {
    for (const m of s.matchAll(/\$\{([^}]*)\}/g)) {
      if (!allowed.includes(m[1]))
        this.fail(at, `unknown placeholder \${${m[1]}} (known here: ${allowed.map((p) => '${' + p + '}').join(', ')})`);
    }
  }
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  if (x === undefined) return 'nothing';
  return typeof x === 'object' ? 'an object' : `${typeof x} ${JSON.stringify(x)}`;
}

/** The first syntax error as `line 7, column 3: not JSON (CloseBraceExpected)`. */
function jsonErrorPlace(text: string, e: ParseError): string {
  const before = text.slice(0, e.offset);
  const line = before.split('\n').length;
  const col = e.offset - before.lastIndexOf('\n');
  return `line ${line}, column ${col}: not JSON (${printParseErrorCode(e.error)})`;
}

/**
 * An experiment as the exact commands that will run: each variant built into its own folder, then the benchmark
 * under `perf stat -x, -r N` and under `perf record`, every variant's outputs named after it
 * (`<outDir>/<variant>/<variant>.csv`, `<variant>.perf.data`), and where each report (variant against the base)
 * goes. The editor shows `text` of every step to the user before it first runs; the CLI prints it. Pure.
 *
 * Placeholders: `${defines}` is the variant's flags as `-UNAME -DNAME=VALUE` words (`-UNAME` alone for an undefined
 * flag; the `-U` first, so a flag the build already sets with -D is replaced without a "redefined" warning);
 * `${outDir}` the variant's folder; `${variant}`, `${experiment}`, `${workspaceFolder}`. In an argument list, an
 * argument that is exactly `${defines}` becomes one argument per word; inside a longer argument
 * (`DEFS_EXTRA=${defines}`) the words are joined by spaces, each shell-quoted when it needs it (a make variable ends
 * up in a recipe's shell line). In a shell line every placeholder becomes shell-quoted words.
 */
import { join, resolve } from 'node:path';
import type { CommandSpec, Defines, Experiment, Variant } from './experiment-config';
import { ExperimentConfigError } from './experiment-config';

export type StepKind = 'build' | 'stat' | 'record';

export interface PlannedStep {
  kind: StepKind;
  variant: string;
  /** `build base`, `perf stat S154-0`. */
  title: string;
  argv: string[];
  cwd: string;
  /** The command as the user would type it (shell-quoted), which is what they confirm. */
  text: string;
  /** Files the step writes, removed before it runs so that a failed step leaves no stale result. */
  outputs: string[];
}

export interface PlannedVariant {
  name: string;
  /** Every flag the variant's build gets (the base's, then its own). */
  defines: Defines;
  /** Only what it changes against the base (empty for the base). */
  changes: Defines;
  dir: string;
  statFile: string;
  perfData: string;
}

export interface ExperimentPlan {
  experiment: string;
  outDir: string;
  /** The base first. */
  variants: PlannedVariant[];
  steps: PlannedStep[];
  /** One report per non-base variant, against the base. */
  reports: { variant: string; base: string; path: string }[];
  timeoutMs: number;
}

/** perf takes a DSO under /tmp/perf-* for a JIT map and drops its symbols: never build or record there. */
export const PERF_JIT_PREFIX = '/tmp/perf-';

export function planExperiment(x: Experiment, options: { outDir?: string; perf?: string } = {}): ExperimentPlan {
  const perf = options.perf ?? 'perf';
  const expand = (s: string): string =>
    s.replaceAll('${experiment}', x.name).replaceAll('${workspaceFolder}', x.workspaceFolder);
  const outDir = resolve(x.cwd, options.outDir ?? expand(x.outDir));
  if ((outDir + '/').startsWith(PERF_JIT_PREFIX)) {
    throw new ExperimentConfigError(
      `${x.file || x.name}: outDir ${outDir} is under ${PERF_JIT_PREFIX}*, where perf takes binaries for JIT maps and drops their symbols: choose another folder`,
    );
  }
  const variants: PlannedVariant[] = [x.base, ...x.variants].map((v: Variant, i) => {
    const dir = join(outDir, v.name);
    const defines = i === 0 ? { ...v.defines } : { ...x.base.defines, ...v.defines };
    return {
      name: v.name,
      defines,
      changes: i === 0 ? {} : { ...v.defines },
      dir,
      statFile: join(dir, `${v.name}.csv`),
      perfData: join(dir, `${v.name}.perf.data`),
    };
  });
  const steps: PlannedStep[] = [];
  const vars = (v: PlannedVariant): Vars => ({
    defines: defineWords(v.defines),
    outDir: [v.dir],
    variant: [v.name],
    experiment: [x.name],
    workspaceFolder: [x.workspaceFolder],
  });
  const step = (kind: StepKind, v: PlannedVariant, title: string, argv: string[], outputs: string[]): void => {
    steps.push({ kind, variant: v.name, title, argv, cwd: x.cwd, text: commandText(argv), outputs });
  };
  for (const v of variants) step('build', v, `build ${v.name}`, commandArgv(x.build, vars(v)), []);
  for (const v of variants) {
    const bench = commandArgv(x.benchmark, vars(v));
    step(
      'stat',
      v,
      `perf stat ${v.name}`,
      [
        perf,
        'stat',
        '-x,',
        '-r',
        String(x.stat.repeat),
        '-e',
        x.stat.events.join(','),
        '-o',
        v.statFile,
        '--',
        ...bench,
      ],
      [v.statFile],
    );
  }
  for (const v of variants) {
    const bench = commandArgv(x.benchmark, vars(v));
    step(
      'record',
      v,
      `perf record ${v.name}`,
      [perf, 'record', ...x.record.options, '-o', v.perfData, '--', ...bench],
      [v.perfData, `${v.perfData}.old`],
    );
  }
  const [base, ...others] = variants;
  const reports = others.map((v) => ({
    variant: v.name,
    base: base.name,
    path: join(outDir, `${v.name}-vs-${base.name}.md`),
  }));
  return { experiment: x.name, outDir, variants, steps, reports, timeoutMs: x.timeoutSeconds * 1000 };
}

type Vars = Record<'defines' | 'outDir' | 'variant' | 'experiment' | 'workspaceFolder', string[]>;

/** `{A: '1', B: null}` → `-UA -DA=1 -UB`, in the order written. */
export function defineWords(d: Defines): string[] {
  return Object.entries(d).flatMap(([k, v]) => (v === null ? [`-U${k}`] : [`-U${k}`, `-D${k}=${v}`]));
}

function commandArgv(c: CommandSpec, vars: Vars): string[] {
  const sub = (s: string, words: (name: keyof Vars) => string): string =>
    s.replace(/\$\{(\w+)\}/g, (_, name: keyof Vars) => words(name));
  if ('shell' in c) return ['/bin/sh', '-c', sub(c.shell, (n) => vars[n].map(shellQuote).join(' '))];
  // A folder or a name goes in as it is; the defines, several words in one argument, are shell-quoted as needed.
  return c.argv.flatMap((a) =>
    a === '${defines}'
      ? vars.defines
      : [sub(a, (n) => (n === 'defines' ? vars.defines.map(shellQuote).join(' ') : vars[n][0]))],
  );
}

/** A word for a shell line: as is when it holds nothing the shell reads, else in single quotes. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command as typed at a shell prompt: `/bin/sh -c LINE` shown as the line itself. */
export function commandText(argv: readonly string[]): string {
  if (argv.length === 3 && argv[0] === '/bin/sh' && argv[1] === '-c') return argv[2];
  return argv.map(shellQuote).join(' ');
}

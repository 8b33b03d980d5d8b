/**
 * The one entry for running an A/B experiment, for the CLI and the language server: read the experiments file,
 * choose the experiment and its variants (or build "A/B this flag" from it), and plan the commands
 * (experiment-plan.ts); experiment-run.ts runs them. Also the starting file written when a workspace has none.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  abExperiment,
  chooseExperiment,
  ExperimentConfigError,
  EXPERIMENTS_FILE,
  parseExperiments,
  selectVariants,
  workspaceFolderOf,
  type Defines,
  type Experiment,
} from './experiment-config';
import { planExperiment, type ExperimentPlan } from './experiment-plan';

export interface ExperimentChoice {
  /** The experiments file. */
  config: string;
  /** Its workspace folder (default: the folder holding its `.vscode/`). */
  workspaceFolder?: string;
  /** Which experiment of the file (default: the first). */
  experiment?: string;
  /** Only these variants beside the base. */
  variants?: string[];
  /** A/B one flag: the experiment's base (plus `baseDefines`) against the base with `flag` set to `value`. */
  ab?: { flag: string; value: string | null; baseDefines?: Defines };
  /** Where the variants' folders go instead of the experiment's outDir. */
  outDir?: string;
}

/** `names`: every experiment of the file, for a picker. */
export async function prepareExperiment(
  choice: ExperimentChoice,
): Promise<{ experiment: Experiment; plan: ExperimentPlan; names: string[] }> {
  let text: string;
  try {
    text = await readFile(choice.config, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ExperimentConfigError(
      `${choice.config}: ${code === 'ENOENT' ? 'not found (perf-heat experiment --init FILE writes a starting one)' : (e as Error).message}`,
    );
  }
  const all = parseExperiments(text, choice.config, choice.workspaceFolder ?? workspaceFolderOf(choice.config));
  let x = chooseExperiment(all, choice.experiment, choice.config);
  if (choice.ab) x = abExperiment(x, choice.ab.flag, choice.ab.value, choice.ab.baseDefines);
  else x = selectVariants(x, choice.variants);
  return { experiment: x, plan: planExperiment(x, { outDir: choice.outDir }), names: all.map((e) => e.name) };
}

/**
 * A starting experiments file for a workspace: the build and benchmark lines guessed (make when there is a
 * Makefile), to be edited; one variant flipping `flag` when given. It parses (the tests check it), so the user's
 * first run says what to fix rather than failing on syntax.
 */
export function experimentTemplate(workspaceFolder: string, flag?: { name: string; value: string | null }): string {
  const make = existsSync(join(workspaceFolder, 'Makefile')) || existsSync(join(workspaceFolder, 'makefile'));
  const x = {
    experiments: [
      {
        name: 'ab',
        description:
          'Edit build and benchmark: the build must add ${defines} (-U/-D flags) to the compiler flags and put its binary in ${outDir}; the benchmark runs that binary.',
        build: make
          ? ['make', 'BUILD_DIR=${outDir}', 'EXTRA_CFLAGS=${defines}']
          : ['cc', '-O2', '-g', '${defines}', '-o', '${outDir}/bench', 'bench.c'],
        benchmark: ['${outDir}/bench'],
        perfStat: {
          events: ['task-clock', 'cpu-clock', 'context-switches', 'page-faults', 'cycles', 'instructions'],
          repeat: 5,
        },
        perfRecord: { options: ['-e', 'cpu-clock', '-F', '4000', '-g'] },
        base: { name: 'base', defines: {} },
        variants: [
          flag
            ? { name: 'variant', defines: { [flag.name]: flag.value } }
            : { name: 'variant', defines: { MY_FLAG: 1 } },
        ],
        outDir: '.perf-heat/experiments/${experiment}',
      },
    ],
  };
  return JSON.stringify(x, null, 2) + '\n';
}

export { EXPERIMENTS_FILE };

/** How the report learns one build's flags (the fields of perfHeat/exportReport's `builds`, `report --*-a/-b`). */
export interface ReportBuild {
  makefile?: string;
  target?: string;
  makeVariables?: string[];
  /** Compiler arguments on top (the variant's `${defines}` words), when the build is not a plain `make`. */
  flags?: string;
}

/**
 * Each build's flags for the report: a plain `make [TARGET] NAME=VALUE…` build in a folder with a Makefile is read
 * as that target with those variables (the report's Makefile reader then sees exactly the -D set make used);
 * any other build command is the report's default build plus the variant's -U/-D words. `flipped`: what the
 * variant changes against the base, which the report checks against the flags that differ.
 */
export function reportBuilds(
  plan: ExperimentPlan,
  variant: string,
): { a: ReportBuild; b: ReportBuild; flipped: string[]; name: string } {
  const base = plan.variants[0];
  const v = plan.variants.find((x) => x.name === variant)!;
  const buildOf = (name: string): ReportBuild => {
    const s = plan.steps.find((x) => x.kind === 'build' && x.variant === name)!;
    const words = plan.variants.find((x) => x.name === name)!.defines;
    const flags = Object.entries(words)
      .flatMap(([k, val]) => (val === null ? [`-U${k}`] : [`-U${k}`, `-D${k}=${val}`]))
      .join(' ');
    const [program, ...args] = s.argv;
    const makefile = join(s.cwd, 'Makefile');
    const plain =
      /(^|\/)g?make$/.test(program) &&
      existsSync(makefile) &&
      args.every((a) => !/^-(C|f|-directory|-file|-makefile)/.test(a));
    if (!plain) return { flags };
    const targets = args.filter((a) => !a.startsWith('-') && !a.includes('='));
    return {
      makefile,
      ...(targets.length ? { target: targets[0] } : {}),
      makeVariables: args.filter((a) => !a.startsWith('-') && a.includes('=')),
    };
  };
  // An undefined flag has no NAME=VALUE to check against: only assignments are listed.
  const flipped = Object.entries(v.changes).flatMap(([k, val]) => (val === null ? [] : [`${k}=${val}`]));
  return { a: buildOf(base.name), b: buildOf(v.name), flipped, name: plan.experiment };
}

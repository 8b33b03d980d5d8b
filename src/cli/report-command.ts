/**
 * `perf-heat report [<profile>…] [--baseline P]… [--stat FILE]… [--base N] [--group NAME=PREFIX]… [--function NAME]
 * [--source-root DIR] [--top N] [--binary-path DIR]… -o report.md`: the Markdown analysis of an A/B pair (see
 * src/engine/report.ts). Several profiles are recordings of one build (cycles.data misses.data), merged into one;
 * so are several --baseline files. Without -o (or with `-o -`) the report goes to stdout.
 */
import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadProfiles } from '../engine/load-profile';
import {
  buildReport,
  parseGroupSpec,
  type BlockProvider,
  type BuildSpec,
  type GroupSpec,
  type ProfileSide,
  type ReportInput,
} from '../engine/report';
import { SourceFiles } from '../engine/report-sources';
import { loadStatRuns } from '../engine/report-stat';
import { FILTER_OPTIONS, FILTER_USAGE, sampleFilterOf } from './filter-options';

export const REPORT_USAGE = `  report [<profile>…]  a Markdown analysis of an A/B pair: perf stat comparison, top functions by each event,
                      allocator vs program, functions with more misses than cycles, cache-miss hotspots,
                      the hottest function by #if block, the cycle-gap decomposition. Several profiles are
                      recordings of one build with different events (cycles.data misses.data), merged
      --baseline P        the A profile the main one is compared with (repeatable: recordings of the A build)
      --group NAME=PREFIX functions whose name starts with PREFIX form group NAME (repeatable, e.g.
                          --group allocator=hz3_ --group allocator=mi_; NAME=binary:FILE groups a binary);
                          groups may overlap; functions in none are "program". Default: groups by binary
      --stat FILE         a perf stat file (repeatable; the first is the base unless --base N)
      --base N            the stat run the others are compared with, 1-based
      --function NAME     break this function down by #if block (default: the hottest with sources)
      --source-root DIR   where the sources are; recorded paths are re-rooted by suffix (default: .)
      --top N             rows in the function and line tables (default 10)
      --binary-path DIR   where the profiled binaries are (repeatable)
    Each build's flags (A = --baseline, B = the profile): the same options as regions/blocks, for both builds,
    or per build with -a / -b (a per-build option replaces the shared one; -D lists add up):
      --makefile F        read the build's flags from this Makefile (the default goal, or --target)
      --target T          the Makefile target (--target-a T, --target-b T)
      --make-var N=V      make's command-line variable (repeatable; --make-var-a, --make-var-b)
      --compile-commands F  the build's compile_commands.json (--compile-commands-a, --compile-commands-b)
      --flags-a=ARGS      compiler arguments added to A's (--flags-a='-DHZ3_S121_PAGE_LOCAL_REMOTE=1': with '=', as
                          the value starts with a dash); --flags-b=ARGS, --flags=ARGS for both
      -D NAME[=V]         a define on top of both builds (repeatable; --define-a, --define-b; -UNAME undefines)
      --flipped NAME[=V]  a flag the experiment flipped (repeatable): checked against the flags that differ
      --experiment NAME   the experiment's name, for the report's title
      -o FILE             write the report there (default: stdout)
${FILTER_USAGE}`;

class ReportUsageError extends Error {}

const parse = (args: string[]) =>
  parseArgs({
    args,
    allowPositionals: true,
    options: {
      baseline: { type: 'string', multiple: true, default: [] },
      group: { type: 'string', multiple: true, default: [] },
      stat: { type: 'string', multiple: true, default: [] },
      base: { type: 'string' },
      function: { type: 'string' },
      'source-root': { type: 'string', default: '.' },
      top: { type: 'string', default: '10' },
      'binary-path': { type: 'string', multiple: true, default: [] },
      output: { type: 'string', short: 'o' },
      makefile: { type: 'string' },
      'makefile-a': { type: 'string' },
      'makefile-b': { type: 'string' },
      target: { type: 'string' },
      'target-a': { type: 'string' },
      'target-b': { type: 'string' },
      'make-var': { type: 'string', multiple: true, default: [] },
      'make-var-a': { type: 'string', multiple: true, default: [] },
      'make-var-b': { type: 'string', multiple: true, default: [] },
      'compile-commands': { type: 'string' },
      'compile-commands-a': { type: 'string' },
      'compile-commands-b': { type: 'string' },
      flags: { type: 'string' },
      'flags-a': { type: 'string' },
      'flags-b': { type: 'string' },
      D: { type: 'string', short: 'D', multiple: true, default: [] },
      'define-a': { type: 'string', multiple: true, default: [] },
      'define-b': { type: 'string', multiple: true, default: [] },
      flipped: { type: 'string', multiple: true, default: [] },
      experiment: { type: 'string' },
      ...FILTER_OPTIONS,
    } as const,
  });
type Parsed = ReturnType<typeof parse>;

/** `options.blocks`: the `#if` structure provider (default: the line scan); the preprocessor engine plugs in here. */
export async function reportCommand(
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
  options: { blocks?: BlockProvider } = {},
): Promise<number> {
  let values: Parsed['values'];
  let positionals: string[];
  let groups: GroupSpec[] = [];
  let filter: ReturnType<typeof sampleFilterOf>;
  try {
    ({ values, positionals } = parse(args));
    filter = sampleFilterOf(values);
    if (positionals.length === 0 && values.stat.length === 0)
      throw new ReportUsageError('report needs a profile, perf stat files (--stat), or both');
    if (values.baseline.length > 0 && positionals.length === 0)
      throw new ReportUsageError('--baseline needs a profile to compare with it');
    groups = values.group.map((g) => {
      try {
        return parseGroupSpec(g);
      } catch (e) {
        throw new ReportUsageError((e as Error).message);
      }
    });
    const top = Number(values.top);
    if (!Number.isInteger(top) || top < 1)
      throw new ReportUsageError(`--top takes a whole number from 1, got "${values.top}"`);
    for (const v of [...values['make-var'], ...values['make-var-a'], ...values['make-var-b']])
      if (v.indexOf('=') <= 0) throw new ReportUsageError(`--make-var takes NAME=VALUE, got "${v}"`);
    const aOnly = ['makefile-a', 'target-a', 'compile-commands-a', 'flags-a'].filter(
      (k) => values[k as 'target-a'] !== undefined,
    );
    if ((aOnly.length || values['make-var-a'].length || values['define-a'].length) && values.baseline.length === 0)
      throw new ReportUsageError(
        `--${aOnly[0] ?? (values['make-var-a'].length ? 'make-var-a' : 'define-a')} is build A's (the --baseline): give a --baseline`,
      );
    for (const k of ['', '-a', '-b']) {
      if (
        values[`compile-commands${k}` as 'compile-commands'] &&
        (values[`makefile${k}` as 'makefile'] || values[`target${k}` as 'target'])
      )
        throw new ReportUsageError(`--compile-commands${k} and --makefile${k}/--target${k} are alternatives: give one`);
    }
    if (values.base !== undefined) {
      const b = Number(values.base);
      if (!Number.isInteger(b) || b < 1 || b > values.stat.length)
        throw new ReportUsageError(
          `--base takes a stat run number from 1 to ${values.stat.length}, got "${values.base}"`,
        );
    }
  } catch (e) {
    err(`perf-heat: ${(e as Error).message}\n\nusage: perf-heat report [<profile>] [options]\n${REPORT_USAGE}`);
    return 2;
  }
  try {
    const root = values['source-root'];
    const loadOptions = { binaryPaths: values['binary-path'], searchRoots: [root], ...(filter ? { filter } : {}) };
    const spec = (k: '-a' | '-b'): BuildSpec => {
      const pick = <T>(name: string): T | undefined =>
        (values[`${name}${k}` as 'target'] ?? values[name as 'target']) as T | undefined;
      const cc = pick<string>('compile-commands');
      const mf = cc ? undefined : pick<string>('makefile');
      const target = cc ? undefined : pick<string>('target');
      const perBuildVars = values[`make-var${k}`];
      // Paths as the user typed them, from the current folder (the report resolves others from the source root).
      return {
        compileCommands: cc && resolve(cc),
        makefile: mf && resolve(mf),
        target,
        makeVariables: [...values['make-var'], ...perBuildVars],
        flags: pick<string>('flags'),
        defines: [...values.D, ...values[`define${k}`]],
      };
    };
    const side = async (paths: string[], k: '-a' | '-b'): Promise<ProfileSide> => {
      const profile = await loadProfiles(paths, loadOptions);
      for (const w of profile.warnings) err(`warning: ${w}`);
      return { name: paths.map((p) => basename(p)).join(' + '), profile, build: spec(k) };
    };
    const input: ReportInput = {
      profile: positionals.length ? await side(positionals, '-b') : undefined,
      baseline: values.baseline.length ? await side(values.baseline, '-a') : undefined,
      stats: await loadStatRuns(values.stat),
      statBase: values.base !== undefined ? Number(values.base) - 1 : 0,
      sources: new SourceFiles(root),
      functionName: values.function,
      blocks: options.blocks,
      top: Number(values.top),
      groups,
      ...(values.flipped.length || values.experiment
        ? { experiment: { name: values.experiment, flipped: values.flipped } }
        : {}),
    };
    const md = buildReport(input);
    if (values.output === undefined || values.output === '-') out(md.trimEnd());
    else await writeFile(values.output, md);
    return 0;
  } catch (e) {
    err(`perf-heat: ${(e as Error).message}`);
    return 1;
  }
}

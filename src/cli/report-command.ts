/**
 * `perf-heat report [<profile>…] [--baseline P]… [--stat FILE]… [--base N] [--group NAME=PREFIX]… [--function NAME]
 * [--source-root DIR] [--top N] [--binary-path DIR]… -o report.md`: the Markdown analysis of an A/B pair (see
 * src/engine/report.ts). Several profiles are recordings of one build (cycles.data misses.data), merged into one;
 * so are several --baseline files. Without -o (or with `-o -`) the report goes to stdout.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { loadProfiles } from '../engine/load-profile';
import { buildReport, parseGroupSpec, type BlockProvider, type GroupSpec, type ReportInput } from '../engine/report';
import { SourceFiles } from '../engine/report-sources';
import { loadStatRuns } from '../engine/report-stat';

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
      -o FILE             write the report there (default: stdout)`;

class ReportUsageError extends Error {}

/** `options.blocks`: the `#if` structure provider (default: the line scan); the preprocessor engine plugs in here. */
export async function reportCommand(args: string[], out: (s: string) => void, err: (s: string) => void, options: { blocks?: BlockProvider } = {}): Promise<number> {
  let values;
  let positionals: string[];
  let groups: GroupSpec[] = [];
  try {
    ({ values, positionals } = parseArgs({
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
      },
    }));
    if (positionals.length === 0 && values.stat.length === 0) throw new ReportUsageError('report needs a profile, perf stat files (--stat), or both');
    if (values.baseline.length > 0 && positionals.length === 0) throw new ReportUsageError('--baseline needs a profile to compare with it');
    groups = values.group.map((g) => {
      try {
        return parseGroupSpec(g);
      } catch (e) {
        throw new ReportUsageError((e as Error).message);
      }
    });
    const top = Number(values.top);
    if (!Number.isInteger(top) || top < 1) throw new ReportUsageError(`--top takes a whole number from 1, got "${values.top}"`);
    if (values.base !== undefined) {
      const b = Number(values.base);
      if (!Number.isInteger(b) || b < 1 || b > values.stat.length) throw new ReportUsageError(`--base takes a stat run number from 1 to ${values.stat.length}, got "${values.base}"`);
    }
  } catch (e) {
    err(`perf-heat: ${(e as Error).message}\n\nusage: perf-heat report [<profile>] [options]\n${REPORT_USAGE}`);
    return 2;
  }
  try {
    const root = values['source-root'];
    const loadOptions = { binaryPaths: values['binary-path'], searchRoots: [root] };
    const side = async (paths: string[]) => {
      const profile = await loadProfiles(paths, loadOptions);
      for (const w of profile.warnings) err(`warning: ${w}`);
      return { name: paths.map((p) => basename(p)).join(' + '), profile };
    };
    const input: ReportInput = {
      profile: positionals.length ? await side(positionals) : undefined,
      baseline: values.baseline.length ? await side(values.baseline) : undefined,
      stats: await loadStatRuns(values.stat),
      statBase: values.base !== undefined ? Number(values.base) - 1 : 0,
      sources: new SourceFiles(root),
      functionName: values.function,
      blocks: options.blocks,
      top: Number(values.top),
      groups,
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

/**
 * `perf-heat report [<profile>] [--baseline P] [--stat FILE]… [--base N] [--function NAME] [--source-root DIR]
 * [--top N] [--binary-path DIR]… -o report.md`: the Markdown analysis of an A/B pair (see src/engine/report.ts).
 * Without -o (or with `-o -`) the report goes to stdout.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { loadProfile } from '../engine/load-profile';
import { buildReport, type BlockProvider, type ReportInput } from '../engine/report';
import { SourceFiles } from '../engine/report-sources';
import { loadStatRuns } from '../engine/report-stat';

export const REPORT_USAGE = `  report [<profile>]  a Markdown analysis of an A/B pair: perf stat comparison, top functions, cache-miss
                      hotspots, the hottest function by #if block, the cycle-gap decomposition
      --baseline P        the A profile the main one is compared with
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
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        baseline: { type: 'string' },
        stat: { type: 'string', multiple: true, default: [] },
        base: { type: 'string' },
        function: { type: 'string' },
        'source-root': { type: 'string', default: '.' },
        top: { type: 'string', default: '10' },
        'binary-path': { type: 'string', multiple: true, default: [] },
        output: { type: 'string', short: 'o' },
      },
    }));
    if (positionals.length > 1) throw new ReportUsageError(`report takes at most one profile (the baseline goes after --baseline), got ${positionals.length}`);
    if (positionals.length === 0 && values.stat.length === 0) throw new ReportUsageError('report needs a profile, perf stat files (--stat), or both');
    if (values.baseline !== undefined && positionals.length === 0) throw new ReportUsageError('--baseline needs a profile to compare with it');
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
    const side = async (path: string) => {
      const profile = await loadProfile(path, loadOptions);
      for (const w of profile.warnings) err(`warning: ${w}`);
      return { name: basename(path), profile };
    };
    const input: ReportInput = {
      profile: positionals[0] !== undefined ? await side(positionals[0]) : undefined,
      baseline: values.baseline !== undefined ? await side(values.baseline) : undefined,
      stats: await loadStatRuns(values.stat),
      statBase: values.base !== undefined ? Number(values.base) - 1 : 0,
      sources: new SourceFiles(root),
      functionName: values.function,
      blocks: options.blocks,
      top: Number(values.top),
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

/**
 * perf stat files → StatRuns, for `perf-heat stat` and `perf-heat report`. Reading and parsing live here (engine)
 * so the model stays free of parsers and file access.
 */
import { readFile } from 'node:fs/promises';
import { ProfileFormatError } from '../parsers/errors';
import { parsePerfStat } from '../parsers/perf-stat';
import { statRun, uniqueLabels, type StatRun } from '../model/stat-metrics';

/** Reads every file (errors name the file), labels the runs uniquely by file name. */
export async function loadStatRuns(
  paths: readonly string[],
  labels: readonly string[] = uniqueLabels(paths),
): Promise<StatRun[]> {
  const runs: StatRun[] = [];
  for (const [i, path] of paths.entries()) {
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new ProfileFormatError(
        path,
        undefined,
        e.code === 'ENOENT'
          ? 'no such file'
          : e.code === 'EISDIR'
            ? 'is a directory, not a perf stat file'
            : `cannot be read (${e.code ?? e.message})`,
      );
    });
    runs.push(statRun(parsePerfStat(text, path), path, labels[i]));
  }
  return runs;
}

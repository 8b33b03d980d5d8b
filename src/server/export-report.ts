/** perfHeat/exportReport: the Markdown analysis of the active profile, its baseline and perf stat runs. */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ExportReportRequest } from '../protocol';
import { buildReport } from '../engine/report';
import { SourceFiles } from '../engine/report-sources';
import { loadStatRuns } from '../engine/report-stat';
import type { ServerContext } from './context';
import { onRequest } from './rpc';

export function register({ connection, profiles, workspace }: ServerContext): void {
  onRequest(connection, ExportReportRequest, async ({ output, statFiles, functionName }) => {
    const active = profiles.heatMap;
    const summary = profiles.summary;
    const baseline = profiles.baseline;
    const baseMap = profiles.baselineHeatMap;
    const stats = statFiles.length ? await loadStatRuns(statFiles) : undefined;
    if (!active && !stats) throw new Error('load a profile (or choose perf stat files) first');
    const markdown = buildReport({
      profile: active && summary ? { name: basename(summary.source), profile: active.profile } : undefined,
      baseline: baseline && baseMap ? { name: basename(baseline.source), profile: baseMap.profile } : undefined,
      stats,
      sources: new SourceFiles(workspace.roots()[0] ?? process.cwd()),
      functionName,
    });
    await writeFile(output, markdown);
    return { output, bytes: Buffer.byteLength(markdown) };
  });
}

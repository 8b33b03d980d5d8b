/**
 * perfHeat/exportReport: the Markdown analysis of the active profile (several recordings of one build when added
 * with perfHeat/addRecording), its baseline and perf stat runs; function groups from `perfHeat.report.groups`.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ExportReportRequest, type ProfileSummary } from '../protocol';
import { buildReport, parseGroupSpec } from '../engine/report';
import { SourceFiles } from '../engine/report-sources';
import { loadStatRuns } from '../engine/report-stat';
import type { ServerContext } from './context';
import { onRequest } from './rpc';

/** `a.data + b.data` for a merged profile, as the CLI names it. */
const nameOf = (s: ProfileSummary): string => (s.recordings ?? [s.source]).map((p) => basename(p)).join(' + ');

export function register({ connection, profiles, workspace, settings }: ServerContext): void {
  onRequest(connection, ExportReportRequest, async ({ output, statFiles, functionName, groups }) => {
    const active = profiles.heatMap;
    const summary = profiles.summary;
    const baseline = profiles.baseline;
    const baseMap = profiles.baselineHeatMap;
    const stats = statFiles.length ? await loadStatRuns(statFiles) : undefined;
    if (!active && !stats) throw new Error('load a profile (or choose perf stat files) first');
    const specs = (groups ?? (await settings()).reportGroups).map((g) => {
      try {
        return parseGroupSpec(g);
      } catch (e) {
        throw new Error(`perfHeat.report.groups: ${(e as Error).message.replace(/^--group takes/, 'each entry is')}`);
      }
    });
    const markdown = buildReport({
      profile: active && summary ? { name: nameOf(summary), profile: active.profile } : undefined,
      baseline: baseline && baseMap ? { name: nameOf(baseline), profile: baseMap.profile } : undefined,
      stats,
      sources: new SourceFiles(workspace.roots()[0] ?? process.cwd()),
      functionName,
      groups: specs,
    });
    await writeFile(output, markdown);
    return { output, bytes: Buffer.byteLength(markdown) };
  });
}

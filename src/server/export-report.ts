/**
 * perfHeat/exportReport: the Markdown analysis of the active profile (several recordings of one build when added
 * with perfHeat/addRecording), its baseline and perf stat runs; function groups from `perfHeat.report.groups`.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ExportReportRequest, type ProfileSummary } from '../protocol';
import { buildReport, parseGroupSpec, type ReportBuild } from '../engine/report';
import type { FlagService } from './flags';
import { SourceFiles } from '../engine/report-sources';
import { loadStatRuns } from '../engine/report-stat';
import type { ServerContext } from './context';
import { onRequest } from './rpc';

/** `a.data + b.data` for a merged profile, as the CLI names it. */
const nameOf = (s: ProfileSummary): string => (s.recordings ?? [s.source]).map((p) => basename(p)).join(' + ');

/**
 * The active profile's build as the Flags view knows it: the build's flags (compile_commands.json, the Makefile,
 * `make -n`) with the user's toggles and `-D` settings on top. No view where no build was found: the report then
 * says the flags are unknown rather than guessing.
 */
export function flagsViewBuild(flags: FlagService): ReportBuild {
  const overrides = [...flags.overrides].map(([n, v]) => (v === null ? `-U${n}` : `${n}=${v}`));
  const notes: string[] = [];
  let base = '';
  return {
    get label() {
      return `the Flags view: ${base || 'its build'}${flags.preset ? ` (${flags.preset})` : ''}${overrides.length ? `, toggles ${overrides.join(' ')}` : ''}`;
    },
    notes,
    view(file: string, unit?: string) {
      const r = flags.view(file);
      if (!r.buildFound) {
        if (r.detail && !notes.includes(r.detail)) notes.push(r.detail);
        return undefined;
      }
      base ||= r.base;
      return { view: r.view, unit: unit ?? r.unit };
    },
  };
}

export function register({ connection, profiles, workspace, settings, flags }: ServerContext): void {
  onRequest(
    connection,
    ExportReportRequest,
    async ({ output, statFiles, functionName, groups, builds, experiment }) => {
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
        profile:
          active && summary
            ? { name: nameOf(summary), profile: active.profile, build: builds?.profile ?? flagsViewBuild(flags) }
            : undefined,
        baseline:
          baseline && baseMap
            ? { name: nameOf(baseline), profile: baseMap.profile, build: builds?.baseline }
            : undefined,
        stats,
        sources: new SourceFiles(workspace.roots()[0] ?? process.cwd()),
        functionName,
        groups: specs,
        experiment,
        engine: flags.engine,
      });
      await writeFile(output, markdown);
      return { output, bytes: Buffer.byteLength(markdown) };
    },
  );
}

/** perfHeat/hotspots: functions → lines and files → lines, sorted by one event, for the hotspot panel. */
import { pathToFileURL } from 'node:url';
import { HotspotsRequest, type HotspotFile, type HotspotLine, type Hotspots } from '../protocol';
import type { LineRef } from '../model/profile-index';
import type { ServerContext } from './context';
import { onRequest } from './rpc';

const LINES_PER_ITEM = 50;

export function register({ connection, profiles }: ServerContext): void {
  onRequest(connection, HotspotsRequest, ({ event, limit = 200 }): Hotspots | null => {
    const heatMap = profiles.heatMap;
    const index = profiles.index;
    const summary = profiles.summary;
    if (!heatMap || !index || !summary) return null;
    const e = Math.max(0, Math.min(event, summary.events.length - 1));
    const shares = (counts: number[]): number[] => counts.map((c, i) => heatMap.share(c, i));
    const line = (l: LineRef): HotspotLine => ({
      uri: l.mapped ? pathToFileURL(l.file).toString() : undefined,
      path: l.file,
      line: l.line - 1,
      counts: l.counts,
      shares: shares(l.counts),
    });
    const functions = index
      .functions(e)
      .filter((f) => f.counts[e] > 0)
      .slice(0, limit)
      .map((f) => ({
        name: f.name,
        dso: f.dso,
        counts: f.counts,
        shares: shares(f.counts),
        lines: f.lines
          .filter((l) => l.counts[e] > 0)
          .slice(0, LINES_PER_ITEM)
          .map(line),
      }));
    const files: HotspotFile[] = heatMap
      .files()
      .map((path) => {
        const lines = heatMap.linesOf(path);
        const counts = summary.events.map((_, i) => lines.reduce((a, l) => a + l.counts[i], 0));
        const sorted = lines
          .filter((l) => l.counts[e] > 0)
          .sort((a, b) => b.counts[e] - a.counts[e])
          .slice(0, LINES_PER_ITEM);
        return {
          uri: pathToFileURL(path).toString(),
          path,
          counts,
          shares: shares(counts),
          lines: sorted.map((l) => line({ file: path, mapped: true, line: l.line, counts: l.counts })),
        };
      })
      .filter((f) => f.counts[e] > 0)
      .sort((a, b) => b.counts[e] - a.counts[e])
      .slice(0, limit);
    const d = profiles.diff;
    const de = d?.diff.events.indexOf(summary.events[e].name) ?? -1;
    const changes =
      d && de >= 0
        ? {
            baseline: d.baseline.source,
            lines: d.diff.lines
              .filter((l) => l.delta[de] !== 0)
              .sort((a, b) => Math.abs(b.delta[de]) - Math.abs(a.delta[de]))
              .slice(0, limit)
              .map((l) => ({
                ...line({ file: l.file, mapped: l.mapped, line: l.line, counts: l.other }),
                delta: l.delta[de],
                only: l.only,
              })),
          }
        : undefined;
    // Each file's lines are sorted by the event: the profile's hottest line is the hottest of their first lines.
    const top = files
      .map((f) => f.lines[0])
      .filter((l) => l && l.counts[e] > 0)
      .sort((x, y) => y.counts[e] - x.counts[e])[0];
    return {
      profileId: summary.id,
      events: summary.events.map((x) => x.name),
      functions,
      files,
      changes,
      ...(top ? { hottest: top } : {}),
      ...(summary.filter ? { filter: summary.filter } : {}),
    };
  });
}

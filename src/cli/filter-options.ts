/**
 * perf report's sample filters as options of every profile command: `--tid`, `--comm`, `--cpu`, `--time START,END`
 * (seconds, as perf script prints timestamps). Shared by lines, functions, callers, callees, diff, report, regions.
 */
import { parseIdList, parseTimeRange, type SampleFilter } from '../parsers/perf-data';

export const FILTER_OPTIONS = {
  tid: { type: 'string', multiple: true, default: [] as string[] },
  comm: { type: 'string', multiple: true, default: [] as string[] },
  cpu: { type: 'string' },
  time: { type: 'string' },
} as const;

export const FILTER_USAGE = `      --tid TID[,TID]     only these threads' samples (perf report --tid)
      --comm NAME[,NAME]  only samples of threads with this name (perf report --comm)
      --cpu LIST          only samples taken on these CPUs: 0,2-3 (perf report --cpu; needs perf record -a or --sample-cpu)
      --time START,END    only samples in this time range, seconds as perf script prints them (perf report --time);
                          either end may be left out`;

/** Thrown for a malformed filter option; the caller turns it into its usage error. */
export class FilterOptionError extends Error {}

export function sampleFilterOf(values: {
  tid?: string[];
  comm?: string[];
  cpu?: string;
  time?: string;
}): SampleFilter | undefined {
  try {
    const f: SampleFilter = {};
    const tids = (values.tid ?? []).flatMap((t) => parseIdList(t, '--tid'));
    if (tids.length) f.tids = tids;
    const comms = (values.comm ?? [])
      .flatMap((c) => c.split(','))
      .map((c) => c.trim())
      .filter(Boolean);
    if (comms.length) f.comms = comms;
    if (values.cpu !== undefined) f.cpus = parseIdList(values.cpu, '--cpu');
    if (values.time !== undefined) f.time = parseTimeRange(values.time);
    return Object.keys(f).length ? f : undefined;
  } catch (e) {
    throw new FilterOptionError((e as Error).message);
  }
}

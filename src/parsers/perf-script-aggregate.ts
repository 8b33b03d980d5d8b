/**
 * `perf script` text aggregated in one pass without building samples: per-event totals, counts per leaf frame
 * (event, dso, ip) and per leaf srcline. This is what the profile pipeline uses; it runs at well over 100 MB/s
 * (scripts/bench-script-parse.ts, bench/ingest). The line scanner it rides on is perf-script.ts's.
 */
import type { SourceLocation } from '../model/profile';
import { readFrame, readSrcline, scan } from './perf-script';

/** `period` sums printed periods: 0 for an event that printed none (then weigh by samples). */
export interface ScriptCounts {
  samples: number;
  period: number;
}
export interface ScriptEventTotals extends ScriptCounts {
  name: string;
  periodPrinted: boolean;
}
/** `event` indexes PerfScriptAggregate.events; `dso` is undefined when the dso field was not printed. */
export interface ScriptLeafCount extends ScriptCounts {
  event: number;
  dso: string | undefined;
  ip: string;
  symbol: string | undefined;
  absoluteIp: boolean;
}
export interface ScriptSrclineCount extends ScriptCounts, SourceLocation {
  event: number;
}
export interface PerfScriptAggregate {
  events: ScriptEventTotals[];
  /** Per (event, dso, leaf ip). */
  leaves: ScriptLeafCount[];
  /** Per (event, file, line) of the leaf frame's srcline: the innermost location, as in every flat perf view. */
  srclines: ScriptSrclineCount[];
  /** Per event: samples whose leaf has no file:line (kernel, `??:0`, or srcline not printed). */
  unattributed: ScriptCounts[];
  srclinePrinted: boolean;
  samples: number;
  sidebandLines: number;
}

/** A count per distinct text; `line` is the first line with it, for the error if it fails to parse at the end. */
interface Acc extends ScriptCounts {
  line: number;
  absolute: boolean;
}
interface EventAcc extends ScriptEventTotals {
  leaves: Map<string, Acc>;
  srclines: Map<string, Acc>;
  unattributed: ScriptCounts;
}
function bump(map: Map<string, Acc>, key: string, period: number, line: number, absolute: boolean): void {
  const a = map.get(key);
  if (a === undefined) map.set(key, { samples: 1, period, line, absolute });
  else [a.samples, a.period] = [a.samples + 1, a.period + period];
}
function add(into: ScriptCounts, from: ScriptCounts): void {
  into.samples += from.samples;
  into.period += from.period;
}

/**
 * Per-event totals and leaf counts in one pass without building samples: only each sample's leaf frame and its srcline
 * are read, counted by their text, and each distinct text is parsed once at the end.
 */
export function aggregatePerfScript(text: string, file: string): PerfScriptAggregate {
  const events: EventAcc[] = [];
  let ev: EventAcc;
  let weight = 0;
  let leafPending = false; // sample line read, leaf frame not yet
  let srclinePending = false; // leaf frame read, its srcline not yet
  let srclinePrinted = false;
  const { samples, sidebandLines } = scan(text, file, {
    sample(text, _start, end, line, h) {
      if (!ev || ev.name.length !== h.eventEnd - h.eventStart || !text.startsWith(ev.name, h.eventStart)) {
        const name = text.slice(h.eventStart, h.eventEnd);
        ev = events.find((e) => e.name === name) ?? events[events.push({ name, samples: 0, period: 0, periodPrinted: false, leaves: new Map(), srclines: new Map(), unattributed: { samples: 0, period: 0 } }) - 1];
      }
      weight = Number.isNaN(h.period) ? 0 : h.period;
      ev.periodPrinted ||= !Number.isNaN(h.period);
      ev.samples++;
      ev.period += weight;
      leafPending = h.framePos < 0;
      srclinePending = !leafPending;
      if (srclinePending) bump(ev.leaves, text.slice(h.framePos, end), weight, line, true);
    },
    frame(text, start, end, line, leaf) {
      if (leaf) bump(ev.leaves, text.slice(start, end), weight, line, false);
      srclinePending = leaf;
      leafPending = false;
    },
    srcline(text, start, end) {
      srclinePrinted = true;
      if (srclinePending) bump(ev.srclines, text.slice(start, end), weight, 0, false);
      srclinePending = false;
    },
    endSample() {
      if (leafPending || srclinePending) [ev.unattributed.samples, ev.unattributed.period] = [ev.unattributed.samples + 1, ev.unattributed.period + weight];
      leafPending = srclinePending = false;
    },
  });

  const leaves = new Map<string, ScriptLeafCount>();
  const srclines = new Map<string, ScriptSrclineCount>();
  events.forEach((e, i) => {
    for (const [key, a] of e.leaves) {
      const f = readFrame(key, a.line, file);
      const id = `${i}\0${f.dso ?? ''}\0${f.ip}\0${a.absolute}`;
      const l = leaves.get(id);
      if (l) add(l, a);
      else leaves.set(id, { event: i, dso: f.dso, ip: f.ip, symbol: f.symbol, absoluteIp: a.absolute, samples: a.samples, period: a.period });
    }
    for (const [key, a] of e.srclines) {
      const { loc } = readSrcline(key);
      const id = loc ? `${i}\0${loc.file}\0${loc.line}` : '';
      const l = srclines.get(id);
      if (!loc) add(e.unattributed, a);
      else if (l) add(l, a);
      else srclines.set(id, { event: i, file: loc.file, line: loc.line, samples: a.samples, period: a.period });
    }
  });
  const totals = events.map((e) => ({ name: e.name, samples: e.samples, period: e.period, periodPrinted: e.periodPrinted }));
  return { events: totals, leaves: [...leaves.values()], srclines: [...srclines.values()], unattributed: events.map((e) => e.unattributed), srclinePrinted, samples, sidebandLines };
}

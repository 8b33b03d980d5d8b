/**
 * `perf script` text aggregated in one pass without building samples: per-event totals, counts per leaf frame
 * (event, dso, ip) and per leaf srcline. This is what the profile pipeline uses; it runs at well over 100 MB/s
 * (scripts/bench-script-parse.ts, bench/ingest). The line scanner it rides on is perf-script.ts's.
 */
import type { SourceLocation } from '../model/profile';
import { readFrame, readSrcline, ScriptScanner, type Sink } from './perf-script';

/** `period` sums printed periods: 0 for an event that printed none (then weigh by samples). */
export interface ScriptCounts {
  samples: number;
  period: number;
}
export interface ScriptEventTotals extends ScriptCounts {
  name: string;
  periodPrinted: boolean;
}
/**
 * `event` indexes PerfScriptAggregate.events; `dso` is undefined when the dso field was not printed; `ip` is '' for a
 * sample that printed no frame. One per (event, frame, srcline): `srcline` is the line perf printed under the frame.
 */
export interface ScriptLeafCount extends ScriptCounts {
  event: number;
  dso: string | undefined;
  ip: string;
  symbol: string | undefined;
  absoluteIp: boolean;
  srcline?: SourceLocation;
}
export interface ScriptSrclineCount extends ScriptCounts, SourceLocation {
  event: number;
}
/** A callchain frame as perf script printed it (its `(inlined)` frames left out: the real frame is symbolized). */
export interface ScriptChainFrame {
  dso: string | undefined;
  ip: string;
  symbol: string | undefined;
}
/** One distinct callchain (two frames or more) of an event, leaf first, with its samples and period. */
export interface ScriptChainCount extends ScriptCounts {
  event: number;
  frames: ScriptChainFrame[];
}
export interface PerfScriptAggregate {
  events: ScriptEventTotals[];
  /** Per (event, dso, leaf ip, symbol, srcline). */
  leaves: ScriptLeafCount[];
  /** Per (event, file, line) of the leaf frame's srcline: the innermost location, as in every flat perf view. */
  srclines: ScriptSrclineCount[];
  /** Per event: samples whose leaf has no file:line (kernel, `??:0`, or srcline not printed). */
  unattributed: ScriptCounts[];
  srclinePrinted: boolean;
  samples: number;
  sidebandLines: number;
  /** Per (event, distinct chain): samples printed with their callchain (`perf script` of a `-g` recording). */
  chains: ScriptChainCount[];
}

/** A count per distinct text; `line` is the first line with it, for the error if it fails to parse at the end. */
interface Acc extends ScriptCounts {
  line: number;
  absolute: boolean;
}
interface EventAcc extends ScriptEventTotals {
  /** Per `leaf frame \0 its srcline`: the frame names the function and the binary, the srcline the line. */
  leaves: Map<string, Acc>;
  /** Per distinct chain text (its frames, `\n`-joined): memory is distinct chains, not samples. */
  chains: Map<string, Acc>;
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
const INLINED = ' (inlined)';

/**
 * Per-event totals and leaf counts in one pass without building samples: only each sample's leaf frame and its srcline
 * are read, counted by their text, and each distinct text is parsed once at the end.
 *
 * A leaf frame perf printed as `(inlined)` (--call-graph dwarf) has no binary: the real frame under it, at the same
 * ip, gives the binary and the ELF symbol (perf report's); the srcline under the inlined frame stays the line.
 */
export function aggregatePerfScript(text: string, file: string): PerfScriptAggregate {
  const agg = new PerfScriptAggregator(file);
  agg.feed(text);
  return agg.finish();
}

/** The aggregate over text that arrives in pieces (a file read in chunks); the result is the same as over the whole. */
export async function aggregatePerfScriptChunks(
  chunks: AsyncIterable<string>,
  file: string,
): Promise<PerfScriptAggregate> {
  const agg = new PerfScriptAggregator(file);
  for await (const c of chunks) agg.feed(c);
  return agg.finish();
}

/** The one-pass aggregate fed in pieces: a 700 MB perf script is never held whole. */
export class PerfScriptAggregator {
  private readonly scanner: ScriptScanner;
  private readonly result: (counts: { samples: number; sidebandLines: number }) => PerfScriptAggregate;

  constructor(file: string) {
    const events: EventAcc[] = [];
    let ev: EventAcc;
    let weight = 0;
    let sampleLine = 0;
    let leaf: string | undefined; // the frame that names the sample's function and binary
    let leafLine = 0;
    let absolute = false;
    let src = ''; // the srcline under the first frame
    let outerPending = false; // the first frame was (inlined): the next non-inlined one names the binary
    let srclinePending = false; // the first frame read, its srcline not yet
    let srclinePrinted = false;
    const chain: string[] = [];
    const sink: Sink = {
      sample(text, _start, end, line, h) {
        if (!ev || ev.name.length !== h.eventEnd - h.eventStart || !text.startsWith(ev.name, h.eventStart)) {
          const name = text.slice(h.eventStart, h.eventEnd);
          ev =
            events.find((e) => e.name === name) ??
            events[
              events.push({ name, samples: 0, period: 0, periodPrinted: false, leaves: new Map(), chains: new Map() }) -
                1
            ];
        }
        weight = Number.isNaN(h.period) ? 0 : h.period;
        ev.periodPrinted ||= !Number.isNaN(h.period);
        ev.samples++;
        ev.period += weight;
        sampleLine = leafLine = line;
        src = '';
        outerPending = false;
        absolute = h.framePos >= 0;
        leaf = absolute ? text.slice(h.framePos, end) : undefined;
        srclinePending = absolute;
        chain.length = 0;
      },
      frame(text, start, end, line, first) {
        const inlined = text.endsWith(INLINED, end);
        if (!inlined) chain.push(text.slice(start, end));
        if (first) {
          [leaf, leafLine, srclinePending, outerPending] = [text.slice(start, end), line, true, inlined];
          return;
        }
        srclinePending = false;
        if (outerPending && !inlined) [leaf, leafLine, outerPending] = [text.slice(start, end), line, false];
      },
      srcline(text, start, end) {
        srclinePrinted = true;
        if (srclinePending) src = text.slice(start, end);
        srclinePending = false;
      },
      endSample() {
        bump(ev.leaves, `${leaf ?? ''}\0${src}`, weight, leaf === undefined ? sampleLine : leafLine, absolute);
        if (chain.length > 0) bump(ev.chains, chain.join('\n'), weight, leafLine, false);
        chain.length = 0;
        leaf = undefined;
        srclinePending = outerPending = false;
      },
    };
    this.scanner = new ScriptScanner(file, sink);
    this.result = ({ samples, sidebandLines }) => {
      const leaves = new Map<string, ScriptLeafCount>();
      const srclines = new Map<string, ScriptSrclineCount>();
      const unattributed = events.map(() => ({ samples: 0, period: 0 }));
      events.forEach((e, i) => {
        for (const [key, a] of e.leaves) {
          const cut = key.indexOf('\0');
          const frameText = key.slice(0, cut);
          const f = frameText ? readFrame(frameText, a.line, file) : undefined;
          const loc = readSrcline(key.slice(cut + 1)).loc;
          const id = `${i}\0${f?.dso ?? ''}\0${f?.ip ?? ''}\0${a.absolute}\0${f?.symbol ?? ''}\0${loc ? `${loc.file}:${loc.line}` : ''}`;
          const l = leaves.get(id);
          if (l) add(l, a);
          else {
            leaves.set(id, {
              event: i,
              dso: f?.dso,
              ip: f?.ip ?? '',
              symbol: f?.symbol,
              absoluteIp: a.absolute,
              samples: a.samples,
              period: a.period,
              ...(loc ? { srcline: loc } : {}),
            });
          }
          if (!loc) {
            add(unattributed[i]!, a);
            continue;
          }
          const sid = `${i}\0${loc.file}\0${loc.line}`;
          const sl = srclines.get(sid);
          if (sl) add(sl, a);
          else srclines.set(sid, { event: i, file: loc.file, line: loc.line, samples: a.samples, period: a.period });
        }
      });
      const chains: ScriptChainCount[] = [];
      events.forEach((e, i) => {
        for (const [key, a] of e.chains) {
          const frames = key.split('\n').map((t) => {
            const f = readFrame(t, a.line, file);
            return { dso: f.dso, ip: f.ip, symbol: f.symbol };
          });
          chains.push({ event: i, frames, samples: a.samples, period: a.period });
        }
      });
      const totals = events.map((e) => ({
        name: e.name,
        samples: e.samples,
        period: e.period,
        periodPrinted: e.periodPrinted,
      }));
      return {
        events: totals,
        leaves: [...leaves.values()],
        srclines: [...srclines.values()],
        unattributed,
        srclinePrinted,
        samples,
        sidebandLines,
        chains,
      };
    };
  }

  feed(text: string): void {
    this.scanner.feed(text);
  }

  finish(): PerfScriptAggregate {
    return this.result(this.scanner.finish());
  }
}

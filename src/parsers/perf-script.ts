/**
 * `perf script` text: default fields, `-F` lists with `srcline`, `+srcline`, callchains, `-G` (one frame on the
 * sample line), `symoff,dso`, `--call-graph dwarf` with `(inlined)` frames, several events.
 *
 * The layout comes from perf's printf calls, not from a grammar, so it is read by position (docs/perf-formats.md §1):
 * `comm tid [cpu] time: period event:` then either frames on `\t` lines (callchain form, ended by a blank line) or one
 * frame on the same line (`-G`); `srcline` sits on its own line, led by two spaces, under its frame.
 *
 * Instruction pointers stay hex strings: kernel addresses (ffffffff8…) are above 2^53 and would lose bits as numbers.
 * Callchain lines print DSO-relative ips (what addr2line wants), the `-G` sample line absolute ones: every sample says
 * which it has.
 *
 * Scripts of 150K samples are common, so no regex runs per line: lines are found with indexOf and read with
 * charCodeAt, each distinct frame or srcline text is parsed once, and `aggregatePerfScript` reads only leaf frames.
 */
import { ProfileFormatError } from './errors';
import type { SourceLocation } from '../model/profile';

export interface ScriptFrame {
  /** Lowercase hex as printed, no `0x`. See ipToNumber. */
  ip: string;
  /** As printed (`hot_loop`, `[unknown]`, clone suffixes kept); undefined when the sym field was not printed. */
  symbol: string | undefined;
  /** From `sym+0x…` (symoff, default fields). */
  symbolOffset: number | undefined;
  /** From ` (…)` (dso, default fields). */
  dso: string | undefined;
  /** From the srcline line when it names a file and a line > 0. Shared between frames: read-only. */
  srcline: SourceLocation | undefined;
  /** The srcline text when it does not: `[kernel.kallsyms][ffffffff821d242a]`, `??:0`, `:0`. */
  srclineText: string | undefined;
  /** A frame perf added from DWARF inline info (`--call-graph dwarf`); the caller frame after it has the same ip. */
  inlined: boolean;
}

/** Fields perf did not print are undefined; `event` is then ''. A sample without a period weighs 1. */
export interface ScriptSample {
  comm: string | undefined;
  pid: number | undefined;
  tid: number | undefined;
  cpu: number | undefined;
  /** Seconds. */
  time: number | undefined;
  event: string;
  period: number | undefined;
  /** Leaf first. */
  frames: ScriptFrame[];
  /** True for the one-frame sample line (`-G`, no callchain): absolute ip. Callchain lines are DSO-relative. */
  absoluteIps: boolean;
  /** 1-based line of the sample line. */
  line: number;
}

export interface PerfScriptFile {
  /** In order of first appearance. */
  events: string[];
  samples: ScriptSample[];
  /** `PERF_RECORD_*` lines (`--show-mmap-events` …), skipped. */
  sidebandLines: number;
}

const TAB = 9,
  SPACE = 32,
  CR = 13,
  HASH = 35;

/** The address as a number when below 2^53 (every DSO-relative user-space ip); kernel addresses need BigInt. */
export function ipToNumber(ip: string): number | undefined {
  return ip.length > 13 && BigInt('0x' + ip) > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : parseInt(ip, 16);
}

/**
 * A sample line as positions in the text, reused so that reading one allocates nothing: period NaN and framePos (the
 * `-G` frame) or timeStart -1 when absent; comm, tid and cpu lie before prefixEnd.
 */
export interface Header {
  sideband: boolean;
  eventStart: number;
  eventEnd: number;
  period: number;
  framePos: number;
  prefixEnd: number;
  timeStart: number;
  timeEnd: number;
}
const newHeader = (): Header => ({
  sideband: false,
  eventStart: 0,
  eventEnd: 0,
  period: NaN,
  framePos: -1,
  prefixEnd: 0,
  timeStart: -1,
  timeEnd: -1,
});

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
function allDigits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return from < to;
}
function digitsValue(s: string, from: number, to: number, v = 0): number {
  for (let i = from; i < to; i++) v = v * 10 + (s.charCodeAt(i) - 48);
  return v;
}
function skipSpaces(s: string, i: number): number {
  while (s.charCodeAt(i) === SPACE || s.charCodeAt(i) === TAB) i++;
  return i;
}
/** The next `:` in [from, end) that ends a token (space or end of line after it): time and event fields end so. */
function colonToken(s: string, from: number, end: number): number {
  for (let i = s.indexOf(':', from); i >= 0 && i < end; i = s.indexOf(':', i + 1)) {
    if (i + 1 === end || s.charCodeAt(i + 1) === SPACE) return i;
  }
  return -1;
}
/** `354.709411` as Number() reads it, without a slice: an integer below 2^53 over a power of ten rounds once. */
function timeValue(s: string, from: number, to: number): number {
  let dot = from;
  while (dot < to && s.charCodeAt(dot) !== 46) dot++;
  if (!allDigits(s, from, dot) || !allDigits(s, dot + 1, to)) return NaN;
  return to - from > 16
    ? Number(s.slice(from, to))
    : digitsValue(s, dot + 1, to, digitsValue(s, from, dot)) / 10 ** (to - dot - 1);
}

// The last token before `end` and not before `min`, as [tokA, tokB): module state, as a tuple per call would be garbage.
let tokA = 0,
  tokB = 0;
function lastToken(s: string, min: number, end: number): void {
  while (end > min && (s.charCodeAt(end - 1) === SPACE || s.charCodeAt(end - 1) === TAB)) end--;
  let a = end;
  while (a > min && s.charCodeAt(a - 1) !== SPACE && s.charCodeAt(a - 1) !== TAB) a--;
  tokA = a;
  tokB = end;
}
const isCpu = (s: string, a: number, b: number): boolean =>
  b - a >= 3 && s.charCodeAt(a) === 91 && s.charCodeAt(b - 1) === 93 && allDigits(s, a + 1, b - 1);
function slashIn(s: string, a: number, b: number): number {
  for (let i = a + 1; i < b - 1; i++)
    if (s.charCodeAt(i) === 47) return allDigits(s, a, i) && allDigits(s, i + 1, b) ? i : -1;
  return -1;
}

function readHeader(s: string, start: number, end: number, lineNo: number, file: string, h: Header): void {
  h.sideband = false;
  h.period = NaN;
  h.framePos = h.timeStart = h.timeEnd = -1;
  h.eventStart = h.eventEnd = 0;
  const c1 = colonToken(s, start, end);
  if (c1 < 0) {
    if (s.startsWith('PERF_RECORD_', skipSpaces(s, start))) return void (h.sideband = true);
    throw new ProfileFormatError(
      file,
      { line: lineNo },
      `not a perf script sample line (no "time:" or "event:" field): "${clip(s.slice(start, end))}"`,
    );
  }
  lastToken(s, start, c1);
  const t1 = tokA;
  let p: number;
  if (!Number.isNaN(timeValue(s, tokA, tokB))) {
    h.timeStart = h.prefixEnd = tokA;
    h.timeEnd = tokB;
    p = skipSpaces(s, c1 + 1);
    if (s.startsWith('PERF_RECORD_', p)) return void (h.sideband = true);
    // The event is the token ending in `:` right after the time or after the period; a later colon is a symbol's.
    const c2 = colonToken(s, p, end);
    lastToken(s, p, c2);
    const evStart = tokA;
    lastToken(s, p, evStart);
    if (c2 >= 0 && tokA === p && (tokA === tokB || allDigits(s, tokA, tokB))) {
      if (tokB > tokA) h.period = digitsValue(s, tokA, tokB);
      h.eventStart = evStart;
      h.eventEnd = c2;
      p = c2 + 1;
    } else {
      // No event field: a number followed by the ip is the period.
      let q = p;
      while (isDigit(s.charCodeAt(q))) q++;
      const r = skipSpaces(s, q);
      if (q > p && r > q && (r >= end || isHex(s.charCodeAt(r)))) [h.period, p] = [digitsValue(s, p, q), r];
    }
  } else {
    lastToken(s, start, t1);
    if (s.startsWith('PERF_RECORD_', t1) || s.startsWith('PERF_RECORD_', tokA)) return void (h.sideband = true);
    h.eventStart = h.prefixEnd = t1;
    h.eventEnd = c1;
    // Without a time field the number right before the event is the period, unless it is the tid after a comm.
    const a = tokA,
      b = tokB;
    if (allDigits(s, a, b)) {
      lastToken(s, start, a);
      if (tokA === tokB || allDigits(s, tokA, tokB) || slashIn(s, tokA, tokB) > 0 || isCpu(s, tokA, tokB))
        [h.period, h.prefixEnd] = [digitsValue(s, a, b), a];
    }
    p = c1 + 1;
  }
  p = skipSpaces(s, p);
  let q = p;
  while (q < end && isHex(s.charCodeAt(q))) q++;
  if (q > p && (q === end || s.charCodeAt(q) === SPACE)) h.framePos = p;
}

/** comm, pid/tid and cpu, read right to left since a comm may contain spaces. */
function readPrefix(s: string, start: number, end: number, out: ScriptSample): void {
  lastToken(s, start, end);
  if (isCpu(s, tokA, tokB)) {
    out.cpu = digitsValue(s, tokA + 1, tokB - 1);
    lastToken(s, start, tokA);
  }
  const slash = slashIn(s, tokA, tokB);
  if (slash > 0) {
    out.pid = digitsValue(s, tokA, slash);
    out.tid = digitsValue(s, slash + 1, tokB);
    lastToken(s, start, tokA);
  } else if (allDigits(s, tokA, tokB)) {
    out.tid = digitsValue(s, tokA, tokB);
    lastToken(s, start, tokA);
  }
  const commStart = skipSpaces(s, start);
  if (tokB > commStart) out.comm = s.slice(commStart, tokB);
}

type FrameInfo = Omit<ScriptFrame, 'srcline' | 'srclineText'>;

/** A frame from its ip on: `12a2 hot_loop+0x72 (/srv/prog)`; sym, +off, (dso) and ` (inlined)` are optional. */
/** Shared with perf-script-aggregate.ts. */
export function readFrame(t: string, lineNo: number, file: string): FrameInfo {
  let q = 0;
  while (q < t.length && t.charCodeAt(q) !== SPACE) {
    if (!isHex(t.charCodeAt(q)))
      throw new ProfileFormatError(file, { line: lineNo }, `frame address "${clip(t)}" is not hexadecimal`);
    q++;
  }
  if (q === 0) throw new ProfileFormatError(file, { line: lineNo }, 'frame line without an address');
  const f: FrameInfo = {
    ip: t.slice(0, q).toLowerCase(),
    symbol: undefined,
    symbolOffset: undefined,
    dso: undefined,
    inlined: false,
  };
  let rest = t.slice(q + 1).trimEnd();
  if (rest.endsWith(' (inlined)')) [f.inlined, rest] = [true, rest.slice(0, -10)];
  if (rest.endsWith(')')) {
    // The dso is the last ` (…)`; a C++ symbol's own parentheses follow no space.
    const open = rest.lastIndexOf(' (');
    if (open >= 0) [f.dso, rest] = [rest.slice(open + 2, -1), rest.slice(0, open)];
    else if (rest.startsWith('(') && rest.indexOf('(', 1) < 0) [f.dso, rest] = [rest.slice(1, -1), ''];
  }
  const plus = rest.lastIndexOf('+0x');
  if (plus > 0 && /^[0-9a-f]+$/i.test(rest.slice(plus + 3)))
    [f.symbolOffset, rest] = [parseInt(rest.slice(plus + 3), 16), rest.slice(0, plus)];
  if (rest) f.symbol = rest;
  return f;
}

type Srcline = { loc: SourceLocation | undefined; inlined: boolean; text: string };

/** `hot.inc:21`, `get-dynamic-info.h:85 (inlined)`; anything without a file and a line > 0 stays text. */
/** Shared with perf-script-aggregate.ts. */
export function readSrcline(text: string): Srcline {
  let t = text.trim();
  const inlined = t.endsWith(' (inlined)');
  if (inlined) t = t.slice(0, -10);
  const colon = t.lastIndexOf(':');
  let k = colon + 1;
  while (k < t.length && isDigit(t.charCodeAt(k))) k++;
  const file = t.slice(0, colon);
  const line = digitsValue(t, colon + 1, k);
  const ok = colon > 0 && k > colon + 1 && (k === t.length || t.startsWith(' (', k)) && line > 0 && file !== '??';
  return { loc: ok ? { file, line } : undefined, inlined, text: t };
}

/** A line led by two spaces is a srcline, unless it is a `-G` sample line whose comm perf padded to 16 columns. */
function isSrcline(text: string, start: number, end: number, callchainForm: boolean): boolean {
  if (end - start < 3 || text.charCodeAt(start + 1) !== SPACE || text.charCodeAt(start + 2) === SPACE) return false;
  return callchainForm || colonToken(text, start, end) < 0;
}

/** `        12a2 hot_loop+0x72 (/srv/prog)`: spaces, a hex ip, then a space or the end of the line. */
function isSpaceFrame(text: string, start: number, end: number): boolean {
  let i = skipSpaces(text, start);
  const hexStart = i;
  while (i < end && isHex(text.charCodeAt(i))) i++;
  return i > hexStart && (i === end || text.charCodeAt(i) === SPACE);
}

const clip = (s: string): string => (s.length > 60 ? s.slice(0, 57) + '...' : s);

/** Where the line starting at pos ends, CR excluded. */
function lineEnd(text: string, pos: number): number {
  let e = text.indexOf('\n', pos);
  if (e < 0) e = text.length;
  return e > pos && text.charCodeAt(e - 1) === CR ? e - 1 : e;
}
const nextLine = (text: string, end: number): number => (text.charCodeAt(end) === CR ? end + 2 : end + 1);

function cached<T>(cache: Map<string, T>, key: string, make: (k: string) => T): T {
  let v = cache.get(key);
  if (v === undefined) cache.set(key, (v = make(key)));
  return v;
}

/** What the shared line loop reports; positions are in the text, so a sink slices only what it keeps. */
export interface Sink {
  sample(text: string, start: number, end: number, line: number, h: Header): void;
  /** A callchain frame line, from its ip on; `leaf` for the sample's first. */
  frame(text: string, start: number, end: number, line: number, leaf: boolean): void;
  /** The text after the two spaces, under the frame just reported. */
  srcline(text: string, start: number, end: number): void;
  endSample(): void;
}

/** Classifies lines and tracks sample boundaries: a blank line ends a callchain sample, a sample line any sample. */
/** Shared with perf-script-aggregate.ts. */
export function scan(text: string, file: string, sink: Sink): { samples: number; sidebandLines: number } {
  const scanner = new ScriptScanner(file, sink);
  scanner.feed(text);
  return scanner.finish();
}

/** A line longer than this is not perf script output (perf's longest lines are a few KB): refused, not buffered. */
export const MAX_SCRIPT_LINE = 1 << 20;

/**
 * The line scanner, fed in pieces: a 700 MB perf script is read in chunks and never held whole. Only complete
 * lines are scanned; the unfinished last line of a piece waits for the next. `scan` is this over one string.
 */
export class ScriptScanner {
  private readonly h = newHeader();
  private inSample = false;
  private callchainForm = false;
  private leaf = false;
  private prevFrame = false;
  private samples = 0;
  private sidebandLines = 0;
  private lineNo = 0;
  private rest = '';

  constructor(
    private readonly file: string,
    private readonly sink: Sink,
  ) {}

  feed(chunk: string): void {
    const text = this.rest ? this.rest + chunk : chunk;
    const stop = text.lastIndexOf('\n') + 1;
    if (stop > 0) this.lines(text, stop);
    this.rest = stop < text.length ? text.slice(stop) : '';
    if (this.rest.length > MAX_SCRIPT_LINE) {
      throw new ProfileFormatError(
        this.file,
        { line: this.lineNo + 1 },
        `a line of more than ${MAX_SCRIPT_LINE} characters: not perf script output`,
      );
    }
  }

  finish(): { samples: number; sidebandLines: number } {
    if (this.rest) this.lines(this.rest, this.rest.length);
    this.rest = '';
    if (this.inSample) this.sink.endSample();
    this.inSample = false;
    if (this.samples === 0) throw new ProfileFormatError(this.file, undefined, 'no samples: not perf script output');
    return { samples: this.samples, sidebandLines: this.sidebandLines };
  }

  /** Scans the lines of text[0, limit): limit is just past a newline, or the end of the text. */
  private lines(text: string, limit: number): void {
    const { file, sink, h } = this;
    let { inSample, callchainForm, leaf, prevFrame, samples, sidebandLines, lineNo } = this;
    for (let pos = 0; pos < limit;) {
      const start = pos;
      const end = lineEnd(text, pos);
      pos = nextLine(text, end);
      lineNo++;
      if (end === start) {
        if (inSample && callchainForm) sink.endSample();
        inSample &&= !callchainForm;
        prevFrame = false;
        continue;
      }
      const c0 = text.charCodeAt(start);
      // Frames are tab-indented as perf prints them, or space-indented once the text went through an editor or
      // `expand`; inside a callchain sample (before its blank line) a space-led `hex …` line can only be a frame.
      if (c0 === TAB || (c0 === SPACE && inSample && callchainForm && isSpaceFrame(text, start, end))) {
        if (!inSample || !callchainForm)
          throw new ProfileFormatError(
            file,
            { line: lineNo },
            'callchain frame line outside a sample (no sample line with an empty frame part above it)',
          );
        sink.frame(text, skipSpaces(text, start + 1), end, lineNo, leaf);
        leaf = false;
        prevFrame = true;
      } else if (c0 === SPACE && prevFrame && isSrcline(text, start, end, callchainForm)) {
        sink.srcline(text, start + 2, end);
        prevFrame = false;
      } else if (c0 !== HASH || inSample) {
        if (inSample) sink.endSample();
        inSample = prevFrame = false;
        readHeader(text, start, end, lineNo, file, h);
        if (h.sideband) {
          sidebandLines++;
          continue;
        }
        callchainForm = leaf = h.framePos < 0;
        prevFrame = !callchainForm;
        inSample = true;
        samples++;
        sink.sample(text, start, end, lineNo, h);
      }
    }
    Object.assign(this, { inSample, callchainForm, leaf, prevFrame, samples, sidebandLines, lineNo });
  }
}

export function parsePerfScript(text: string, file: string): PerfScriptFile {
  const samples: ScriptSample[] = [];
  const events: string[] = [];
  // perf repeats the same frames and srclines endlessly: each distinct text is parsed once.
  const frames = new Map<string, FrameInfo>();
  const srclines = new Map<string, Srcline>();
  let current: ScriptSample;
  let lastFrame: ScriptFrame;
  let event = '';
  const addFrame = (text: string, start: number, end: number, line: number): void => {
    const f = cached(frames, text.slice(start, end), (k) => readFrame(k, line, file));
    current.frames.push(
      (lastFrame = {
        ip: f.ip,
        symbol: f.symbol,
        symbolOffset: f.symbolOffset,
        dso: f.dso,
        srcline: undefined,
        srclineText: undefined,
        inlined: f.inlined,
      }),
    );
  };
  const { sidebandLines } = scan(text, file, {
    sample(text, start, end, line, h) {
      if (event.length !== h.eventEnd - h.eventStart || !text.startsWith(event, h.eventStart)) {
        event = text.slice(h.eventStart, h.eventEnd);
        if (!events.includes(event)) events.push(event);
      }
      const time = h.timeStart >= 0 ? timeValue(text, h.timeStart, h.timeEnd) : undefined;
      const period = Number.isNaN(h.period) ? undefined : h.period;
      current = {
        comm: undefined,
        pid: undefined,
        tid: undefined,
        cpu: undefined,
        time,
        event,
        period,
        frames: [],
        absoluteIps: h.framePos >= 0,
        line,
      };
      readPrefix(text, start, h.prefixEnd, current);
      samples.push(current);
      if (h.framePos >= 0) addFrame(text, h.framePos, end, line);
    },
    frame: addFrame,
    srcline(text, start, end) {
      const src = cached(srclines, text.slice(start, end), readSrcline);
      if (src.loc) lastFrame.srcline = src.loc;
      else lastFrame.srclineText = src.text;
      if (src.inlined) lastFrame.inlined = true;
    },
    endSample() {},
  });
  return { events, samples, sidebandLines };
}

/**
 * A sample line (with a time or an event field) whose frame is on it (`-G`) or on the `\t` line below it. Report and
 * annotate text lead with `#` lines or `Percent |`, stat text has no frames, cachegrind no `time:`.
 */
export function looksLikePerfScript(head: string): boolean {
  if (head.includes('Source code & Disassembly of')) return false;
  const h = newHeader();
  const lines = head.split('\n', 400).map((l) => l.replace(/\r$/, ''));
  for (let i = 0; i < lines.length - 1; i++) {
    if (lines[i] === '' || lines[i].startsWith('#')) continue;
    try {
      readHeader(lines[i], 0, lines[i].length, i + 1, '', h);
    } catch {
      return false;
    }
    if (h.sideband) continue;
    if (h.timeStart < 0 && h.eventEnd === h.eventStart) return false;
    // Without a time, what precedes the event must end in a tid, cpu or period: `build id event received for x: 48dc…`
    // (perf's stderr) has the same shape otherwise.
    if (h.timeStart < 0 && !/(^|\s)(\d+|\d+\/\d+|\[\d+\])\s*$|^\s*$/.test(lines[i].slice(0, h.eventStart)))
      return false;
    return h.framePos >= 0 || /^[\t ]\s*[0-9a-fA-F]+( |$)/.test(lines[i + 1]);
  }
  return false;
}

/**
 * Raw `cachegrind.out.<pid>` files (valgrind --tool=cachegrind). `cg_annotate`'s source view has no line numbers, so
 * this file is the only per-line source (docs/perf-formats.md §1).
 *
 * `fl=` names the innermost file (an inlined header's, not the function's), `fn=` the enclosing real function, and
 * each row is `line count…` in `events:` order, with trailing zeros left out. `fi=`/`fe=` (inline file switches, as in
 * callgrind) change the file and keep the function. The `summary:` (or `totals:`) line is checked against the rows;
 * a mismatch is a warning, since the per-line counts are still what the user wants to see.
 */
import { ProfileFormatError } from './errors';

export interface CachegrindRow {
  file: string;
  function: string;
  line: number;
  /** One per event, in `events:` order. */
  counts: number[];
}

export interface CachegrindFile {
  /** `desc:` lines: the simulated cache geometry. */
  desc: string[];
  cmd: string | undefined;
  /** `Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw Bc Bcm Bi Bim`, or fewer without `--cache-sim`/`--branch-sim`. */
  events: string[];
  /** Per (file, function, line), in order of first appearance; repeated blocks are summed. */
  rows: CachegrindRow[];
  /** The sum of the rows. */
  totals: number[];
  /** As printed on the `summary:` or `totals:` line. */
  summary: number[] | undefined;
  warnings: string[];
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** `events:` near the top, with `fl=`/`fn=` or cachegrind's `desc:`/`cmd:`; callgrind's own markers rule it out. */
export function looksLikeCachegrind(head: string): boolean {
  if (/^(# callgrind format|creator: callgrind|positions:)/m.test(head)) return false;
  return /^events: \S/m.test(head) && /^(fl=|fn=|desc: |cmd: )/m.test(head);
}

/** Space-separated counts, each a whole number (cg_diff output can be negative). */
function readCounts(s: string, from: number, n: number, file: string, lineNo: number, what: string): number[] {
  const counts = new Array<number>(n).fill(0);
  let k = 0;
  let i = from;
  while (i < s.length) {
    while (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9) i++;
    if (i >= s.length) break;
    const start = i;
    if (s.charCodeAt(i) === 45) i++;
    while (isDigit(s.charCodeAt(i))) i++;
    if (
      i === start ||
      (i === start + 1 && s.charCodeAt(start) === 45) ||
      (i < s.length && s.charCodeAt(i) !== 32 && s.charCodeAt(i) !== 9)
    ) {
      throw new ProfileFormatError(
        file,
        { line: lineNo },
        `${what}: "${s.slice(start).split(/\s/)[0]}" is not a whole number`,
      );
    }
    if (k >= n)
      throw new ProfileFormatError(
        file,
        { line: lineNo },
        `${what} has more than the ${n} count(s) of the events: line`,
      );
    counts[k++] = Number(s.slice(start, i));
  }
  return counts;
}

/** cg_annotate's name for counts under a `fl=` that no `fn=` followed. */
export const UNSPECIFIED = '<unspecified>';

export function parseCachegrind(text: string, file: string): CachegrindFile {
  const out: CachegrindFile = {
    desc: [],
    cmd: undefined,
    events: [],
    rows: [],
    totals: [],
    summary: undefined,
    warnings: [],
  };
  const rows = new Map<string, CachegrindRow>();
  let fl: string | undefined;
  let fn: string | undefined;
  let eventsLine = 0;
  let lineNo = 0;
  for (let pos = 0; pos < text.length;) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    pos = end + 1;
    lineNo++;
    const c0 = line.charCodeAt(0);
    if (isDigit(c0)) {
      if (eventsLine === 0)
        throw new ProfileFormatError(file, { line: lineNo }, 'count line before the "events:" line');
      if (fl === undefined || fn === undefined)
        throw new ProfileFormatError(file, { line: lineNo }, 'count line before any "fl=" and "fn=" line');
      let i = 0;
      while (isDigit(line.charCodeAt(i))) i++;
      if (i < line.length && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) {
        throw new ProfileFormatError(
          file,
          { line: lineNo },
          `line number "${line.split(/\s/)[0]}" is not a whole number`,
        );
      }
      const lnum = Number(line.slice(0, i));
      const counts = readCounts(line, i, out.events.length, file, lineNo, 'count line');
      const key = `${fl}\0${fn}\0${lnum}`;
      const row = rows.get(key);
      if (!row) rows.set(key, { file: fl, function: fn, line: lnum, counts });
      else for (let e = 0; e < counts.length; e++) row.counts[e] += counts[e];
      continue;
    }
    if (line.startsWith('fl=')) {
      fl = line.slice(3);
      // A new file starts a new function: counts before the next `fn=` belong to none (cg_annotate ≥ 3.21 names
      // them `<unspecified>`; they are not the previous file's function).
      fn = UNSPECIFIED;
    } else if (line.startsWith('fi=') || line.startsWith('fe=')) {
      fl = line.slice(3); // an inlined file inside the current function
    } else if (line.startsWith('fn=')) {
      if (fl === undefined) throw new ProfileFormatError(file, { line: lineNo }, '"fn=" line before any "fl=" line');
      fn = line.slice(3);
    } else if (line.startsWith('events:')) {
      if (eventsLine !== 0)
        throw new ProfileFormatError(file, { line: lineNo }, `second "events:" line (the first is line ${eventsLine})`);
      out.events = line
        .slice(7)
        .trim()
        .split(/\s+/)
        .filter((e) => e !== '');
      if (out.events.length === 0)
        throw new ProfileFormatError(file, { line: lineNo }, '"events:" line names no event');
      eventsLine = lineNo;
    } else if (line.startsWith('summary:') || line.startsWith('totals:')) {
      if (eventsLine === 0)
        throw new ProfileFormatError(file, { line: lineNo }, `"${line.split(':')[0]}:" line before the "events:" line`);
      out.summary = readCounts(
        line,
        line.indexOf(':') + 1,
        out.events.length,
        file,
        lineNo,
        `"${line.split(':')[0]}:" line`,
      );
    } else if (line.startsWith('desc:')) out.desc.push(line.slice(5).trim());
    else if (line.startsWith('cmd:')) out.cmd = line.slice(4).trim();
    else if (line.startsWith('calls=') || line.startsWith('cfn=') || line.startsWith('positions:')) {
      throw new ProfileFormatError(
        file,
        { line: lineNo },
        `"${line.slice(0, 20)}": callgrind output, not cachegrind (read it with callgrind_annotate)`,
      );
    } else if (line.trim() !== '' && !line.startsWith('#') && !/^[a-z]+:/.test(line)) {
      throw new ProfileFormatError(file, { line: lineNo }, `not a cachegrind line: "${line.slice(0, 60)}"`);
    }
  }
  if (eventsLine === 0) throw new ProfileFormatError(file, undefined, 'no "events:" line: not a cachegrind.out file');
  out.rows = [...rows.values()];
  out.totals = out.events.map((_, e) => out.rows.reduce((acc, r) => acc + r.counts[e], 0));
  if (!out.summary)
    out.warnings.push('no "summary:" line: the file may be truncated (valgrind killed before it finished?)');
  else {
    const off = out.events.filter((_, e) => out.summary![e] !== out.totals[e]);
    if (off.length > 0) {
      const detail = off
        .map((ev) => `${ev} ${out.summary![out.events.indexOf(ev)]} vs ${out.totals[out.events.indexOf(ev)]}`)
        .join(', ');
      out.warnings.push(`the summary line does not equal the sum of the rows (${detail}): counts may be incomplete`);
    }
  }
  return out;
}

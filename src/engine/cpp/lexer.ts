/**
 * Translation phases 1–3 of C, as far as directives care: physical lines (LF, CRLF or a lone CR), `\` splices,
 * comments, string and character literals. The output is the list of directive lines and, per physical line,
 * whether it holds code, comment text, or part of a directive.
 *
 * Why not a regular expression per line: a `/* … *\/` comment can span lines and hide `#if`s, `//` and `/*` can
 * appear inside string literals, a `\` continues a `//` comment onto the next line, and a directive may follow a
 * block comment that began the line. gcc's rule, reproduced here, is that `#` starts a directive when it is the
 * first token since the lexer began a line, where a block comment that starts a line keeps that line "begun"
 * through its own newlines (so `/* …\n *\/ #if 0` is a directive, `x; /* …\n *\/ #if 0` is not).
 *
 * Nothing here throws on any input: unterminated literals end at the end of their line, unterminated comments at
 * the end of the file.
 */

/** Per physical line, in `LexResult.lineFlags[line - 1]`. */
export const LINE_CODE = 1;
export const LINE_COMMENT = 2;
export const LINE_DIRECTIVE = 4;

export interface RawDirective {
  /** 1-based physical line of the `#`. */
  line: number;
  /** Last physical line of the directive (continuations, or a block comment that spans lines inside it). */
  endLine: number;
  /** `if`, `ifdef`, `define`, …; '' for the null directive or a `#` not followed by an identifier. */
  name: string;
  /**
   * Everything after the name, splices removed and comments blanked out with spaces of the same length, so an
   * offset into `text` maps back to a source column (see `directivePosition`).
   */
  text: string;
  /** 1-based column of `text[0]` on `line` (when no splice or comment moved it to another line). */
  column: number;
  /** Offsets into `text` where a later physical line begins, with that line and its first column. */
  breaks?: { offset: number; line: number; column: number }[];
}

export interface LexResult {
  lineCount: number;
  lineFlags: Uint8Array;
  directives: RawDirective[];
  /** The physical lines without their terminators, for comment text (descriptions) and display. */
  lines: string[];
}

/** Splits on LF, CRLF and lone CR, like gcc; a final terminator does not start an extra line. */
export function physicalLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A logical line: physical lines joined at `\` splices, with where each physical line starts in it. */
interface Logical {
  text: string;
  /** starts[i] = offset in `text` where physical line `first + i` begins. */
  starts: number[];
  first: number;
}

const SPLICE = /\\[ \t]*$/;

function* logicalLines(lines: string[]): Generator<Logical> {
  let i = 0;
  while (i < lines.length) {
    const first = i + 1;
    let text = '';
    const starts: number[] = [];
    for (;;) {
      const l = lines[i++];
      starts.push(text.length);
      const m = SPLICE.exec(l);
      if (m && i < lines.length) {
        text += l.slice(0, m.index);
        continue;
      }
      text += m ? l.slice(0, m.index) : l;
      break;
    }
    yield { text, starts, first };
  }
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || c >= 128;
}
function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12;
}

/** End offset (exclusive) of a string or char literal starting at `i` (the quote); the line's end if unterminated. */
export function literalEnd(s: string, i: number): number {
  const q = s.charCodeAt(i);
  let j = i + 1;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 92) j += 2;
    else if (c === q) return j + 1;
    else j++;
  }
  return s.length;
}

export function lexFile(source: string): LexResult {
  const lines = physicalLines(source);
  const lineFlags = new Uint8Array(lines.length);
  const directives: RawDirective[] = [];
  let inComment = false;
  let sawToken = false;
  // A directive whose block comment crossed into the next logical line: it goes on there.
  let open: { d: RawDirective; text: string } | null = null;

  // The logical line being lexed; `lineAt` maps an offset in it to its physical line (splices are rare, so the
  // common case is one segment).
  let lg: Logical = { text: '', starts: [0], first: 1 };
  const lineAt = (i: number): number => {
    if (lg.starts.length === 1) return lg.first;
    let k = 0;
    while (k + 1 < lg.starts.length && lg.starts[k + 1] <= i) k++;
    return lg.first + k;
  };
  const mark = (from: number, to: number, flag: number): void => {
    if (to <= from) return;
    const b = lineAt(to - 1);
    for (let l = lineAt(from); l <= b; l++) lineFlags[l - 1] |= flag;
  };
  for (lg of logicalLines(lines)) {
    const s = lg.text;
    const lastLine = lg.first + lg.starts.length - 1;
    if (!inComment) sawToken = false;
    // The directive on this logical line: `start` is where its text begins here, `prefix` what came before.
    let dir: { d: RawDirective; start: number; prefix: string } | null = null;
    let blank = '';
    if (open) {
      dir = { d: open.d, start: 0, prefix: open.text };
      open = null;
    }
    let i = 0;
    while (i < s.length) {
      if (inComment) {
        const end = s.indexOf('*/', i);
        const stop = end < 0 ? s.length : end + 2;
        mark(i, stop, LINE_COMMENT);
        if (dir) blank += ' '.repeat(stop - i);
        i = stop;
        if (end >= 0) inComment = false;
        continue;
      }
      const c = s.charCodeAt(i);
      if (c === 47 /* / */ && s.charCodeAt(i + 1) === 42 /* * */) {
        inComment = true;
        mark(i, i + 2, LINE_COMMENT);
        if (dir) blank += '  ';
        i += 2;
        continue;
      }
      if (c === 47 && s.charCodeAt(i + 1) === 47) {
        mark(i, s.length, LINE_COMMENT);
        if (dir) blank += ' '.repeat(s.length - i);
        i = s.length;
        continue;
      }
      if (isSpace(c)) {
        if (dir) blank += s[i];
        i++;
        continue;
      }
      if (dir) {
        // Inside a directive: copy code; literals are copied whole so that their quotes hide comment openers.
        const e = c === 34 || c === 39 ? literalEnd(s, i) : i + 1;
        blank += s.slice(i, e);
        i = e;
        continue;
      }
      if (c === 35 /* # */ && !sawToken) {
        sawToken = true;
        const line = lineAt(i);
        let j = i + 1;
        // Comments between `#` and the name are whitespace too.
        for (;;) {
          while (j < s.length && isSpace(s.charCodeAt(j))) j++;
          if (!s.startsWith('/*', j)) break;
          const e = s.indexOf('*/', j + 2);
          if (e < 0) break;
          j = e + 2;
        }
        let name = '';
        if (j < s.length && isIdentStart(s.charCodeAt(j))) {
          const k = j;
          while (j < s.length && isIdentChar(s.charCodeAt(j))) j++;
          name = s.slice(k, j);
        }
        const d: RawDirective = { line, endLine: line, name, text: '', column: j - lg.starts[line - lg.first] + 1 };
        directives.push(d);
        dir = { d, start: j, prefix: '' };
        i = j;
        continue;
      }
      sawToken = true;
      if (c === 34 || c === 39) {
        const e = literalEnd(s, i);
        mark(i, e, LINE_CODE);
        i = e;
        continue;
      }
      let j = i + 1;
      while (j < s.length) {
        const d = s.charCodeAt(j);
        if (d === 34 || d === 39 || d === 47 || d === 35) break;
        j++;
      }
      mark(i, j, LINE_CODE);
      i = j;
    }
    if (dir) {
      const d: RawDirective = dir.d;
      // Physical lines that begin inside this part of the directive map text offsets back to columns.
      for (let k = 0; k < lg.starts.length; k++) {
        const at = lg.starts[k];
        if (at < dir.start || (k === 0 && dir.prefix === '')) continue;
        (d.breaks ??= []).push({ offset: dir.prefix.length + at - dir.start, line: lg.first + k, column: 1 });
      }
      const text: string = dir.prefix + blank;
      d.endLine = lastLine;
      for (let l = d.line; l <= lastLine; l++) lineFlags[l - 1] |= LINE_DIRECTIVE;
      if (inComment) open = { d, text };
      else d.text = text;
    }
  }
  if (open) open.d.text = open.text;
  return { lineCount: lines.length, lineFlags, directives, lines };
}

/** Where `text[offset]` of a directive is in the source (1-based line and column). */
export function directivePosition(d: RawDirective, offset: number): { line: number; column: number } {
  let line = d.line;
  let column = d.column + offset;
  for (const b of d.breaks ?? []) {
    if (b.offset > offset) break;
    line = b.line;
    column = b.column + (offset - b.offset);
  }
  return { line, column };
}

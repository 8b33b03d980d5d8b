/**
 * The conditional structure of one C file, independent of any flag values: every `#if` group with its branches
 * (spans, nesting, condition text) and every other directive that matters for flag views (`#define`, `#undef`,
 * `#include`, `#error`, …), in source order. 1-based lines everywhere.
 *
 * Pairing is by directive only, never by trailing comments (`#endif // X` is a hint that is often stale, P9) and
 * never by braces (a brace may open in one block and close in another, P3/P4). Unbalanced input is reported in
 * `diagnostics` the way gcc reports it, and the tree is closed as gcc would: a stray `#endif`/`#else` is ignored,
 * a missing `#endif` ends its group at the end of the file, a branch after `#else` is never taken.
 */
import { lexFile, type RawDirective, directivePosition, LINE_CODE, LINE_COMMENT, LINE_DIRECTIVE } from './lexer';

export { LINE_CODE, LINE_COMMENT, LINE_DIRECTIVE, directivePosition };
export type { RawDirective };

export type BranchKind = 'if' | 'ifdef' | 'ifndef' | 'elif' | 'elifdef' | 'elifndef' | 'else';

export interface Directive extends RawDirective {
  /** Index in `FileScan.directives`. */
  index: number;
  /** The innermost branch this directive sits in (null: outside every conditional). */
  parent: Branch | null;
}

export interface Branch {
  kind: BranchKind;
  directive: Directive;
  /** The directive's line. */
  line: number;
  /** Last line of the body: the line before the next branch's directive, or before `#endif`. */
  endLine: number;
  /** Condition as written, comments removed and whitespace collapsed ('' for `#else`). */
  condition: string;
  group: Group;
  /** Position among the group's branches. */
  position: number;
  /** Directives and groups directly in this branch, in order. */
  items: Item[];
  /** Index in `FileScan.branches` (source order). */
  index: number;
  /** A branch after `#else`: an error for gcc, and never taken. */
  afterElse: boolean;
}

export interface Group {
  /** The `#if`/`#ifdef`/`#ifndef` line. */
  line: number;
  /** The `#endif` line, or the last line of the file when it is missing. */
  endLine: number;
  branches: Branch[];
  parent: Branch | null;
  /** 1 for a group outside every other. */
  depth: number;
  terminated: boolean;
  index: number;
}

export type Item = { group: Group; directive?: undefined } | { directive: Directive; group?: undefined };

export interface ScanDiagnostic {
  line: number;
  column?: number;
  severity: 'error' | 'warning';
  message: string;
}

export interface FileScan {
  lineCount: number;
  /** Per line (`[line - 1]`): LINE_CODE | LINE_COMMENT | LINE_DIRECTIVE bits. */
  lineFlags: Uint8Array;
  /** Physical lines, for comment text and display. */
  lines: string[];
  directives: Directive[];
  /** Every group, in order of their opening line. */
  groups: Group[];
  /** Every branch, in source order. */
  branches: Branch[];
  /** Directives and groups outside every conditional, in order. */
  top: Item[];
  diagnostics: ScanDiagnostic[];
}

const OPENERS = new Set(['if', 'ifdef', 'ifndef']);
const CONTINUERS = new Set(['elif', 'elifdef', 'elifndef', 'else']);

/** Collapses whitespace outside literals; what users read as the condition. */
export function displayText(text: string): string {
  let out = '';
  let i = 0;
  let space = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      if (space && out) out += ' ';
      space = false;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === ' ' || c === '\t' || c === '\v' || c === '\f') {
      space = true;
      i++;
    } else {
      if (space && out) out += ' ';
      space = false;
      out += c;
      i++;
    }
  }
  return out;
}

export function scanText(source: string): FileScan {
  const lex = lexFile(source);
  const directives: Directive[] = [];
  const groups: Group[] = [];
  const branches: Branch[] = [];
  const top: Item[] = [];
  const diagnostics: ScanDiagnostic[] = [];
  const stack: Group[] = [];
  const current = (): Branch | null => {
    const g = stack[stack.length - 1];
    return g ? g.branches[g.branches.length - 1] : null;
  };
  const push = (item: Item): void => {
    const b = current();
    (b ? b.items : top).push(item);
  };
  const closeBranch = (g: Group, endLine: number): void => {
    const last = g.branches[g.branches.length - 1];
    last.endLine = Math.max(last.line, endLine);
  };

  for (const raw of lex.directives) {
    const d: Directive = Object.assign(raw, { index: directives.length, parent: current() });
    directives.push(d);
    const name = d.name;
    if (OPENERS.has(name)) {
      const parent = current();
      const g: Group = {
        line: d.line,
        endLine: lex.lineCount,
        branches: [],
        parent,
        depth: stack.length + 1,
        terminated: false,
        index: groups.length,
      };
      groups.push(g);
      push({ group: g });
      stack.push(g);
      const b = makeBranch(name as BranchKind, d, g, branches.length, false);
      g.branches.push(b);
      branches.push(b);
      continue;
    }
    if (CONTINUERS.has(name)) {
      const g = stack[stack.length - 1];
      if (!g) {
        diagnostics.push({ line: d.line, severity: 'error', message: `#${name} without #if` });
        continue;
      }
      const prevElse = g.branches.find((b) => b.kind === 'else');
      if (prevElse) {
        diagnostics.push({
          line: d.line,
          severity: 'error',
          message: `#${name} after #else (the #else is at line ${prevElse.line}; the conditional began at line ${g.line})`,
        });
      }
      closeBranch(g, d.line - 1);
      const b = makeBranch(name as BranchKind, d, g, branches.length, !!prevElse);
      d.parent = g.parent;
      g.branches.push(b);
      branches.push(b);
      continue;
    }
    if (name === 'endif') {
      const g = stack.pop();
      if (!g) {
        diagnostics.push({ line: d.line, severity: 'error', message: '#endif without #if' });
        continue;
      }
      d.parent = g.parent;
      closeBranch(g, d.line - 1);
      g.endLine = d.line;
      g.terminated = true;
      continue;
    }
    push({ directive: d });
  }
  // gcc reports each unterminated conditional at its opening line; the tree closes at the end of the file.
  for (let k = stack.length - 1; k >= 0; k--) {
    const g = stack[k];
    closeBranch(g, lex.lineCount);
    diagnostics.push({
      line: g.line,
      severity: 'error',
      message: `unterminated #${g.branches[0].kind} (no #endif before the end of the file)`,
    });
  }
  diagnostics.sort((a, b) => a.line - b.line);
  return {
    lineCount: lex.lineCount,
    lineFlags: lex.lineFlags,
    lines: lex.lines,
    directives,
    groups,
    branches,
    top,
    diagnostics,
  };
}

function makeBranch(kind: BranchKind, d: Directive, group: Group, index: number, afterElse: boolean): Branch {
  return {
    kind,
    directive: d,
    line: d.line,
    endLine: d.line,
    condition: kind === 'else' ? '' : displayText(d.text),
    group,
    position: group.branches.length,
    items: [],
    index,
    afterElse,
  };
}

/** Innermost branch containing a line (directive lines of a group belong to the branch around the group). */
export function branchAt(scan: FileScan, line: number): Branch | null {
  let found: Branch | null = null;
  let items = scan.top;
  for (;;) {
    let next: Branch | null = null;
    for (const it of items) {
      if (!it.group || it.group.line > line || it.group.endLine < line) continue;
      for (const b of it.group.branches) if (line > b.line && line <= b.endLine) next = b;
      break;
    }
    if (!next) return found;
    found = next;
    items = next.items;
  }
}

/** A directive's name as the scanner knows it, for callers that switch on it. */
export function isConditional(name: string): boolean {
  return OPENERS.has(name) || CONTINUERS.has(name) || name === 'endif';
}

/**
 * Content-keyed cache of scans: a file is scanned again only when its text changed. Callers that hold the text
 * in a string they got from a stable source (the same string object) make the check a pointer comparison.
 */
export class ScanCache {
  private readonly entries = new Map<string, { text: string; scan: FileScan }>();
  scans = 0;

  get(path: string, text: string): FileScan {
    const e = this.entries.get(path);
    if (e && e.text === text) return e.scan;
    const scan = scanText(text);
    this.scans++;
    this.entries.set(path, { text, scan });
    return scan;
  }

  delete(path: string): void {
    this.entries.delete(path);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * A flag's description for hovers: the comment just above its definition in a config header (above the
 * `#ifndef X` guard when there is one, `// S154: Spill Overflow Prefetch …`), banner comments included
 * (`// ==== S48: Owner Stash Spill ====` reads "S48: Owner Stash Spill"). A comment separated by a blank line
 * belongs to something else (a section, the previous flag) and is not taken; failing a comment above, a trailing
 * comment on the `#define` or `#ifndef` line is.
 */
import { prepared } from './prepared';
import { type Directive, type FileScan, LINE_CODE, LINE_COMMENT, LINE_DIRECTIVE } from './scanner';
import { isDefineError } from './tokens';

export interface FlagDescription {
  text: string;
  file: string;
  /** First line of the comment. */
  line: number;
}

interface Site {
  directive: Directive;
  guarded: boolean;
}

const sitesCache = new WeakMap<FileScan, Map<string, Site>>();

/** Where each macro of a file is defined: its guarded default when it has one, else its first `#define`. */
export function definitionSites(scan: FileScan): Map<string, Site> {
  let sites = sitesCache.get(scan);
  if (sites) return sites;
  sites = new Map();
  const prep = prepared(scan);
  for (const d of scan.directives) {
    if (d.name !== 'define') continue;
    const p = prep.define(d);
    if (isDefineError(p)) continue;
    const guarded = prep.isGuardedDefault(d, p.name);
    const had = sites.get(p.name);
    if (!had || (guarded && !had.guarded)) sites.set(p.name, { directive: d, guarded });
  }
  sitesCache.set(scan, sites);
  return sites;
}

function clean(line: string): string {
  return line
    .trim()
    .replace(/^\/\/+!?/, '')
    .replace(/^\/\*+!?/, '')
    .replace(/\*+\/\s*$/, '')
    .replace(/^\s*\*(?!\/)/, '')
    .trim()
    .replace(/^[=\-#*~_]{3,}\s*/, '')
    .replace(/\s*[=\-#*~_]{3,}$/, '')
    .trim();
}

function isCommentOnly(scan: FileScan, line: number): boolean {
  const f = scan.lineFlags[line - 1];
  return (f & LINE_COMMENT) !== 0 && (f & (LINE_CODE | LINE_DIRECTIVE)) === 0;
}

function trailingComment(scan: FileScan, line: number): string | undefined {
  const text = scan.lines[line - 1] ?? '';
  const m = /\/\/(.*)$/.exec(text) ?? /\/\*(.*?)\*\/\s*$/.exec(text);
  const t = m ? clean(m[1]) : '';
  return t || undefined;
}

/** The description of the definition at `d`, looking above its guard (`#ifndef`/`#if !defined`) too. */
export function describeDefinition(scan: FileScan, d: Directive, file: string): FlagDescription | undefined {
  let top = d.line;
  // Climb over the directives that open the definition's guard (`#ifndef X`, `#if !defined(O)` …).
  for (let b = d.parent, n = 0; b && n < 3; b = b.group.parent, n++) {
    if (b.group.line !== top - 1 && b.line !== top - 1) break;
    top = b.position === 0 ? b.group.line : b.line;
  }
  let l = top - 1;
  const parts: string[] = [];
  for (; l >= 1 && isCommentOnly(scan, l); l--) parts.unshift(scan.lines[l - 1]);
  const text = parts.map(clean).filter(Boolean).join(' ');
  if (text) return { text, file, line: l + 1 };
  const trailing = trailingComment(scan, d.line) ?? (top !== d.line ? trailingComment(scan, top) : undefined);
  return trailing ? { text: trailing, file, line: d.line } : undefined;
}

/** The description of `name` among the given scanned files (in include order), defaults preferred. */
export function describeFlag(
  name: string,
  files: Iterable<{ path: string; scan: FileScan }>,
): FlagDescription | undefined {
  let fallback: FlagDescription | undefined;
  for (const { path, scan } of files) {
    const site = definitionSites(scan).get(name);
    if (!site) continue;
    const desc = describeDefinition(scan, site.directive, path);
    if (desc && site.guarded) return desc;
    fallback ??= desc;
  }
  return fallback;
}

/**
 * `#include` resolution as gcc does it for project files, and the include graph of a file independent of flag
 * values: which files it includes, under which conditions, transitively (P7: bodies chosen by `#if`, a body that
 * includes another unconditionally and so is conditional through its parent). System headers (`<stdint.h>`) are
 * never opened: they are not where hot-path flags live, and their search paths belong to the compiler.
 */
import { readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { prepared } from './prepared';
import type { Branch, FileScan, ScanCache } from './scanner';
import type { SourceProvider } from './sources';
import { isDefineError } from './tokens';

export interface IncludePaths {
  /** `-iquote`: searched for `"…"` only, after the including file's folder. */
  quote: string[];
  /** `-I`: searched for both forms. */
  angled: string[];
  /** `-isystem`, `-idirafter`: searched last. */
  system: string[];
}

export const NO_PATHS: IncludePaths = { quote: [], angled: [], system: [] };

/** Absolute path of the file `#include` names, or null when no project folder has it. */
export function resolveInclude(
  spelled: string,
  angled: boolean,
  fromFile: string,
  paths: IncludePaths,
  sources: SourceProvider,
  next = false,
): string | null {
  if (isAbsolute(spelled)) return sources.exists(spelled) ? resolve(spelled) : null;
  const here = dirname(fromFile);
  let dirs = [...(angled ? [] : [here, ...paths.quote]), ...paths.angled, ...paths.system];
  if (next) {
    // #include_next: continue after the folder the current file was found in.
    const at = dirs.findIndex((d) => resolve(d) === here);
    dirs = at >= 0 ? dirs.slice(at + 1) : dirs.filter((d) => resolve(d) !== here);
  }
  for (const d of dirs) {
    const p = resolve(d, spelled);
    if (sources.exists(p)) return p;
  }
  return null;
}

/** A branch's condition as a reader would state it, including "none of the earlier branches" for `#elif`/`#else`. */
const conditions = new WeakMap<Branch, string>();

export function branchCondition(b: Branch): string {
  let c = conditions.get(b);
  if (c === undefined) conditions.set(b, (c = computeCondition(b)));
  return c;
}

function computeCondition(b: Branch): string {
  const own = (x: Branch): string => {
    const t = x.condition;
    if (x.kind === 'ifdef' || x.kind === 'elifdef') return `defined(${t})`;
    if (x.kind === 'ifndef' || x.kind === 'elifndef') return `!defined(${t})`;
    return t;
  };
  const simple = (s: string): boolean => /^!?\s*(defined\s*\(\s*\w+\s*\)|\w+)$/.test(s);
  const not = (s: string): string => (simple(s) ? (s.startsWith('!') ? s.slice(1).trim() : `!${s}`) : `!(${s})`);
  const parts = b.group.branches.slice(0, b.position).map((x) => not(own(x)));
  if (b.kind !== 'else') parts.push(parts.length && !simple(own(b)) ? `(${own(b)})` : own(b));
  return parts.join(' && ') || '1';
}

/** The conditions of every branch around a directive, outermost first. */
export function conditionPath(parent: Branch | null): string[] {
  const out: string[] = [];
  for (let b = parent; b; b = b.group.parent) out.unshift(branchCondition(b));
  return out;
}

export interface IncludeEdge {
  from: string;
  line: number;
  spelled: string;
  angled: boolean;
  /** Null when no project folder has it (system headers, or missing). */
  to: string | null;
  /** Conditions of the branches around the `#include`, outermost first; empty when unconditional. */
  conditions: string[];
}

export interface GraphOptions {
  paths: IncludePaths;
  sources: SourceProvider;
  scans: ScanCache;
}

export function includeEdges(file: string, scan: FileScan, opts: GraphOptions): IncludeEdge[] {
  const out: IncludeEdge[] = [];
  const prep = prepared(scan);
  for (const d of scan.directives) {
    if (d.name !== 'include' && d.name !== 'include_next' && d.name !== 'import') continue;
    const spec = prep.include(d);
    if (isDefineError(spec) || spec.computed) continue;
    out.push({
      from: file,
      line: d.line,
      spelled: spec.spelled,
      angled: spec.angled,
      to: resolveInclude(spec.spelled, spec.angled, file, opts.paths, opts.sources, spec.next),
      conditions: conditionPath(d.parent),
    });
  }
  return out;
}

export interface Reach {
  /** Every chain of conditions under which the file is included (one entry per include path found). */
  paths: { via: IncludeEdge[]; conditions: string[] }[];
}

/** Every project file `root` includes, transitively, with the conditions along each path (bounded). */
export function includeClosure(root: string, opts: GraphOptions, maxPaths = 10_000): Map<string, Reach> {
  const out = new Map<string, Reach>();
  let budget = maxPaths;
  // A header included along many paths is expanded a few times only: enough for its conditions, not exponential.
  const expanded = new Map<string, number>();
  const visit = (file: string, via: IncludeEdge[], conds: string[], onPath: Set<string>): void => {
    const text = opts.sources.read(file);
    if (text === undefined) return;
    for (const e of includeEdges(file, opts.scans.get(file, text), opts)) {
      if (!e.to || onPath.has(e.to) || budget-- <= 0) continue;
      const chain = [...via, e];
      const c = [...conds, ...e.conditions];
      let r = out.get(e.to);
      if (!r) out.set(e.to, (r = { paths: [] }));
      r.paths.push({ via: chain, conditions: c });
      const n = expanded.get(e.to) ?? 0;
      if (n >= 4) continue;
      expanded.set(e.to, n + 1);
      onPath.add(e.to);
      visit(e.to, chain, c, onPath);
      onPath.delete(e.to);
    }
  };
  visit(resolve(root), [], [], new Set([resolve(root)]));
  return out;
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'dist', 'out', '.vscode-test']);

/** `.c` files under `roots` (bounded), nearest first to `near`. */
export function listTranslationUnits(roots: readonly string[], near?: string, limit = 5000): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (found.length >= limit || depth > 12) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || SKIP_DIRS.has(e.name)) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (/\.(c|cc|cpp|cxx)$/.test(e.name)) found.push(p);
      if (found.length >= limit) return;
    }
  };
  for (const r of roots) walk(resolve(r), 0);
  const dist = (p: string): number => {
    if (!near) return 0;
    const a = dirname(p).split('/');
    const b = dirname(near).split('/');
    let k = 0;
    while (k < a.length && k < b.length && a[k] === b[k]) k++;
    return a.length + b.length - 2 * k;
  };
  return [...new Set(found)].sort((x, y) => dist(x) - dist(y) || x.localeCompare(y));
}

/** The translation units (among `candidates`) that include `target`, directly or not. */
export function includersOf(target: string, candidates: readonly string[], opts: GraphOptions, max = 1): string[] {
  const t = resolve(target);
  const out: string[] = [];
  for (const c of candidates) {
    if (resolve(c) === t || includeClosure(c, opts, 2000).has(t)) out.push(c);
    if (out.length >= max) break;
  }
  return out;
}

/**
 * What can be worked out of a scan once and reused by every evaluation of it: condition tokens, parsed
 * `#define`s, `#include` targets, which definitions are defaults (`#ifndef X` / `#define X …`), the identifiers each
 * condition mentions. Kept beside the (immutable, cached) scan, so a flag toggle re-evaluates without re-parsing.
 */
import type { Branch, Directive, FileScan } from './scanner';
import { type DefineError, isDefineError, type MacroDef, parseDefine, type Token, tokenize } from './tokens';

export interface IncludeSpec {
  spelled: string;
  angled: boolean;
  /** `#include MACRO`: the target is known only after expansion. */
  computed?: Token[];
  next: boolean;
}

export interface Prepared {
  conditionTokens(b: Branch): Token[];
  /** Identifiers a condition mentions, `defined` and `__has_*` queries left out. */
  identifiers(b: Branch): string[];
  /** The definition without its origin (filled in per event), or the problem. */
  define(d: Directive): Omit<MacroDef, 'origin'> | DefineError;
  include(d: Directive): IncludeSpec | DefineError;
  /** True for a `#define X` inside `#ifndef X` (or `#if !defined(X)`): the default of X. */
  isGuardedDefault(d: Directive, name: string): boolean;
}

const cache = new WeakMap<FileScan, Prepared>();

const NOT_FLAGS = new Set([
  'defined',
  '__has_include',
  '__has_include_next',
  '__has_attribute',
  '__has_cpp_attribute',
  '__has_c_attribute',
  '__has_builtin',
  '__has_feature',
  '__has_extension',
]);

export function prepared(scan: FileScan): Prepared {
  let p = cache.get(scan);
  if (!p) cache.set(scan, (p = prepare()));
  return p;
}

function prepare(): Prepared {
  const tokens = new Map<Branch, Token[]>();
  const idents = new Map<Branch, string[]>();
  const defines = new Map<Directive, Omit<MacroDef, 'origin'> | DefineError>();
  const includes = new Map<Directive, IncludeSpec | DefineError>();
  const conditionTokens = (b: Branch): Token[] => {
    let t = tokens.get(b);
    if (!t) tokens.set(b, (t = tokenize(b.directive.text)));
    return t;
  };
  return {
    conditionTokens,
    identifiers(b) {
      let ids = idents.get(b);
      if (!ids) {
        const seen = new Set<string>();
        const toks = conditionTokens(b);
        toks.forEach((t, i) => {
          if (t.k !== 'id' || NOT_FLAGS.has(t.s)) return;
          // the operand of a `__has_include(…)`-style query is not a macro use
          const prev = toks[i - 1]?.s === '(' ? toks[i - 2] : toks[i - 1];
          if (prev && NOT_FLAGS.has(prev.s) && prev.s !== 'defined') return;
          seen.add(t.s);
        });
        idents.set(b, (ids = [...seen]));
      }
      return ids;
    },
    define(d) {
      let r = defines.get(d);
      if (!r) {
        const parsed = parseDefine(d.text, { kind: 'define' });
        if (isDefineError(parsed)) r = parsed;
        else {
          // The origin is filled in per #define event (file, line, default or override).
          const rest: Partial<MacroDef> = { ...parsed };
          delete rest.origin;
          r = rest as Omit<MacroDef, 'origin'>;
        }
        defines.set(d, r);
      }
      return r;
    },
    include(d) {
      let r = includes.get(d);
      if (!r) includes.set(d, (r = parseInclude(d)));
      return r;
    },
    isGuardedDefault(d, name) {
      for (let b: Branch | null = d.parent; b; b = b.group.parent) if (guards(b, name, conditionTokens)) return true;
      return false;
    },
  };
}

/** `#ifndef NAME`, `#if !defined(NAME)` / `!defined NAME` (possibly `&& …` after it), or `#else` of `#ifdef NAME`. */
function guards(b: Branch, name: string, toks: (b: Branch) => Token[]): boolean {
  if (b.kind === 'ifndef' || b.kind === 'elifndef') return toks(b)[0]?.s === name;
  if (b.kind === 'else') {
    const first = b.group.branches[0];
    return b.group.branches.length === 2 && first.kind === 'ifdef' && toks(first)[0]?.s === name;
  }
  if (b.kind !== 'if' && b.kind !== 'elif') return false;
  const t = toks(b).map((x) => x.s);
  for (let i = 0; i + 2 < t.length; i++) {
    if (t[i] !== '!' || t[i + 1] !== 'defined') continue;
    if (t[i + 2] === name || (t[i + 2] === '(' && t[i + 3] === name)) return true;
  }
  return false;
}

function parseInclude(d: Directive): IncludeSpec | DefineError {
  const next = d.name === 'include_next';
  const text = d.text.trim();
  const offset = d.text.indexOf(text);
  if (text.startsWith('"')) {
    const end = text.indexOf('"', 1);
    if (end < 0) return { message: 'missing terminating " character', offset };
    return { spelled: text.slice(1, end), angled: false, next };
  }
  if (text.startsWith('<')) {
    const end = text.indexOf('>');
    if (end < 0) return { message: `missing terminating > character`, offset };
    return { spelled: text.slice(1, end), angled: true, next };
  }
  if (!text) return { message: `#${d.name} expects "FILENAME" or <FILENAME>`, offset: 0 };
  return { spelled: text, angled: false, computed: tokenize(d.text), next };
}

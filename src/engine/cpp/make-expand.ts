/**
 * GNU make's variable expansion, enough to read how a Makefile composes `-D`s: recursive and simple variables,
 * `+=`, `?=`, computed names (`$($(LANE))`), substitution references, target-specific variables with their
 * inheritance, automatic variables, and the text functions. Nothing is executed: `$(shell …)` expands to nothing
 * (with a note), `$(file > …)` writes nothing, `$(file < …)` reads.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, normalize, resolve } from 'node:path';

export type VarOrigin = 'default' | 'environment' | 'file' | 'command line' | 'override' | 'automatic';
export type AssignOp = '=' | ':=' | '::=' | ':::=' | '?=' | '+=' | '!=';

export interface MakeVar {
  value: string;
  flavor: 'recursive' | 'simple';
  origin: VarOrigin;
  exported?: boolean;
}

export interface TargetVar {
  /** A target name or a `%` pattern. */
  target: string;
  name: string;
  op: AssignOp;
  value: string;
  override: boolean;
}

export interface ExpandScope {
  vars: Map<string, MakeVar>;
  /** Target-specific assignments in force, outermost goal first. */
  targetVars?: readonly TargetVar[];
  /** `@`, `<`, `^`, `*`, … */
  auto?: Readonly<Record<string, string>>;
  /** The Makefile's folder (wildcard, file). */
  dir: string;
  /** The Makefile, named in notes about expansions that had to be stopped. */
  file?: string;
  notes: string[];
  /** `$(eval …)`: parse text as Makefile lines. */
  evalText?: (text: string) => void;
  locals?: ReadonlyMap<string, string>;
  depth?: number;
  /** Work done by the outermost expand() call this one is part of (shared by the scopes derived from it). */
  budget?: ExpansionBudget;
}

/**
 * Limits on one top-level expansion, as the `#if` engine has for macros: variables that double at each level
 * (`A2 = $(A1)$(A1)` …) cost 2^levels references even when the result is empty, so both the references made and
 * the size of any intermediate value are counted. The limits are far above what real Makefiles need (hz3's largest
 * expansion is a few KB and a few hundred references).
 */
export const MAX_EXPANSION_REFERENCES = 200_000;
export const MAX_EXPANSION_BYTES = 4 << 20;

interface ExpansionBudget {
  references: number;
}

class ExpansionTooLarge extends Error {}

function spend(scope: ExpandScope): void {
  if (scope.budget && ++scope.budget.references > MAX_EXPANSION_REFERENCES) {
    throw new ExpansionTooLarge(`more than ${MAX_EXPANSION_REFERENCES} variable references`);
  }
}

export function words(s: string): string[] {
  return s.split(/\s+/).filter(Boolean);
}

/** `%` pattern match: the stem, or undefined. */
export function matchPattern(pattern: string, word: string): string | undefined {
  const p = pattern.indexOf('%');
  if (p < 0) return pattern === word ? '' : undefined;
  const pre = pattern.slice(0, p);
  const post = pattern.slice(p + 1);
  if (word.length < pre.length + post.length || !word.startsWith(pre) || !word.endsWith(post)) return undefined;
  return word.slice(pre.length, word.length - post.length);
}

export function patsubst(pattern: string, replacement: string, text: string): string {
  return words(text)
    .map((w) => {
      const stem = matchPattern(pattern, w);
      if (stem === undefined) return w;
      return pattern.includes('%') ? replacement.replace('%', stem) : replacement;
    })
    .join(' ');
}

/** Splits function arguments at top-level commas; the last of `max` takes the rest. */
function splitArgs(s: string, max: number): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length && out.length < max - 1; i++) {
    const c = s[i];
    if (c === '(' || c === '{') depth++;
    else if (c === ')' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** Index of the paren closing the one at `open`, counting only the same kind (as make does). */
function closing(s: string, open: number): number {
  const o = s[open];
  const c = o === '(' ? ')' : '}';
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === o) depth++;
    else if (s[i] === c && --depth === 0) return i;
  }
  return -1;
}

function lookupVar(name: string, scope: ExpandScope): MakeVar | undefined {
  let v = scope.vars.get(name);
  for (const tv of scope.targetVars ?? []) {
    if (tv.name !== name) continue;
    if (v && (v.origin === 'command line' || v.origin === 'override') && !tv.override) continue;
    const origin: VarOrigin = tv.override ? 'override' : 'file';
    switch (tv.op) {
      case '?=':
        if (!v) v = { value: tv.value, flavor: 'recursive', origin };
        break;
      case '+=':
        if (!v) v = { value: tv.value, flavor: 'recursive', origin };
        else if (v.flavor === 'simple')
          v = { ...v, value: `${v.value} ${expand(tv.value, { ...scope, targetVars: [] })}`.trim() };
        else v = { ...v, value: `${v.value} ${tv.value}`.trim() };
        break;
      case '=':
        v = { value: tv.value, flavor: 'recursive', origin };
        break;
      default:
        v = { value: expand(tv.value, { ...scope, targetVars: [] }), flavor: 'simple', origin };
    }
  }
  return v;
}

/** The expanded value of a variable as seen in this scope. */
export function valueOf(name: string, scope: ExpandScope): string {
  const local = scope.locals?.get(name);
  if (local !== undefined) return local;
  if (scope.auto) {
    if (name in scope.auto) return scope.auto[name];
    const m = /^([@<^+*?|])([DF])$/.exec(name);
    if (m && m[1] in scope.auto) {
      return words(scope.auto[m[1]])
        .map((w) => (m[2] === 'D' ? dirname(w) : basename(w)))
        .join(' ');
    }
  }
  spend(scope);
  const v = lookupVar(name, scope);
  if (!v) return '';
  if (v.flavor === 'simple') return v.value;
  const depth = (scope.depth ?? 0) + 1;
  if (depth > 64) {
    const note = `variable ${name} references itself (recursively): expanded as empty`;
    if (!scope.notes.includes(note)) scope.notes.push(note);
    return '';
  }
  return expand(v.value, { ...scope, depth });
}

export function expand(text: string, scope: ExpandScope): string {
  if (!text.includes('$')) return text;
  if (scope.budget) return expandWithin(text, scope);
  // The outermost call: it owns the budget, and a runaway expansion ends here, as empty, with a note.
  try {
    return expandWithin(text, { ...scope, budget: { references: 0 } });
  } catch (e) {
    if (!(e instanceof ExpansionTooLarge)) throw e;
    const note = `${scope.file ? scope.file + ': ' : ''}expansion of "${text.slice(0, 40)}${text.length > 40 ? '…' : ''}" stopped: ${e.message} (a variable that keeps doubling?); expanded as empty`;
    if (!scope.notes.includes(note)) scope.notes.push(note);
    return '';
  }
}

function expandWithin(text: string, scope: ExpandScope): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const n = text[i + 1];
    if (n === undefined) break;
    if (n === '$') {
      out += '$';
      i++;
      continue;
    }
    if (n !== '(' && n !== '{') {
      out = grow(out, valueOf(n, scope));
      i++;
      continue;
    }
    const end = closing(text, i + 1);
    if (end < 0) {
      scope.notes.push(`unterminated variable reference in "${text.slice(i, i + 40)}"`);
      break;
    }
    const inner = text.slice(i + 2, end);
    i = end;
    const fm = /^([a-z-]+)[ \t]([\s\S]*)$/.exec(inner);
    if (fm && FUNCTIONS[fm[1]]) {
      out = grow(out, FUNCTIONS[fm[1]](fm[2], scope));
      continue;
    }
    // Substitution reference $(VAR:a=b) / $(VAR:%.c=%.o).
    const colon = topLevelColon(inner);
    if (colon >= 0 && inner.indexOf('=', colon) > 0) {
      const name = expand(inner.slice(0, colon), scope);
      const [from, to] = splitOnce(expand(inner.slice(colon + 1), scope), '=');
      const pat = from.includes('%') ? from : `%${from}`;
      const rep = from.includes('%') ? to : `%${to}`;
      out = grow(out, patsubst(pat, rep, valueOf(name, scope)));
      continue;
    }
    out = grow(out, valueOf(expand(inner, scope), scope));
  }
  return out;
}

function grow(out: string, more: string): string {
  if (out.length + more.length > MAX_EXPANSION_BYTES)
    throw new ExpansionTooLarge(`a value grows past ${MAX_EXPANSION_BYTES} bytes`);
  return out + more;
}

function topLevelColon(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(' || s[i] === '{') depth++;
    else if (s[i] === ')' || s[i] === '}') depth--;
    else if (s[i] === ':' && depth === 0) return i;
  }
  return -1;
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

function globOne(pattern: string, dir: string): string[] {
  const abs = isAbsolute(pattern);
  const parts = normalize(pattern).split('/');
  let bases = [abs ? '/' : ''];
  for (const part of parts) {
    if (!part) continue;
    if (!/[*?[]/.test(part)) {
      bases = bases.map((b) => join(b, part));
      continue;
    }
    const re = new RegExp(
      `^${part
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    const next: string[] = [];
    for (const b of bases) {
      try {
        for (const e of readdirSync(resolve(dir, b || '.')))
          if (re.test(e) && (!e.startsWith('.') || part.startsWith('.'))) next.push(join(b, e));
      } catch {
        /* not a folder: no match */
      }
    }
    bases = next;
  }
  return bases.filter((b) => b && existsSync(resolve(dir, b))).sort();
}

type Fn = (args: string, scope: ExpandScope) => string;

const e = expand;
const FUNCTIONS: Record<string, Fn> = {
  subst: (a, s) => {
    const [from, to, text] = splitArgs(a, 3).map((x) => e(x, s));
    return from ? (text ?? '').split(from).join(to ?? '') : (text ?? '');
  },
  patsubst: (a, s) => {
    const [p, r, t] = splitArgs(a, 3).map((x) => e(x, s));
    return patsubst(p.trim(), (r ?? '').trim(), t ?? '');
  },
  strip: (a, s) => words(e(a, s)).join(' '),
  findstring: (a, s) => {
    const [f, t] = splitArgs(a, 2).map((x) => e(x, s));
    return (t ?? '').includes(f) ? f : '';
  },
  filter: (a, s) => {
    const [p, t] = splitArgs(a, 2).map((x) => e(x, s));
    const pats = words(p);
    return words(t ?? '')
      .filter((w) => pats.some((q) => matchPattern(q, w) !== undefined))
      .join(' ');
  },
  'filter-out': (a, s) => {
    const [p, t] = splitArgs(a, 2).map((x) => e(x, s));
    const pats = words(p);
    return words(t ?? '')
      .filter((w) => !pats.some((q) => matchPattern(q, w) !== undefined))
      .join(' ');
  },
  sort: (a, s) => [...new Set(words(e(a, s)))].sort().join(' '),
  word: (a, s) => {
    const [n, t] = splitArgs(a, 2).map((x) => e(x, s));
    return words(t ?? '')[Number(n) - 1] ?? '';
  },
  wordlist: (a, s) => {
    const [from, to, t] = splitArgs(a, 3).map((x) => e(x, s));
    return words(t ?? '')
      .slice(Number(from) - 1, Number(to))
      .join(' ');
  },
  words: (a, s) => String(words(e(a, s)).length),
  firstword: (a, s) => words(e(a, s))[0] ?? '',
  lastword: (a, s) => words(e(a, s)).pop() ?? '',
  dir: (a, s) =>
    words(e(a, s))
      .map((w) => (w.includes('/') ? w.slice(0, w.lastIndexOf('/') + 1) : './'))
      .join(' '),
  notdir: (a, s) =>
    words(e(a, s))
      .map((w) => w.slice(w.lastIndexOf('/') + 1))
      .join(' '),
  suffix: (a, s) =>
    words(e(a, s))
      .map((w) => extname(w))
      .filter(Boolean)
      .join(' '),
  basename: (a, s) =>
    words(e(a, s))
      .map((w) => (extname(w) ? w.slice(0, -extname(w).length) : w))
      .join(' '),
  addsuffix: (a, s) => {
    const [x, t] = splitArgs(a, 2).map((y) => e(y, s));
    return words(t ?? '')
      .map((w) => w + x)
      .join(' ');
  },
  addprefix: (a, s) => {
    const [x, t] = splitArgs(a, 2).map((y) => e(y, s));
    return words(t ?? '')
      .map((w) => x + w)
      .join(' ');
  },
  join: (a, s) => {
    const [x, y] = splitArgs(a, 2).map((z) => words(e(z, s)));
    return Array.from(
      { length: Math.max(x.length, (y ?? []).length) },
      (_, i) => (x[i] ?? '') + ((y ?? [])[i] ?? ''),
    ).join(' ');
  },
  wildcard: (a, s) => {
    const pats = words(e(a, s));
    const found = pats.flatMap((p) => globOne(p, s.dir));
    // The usual reason a Makefile "compiles nothing" when read here: its paths assume another layout.
    if (!found.length && pats.length) {
      const note = `$(wildcard ${pats.join(' ')}) matches no file`;
      if (!s.notes.includes(note)) s.notes.push(note);
    }
    return found.join(' ');
  },
  abspath: (a, s) =>
    words(e(a, s))
      .map((w) => resolve(s.dir, w))
      .join(' '),
  realpath: (a, s) =>
    words(e(a, s))
      .map((w) => resolve(s.dir, w))
      .filter((p) => existsSync(p))
      .join(' '),
  if: (a, s) => {
    const [c, t, f] = splitArgs(a, 3);
    return e(c, s).trim() ? e(t ?? '', s) : e(f ?? '', s);
  },
  or: (a, s) => {
    for (const x of splitArgs(a, 1000)) {
      const v = e(x, s).trim();
      if (v) return v;
    }
    return '';
  },
  and: (a, s) => {
    let v = '';
    for (const x of splitArgs(a, 1000)) if (!(v = e(x, s).trim())) return '';
    return v;
  },
  intcmp: (a, s) => {
    const [l, r, lt, eq, gt] = splitArgs(a, 5);
    const d = Number(e(l, s)) - Number(e(r ?? '', s));
    const pick = d < 0 ? lt : d === 0 ? (eq ?? (gt === undefined ? '' : gt)) : gt;
    return pick === undefined ? (d === 0 ? String(Number(e(l, s))) : '') : e(pick, s);
  },
  foreach: (a, s) => {
    const [v, list, body] = splitArgs(a, 3);
    const name = e(v, s).trim();
    return words(e(list ?? '', s))
      .map((w) => e(body ?? '', { ...s, locals: new Map([...(s.locals ?? []), [name, w]]) }))
      .join(' ');
  },
  let: (a, s) => {
    const [v, list, body] = splitArgs(a, 3);
    const names = words(e(v, s));
    const vals = words(e(list ?? '', s));
    const locals = new Map(s.locals ?? []);
    names.forEach((n, i) => locals.set(n, i === names.length - 1 ? vals.slice(i).join(' ') : (vals[i] ?? '')));
    return e(body ?? '', { ...s, locals });
  },
  call: (a, s) => {
    const [fn, ...rest] = splitArgs(a, 1000).map((x) => e(x, s));
    const name = fn.trim();
    spend(s);
    const v = lookupVar(name, s);
    if (!v) return '';
    const locals = new Map(s.locals ?? []);
    locals.set('0', name);
    for (let i = 1; i <= 9; i++) locals.set(String(i), rest[i - 1] ?? '');
    return v.flavor === 'simple' ? v.value : e(v.value, { ...s, locals, depth: (s.depth ?? 0) + 1 });
  },
  value: (a, s) => lookupVar(e(a, s).trim(), s)?.value ?? '',
  origin: (a, s) => lookupVar(e(a, s).trim(), s)?.origin ?? 'undefined',
  flavor: (a, s) => lookupVar(e(a, s).trim(), s)?.flavor ?? 'undefined',
  shell: (a, s) => {
    const note = `$(shell ${a.trim()}) is not run: expanded as empty (use make -n for its effect)`;
    if (!s.notes.includes(note)) s.notes.push(note);
    return '';
  },
  file: (a, s) => {
    const spec = e(a, s).trim();
    const m = /^(<|>>|>)\s*(\S+)/.exec(spec);
    if (!m) return '';
    if (m[1] !== '<') return '';
    try {
      return readFileSync(resolve(s.dir, m[2]), 'utf8').replace(/\n$/, '');
    } catch {
      return '';
    }
  },
  eval: (a, s) => {
    s.evalText?.(e(a, s));
    return '';
  },
  info: () => '',
  warning: () => '',
  error: (a, s) => {
    s.notes.push(`the Makefile stops here with $(error ${e(a, s).trim()})`);
    return '';
  },
};

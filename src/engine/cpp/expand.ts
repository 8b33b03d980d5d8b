/**
 * Macro expansion of a directive's tokens, as the C standard describes it (hide sets, after Prosser): object-like
 * and function-like macros, arguments expanded before substitution except around `#`/`##`, stringizing, token
 * pasting, variadic macros with GNU comma elision. A macro never expands inside its own expansion, so recursive
 * definitions terminate; a token budget stops definitions that grow without recursing.
 *
 * Inside `#if`, `defined X` / `defined(X)` is answered before its operand could expand (also when `defined`
 * comes out of a macro, as gcc allows), and `__has_include(…)`-style queries, which need the compiler's search
 * paths or its built-in tables, are answered 0 with a note.
 */
import { type MacroTable, type Token, tokenize } from './tokens';

export class ExpansionError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface ExpandContext {
  macros: MacroTable;
  /** True in `#if`/`#elif`: enables `defined` and the `__has_*` queries. */
  inIf: boolean;
  /** Things the user should know about this evaluation (`__has_include` answered 0, …). */
  notes: string[];
  /** Set when a query could not be answered: the value may differ from the compiler's. */
  uncertain?: boolean;
  /** The directive's line, for `__LINE__`. */
  line?: number;
  /** Errors gcc reports and goes on from (a malformed `defined`). */
  errors?: { message: string; offset: number }[];
  /** Tokens produced so far; expansion stops with an error past `budget`. */
  produced?: number;
  budget?: number;
}

const HAS_QUERIES = new Set([
  '__has_include',
  '__has_include_next',
  '__has_attribute',
  '__has_cpp_attribute',
  '__has_c_attribute',
  '__has_builtin',
  '__has_feature',
  '__has_extension',
]);

/** Identifiers the expansion answers itself (`__has_include`, `__LINE__`, …): not for the fast path. */
export function isSpecialIdentifier(name: string): boolean {
  return (
    HAS_QUERIES.has(name) ||
    name === '__LINE__' ||
    name === '__FILE__' ||
    name === '__COUNTER__' ||
    name === '__INCLUDE_LEVEL__'
  );
}

const ONE: Token = { k: 'num', s: '1', off: 0, ws: true };
const ZERO: Token = { k: 'num', s: '0', off: 0, ws: true };

function withHide(t: Token, hs: ReadonlySet<string>, off: number, ws: boolean): Token {
  if (t.k !== 'id') return { k: t.k, s: t.s, off, ws };
  if (!t.hs) return { k: t.k, s: t.s, off, ws, hs };
  const merged = new Set(t.hs);
  for (const h of hs) merged.add(h);
  return { k: t.k, s: t.s, off, ws, hs: merged };
}

function addHide(hs: ReadonlySet<string> | undefined, name: string): ReadonlySet<string> {
  const out = new Set(hs ?? []);
  out.add(name);
  return out;
}

function stringize(arg: Token[]): string {
  let s = '';
  arg.forEach((t, i) => {
    if (i && t.ws) s += ' ';
    s += t.k === 'str' || t.k === 'chr' ? t.s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') : t.s;
  });
  return `"${s}"`;
}

/** Expands `tokens` completely. Throws ExpansionError (with the offset of the token at fault). */
export function expand(tokens: readonly Token[], ctx: ExpandContext): Token[] {
  const out: Token[] = [];
  const input: Token[] = [];
  for (let i = tokens.length - 1; i >= 0; i--) input.push(tokens[i]);
  const budget = ctx.budget ?? 200_000;
  while (input.length) {
    const t = input.pop()!;
    if (t.k !== 'id') {
      out.push(t);
      continue;
    }
    if (ctx.inIf && t.s === 'defined') {
      out.push(readDefined(t, input, ctx));
      continue;
    }
    if (ctx.inIf && HAS_QUERIES.has(t.s) && !ctx.macros.has(t.s)) {
      out.push(readQuery(t, input, ctx));
      continue;
    }
    const m = ctx.macros.get(t.s);
    if (!m || (t.hs && t.hs.has(t.s))) {
      if (!m && t.s === '__LINE__' && ctx.line) out.push({ k: 'num', s: String(ctx.line), off: t.off, ws: t.ws });
      else out.push(t);
      continue;
    }
    if (!m.params) {
      if (m.plain) {
        // Nothing in the body can expand: its tokens go out as they are (the common case for flags).
        for (let i = m.body.length - 1; i >= 0; i--)
          input.push({ ...m.body[i], off: t.off, ws: i === 0 ? t.ws : m.body[i].ws });
      } else {
        const hs = addHide(t.hs, t.s);
        for (let i = m.body.length - 1; i >= 0; i--)
          input.push(withHide(m.body[i], hs, t.off, i === 0 ? t.ws : m.body[i].ws));
      }
      count(ctx, m.body.length, budget, t.off);
      continue;
    }
    // A function-like macro expands only when an argument list follows.
    if (!input.length || input[input.length - 1].s !== '(') {
      out.push(t);
      continue;
    }
    input.pop();
    const args: Token[][] = [[]];
    let depth = 0;
    let close: Token | undefined;
    while (input.length) {
      const a = input.pop()!;
      if (a.s === '(' && a.k === 'punct') depth++;
      else if (a.s === ')' && a.k === 'punct') {
        if (depth === 0) {
          close = a;
          break;
        }
        depth--;
      } else if (a.s === ',' && a.k === 'punct' && depth === 0 && !(m.variadic && args.length === m.params.length)) {
        args.push([]);
        continue;
      }
      args[args.length - 1].push(a);
    }
    if (!close) throw new ExpansionError(`unterminated argument list invoking macro "${t.s}"`, t.off);
    if (m.params.length === 0 && args.length === 1 && args[0].length === 0) args.pop();
    if (m.variadic && args.length === m.params.length - 1) args.push([]);
    if (args.length !== m.params.length) {
      if (args.length < m.params.length)
        throw new ExpansionError(
          `macro "${t.s}" requires ${m.params.length} arguments, but only ${args.length} given`,
          t.off,
        );
      throw new ExpansionError(
        `macro "${t.s}" passed ${args.length} arguments, but takes just ${m.params.length}`,
        t.off,
      );
    }
    const hs = new Set<string>();
    if (t.hs && close.hs) for (const h of t.hs) if (close.hs.has(h)) hs.add(h);
    hs.add(t.s);
    const result = substitute(m.params, m.body, args, hs, t, ctx);
    count(ctx, result.length, budget, t.off);
    for (let i = result.length - 1; i >= 0; i--) input.push(result[i]);
  }
  return out;
}

function count(ctx: ExpandContext, n: number, budget: number, off: number): void {
  ctx.produced = (ctx.produced ?? 0) + n;
  if (ctx.produced > budget)
    throw new ExpansionError('macro expansion too large (a definition that keeps growing?)', off);
}

/** `defined X` / `defined ( X )`; a malformed one is an error gcc goes on from, with the value 0. */
function readDefined(t: Token, input: Token[], ctx: ExpandContext): Token {
  const zero = { ...ZERO, off: t.off, ws: t.ws };
  let paren = false;
  let n = input.pop();
  if (n && n.s === '(' && n.k === 'punct') {
    paren = true;
    n = input.pop();
  }
  if (!n || n.k !== 'id') {
    ctx.errors?.push({ message: 'operator "defined" requires an identifier', offset: n?.off ?? t.off });
    return zero;
  }
  if (paren) {
    const c = input.pop();
    if (!c || c.s !== ')') {
      ctx.errors?.push({ message: `missing ')' after "defined"`, offset: n.off });
      return zero;
    }
  }
  const yes =
    ctx.macros.has(n.s) ||
    n.s === '__has_include' ||
    n.s === '__has_include_next' ||
    n.s === '__LINE__' ||
    n.s === '__FILE__' ||
    n.s === '__COUNTER__';
  return { ...(yes ? ONE : ZERO), off: t.off, ws: t.ws };
}

function readQuery(t: Token, input: Token[], ctx: ExpandContext): Token {
  const open = input.pop();
  if (!open || open.s !== '(') throw new ExpansionError(`missing '(' after "${t.s}"`, open?.off ?? t.off);
  let depth = 1;
  const arg: Token[] = [];
  while (input.length && depth > 0) {
    const a = input.pop()!;
    if (a.s === '(') depth++;
    else if (a.s === ')') depth--;
    if (depth > 0) arg.push(a);
  }
  if (depth > 0) throw new ExpansionError(`missing ')' after "${t.s}" operand`, t.off);
  const what = arg.map((a, i) => (i && a.ws ? ' ' : '') + a.s).join('');
  const note = `${t.s}(${what}) is not answered without the compiler: taken as 0`;
  if (!ctx.notes.includes(note)) ctx.notes.push(note);
  ctx.uncertain = true;
  return { ...ZERO, off: t.off, ws: t.ws };
}

function substitute(
  params: string[],
  body: Token[],
  args: Token[][],
  hs: ReadonlySet<string>,
  at: Token,
  ctx: ExpandContext,
): Token[] {
  const out: Token[] = [];
  const argOf = (s: string): number => params.indexOf(s);
  const expanded = new Map<number, Token[]>();
  const expandedArg = (n: number): Token[] => {
    let e = expanded.get(n);
    if (!e) expanded.set(n, (e = expand(args[n], { ...ctx, inIf: false, notes: ctx.notes })));
    return e;
  };
  let pasteNext = false;
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    const ws = i === 0 ? at.ws : b.ws;
    if ((b.s === '#' || b.s === '%:') && b.k === 'punct' && i + 1 < body.length && argOf(body[i + 1].s) >= 0) {
      const n = argOf(body[++i].s);
      append(out, [{ k: 'str', s: stringize(args[n]), off: at.off, ws }], pasteNext);
      pasteNext = false;
      continue;
    }
    if ((b.s === '##' || b.s === '%:%:') && b.k === 'punct') {
      // GNU: `, ## __VA_ARGS__` drops the comma when the variable arguments are empty.
      const nx = body[i + 1];
      if (
        nx &&
        nx.s === '__VA_ARGS__' &&
        out.length &&
        out[out.length - 1].s === ',' &&
        args[argOf('__VA_ARGS__')]?.length === 0
      ) {
        out.pop();
        i++;
        continue;
      }
      pasteNext = out.length > 0;
      continue;
    }
    const n = b.k === 'id' ? argOf(b.s) : -1;
    if (n >= 0) {
      const raw = pasteNext || body[i + 1]?.s === '##';
      const toks = (raw ? args[n] : expandedArg(n)).map((a, k) => withHide(a, hs, at.off, k === 0 ? ws : a.ws));
      append(out, toks, pasteNext);
    } else {
      append(out, [withHide(b, hs, at.off, ws)], pasteNext);
    }
    pasteNext = false;
  }
  return out;
}

function append(out: Token[], toks: Token[], paste: boolean): void {
  if (paste && out.length && toks.length) {
    const left = out.pop()!;
    const glued = tokenize(left.s + toks[0].s);
    const first = glued[0] ?? { k: 'other', s: '', off: 0, ws: false };
    out.push(
      { ...first, off: left.off, ws: left.ws, hs: left.hs },
      ...glued.slice(1).map((g) => ({ ...g, off: left.off })),
    );
    out.push(...toks.slice(1));
    return;
  }
  out.push(...toks);
}

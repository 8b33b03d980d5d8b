/**
 * Preprocessing tokens of one directive's text (comments already blanked by the lexer), and the definitions
 * `#define` makes of them. Offsets are into the directive text, so errors can name a column.
 */
import { literalEnd } from './lexer';

export type TokenKind = 'id' | 'num' | 'chr' | 'str' | 'punct' | 'other';

export interface Token {
  k: TokenKind;
  s: string;
  /** Offset in the directive text (for expanded tokens: the offset of the macro name they came from). */
  off: number;
  /** Whitespace before it (stringizing and `#error` text keep one space there). */
  ws: boolean;
  /** Macro names that must not expand this token again (the C standard's "hide set"). */
  hs?: ReadonlySet<string>;
}

const PUNCTS = [
  '%:%:',
  '...',
  '<<=',
  '>>=',
  '##',
  '<<',
  '>>',
  '<=',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '->',
  '++',
  '--',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '<:',
  ':>',
  '<%',
  '%>',
  '%:',
];
const SINGLE = new Set('()[]{}.,;:?!~+-*/%<>=&|^#'.split(''));

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || c >= 128;
}
function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function tokenize(text: string, from = 0, to = text.length): Token[] {
  const out: Token[] = [];
  let i = from;
  let ws = false;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 11 || c === 12 || c === 13 || c === 10) {
      ws = true;
      i++;
      continue;
    }
    const start = i;
    let k: TokenKind;
    if (isIdentStart(c)) {
      while (i < to && isIdentChar(text.charCodeAt(i))) i++;
      const word = text.slice(start, i);
      const q = text.charCodeAt(i);
      if ((q === 39 || q === 34) && (word === 'L' || word === 'u' || word === 'U' || word === 'u8')) {
        i = Math.min(literalEnd(text, i), to);
        k = q === 39 ? 'chr' : 'str';
      } else {
        k = 'id';
      }
    } else if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      i++;
      while (i < to) {
        const d = text.charCodeAt(i);
        if ((d === 43 || d === 45) && /[eEpP]/.test(text[i - 1])) i++;
        else if (isIdentChar(d) || d === 46) i++;
        else break;
      }
      k = 'num';
    } else if (c === 34 || c === 39) {
      i = Math.min(literalEnd(text, i), to);
      k = c === 34 ? 'str' : 'chr';
    } else {
      const p = PUNCTS.find((x) => text.startsWith(x, i));
      if (p) {
        i += p.length;
        k = 'punct';
      } else {
        i++;
        k = SINGLE.has(text[start]) ? 'punct' : 'other';
      }
    }
    out.push({ k, s: text.slice(start, i), off: start, ws });
    ws = false;
  }
  return out;
}

/** Where a definition came from, for hovers and for telling defaults from overrides. */
export interface MacroOrigin {
  kind: 'predefined' | 'command-line' | 'define' | 'compiler';
  /** `default`: under `#ifndef NAME` (or `!defined(NAME)`); `override`: replaces an earlier definition. */
  role?: 'default' | 'override';
  file?: string;
  line?: number;
  /** How the command line got it: `-D`, or the Makefile variable / compile_commands entry behind it. */
  via?: string;
}

export interface MacroDef {
  name: string;
  /** Undefined for an object-like macro. */
  params?: string[];
  variadic?: boolean;
  body: Token[];
  /** The replacement list as written (whitespace collapsed). */
  text: string;
  origin: MacroOrigin;
  /** The definition this one replaced (even across an `#undef`), for "default 1, overridden to 0 at …". */
  previous?: MacroDef;
  /** Set when the body has no identifier: expansion can hand out the body's tokens as they are. */
  plain?: boolean;
}

export type MacroTable = Map<string, MacroDef>;

export interface DefineError {
  message: string;
  offset: number;
}

/** `#define` text (after the directive name) to a definition, or the problem gcc would report. */
export function parseDefine(text: string, origin: MacroOrigin): MacroDef | DefineError {
  let i = 0;
  while (i < text.length && /\s/.test(text[i])) i++;
  if (i >= text.length) return { message: 'no macro name given in #define directive', offset: i };
  if (!isIdentStart(text.charCodeAt(i))) return { message: 'macro names must be identifiers', offset: i };
  const s = i;
  while (i < text.length && isIdentChar(text.charCodeAt(i))) i++;
  const name = text.slice(s, i);
  if (name === 'defined') return { message: '"defined" cannot be used as a macro name', offset: s };
  let params: string[] | undefined;
  let variadic = false;
  if (text[i] === '(') {
    params = [];
    const close = text.indexOf(')', i);
    if (close < 0) return { message: "missing ')' in macro parameter list", offset: i };
    const list = text.slice(i + 1, close).trim();
    if (list) {
      for (const raw of list.split(',')) {
        const p = raw.trim();
        if (p === '...') {
          params.push('__VA_ARGS__');
          variadic = true;
        } else if (p.endsWith('...') && /^[A-Za-z_$][\w$]*$/.test(p.slice(0, -3).trim())) {
          params.push(p.slice(0, -3).trim());
          variadic = true;
        } else if (/^[A-Za-z_$][\w$]*$/.test(p)) {
          params.push(p);
        } else {
          return { message: `expected parameter name, found "${p}"`, offset: i + 1 };
        }
      }
    }
    i = close + 1;
  }
  const body = tokenize(text, i);
  if (body.length) body[0] = { ...body[0], ws: false };
  const def: MacroDef = { name, body, text: body.map((t, n) => (n && t.ws ? ' ' : '') + t.s).join(''), origin };
  if (params) {
    def.params = params;
    def.variadic = variadic;
  }
  if (!params && body.every((t) => t.k !== 'id')) def.plain = true;
  return def;
}

/** `NAME`, `NAME=VALUE` or `NAME(args)=VALUE` as `-D` takes it (`-DNAME` means 1, `-DNAME=` means empty). */
export function defineFromCommandLine(spec: string, origin: MacroOrigin): MacroDef | DefineError {
  const eq = spec.indexOf('=');
  const text = eq < 0 ? `${spec} 1` : `${spec.slice(0, eq)} ${spec.slice(eq + 1)}`;
  return parseDefine(text, origin);
}

export function isDefineError<T extends object>(x: T | DefineError): x is DefineError {
  return typeof (x as DefineError).message === 'string' && typeof (x as DefineError).offset === 'number';
}

/** Same replacement (what gcc compares before warning "redefined"). */
export function sameDefinition(a: MacroDef, b: MacroDef): boolean {
  return a.text === b.text && (a.params ?? []).join(',') === (b.params ?? []).join(',') && !a.params === !b.params;
}

/** Identifiers of a token list, in order of first appearance. */
export function identifiersOf(tokens: readonly Token[]): string[] {
  const seen = new Set<string>();
  for (const t of tokens) if (t.k === 'id') seen.add(t.s);
  return [...seen];
}

/**
 * `#if` arithmetic exactly as C specifies it for the preprocessor: every value is intmax_t or uintmax_t (64 bits
 * here, as on every target gcc and clang build for), the usual arithmetic conversions make a mixed operation
 * unsigned, `&&`, `||` and `?:` do not evaluate the side they skip (so `0 && 1/0` is fine), identifiers left after
 * expansion are 0. Signed overflow wraps with a warning, as gcc does. Errors carry the offset of the token at
 * fault in the directive text; messages are gcc's wording so users recognise them.
 *
 * Like gcc, some errors do not stop the evaluation: a bad literal (`1.0`, `08`, `12xyz`) counts as 0 and division
 * by zero yields the left operand, so `#if 1.0 || 1` is an error and still true. Syntax errors make the whole
 * directive false.
 */
import { expand, ExpansionError, type ExpandContext, isSpecialIdentifier } from './expand';
import { type ExprProblem, type IntValue, parseCharLiteral, parseIntegerLiteral } from './literals';
import { type MacroTable, type Token, tokenize } from './tokens';

export { parseCharLiteral, parseIntegerLiteral };
export type { ExprProblem, IntValue };

export interface EvalResult {
  /** The value gcc uses: 0 after a syntax error, the evaluated value after the errors it goes on from. */
  value: bigint;
  unsigned: boolean;
  /** The first error (gcc fails the compile, whatever the value). */
  error?: ExprProblem;
  warnings: ExprProblem[];
  notes: string[];
  /** Part of the answer was guessed (`__has_include` and friends). */
  uncertain: boolean;
}

export class ExprError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const MASK = (1n << 64n) - 1n;

function norm(v: bigint, u: boolean): bigint {
  return u ? v & MASK : BigInt.asIntN(64, v);
}

function isProblem(x: IntValue | ExprProblem): x is ExprProblem {
  return (x as ExprProblem).message !== undefined;
}

const BINARY: Record<string, number> = {
  '*': 10,
  '/': 10,
  '%': 10,
  '+': 9,
  '-': 9,
  '<<': 8,
  '>>': 8,
  '<': 7,
  '>': 7,
  '<=': 7,
  '>=': 7,
  '==': 6,
  '!=': 6,
  '&': 5,
  '^': 4,
  '|': 3,
  '&&': 2,
  '||': 1,
};

class Parser {
  private i = 0;
  /** > 0 while evaluating an operand that C does not evaluate (short-circuit). */
  private skip = 0;
  readonly warnings: ExprProblem[] = [];
  /** Errors gcc reports and goes on from. */
  readonly errors: ExprProblem[] = [];

  /** `offs[k]` is where token k came from in the directive (the macro use, for expanded tokens). */
  constructor(
    private readonly toks: readonly Token[],
    private readonly offs: readonly number[],
  ) {}

  private offAt(k: number): number {
    return this.offs[Math.min(k, this.offs.length - 1)] ?? 0;
  }

  parse(): IntValue {
    if (!this.toks.length) throw new ExprError('#if with no expression', 0);
    const v = this.comma();
    const t = this.toks[this.i];
    if (t) {
      const o = this.offAt(this.i);
      if (t.s === ')') throw new ExprError("missing '(' in expression", o);
      if (t.s === ':') throw new ExprError("':' without preceding '?'", o);
      throw new ExprError(`missing binary operator before token "${t.s}"`, o);
    }
    return v;
  }

  private warn(message: string, offset: number): void {
    if (!this.skip) this.warnings.push({ message, offset });
  }

  private soft(message: string, offset: number): void {
    if (!this.skip) this.errors.push({ message, offset });
  }

  private comma(): IntValue {
    let v = this.ternary();
    while (this.toks[this.i]?.s === ',') {
      this.i++;
      v = this.ternary();
    }
    return v;
  }

  private ternary(): IntValue {
    const c = this.binary(1);
    const q = this.toks[this.i];
    if (q?.s !== '?') return c;
    const qAt = this.i++;
    const truthy = c.v !== 0n;
    if (!truthy) this.skip++;
    const a = this.comma();
    if (!truthy) this.skip--;
    if (this.toks[this.i]?.s !== ':')
      throw new ExprError("'?' without following ':'", this.offAt(this.toks[this.i] ? this.i : qAt));
    this.i++;
    if (truthy) this.skip++;
    const b = this.ternary();
    if (truthy) this.skip--;
    const u = a.u || b.u;
    const r = truthy ? a : b;
    return { v: norm(r.v, u), u };
  }

  private binary(minPrec: number): IntValue {
    let left = this.unary();
    for (;;) {
      const t = this.toks[this.i];
      if (!t || t.k !== 'punct') {
        if (t && t.k !== 'punct')
          throw new ExprError(`missing binary operator before token "${t.s}"`, this.offAt(this.i));
        return left;
      }
      const prec = BINARY[t.s];
      if (prec === undefined || prec < minPrec) {
        if (prec === undefined && !['?', ':', ')', ','].includes(t.s))
          throw new ExprError(`token "${t.s}" is not valid in preprocessor expressions`, this.offAt(this.i));
        return left;
      }
      const at = this.offAt(this.i++);
      if (!this.toks[this.i]) throw new ExprError(`operator '${t.s}' has no right operand`, at);
      if (t.s === '&&' || t.s === '||') {
        const decided = t.s === '&&' ? left.v === 0n : left.v !== 0n;
        if (decided) this.skip++;
        const right = this.binary(prec + 1);
        if (decided) this.skip--;
        left = { v: decided ? (t.s === '||' ? 1n : 0n) : right.v !== 0n ? 1n : 0n, u: false };
        continue;
      }
      const right = this.binary(prec + 1);
      left = this.apply(t.s, at, left, right);
    }
  }

  private apply(op: string, at: number, a: IntValue, b: IntValue): IntValue {
    if (op === '<<' || op === '>>') {
      // The result has the left operand's type; a negative count shifts the other way (gcc).
      let n = b.v;
      let left = op === '<<';
      if (!b.u && n < 0n) {
        n = -n;
        left = !left;
      }
      if (left) {
        if (n >= 64n) return { v: 0n, u: a.u };
        const exact = a.v << n;
        const v = norm(exact, a.u);
        if (!a.u && v !== exact) this.warn('integer overflow in preprocessor expression', at);
        return { v, u: a.u };
      }
      if (n >= 64n) return { v: !a.u && a.v < 0n ? -1n : 0n, u: a.u };
      return { v: a.v >> n, u: a.u };
    }
    const u = a.u || b.u;
    const x = norm(a.v, u);
    const y = norm(b.v, u);
    switch (op) {
      case '<':
        return { v: x < y ? 1n : 0n, u: false };
      case '>':
        return { v: x > y ? 1n : 0n, u: false };
      case '<=':
        return { v: x <= y ? 1n : 0n, u: false };
      case '>=':
        return { v: x >= y ? 1n : 0n, u: false };
      case '==':
        return { v: x === y ? 1n : 0n, u: false };
      case '!=':
        return { v: x !== y ? 1n : 0n, u: false };
      case '&':
        return { v: norm(x & y, u), u };
      case '^':
        return { v: norm(x ^ y, u), u };
      case '|':
        return { v: norm(x | y, u), u };
    }
    if ((op === '/' || op === '%') && y === 0n) {
      // gcc returns the left operand (made positive for signed division) and goes on.
      this.soft('division by zero in #if', at);
      return { v: !u && a.v < 0n ? norm(-a.v, a.u) : a.v, u: a.u };
    }
    const exact = op === '*' ? x * y : op === '/' ? x / y : op === '%' ? x % y : op === '+' ? x + y : x - y;
    const v = norm(exact, u);
    if (!u && v !== exact) this.warn('integer overflow in preprocessor expression', at);
    return { v, u };
  }

  private unary(): IntValue {
    const k = this.i++;
    const t = this.toks[k];
    if (!t) throw new ExprError('#if with no expression', 0);
    const at = this.offAt(k);
    switch (t.k) {
      case 'num': {
        const r = parseIntegerLiteral(t.s);
        if (isProblem(r)) {
          this.soft(r.message, at);
          return { v: 0n, u: false };
        }
        if (r.tooLarge) this.warn('integer constant is too large for its type', at);
        else if (r.u && !/[uU]/.test(t.s) && /^[1-9]/.test(t.s))
          this.warn('integer constant is so large that it is unsigned', at);
        return r.tooLarge ? { v: r.v, u: r.u } : r;
      }
      case 'chr': {
        const r = parseCharLiteral(t.s);
        if (isProblem(r)) throw new ExprError(r.message, at);
        return r;
      }
      case 'id':
        return { v: 0n, u: false };
      case 'str':
        throw new ExprError(`token "${t.s}" is not valid in preprocessor expressions`, at);
    }
    switch (t.s) {
      case '(': {
        if (this.toks[this.i]?.s === ')') throw new ExprError("missing expression between '(' and ')'", at);
        const v = this.comma();
        if (this.toks[this.i]?.s !== ')')
          throw new ExprError("missing ')' in expression", this.toks[this.i] ? this.offAt(this.i) : at);
        this.i++;
        return v;
      }
      case '!': {
        const v = this.unaryOperand(t, at);
        return { v: v.v === 0n ? 1n : 0n, u: false };
      }
      case '~': {
        const v = this.unaryOperand(t, at);
        return { v: norm(~v.v, v.u), u: v.u };
      }
      case '-': {
        const v = this.unaryOperand(t, at);
        if (!v.u && v.v === -(1n << 63n)) this.warn('integer overflow in preprocessor expression', at);
        return { v: norm(-v.v, v.u), u: v.u };
      }
      case '+':
        return this.unaryOperand(t, at);
    }
    if (t.s === ')' || t.s === ':' || t.s === ',' || t.s === '?' || BINARY[t.s] !== undefined)
      throw new ExprError(`operator '${t.s}' has no left operand`, at);
    throw new ExprError(`token "${t.s}" is not valid in preprocessor expressions`, at);
  }

  private unaryOperand(op: Token, at: number): IntValue {
    if (!this.toks[this.i]) throw new ExprError(`operator '${op.s}' has no right operand`, at);
    return this.unary();
  }
}

const ONE: Token = { k: 'num', s: '1', off: 0, ws: true };
const ZERO: Token = { k: 'num', s: '0', off: 0, ws: true };

/**
 * The common case without allocation: object-like macros (nested too), `defined`, numbers, operators. Anything
 * else (function-like macros, `__has_include`, `defined` without an identifier) returns null and takes the full
 * expansion path, which also reports its errors.
 */
function fastExpand(tokens: readonly Token[], macros: MacroTable): { toks: Token[]; offs: number[] } | null {
  const toks: Token[] = [];
  const offs: number[] = [];
  const active: string[] = [];
  const emit = (list: readonly Token[], at: number, top: boolean): boolean => {
    for (let i = 0; i < list.length; i++) {
      const t = list[i];
      const o = top ? t.off : at;
      if (t.k !== 'id') {
        toks.push(t);
        offs.push(o);
        continue;
      }
      if (t.s === 'defined') {
        let j = i + 1;
        const paren = list[j]?.s === '(';
        if (paren) j++;
        const n = list[j];
        if (!n || n.k !== 'id' || (paren && list[j + 1]?.s !== ')')) return false;
        if (isSpecialIdentifier(n.s)) return false;
        toks.push(macros.has(n.s) ? ONE : ZERO);
        offs.push(o);
        i = paren ? j + 1 : j;
        continue;
      }
      const m = macros.get(t.s);
      if (!m || active.includes(t.s)) {
        if (!m && isSpecialIdentifier(t.s)) return false;
        toks.push(t);
        offs.push(o);
        continue;
      }
      if (m.params) return false;
      if (m.plain) {
        for (const b of m.body) {
          toks.push(b);
          offs.push(o);
        }
        continue;
      }
      // Growth beyond any real condition: let the full expansion (which has a budget) report it.
      if (toks.length > 4096 || active.length > 64) return false;
      active.push(t.s);
      const ok = emit(m.body, o, false);
      active.pop();
      if (!ok) return false;
    }
    return true;
  };
  return emit(tokens, 0, true) ? { toks, offs } : null;
}

export interface EvalOptions {
  line?: number;
}

/** Evaluates already-tokenized `#if` text (see `tokenize`) against a macro table. Never throws. */
export function evaluateTokens(tokens: readonly Token[], macros: MacroTable, options: EvalOptions = {}): EvalResult {
  const ctx: ExpandContext = { macros, inIf: true, notes: [], line: options.line, errors: [] };
  let parser: Parser | undefined;
  try {
    const fast = fastExpand(tokens, macros);
    if (fast) parser = new Parser(fast.toks, fast.offs);
    else {
      const expanded = expand(tokens, ctx);
      parser = new Parser(
        expanded,
        expanded.map((t) => t.off),
      );
    }
    const v = parser.parse();
    const first = [...(ctx.errors ?? []), ...parser.errors].sort((a, b) => a.offset - b.offset)[0];
    return {
      value: v.v,
      unsigned: v.u,
      ...(first ? { error: first } : {}),
      warnings: parser.warnings,
      notes: ctx.notes,
      uncertain: !!ctx.uncertain,
    };
  } catch (e) {
    if (e instanceof ExprError || e instanceof ExpansionError) {
      const first = [...(ctx.errors ?? []), ...(parser?.errors ?? []), { message: e.message, offset: e.offset }][0];
      return {
        value: 0n,
        unsigned: false,
        error: first,
        warnings: parser?.warnings ?? [],
        notes: ctx.notes,
        uncertain: !!ctx.uncertain,
      };
    }
    throw e;
  }
}

/** Convenience: evaluate `#if` text. */
export function evaluate(text: string, macros: MacroTable = new Map(), options: EvalOptions = {}): EvalResult {
  return evaluateTokens(tokenize(text), macros, options);
}

/** A value as C would print it (`18446744073709551615` for unsigned -1). */
export function formatValue(r: { value: bigint; unsigned: boolean }): string {
  return String(r.unsigned ? r.value & MASK : r.value);
}

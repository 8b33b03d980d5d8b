/**
 * Integer and character constants as `#if` reads them: `0x1fULL`, `0b101`, `017`, `42u`, `'\\377'`, `L'x'`. Each
 * problem is worded as gcc words it (`invalid suffix "xyz" on integer constant`). Values are intmax_t/uintmax_t.
 */

const MASK = (1n << 64n) - 1n;
const S_MAX = (1n << 63n) - 1n;

function norm(v: bigint, u: boolean): bigint {
  return u ? v & MASK : BigInt.asIntN(64, v);
}

export interface IntValue {
  v: bigint;
  u: boolean;
  /** The literal did not fit in 64 bits (gcc: "integer constant is too large for its type"). */
  tooLarge?: boolean;
}

export interface ExprProblem {
  message: string;
  /** Offset in the directive text. */
  offset: number;
}

const numberCache = new Map<string, IntValue | ExprProblem>();

/** An integer literal (`0x1fULL`, `0b101`, `017`, `42u`) as #if reads it, or the problem. */
export function parseIntegerLiteral(s: string): IntValue | ExprProblem {
  const hit = numberCache.get(s);
  if (hit) return hit;
  const r = parseLiteral(s);
  if (numberCache.size < 50_000) numberCache.set(s, r);
  return r;
}

function parseLiteral(s: string): IntValue | ExprProblem {
  const m = /^(0[xX][0-9a-fA-F]*|0[bB][01]*|[0-9]+)(.*)$/.exec(s);
  if (!m) return { message: 'floating constant in preprocessor expression', offset: 0 };
  const [, digits, suffix] = m;
  const hex = /^0[xX]/.test(digits);
  if (hex ? /^[.pP]/.test(suffix) || /[pP][+-]?\d/.test(suffix) : /^[.eE]/.test(suffix) || /^\d*[.eE]/.test(suffix))
    return { message: 'floating constant in preprocessor expression', offset: 0 };
  if (/^0[xXbB]$/.test(digits))
    return { message: `invalid suffix "${digits.slice(1)}${suffix}" on integer constant`, offset: 0 };
  let value: bigint;
  if (hex || /^0[bB]/.test(digits)) value = BigInt(digits);
  else if (digits.length > 1 && digits[0] === '0') {
    const bad = /[89]/.exec(digits);
    if (bad) return { message: `invalid digit "${bad[0]}" in octal constant`, offset: 0 };
    value = BigInt('0o' + digits.slice(1));
  } else value = BigInt(digits);
  // Digits that are not digits of this base belong to the suffix check (`0b12`, `12xyz`).
  const sfx = suffix.toLowerCase();
  const ok = /^(u?(l|ll)?|(l|ll)u|u?z|zu)$/.test(sfx) && !/lL|Ll/.test(suffix);
  if (!ok) {
    if (/^[ij]/.test(sfx) || /[ij]$/.test(sfx))
      return { message: 'imaginary number in preprocessor expression', offset: 0 };
    return { message: `invalid suffix "${suffix}" on integer constant`, offset: 0 };
  }
  let u = sfx.includes('u');
  const tooLarge = value > MASK;
  if (value > S_MAX) u = true;
  return tooLarge ? { v: value & MASK, u, tooLarge } : { v: norm(value, u), u };
}

const ESCAPES: Record<string, number> = {
  n: 10,
  t: 9,
  v: 11,
  b: 8,
  r: 13,
  f: 12,
  a: 7,
  e: 27,
  E: 27,
  '\\': 92,
  "'": 39,
  '"': 34,
  '?': 63,
};

/** A character constant's value: plain `char` is signed (x86, AArch64 Linux is not, but gcc's host default). */
export function parseCharLiteral(s: string): IntValue | ExprProblem {
  const m = /^(L|u8|u|U)?'(.*)'$/s.exec(s);
  if (!m) return { message: "missing terminating ' character", offset: 0 };
  const [, prefix = '', body] = m;
  const chars: number[] = [];
  for (let i = 0; i < body.length;) {
    if (body[i] !== '\\') {
      const cp = body.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      if (prefix === '' || prefix === 'u8') chars.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      else chars.push(cp);
      continue;
    }
    const e = body[i + 1] ?? '';
    if (e in ESCAPES) {
      chars.push(ESCAPES[e]);
      i += 2;
    } else if (/[0-7]/.test(e)) {
      const o = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
      chars.push(parseInt(o, 8));
      i += 1 + o.length;
    } else if (e === 'x') {
      const h = /^[0-9a-fA-F]+/.exec(body.slice(i + 2))?.[0] ?? '0';
      chars.push(Number(BigInt('0x' + h) & 0xffffffffn));
      i += 2 + (h === '0' && !/^[0-9a-fA-F]/.test(body.slice(i + 2)) ? 0 : h.length);
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      chars.push(parseInt(body.slice(i + 2, i + 2 + n), 16) || 0);
      i += 2 + n;
    } else {
      chars.push(e.charCodeAt(0) || 0);
      i += 2;
    }
  }
  if (chars.length === 0) return { message: 'empty character constant', offset: 0 };
  if (prefix === 'L') return { v: BigInt.asIntN(32, BigInt(chars[chars.length - 1])), u: false };
  if (prefix === 'u') return { v: BigInt(chars[chars.length - 1] & 0xffff), u: true };
  if (prefix === 'U') return { v: BigInt(chars[chars.length - 1] >>> 0), u: true };
  if (prefix === 'u8') return { v: BigInt(chars[chars.length - 1] & 0xff), u: true };
  if (chars.length === 1) return { v: BigInt.asIntN(8, BigInt(chars[0] & 0xff)), u: false };
  let v = 0n;
  for (const c of chars) v = BigInt.asIntN(32, (v << 8n) | BigInt(c & 0xff));
  return { v, u: false };
}

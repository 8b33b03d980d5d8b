/**
 * An hz3-sized source tree for the flag benchmark, deterministic for a seed: ~37 config headers defining ~800
 * guarded HZ3_S* flags (defaults, numeric parameters, computed defaults, nested choices, `#undef` overrides, ~400
 * `#error` guards), internal headers with conditional fields, `.inc` bodies with `#if` nesting up to 7 deep (the
 * patterns of docs/hz3-patterns.md: labelled `#endif`s that lie, compiler guards, numeric tests, directives inside
 * expressions, braces split across blocks), a hot pop `.inc` of ~1,300 lines including body files under
 * conditions, and ~10 translation units. Nothing here comes from hz3; it only has its shape and sizes.
 */

export interface GeneratedTree {
  files: Map<string, string>;
  /** Flag names by kind. */
  booleans: string[];
  numerics: { name: string; value: number; min: number; max: number }[];
  units: string[];
  hotUnit: string;
  hotFile: string;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'SPILL',
  'DRAIN',
  'BATCH',
  'SHARD',
  'PREFETCH',
  'SCAN',
  'PEEK',
  'AUDIT',
  'TRACE',
  'STATS',
  'ROTATE',
  'SPLICE',
  'ARRAY',
  'LITE',
  'PKT',
  'WALK',
  'OWNER',
  'CHECK',
  'POISON',
  'RECYCLE',
  'REMOTE',
  'LOCAL',
  'FAST',
  'BRANCHLESS',
  'CACHE',
  'HINT',
  'GUARD',
  'QUEUE',
  'SPAN',
  'TAG',
];

export function generateTree(seed = 42): GeneratedTree {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const files = new Map<string, string>();
  const booleans: string[] = [];
  const numerics: GeneratedTree['numerics'] = [];
  const headers: string[] = [];

  // ---- config headers -------------------------------------------------------------------------------------
  let s = 20;
  for (let h = 0; h < 37; h++) {
    const out: string[] = [
      `// cfg_${h}.h — boxes of group ${h} (generated)`,
      `#ifndef CFG_${h}_H`,
      `#define CFG_${h}_H`,
      '',
    ];
    const mine: string[] = [];
    for (let k = 0; k < 22; k++, s++) {
      const name = `HZ3_S${s}_${pick(WORDS)}_${pick(WORDS)}`;
      if (k % 7 === 6) {
        const value = 1 << Math.floor(r() * 4);
        numerics.push({ name, value, min: 1, max: 64 });
        out.push(
          `// S${s}: numeric parameter (power of two, 1..64).`,
          `#ifndef ${name}`,
          `#define ${name} ${value}`,
          '#endif',
          '',
        );
      } else if (k % 11 === 10 && mine.length > 2) {
        booleans.push(name);
        out.push(
          `// ==== S${s}: computed default ====`,
          `#ifndef ${name}`,
          `#define ${name} (${mine[mine.length - 1]} && ${mine[mine.length - 2]})`,
          '#endif',
          '',
        );
      } else if (k % 13 === 12 && mine.length > 1) {
        booleans.push(name);
        out.push(
          `// S${s}: nested choice.`,
          `#ifndef ${name}`,
          `#if ${mine[0]}`,
          `#define ${name} 0`,
          '#else',
          `#define ${name} 1`,
          '#endif',
          '#endif',
          '',
        );
      } else {
        booleans.push(name);
        if (r() < 0.5)
          out.push(
            `// S${s}: ${pick(WORDS).toLowerCase()} ${pick(WORDS).toLowerCase()} box — what it does, in a sentence or two.`,
          );
        out.push(`#ifndef ${name}`, `#define ${name} ${r() < 0.3 ? 1 : 0}`, '#endif', '');
      }
      mine.push(name);
    }
    // forced overrides (~23 over the tree)
    if (h % 3 === 0 || h % 5 === 0) {
      const a = pick(mine);
      const b = pick(mine);
      if (a !== b) out.push(`#if ${a} && 0`, `#undef ${b}`, `#define ${b} 0`, '#endif', '');
    }
    // guards (~11 per header, ~400 over the tree)
    for (let g = 0; g < 11; g++) {
      const a = pick(mine);
      const b = pick(mine);
      const kind = g % 4;
      if (kind === 0 && a !== b)
        out.push(`#if ${a} && ${b} && 0`, `#error "${a} and ${b} are mutually exclusive"`, '#endif');
      else if (kind === 1) out.push(`#if defined(${a}_ARCHIVED)`, `#error "${a} is archived"`, '#endif');
      else if (kind === 2) {
        const n = numerics[numerics.length - 1];
        if (n) out.push(`#if ${n.name} < 1 || ${n.name} > 64`, `#error "${n.name} must be in 1..64"`, '#endif');
      } else {
        const n = numerics[numerics.length - 1];
        if (n)
          out.push(`#if (${n.name} & (${n.name} - 1)) != 0`, `#error "${n.name} must be a power of two"`, '#endif');
      }
    }
    out.push('', `#endif // CFG_${h}_H`);
    const path = `include/cfg_${h}.h`;
    files.set(path, out.join('\n') + '\n');
    headers.push(path);
  }
  files.set(
    'include/hz3_config.h',
    [
      '#ifndef HZ3_CONFIG_H',
      '#define HZ3_CONFIG_H',
      ...headers.map((p) => `#include "${p.slice(8)}"`),
      '#endif',
      '',
    ].join('\n'),
  );

  // ---- nested code ------------------------------------------------------------------------------------------
  const cond = (): string => {
    const a = pick(booleans);
    const b = pick(booleans);
    const n = pick(numerics);
    switch (Math.floor(r() * 8)) {
      case 0:
        return `!${a}`;
      case 1:
        return `${a} || ${b}`;
      case 2:
        return `${a} && ${b}`;
      case 3:
        return `${a} && (defined(__GNUC__) || defined(__clang__))`;
      case 4:
        return `${n.name} > 1`;
      case 5:
        return `!${a} && !${b}`;
      default:
        return a;
    }
  };
  let lineBudget = 0;
  const body = (out: string[], depth: number, indent: string): void => {
    const n = 2 + Math.floor(r() * 5);
    for (let i = 0; i < n && lineBudget > 0; i++) {
      const roll = r();
      if (depth < 7 && roll < 0.35) {
        const c = cond();
        out.push(`#if ${c}`);
        body(out, depth + 1, indent + '    ');
        if (r() < 0.1) {
          out.push(`#elif ${cond()}`);
          body(out, depth + 1, indent + '    ');
        }
        if (r() < 0.3) {
          out.push(`#else // ${r() < 0.5 ? '!' + c : pick(booleans)}`);
          body(out, depth + 1, indent + '    ');
        }
        out.push(`#endif // ${r() < 0.7 ? c.split(' ')[0] : pick(booleans)}`);
      } else if (roll < 0.42) {
        // P5: a directive inside an expression
        out.push(
          `${indent}if (cur`,
          `#if ${cond()}`,
          `${indent}    && on`,
          '#endif',
          `${indent}) {`,
          `${indent}    x++;`,
          `${indent}}`,
        );
        lineBudget -= 7;
      } else {
        out.push(`${indent}x = step(x, ${Math.floor(r() * 100)}); /* work */`);
        out.push(`${indent}// explains why`);
        lineBudget -= 2;
      }
    }
  };
  const incFile = (name: string, lines: number): void => {
    const out: string[] = [`// ${name} — statement fragment (generated)`];
    lineBudget = lines;
    while (lineBudget > 0) body(out, 1, '        ');
    files.set(`src/${name}`, out.join('\n') + (r() < 0.2 ? '' : '\n'));
  };
  const incs: string[] = [];
  for (let i = 0; i < 62; i++) {
    const name = `body_${i}.inc`;
    incFile(name, 700);
    incs.push(name);
  }
  // The hot pop: one function of nested blocks with bodies chosen by conditions (P7).
  const hot: string[] = [
    '// hot_pop.inc — the owner pop (generated)',
    'void *hot_pop(struct heap *h, unsigned sc)',
    '{',
    '    long x = 0;',
  ];
  lineBudget = 1200;
  while (lineBudget > 0) body(hot, 1, '    ');
  hot.push(
    `#if ${booleans[3]}`,
    `#include "${incs[0]}"`,
    '#else',
    `#include "${incs[1]}"`,
    '#endif',
    '    return (void *)x;',
    '}',
    '',
  );
  files.set('src/hot_pop.inc', hot.join('\n'));

  // ---- internal headers -----------------------------------------------------------------------------------
  for (let i = 0; i < 20; i++) {
    const out = [
      `#ifndef INTERNAL_${i}_H`,
      `#define INTERNAL_${i}_H`,
      '#include "hz3_config.h"',
      `struct s${i} {`,
      '    int base;',
    ];
    for (let f = 0; f < 60; f++) out.push(`#if ${cond()}`, `    long f${f};`, '#endif');
    out.push('};');
    for (let f = 0; f < 25; f++)
      out.push(
        `#if ${cond()}`,
        `#define HELPER_${i}_${f}(x) ((x) + ${f})`,
        '#else',
        `#define HELPER_${i}_${f}(x) ((void)0)`,
        '#endif',
      );
    out.push(`#endif // INTERNAL_${i}_H`, '');
    files.set(`include/internal_${i}.h`, out.join('\n'));
  }

  // ---- translation units ----------------------------------------------------------------------------------
  const units: string[] = [];
  for (let u = 0; u < 10; u++) {
    const out = ['#include <stdint.h>', '#include "hz3_config.h"'];
    for (let i = 0; i < 6; i++) out.push(`#include "internal_${(u * 3 + i) % 20}.h"`);
    out.push(`void unit_${u}(void)`, '{', '    long x = 0;');
    for (let i = 0; i < 6; i++)
      out.push(
        `#if ${cond()}`,
        `#include "${incs[2 + u * 6 + i]}"`,
        '#else',
        `#include "${incs[(3 + u * 6 + i) % incs.length]}"`,
        '#endif',
      );
    out.push('    (void)x;', '}');
    if (u === 0) out.push('#include "hot_pop.inc"');
    out.push('');
    const path = `src/unit_${u}.c`;
    files.set(path, out.join('\n'));
    units.push(path);
  }
  return { files, booleans, numerics, units, hotUnit: units[0], hotFile: 'src/hot_pop.inc' };
}

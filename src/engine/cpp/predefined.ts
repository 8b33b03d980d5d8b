/**
 * The macros a compiler defines before reading a file (`__GNUC__`, `__x86_64__`, `__STDC_VERSION__`, …): hot-path
 * conditions test them (`F && (defined(__GNUC__) || defined(__clang__))`, P2). Without running the compiler we
 * assume gcc 12 for x86-64 Linux in its default mode (gnu17, no optimisation, PIE), then adjust for the options of
 * the build (`-std=`, `-O`, `-pthread`, `-fno-pic`). With external programs allowed, `compilerPredefined` in
 * compiler.ts asks the real compiler and its answer replaces this table.
 */
import { isDefineError, type MacroDef, type MacroTable, parseDefine } from './tokens';

// `gcc -dM -E -x c /dev/null` of gcc 12.2 (x86-64 Debian), reduced to what conditions in C sources test.
const GCC_X86_64_LINUX = `
__GNUC__ 12
__GNUC_MINOR__ 2
__GNUC_PATCHLEVEL__ 0
__VERSION__ "12.2.0"
__GNUC_STDC_INLINE__ 1
__STDC__ 1
__STDC_VERSION__ 201710L
__STDC_HOSTED__ 1
__STDC_UTF_16__ 1
__STDC_UTF_32__ 1
__STDC_IEC_559__ 1
__STDC_IEC_559_COMPLEX__ 1
__STDC_ISO_10646__ 201706L
__x86_64__ 1
__x86_64 1
__amd64__ 1
__amd64 1
__k8__ 1
__k8 1
__code_model_small__ 1
__MMX__ 1
__SSE__ 1
__SSE2__ 1
__SSE_MATH__ 1
__SSE2_MATH__ 1
__FXSR__ 1
__SEG_FS 1
__SEG_GS 1
__linux__ 1
__linux 1
linux 1
__gnu_linux__ 1
__unix__ 1
__unix 1
unix 1
__ELF__ 1
__LP64__ 1
_LP64 1
__CHAR_BIT__ 8
__BIGGEST_ALIGNMENT__ 16
__ORDER_LITTLE_ENDIAN__ 1234
__ORDER_BIG_ENDIAN__ 4321
__ORDER_PDP_ENDIAN__ 3412
__BYTE_ORDER__ __ORDER_LITTLE_ENDIAN__
__FLOAT_WORD_ORDER__ __ORDER_LITTLE_ENDIAN__
__SIZEOF_INT__ 4
__SIZEOF_LONG__ 8
__SIZEOF_LONG_LONG__ 8
__SIZEOF_SHORT__ 2
__SIZEOF_POINTER__ 8
__SIZEOF_FLOAT__ 4
__SIZEOF_DOUBLE__ 8
__SIZEOF_LONG_DOUBLE__ 16
__SIZEOF_SIZE_T__ 8
__SIZEOF_WCHAR_T__ 4
__SIZEOF_WINT_T__ 4
__SIZEOF_PTRDIFF_T__ 8
__SIZEOF_INT128__ 16
__SCHAR_MAX__ 0x7f
__SHRT_MAX__ 0x7fff
__INT_MAX__ 0x7fffffff
__LONG_MAX__ 0x7fffffffffffffffL
__LONG_LONG_MAX__ 0x7fffffffffffffffLL
__WCHAR_MAX__ 0x7fffffff
__WCHAR_MIN__ (-__WCHAR_MAX__ - 1)
__INTMAX_MAX__ 0x7fffffffffffffffL
__UINTMAX_MAX__ 0xffffffffffffffffUL
__SIZE_MAX__ 0xffffffffffffffffUL
__PTRDIFF_MAX__ 0x7fffffffffffffffL
__INTPTR_MAX__ 0x7fffffffffffffffL
__UINTPTR_MAX__ 0xffffffffffffffffUL
__GCC_ATOMIC_INT_LOCK_FREE 2
__GCC_ATOMIC_LONG_LOCK_FREE 2
__GCC_ATOMIC_POINTER_LOCK_FREE 2
__GCC_ATOMIC_LLONG_LOCK_FREE 2
__GCC_HAVE_SYNC_COMPARE_AND_SWAP_1 1
__GCC_HAVE_SYNC_COMPARE_AND_SWAP_2 1
__GCC_HAVE_SYNC_COMPARE_AND_SWAP_4 1
__GCC_HAVE_SYNC_COMPARE_AND_SWAP_8 1
__ATOMIC_RELAXED 0
__ATOMIC_SEQ_CST 5
__ATOMIC_ACQUIRE 2
__ATOMIC_RELEASE 3
__ATOMIC_ACQ_REL 4
__ATOMIC_CONSUME 1
__NO_INLINE__ 1
__FINITE_MATH_ONLY__ 0
__REGISTER_PREFIX__
__USER_LABEL_PREFIX__
__pic__ 2
__PIC__ 2
__pie__ 2
__PIE__ 2
`;

const STD_VERSIONS: Record<string, string | null> = {
  c89: null,
  c90: null,
  'iso9899:1990': null,
  gnu89: null,
  gnu90: null,
  'iso9899:199409': '199409L',
  c99: '199901L',
  c9x: '199901L',
  gnu99: '199901L',
  gnu9x: '199901L',
  'iso9899:1999': '199901L',
  c11: '201112L',
  c1x: '201112L',
  gnu11: '201112L',
  gnu1x: '201112L',
  'iso9899:2011': '201112L',
  c17: '201710L',
  c18: '201710L',
  gnu17: '201710L',
  gnu18: '201710L',
  'iso9899:2017': '201710L',
  'iso9899:2018': '201710L',
  c2x: '202000L',
  gnu2x: '202000L',
  c23: '202311L',
  gnu23: '202311L',
};

function tableFrom(text: string, origin: MacroDef['origin']): MacroTable {
  const table: MacroTable = new Map();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const d = parseDefine(line, origin);
    if (!isDefineError(d)) table.set(d.name, d);
  }
  return table;
}

let base: MacroTable | undefined;

/** The predefined macros of gcc on x86-64 Linux, adjusted for the compile options that change them. */
export function assumedPredefined(compileOptions: readonly string[] = []): MacroTable {
  base ??= tableFrom(GCC_X86_64_LINUX, { kind: 'predefined' });
  const table = new Map(base);
  const set = (name: string, value: string | null): void => {
    if (value === null) table.delete(name);
    else {
      const d = parseDefine(`${name} ${value}`, { kind: 'predefined' });
      if (!isDefineError(d)) table.set(name, d);
    }
  };
  for (const o of compileOptions) {
    const std = /^-std=(.*)$/.exec(o);
    if (std && std[1] in STD_VERSIONS) {
      set('__STDC_VERSION__', STD_VERSIONS[std[1]]);
      if (std[1].startsWith('c') || std[1].startsWith('iso')) {
        set('__STRICT_ANSI__', '1');
        for (const n of ['linux', 'unix']) table.delete(n);
      } else {
        table.delete('__STRICT_ANSI__');
        set('linux', '1');
        set('unix', '1');
      }
    }
    const opt = /^-O(.*)$/.exec(o);
    if (opt) {
      if (opt[1] === '0') {
        table.delete('__OPTIMIZE__');
        table.delete('__OPTIMIZE_SIZE__');
        set('__NO_INLINE__', '1');
      } else {
        set('__OPTIMIZE__', '1');
        table.delete('__NO_INLINE__');
        if (opt[1] === 's' || opt[1] === 'z') set('__OPTIMIZE_SIZE__', '1');
      }
    }
    if (o === '-pthread') set('_REENTRANT', '1');
    if (o === '-fno-pic' || o === '-fno-PIC' || o === '-fno-pie' || o === '-fno-PIE') {
      for (const n of o.includes('pic') || o.includes('PIC')
        ? ['__pic__', '__PIC__', '__pie__', '__PIE__']
        : ['__pie__', '__PIE__'])
        table.delete(n);
    }
    if (o === '-ffast-math') set('__FAST_MATH__', '1');
    if (o === '-funsigned-char') set('__CHAR_UNSIGNED__', '1');
  }
  return table;
}

/** A table from `#define` lines (the output of `cc -dM -E`), every entry marked as coming from the compiler. */
export function predefinedFromDefines(text: string): MacroTable {
  return tableFrom(text.replace(/^#define /gm, ''), { kind: 'compiler' });
}

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { demangleSymbol, demanglerError } from './demangle';
import { readElf } from './elf';

const LIBSTDCXX = '/usr/lib/x86_64-linux-gnu/libstdc++.so.6';
const ABBREVIATIONS: [string, string][] = [
  ['std::basic_string<char, std::char_traits<char>, std::allocator<char>>', 'std::string'],
  ['std::basic_iostream<char, std::char_traits<char>>', 'std::iostream'],
  ['std::basic_istream<char, std::char_traits<char>>', 'std::istream'],
  ['std::basic_ostream<char, std::char_traits<char>>', 'std::ostream'],
];
/** `> >` → `>>`; the standard abbreviations written out, their constructors named `basic_…` as libiberty does. */
function notation(name: string): string {
  let s = name.replace(/ >/g, '>');
  for (const [full, short] of ABBREVIATIONS) s = s.split(short).join(full);
  return s.replace(/::(~?)(string|istream|ostream|iostream)(?=<|$)/, '::$1basic_$2');
}

test('C++ names read as perf prints them: demangled, no parameter list, version and @plt suffixes kept', () => {
  assert.equal(demanglerError(), undefined);
  // perf report --sort sym on test/fixtures/perf-names/group.data prints these names for these symbols.
  assert.equal(demangleSymbol('_ZL5scalePKhmm.constprop.0'), 'scale');
  assert.equal(demangleSymbol('_ZN4work5churnEi'), 'work::churn');
  assert.equal(demangleSymbol('_Znam'), 'operator new[]');
  assert.equal(demangleSymbol('_ZdaPv@plt'), 'operator delete[]@plt');
  assert.equal(demangleSymbol('malloc'), 'malloc');
  assert.equal(demangleSymbol('cfree@GLIBC_2.2.5'), 'cfree@GLIBC_2.2.5');
  assert.equal(demangleSymbol('_Z'), '_Z');
});

test(
  'demangled names equal c++filt -p over every mangled function of libstdc++',
  { skip: !existsSync(LIBSTDCXX) && 'no libstdc++ here' },
  () => {
    const names = [
      ...new Set(
        readElf(LIBSTDCXX)
          .symbols()
          .filter((s) => s.isFunction && s.name.startsWith('_Z'))
          .map((s) => s.name),
      ),
    ];
    assert.ok(names.length > 1000, `only ${names.length} mangled names`);
    // One c++filt over all of them (the oracle), not one per name.
    const expected = execFileSync('c++filt', ['-p'], { input: names.join('\n') + '\n', maxBuffer: 64 << 20 })
      .toString()
      .split('\n');
    const wrong: string[] = [];
    let compared = 0;
    names.forEach((n, i) => {
      // Thunks and transaction clones are spelled differently by the two demanglers (neither is a sampled function
      // name perf shows); skip them.
      if (n.startsWith('_ZT') || n.startsWith('_ZGT')) return;
      compared++;
      // Notation only: the two spell the standard abbreviations (Ss, Si, So, Sd) differently.
      const ours = notation(demangleSymbol(n));
      const theirs = notation(expected[i]!);
      if (ours !== theirs) wrong.push(`${n}: ours "${ours}", c++filt -p "${theirs}"`);
    });
    assert.ok(
      compared > 1000 && wrong.length <= compared / 1000,
      `${wrong.length} of ${compared} differ:\n${wrong.slice(0, Number(process.env.SHOW ?? 20)).join('\n')}`,
    );
  },
);

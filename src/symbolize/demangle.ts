/**
 * C++ (Itanium ABI) and Rust symbol names as perf shows them: demangled without parameter lists
 * (`_ZdaPv` → `operator delete[]`, `_ZL5scalePKhmm.constprop.0` → `scale`), which is what perf report prints unless
 * run with -v (it calls libiberty without DMGL_PARAMS).
 *
 * The demangling itself is gecko-profiler-demangle (the Firefox profiler's wasm build of the cpp_demangle and
 * rustc-demangle crates), loaded once, synchronously, in-process: no c++filt per name. Its output carries the
 * parameter list; dropping it (with the `[clone …]` notes and method qualifiers after it) is the one step done here,
 * checked against `c++filt -p` over every mangled name of libstdc++ in demangle.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as bindings from 'gecko-profiler-demangle/index_bg.js';

type Demangler = (name: string) => string;
let demangler: Demangler | null | undefined;
let loadError: string | undefined;

/** The wasm sits next to the bundle in dist/, or in node_modules when run from source. */
function wasmPath(): string | undefined {
  const candidates = [join(__dirname, 'gecko-profiler-demangle.wasm')];
  try {
    candidates.push(require.resolve('gecko-profiler-demangle/index_bg.wasm'));
  } catch {
    /* not installed as a package: the bundle's copy is the only one */
  }
  return candidates.find((p) => existsSync(p));
}

function load(): Demangler | null {
  const path = wasmPath();
  if (!path) {
    loadError = 'gecko-profiler-demangle.wasm was not found next to Perf Heat: C++ names stay mangled';
    return null;
  }
  try {
    const mod = new WebAssembly.Module(readFileSync(path));
    const instance = new WebAssembly.Instance(mod, {
      './index_bg.js': bindings as unknown as WebAssembly.ModuleImports,
    });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return (name) => bindings.demangle_any(name);
  } catch (e) {
    loadError = `the C++ demangler (${path}) could not be loaded: ${(e as Error).message}; C++ names stay mangled`;
    return null;
  }
}

/** Why names are not demangled, when they are not. */
export function demanglerError(): string | undefined {
  if (demangler === undefined) demangler = load();
  return loadError;
}

/** Only names that look mangled go to the demangler: C names are returned as they are, without a copy. */
function looksMangled(name: string): boolean {
  return (
    name.length > 2 &&
    name.charCodeAt(0) === 95 /* _ */ &&
    (name[1] === 'Z' || (name[1] === 'R' && name[2] === 'N') || name.startsWith('__Z'))
  );
}

/**
 * The name perf report prints for a symbol. Version suffixes (`@GLIBCXX_3.4`, `@plt`) are kept after the
 * demangled part, as perf does.
 */
export function demangleSymbol(symbol: string): string {
  const at = symbol.indexOf('@', 1);
  const base = at > 0 ? symbol.slice(0, at) : symbol;
  if (!looksMangled(base)) return symbol;
  if (demangler === undefined) demangler = load();
  if (!demangler) return symbol;
  let out: string;
  try {
    out = demangler(base);
  } catch {
    return symbol; // a name the demangler rejects is shown as recorded, as perf does
  }
  if (out === base) return symbol;
  return withoutParameters(out) + (at > 0 ? symbol.slice(at) : '');
}

const QUALIFIERS = [' const', ' volatile', ' &&', ' &', ' noexcept', ' restrict'];

/**
 * `ns::f(int) const [clone .constprop.0]` → `ns::f`: what libiberty prints without DMGL_PARAMS. Only the final,
 * balanced parameter list goes; `operator()` and parenthesised parts of template arguments stay.
 */
export function withoutParameters(demangled: string): string {
  let s = demangled;
  for (let clone = s.lastIndexOf(' [clone '); clone > 0 && s.endsWith(']'); clone = s.lastIndexOf(' [clone '))
    s = s.slice(0, clone);
  for (let again = true; again;) {
    again = false;
    for (const q of QUALIFIERS) {
      if (s.endsWith(q)) {
        s = s.slice(0, -q.length);
        again = true;
      }
    }
  }
  if (!s.endsWith(')')) return s;
  // Walk back to the '(' that opens the final list, skipping nested () and <>.
  let depth = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s[i];
    if (c === ')' || c === '>') depth++;
    else if (c === '(' || c === '<') depth--;
    if (depth === 0) {
      if (c !== '(') return s;
      // `operator()` is a name, not a list: the list is the one after it.
      const head = s.slice(0, i);
      return head.endsWith('operator') ? s : head;
    }
  }
  return s;
}

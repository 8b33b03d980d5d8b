// The package's wasm-bindgen glue, imported directly so that the wasm can be instantiated synchronously in Node
// (its index.js imports the .wasm as an ES module, which Node does not do).
declare module 'gecko-profiler-demangle/index_bg.js' {
  export function __wbg_set_wasm(exports: WebAssembly.Exports): void;
  export function demangle_any(name: string): string;
}

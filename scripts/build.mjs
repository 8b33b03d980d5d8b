// Bundles the extension client, the language server and the CLI into dist/, and copies the tree-sitter wasm files
// next to them (the server loads them by explicit path). `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
// chart.js is loaded by the perf stat webview from the extension's own files (a strict CSP, no CDN).
for (const wasm of [
  'node_modules/web-tree-sitter/web-tree-sitter.wasm',
  'node_modules/tree-sitter-c/tree-sitter-c.wasm',
  'node_modules/chart.js/dist/chart.umd.min.js',
]) {
  copyFileSync(join(root, wasm), join(dist, wasm.split('/').pop()));
}
// The C++ demangler (src/symbolize/demangle.ts) loads its wasm from next to the bundle.
copyFileSync(
  join(root, 'node_modules/gecko-profiler-demangle/index_bg.wasm'),
  join(dist, 'gecko-profiler-demangle.wasm'),
);
// The disassembler (src/engine/capstone.ts) reads Capstone's wasm from next to the bundle.
copyFileSync(join(root, 'node_modules/@alexaltea/capstone-js/dist/capstone.wasm'), join(dist, 'capstone.wasm'));
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
  // jsonc-parser's UMD build requires its parts by computed path, which a bundle cannot resolve: take its ES modules.
  alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
};
// web-tree-sitter's ESM build (picked for `import`) finds its files through import.meta.url, which a CommonJS
// bundle lacks: give it the bundle's own URL.
const importMeta = {
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};
// The extension's two bundles run in the extension host that every extension shares, and are compiled on the way to
// activation and to the first load: minified, they compile in about half the time (the source maps keep the names).
const inExtensionHost = { ...common, minify: true, external: ['vscode'] };
const builds = [
  { ...inExtensionHost, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  // The language client, loaded by the extension only when the server is first needed.
  { ...inExtensionHost, entryPoints: ['src/extension/client.ts'], outfile: 'dist/client.js' },
  // Required by path when first needed, not bundled into extension.js (which every activation compiles): the perf
  // stat webview with the parsers and metrics behind it, loaded by the first Compare perf stat Runs.
  { ...inExtensionHost, entryPoints: ['src/extension/stat-view.ts'], outfile: 'dist/stat-view.js' },
  // Run Experiment and A/B This Flag (src/extension/experiment.ts), made by their first command.
  { ...inExtensionHost, entryPoints: ['src/extension/experiment.ts'], outfile: 'dist/experiment.js' },
  { ...common, ...importMeta, entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js' },
  { ...common, ...importMeta, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' },
  // The CLI's heavier commands, required by dist/cli.js only when run (`lines` never loads them).
  ...['regions', 'stat-command', 'report-command', 'annotate-command', 'experiment-command'].map((name) => ({
    ...common,
    ...importMeta,
    entryPoints: [`src/cli/${name}.ts`],
    outfile: `dist/cli-${name}.js`,
  })),
  // The builtin symbolizer's worker thread (the server decodes large debug files in it).
  { ...common, entryPoints: ['src/symbolize/symbolize-worker.ts'], outfile: 'dist/symbolize-worker.js' },
];
if (process.argv.includes('--watch')) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}

/**
 * The vsix carries what the extension loads and nothing else (no README screenshots, no sources, no tests):
 * `vsce ls` — the packager's own answer — against the files package.json and the code name.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const VSCE = join(ROOT, 'node_modules/@vscode/vsce/vsce');

test(
  'the vsix holds exactly what the extension needs',
  { skip: !existsSync(join(ROOT, 'dist/extension.js')) && 'run npm run build first' },
  () => {
    const listed = execFileSync(process.execPath, [VSCE, 'ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .sort();
    const needed = [
      'package.json',
      'README.md',
      manifest.main.replace(/^\.\//, ''),
      ...Object.values<string>(manifest.bin).map((b) => b.replace(/^\.\//, '')),
      // Loaded at run time by path: the client and server bundles (extension.ts, client.ts), the CLI the bin starts,
      // the wasm the server reads (build.mjs copies them), chart.js and the webview's own files (stat-view.ts).
      'dist/client.js',
      'dist/stat-view.js',
      'dist/experiment.js',
      'dist/server.js',
      'dist/cli.js',
      // The CLI's commands loaded when run (lazyCommand in src/cli/main.ts) and the symbolizer's worker thread.
      'dist/cli-regions.js',
      'dist/cli-stat-command.js',
      'dist/cli-report-command.js',
      'dist/cli-annotate-command.js',
      'dist/cli-experiment-command.js',
      'dist/symbolize-worker.js',
      'dist/web-tree-sitter.wasm',
      'dist/tree-sitter-c.wasm',
      'dist/gecko-profiler-demangle.wasm', // the demangler src/symbolize/demangle.ts loads
      'dist/capstone.wasm', // the disassembler src/engine/capstone.ts loads
      'dist/chart.umd.min.js',
      'media/stat-view/stat-view.js',
      'media/stat-view/stat-view.css',
      ...manifest.contributes.viewsContainers.activitybar.map((c: { icon: string }) => c.icon),
      ...manifest.contributes.grammars.map((g: { path: string }) => g.path.replace(/^\.\//, '')),
      // The experiments file's schema (completion in .vscode/perf-heat-experiments.json).
      ...manifest.contributes.jsonValidation.map((j: { url: string }) => j.url.replace(/^\.\//, '')),
    ];
    for (const f of needed) assert.ok(listed.includes(f), `${f} is packaged (vsce ls: ${listed.join(', ')})`);
    const extra = listed.filter((f) => !needed.includes(f) && f !== 'LICENSE');
    assert.deepEqual(extra, [], 'nothing else is packaged');
    assert.ok(!listed.some((f) => f.endsWith('.png')), 'no screenshots');
  },
);

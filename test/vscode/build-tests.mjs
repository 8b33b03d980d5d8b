// Compiles the in-VS-Code test suite (test/vscode/suite/*.ts) to out/test/vscode/suite/*.js for the extension host.
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const suite = join(root, 'test/vscode/suite');
await esbuild.build({
  absWorkingDir: root,
  entryPoints: readdirSync(suite)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(suite, f)),
  outdir: join(root, 'out/test/vscode/suite'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});

#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is bundled by esbuild into dist/cli.js (`npm run build`).
const path = require('path');
const fs = require('fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('perf-heat: dist/cli.js is missing; run `npm run build` first\n');
  process.exit(2);
}
const { main, exitQuietlyOnClosedPipe } = require(cli);
exitQuietlyOnClosedPipe();
main(process.argv.slice(2), (s) => process.stdout.write(s + '\n'), (s) => process.stderr.write(s + '\n')).then((code) => {
  process.exitCode = code;
});

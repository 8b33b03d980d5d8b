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
// Lines go straight to the file descriptors: process.stdout on a pipe is a net.Socket, and creating it loads
// node:net and the stream machinery (~15 ms of a `lines` run that prints one JSON text).
function writeLine(fd, s) {
  const bytes = Buffer.from(s + '\n', 'utf8');
  for (let at = 0; at < bytes.length; ) {
    try {
      at += fs.writeSync(fd, bytes, at, bytes.length - at);
    } catch (e) {
      if (e.code === 'EAGAIN') continue; // a non-blocking pipe that is full: try again
      // The reader went away (`perf-heat … | head`): stop quietly, as a Unix tool does (exitQuietlyOnClosedPipe
      // in src/cli/main.ts does the same for the streams).
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    }
  }
}
require(cli).main(process.argv.slice(2), (s) => writeLine(1, s), (s) => writeLine(2, s)).then((code) => {
  process.exitCode = code;
});

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
  for (let at = 0; at < bytes.length;) {
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

/**
 * The bundle through V8's code cache: the compiled code of an earlier run (every function it ran, not only the top
 * level) is handed to V8 instead of parsing and compiling 300 KB again. Kept per bundle (size, mtime), Node version
 * and architecture under ~/.cache/perf-heat/code-v1/ (XDG_CACHE_HOME respected); V8 checks the source and its
 * flags itself and rejects a cache that does not fit, which is then rewritten. Anything unusual (no cache folder,
 * PERF_HEAT_NO_CODE_CACHE set) loads the bundle with require() as before.
 */
function loadCli() {
  if (process.env.PERF_HEAT_NO_CODE_CACHE) return { exports: require(cli) };
  let vm;
  let Module;
  let source;
  let cacheFile;
  let cached;
  try {
    vm = require('vm');
    Module = require('module');
    const st = fs.statSync(cli);
    const base = process.env.XDG_CACHE_HOME || path.join(require('os').homedir(), '.cache');
    const tag = `${st.size}-${Math.round(st.mtimeMs)}-${process.version}-${process.arch}`;
    cacheFile = path.join(base, 'perf-heat', 'code-v1', `cli-${tag}.bin`);
    source = fs.readFileSync(cli, 'utf8');
    try {
      cached = fs.readFileSync(cacheFile);
    } catch {
      cached = undefined;
    }
  } catch {
    return { exports: require(cli) };
  }
  let script;
  try {
    script = new vm.Script(Module.wrap(source), { filename: cli, cachedData: cached });
  } catch {
    return { exports: require(cli) };
  }
  const mod = new Module(cli, module);
  mod.filename = cli;
  mod.paths = Module._nodeModulePaths(path.dirname(cli));
  const localRequire = Module.createRequire(cli);
  script.runInThisContext().call(mod.exports, mod.exports, localRequire, mod, cli, path.dirname(cli));
  mod.loaded = true;
  const stale = !cached || script.cachedDataRejected;
  return {
    exports: mod.exports,
    // After the run, so that the cache holds every function the command compiled.
    save() {
      if (!stale) return;
      try {
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
      } catch {
        /* a read-only home: the next run compiles again */
      }
    },
  };
}

const loaded = loadCli();
loaded.exports
  .main(
    process.argv.slice(2),
    (s) => writeLine(1, s),
    (s) => writeLine(2, s),
  )
  .then((code) => {
    process.exitCode = code;
    if (loaded.save) loaded.save();
  });

#!/usr/bin/env bash
# npm run bench:editor: generates a workspace with a 1,500-line C file and a two-event perf report profile of it,
# then runs test/vscode/bench/index.ts inside a real VS Code (code-server) and prints the figures.
set -euo pipefail
cd "$(dirname "$0")/../../.."
WS=.vscode-test/bench-workspace
rm -rf "$WS" && mkdir -p "$WS/src"
node -e '
const fs = require("fs");
const ws = process.argv[1];
const lines = ["#include <stddef.h>", "static unsigned long acc;"];
// Ten feature flags with defaults, each guarding every tenth function: what a flag toggle re-dims.
for (let k = 0; k < 10; k++) lines.push(`#ifndef FEATURE_${k}`, `#define FEATURE_${k} 1`, "#endif");
for (let f = 0; f < 100; f++) {
  lines.push(`#if FEATURE_${f % 10}`);
  lines.push(`void fn_${f}(unsigned long *p, size_t n) {`);
  for (let i = 0; i < 12; i++) lines.push(`  acc += p[(n * ${i} + ${f}) % 1024] * ${i + 1}; /* work ${f}.${i} */`);
  lines.push("}", "#endif");
}
fs.writeFileSync(`${ws}/src/big.c`, lines.join("\n") + "\n");
// A perf report (srcline sort, --group, two events): one row per statement line.
const rows = [];
let total = 0;
const weights = [];
lines.forEach((l, i) => { if (l.includes("acc +=")) { const w = 1 + ((i * 7919) % 97); weights.push([i + 1, w]); total += w; } });
const ev = 10000000;
for (const [line, w] of weights.sort((a, b) => b[1] - a[1])) {
  const a = (100 * w / total).toFixed(2), b = (100 * ((w * 13) % 101 + 1) / (total * 0.52)).toFixed(2);
  rows.push(`  ${(a + "%").padStart(8)}${(b + "%").padStart(8)}  big.c:${line}`);
}
fs.writeFileSync(`${ws}/profile.report.txt`, [
  "# To display the perf.data header info, please use --header/--header-only options.", "#", "#",
  "# Total Lost Samples: 0", "#",
  "# Samples: 40K of events \x27cycles, cache-misses\x27",
  `# Event count (approx.): ${ev}`, "#",
  "#         Overhead  Source:Line                        ", "# ................  ...................................", "#",
  ...rows, ""].join("\n"));
' "$WS"
echo "generated $(wc -l < "$WS/src/big.c")-line file and a $(grep -c 'big.c:' "$WS/profile.report.txt")-line profile in $WS"
npm run --silent build
node test/vscode/build-tests.mjs
npx esbuild test/vscode/bench/index.ts --bundle --platform=node --format=cjs --target=node20 --external:vscode --outfile=out/test/vscode/bench/index.js --log-level=warning
# An extension that does nothing on activation, installed beside: what activating any extension costs in this
# VS Code, printed with Perf Heat's activation.
EXT_DIR=$PWD/.vscode-test/bench-extensions
FLOOR=$EXT_DIR/perf-heat-bench.activation-floor-0.0.1
rm -rf "$EXT_DIR" && mkdir -p "$FLOOR"
cat > "$FLOOR/package.json" <<'JSON'
{ "name": "activation-floor", "publisher": "perf-heat-bench", "version": "0.0.1", "engines": { "vscode": "^1.91.0" },
  "main": "./extension.js", "activationEvents": [] }
JSON
# It requires the vscode module, as every extension does (the extension host builds its API object then).
echo 'const vscode = require("vscode"); exports.activate = () => ({ activated: !!vscode.window });' > "$FLOOR/extension.js"
PERF_HEAT_EXTENSIONS_DIR="$EXT_DIR" PERF_HEAT_TESTS_ENTRY="$PWD/out/test/vscode/bench/index.js" PERF_HEAT_TEST_WORKSPACE="$PWD/$WS" node --import tsx test/vscode/run-in-code-server.ts

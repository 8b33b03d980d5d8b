#!/usr/bin/env bash
# `npm test`: installs what is missing, builds, then runs every tier — type check, lint, Node unit tests, Node fuzz
# tests (`*.fuzz.test.ts`), tests inside a real VS Code, and the UI tests that drive its workbench — and ends with
# one line `N passed, N failed` over all.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
passed=0; failed=0; failures=()
# A tier runs into a log of its own (run_tier), then is reported (report_tier): its output printed in one piece,
# its `N passed, N failed` line added up (or the tier counted as one check), its time. `tier` does both in turn;
# `together` starts several tiers at once and reports them in order when all have finished, so their output is
# not interleaved and each keeps its own pass/fail and count.
logs=$(mktemp -d); trap 'rm -rf "$logs"' EXIT
run_tier() { # [--live] id, command…: --live also shows the output as it comes (a tier that runs alone)
  local live=0; if [ "$1" = --live ]; then live=1; shift; fi
  local id=$1; shift; local t=$(date +%s) rc
  if [ "$live" -eq 1 ]; then "$@" 2>&1 | tee "$logs/$id.log"; rc=${PIPESTATUS[0]}; else "$@" >"$logs/$id.log" 2>&1; rc=$?; fi
  echo "$rc" >"$logs/$id.rc"; echo $(( $(date +%s) - t )) >"$logs/$id.s"
}
report_tier() { # [--counted] name, id: adds up its `N passed, N failed` line (or counts it as one check)
  local counted=0; if [ "$1" = --counted ]; then counted=1; shift; fi
  local name=$1 id=$2 log="$logs/$2.log"
  [ -n "${shown:-}" ] || { echo "=== $name"; cat "$log"; }
  local rc; rc=$(cat "$logs/$id.rc")
  local line; line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  if [ -n "$line" ]; then
    local p f; p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
  elif [ "$counted" -eq 1 ]; then
    # A tier that counts its tests but printed no count lost its output: its tests were not seen to pass.
    echo "$name printed no 'N passed, N failed' line"; failed=$((failed + 1)); rc=1
  elif [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  [ "$rc" -eq 0 ] || failures+=("$name")
  echo "=== $name: $(cat "$logs/$id.s") s"
}
n=0
tier() { # [--counted] name, command…
  local c=(); if [ "$1" = --counted ]; then c=(--counted); shift; fi
  local name=$1; shift; n=$((n + 1))
  echo "=== $name"; run_tier --live "$n" "$@"; shown=1 report_tier "${c[@]}" "$name" "$n"
}
together() { # [+]name|command string … (each run with bash -c; + = counted), reported in the order given
  local ids=() names=() counted=() spec name t=$(date +%s)
  for spec in "$@"; do
    n=$((n + 1)); ids+=("$n"); name=${spec%%|*}
    if [ "${name:0:1}" = + ]; then counted+=(--counted); name=${name:1}; else counted+=(""); fi
    names+=("$name")
    run_tier "$n" bash -c "${spec#*|}" &
  done
  wait
  local i; for i in "${!ids[@]}"; do report_tier ${counted[$i]} "${names[$i]}" "${ids[$i]}"; done
  echo "=== (${names[*]} ran at once: $(( $(date +%s) - t )) s)"
}
if ! bash scripts/ensure-deps.sh; then echo "setup failed"; echo "0 passed, 1 failed"; exit 1; fi
tier build npm run --silent build
# The three static checks are single-threaded and independent: on two cores they run at once. Each keeps a cache
# under out/ (tsc's build info, eslint's and prettier's per-file caches, keyed by file content, the tool's version
# and its configuration), so a warm run re-checks only what changed; `rm -rf out` gives a cold run.
together \
  "typecheck|npx tsc --noEmit -p . --incremental --tsBuildInfoFile out/cache/tsconfig.tsbuildinfo" \
  "lint|npx eslint --cache --cache-strategy content --cache-location out/cache/eslint/ ." \
  "format|npx prettier --check --cache --cache-strategy content --cache-location out/cache/prettier ."
# The three Node tiers (npm run test:unit, test:fuzz, test:e2e) in one pool of workers, slowest files first: run
# one after the other, each tier's last file left a core idle (the end-to-end tier is one file) and each tier
# started its workers again.
tier --counted "node tests: unit, fuzz and end-to-end" node scripts/run-node-tests.mjs --tier all
tier "syntax grammars" npx vscode-tmgrammar-test "test/grammars/*.test.perf-*"
tier --counted "tests inside VS Code" npm run --silent test:vscode
# The two UI suites each start their own code-server and Chromium (own port, user data, extensions folder) and
# spend much of their time waiting on the workbench: they run at once.
together \
  "+UI tests (Playwright)|node --import tsx test/vscode/ui/heat.ui.ts" \
  "+UI tests: a new user's first minutes|node --import tsx test/vscode/ui/first-minutes.ui.ts"
echo "=== done in $(( $(date +%s) - start )) s${failures[*]:+; failed tiers: ${failures[*]}}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

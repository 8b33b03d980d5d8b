#!/usr/bin/env bash
# `npm test`: installs what is missing, builds, then runs every tier — type check, lint, Node unit tests, Node fuzz
# tests (`*.fuzz.test.ts`), tests inside a real VS Code, and the UI tests that drive its workbench — and ends with
# one line `N passed, N failed` over all.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
passed=0; failed=0; failures=()
tier() { # [--counted] name, command…: runs a tier, adds up its `N passed, N failed` line (or counts it as one check)
  local counted=0; if [ "$1" = --counted ]; then counted=1; shift; fi
  local name=$1; shift
  echo "=== $name"
  local log; log=$(mktemp); local t=$(date +%s)
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
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
  echo "=== $name: $(( $(date +%s) - t )) s"
  rm -f "$log"
}
if ! bash scripts/ensure-deps.sh; then echo "setup failed"; echo "0 passed, 1 failed"; exit 1; fi
tier build npm run --silent build
tier typecheck npx tsc --noEmit -p .
tier lint npx eslint .
tier format npx prettier --check .
tier --counted "node unit tests" node scripts/run-node-tests.mjs --tier unit
tier --counted "node fuzz tests" node scripts/run-node-tests.mjs --tier fuzz
tier --counted "node end-to-end tests" node scripts/run-node-tests.mjs --tier e2e
tier "syntax grammars" npx vscode-tmgrammar-test "test/grammars/*.test.perf-*"
tier --counted "tests inside VS Code" npm run --silent test:vscode
tier --counted "UI tests (Playwright)" node --import tsx test/vscode/ui/heat.ui.ts
tier --counted "UI tests: a new user's first minutes" node --import tsx test/vscode/ui/first-minutes.ui.ts
echo "=== done in $(( $(date +%s) - start )) s${failures[*]:+; failed tiers: ${failures[*]}}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

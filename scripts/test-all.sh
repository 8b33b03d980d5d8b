#!/usr/bin/env bash
# `npm test`: installs what is missing, builds, then runs every tier — type check, lint, Node unit tests, Node fuzz
# tests (`*.fuzz.test.ts`), tests inside a real VS Code, and the UI tests that drive its workbench — and ends with
# one line `N passed, N failed` over all.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
passed=0; failed=0; failures=()
tier() { # name, command…: runs a tier, adds up its `N passed, N failed` line (or counts it as one check)
  local name=$1; shift
  echo "=== $name"
  local log; log=$(mktemp)
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line; line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  if [ -n "$line" ]; then
    local p f; p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
  elif [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  [ "$rc" -eq 0 ] || failures+=("$name")
  rm -f "$log"
}
if ! bash scripts/ensure-deps.sh; then echo "setup failed"; echo "0 passed, 1 failed"; exit 1; fi
tier build npm run --silent build
tier typecheck npx tsc --noEmit -p .
tier lint npx eslint .
tier format npx prettier --check .
tier "node unit tests" node scripts/run-node-tests.mjs --tier unit
tier "node fuzz tests" node scripts/run-node-tests.mjs --tier fuzz
tier "node end-to-end tests" node scripts/run-node-tests.mjs --tier e2e
tier "syntax grammars" npx vscode-tmgrammar-test "test/grammars/*.test.perf-*"
tier "tests inside VS Code" npm run --silent test:vscode
tier "UI tests (Playwright)" node --import tsx test/vscode/ui/heat.ui.ts
tier "UI tests: a new user's first minutes" node --import tsx test/vscode/ui/first-minutes.ui.ts
echo "=== done in $(( $(date +%s) - start )) s${failures[*]:+; failed tiers: ${failures[*]}}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Writes perf's and valgrind's own summaries of the recordings the report goldens are made from, for
# src/engine/report-oracle.test.ts, into test/fixtures/report/oracle/ (committed with this script):
#   perf report --stdio --no-children -g none --sort dso,sym (and --sort dso)   of the demo's A and B perf.data
#   perf report --stdio --no-children -g none --sort sym,srcline -n            of the same (the A/B block and line tables)
#   cg_annotate --auto=no --threshold=0                        of the demo's cachegrind.out
# perf needs the recorded binaries (demo/mini-hz3/build/, found by build-id) to name the user-space symbols.
set -euo pipefail
cd "$(dirname "$0")/.."
out=test/fixtures/report/oracle
demo=demo/mini-hz3
mkdir -p "$out"
for p in cpu-clock cpu-clock-b; do
  (cd "$demo" && perf report -i "profiles/$p.perf.data" --stdio --no-children -g none --sort dso,sym 2>/dev/null) > "$out/$p.report-dso-sym.txt"
  (cd "$demo" && perf report -i "profiles/$p.perf.data" --stdio --no-children -g none --sort dso 2>/dev/null) > "$out/$p.report-dso.txt"
  (cd "$demo" && perf report -i "profiles/$p.perf.data" --stdio --no-children -g none --sort sym,srcline -n 2>/dev/null) > "$out/$p.report-sym-srcline.txt"
done
(cd "$demo" && cg_annotate --auto=no --threshold=0 profiles/cachegrind.out) > "$out/cachegrind.cg_annotate.txt"
{
  echo "# Oracles for the report goldens (written by scripts/record-report-oracles.sh)"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "perf: $(perf --version)"
  echo "valgrind: $(valgrind --version)"
  echo "files: $(cd "$out" && ls *.txt | tr '\n' ' ')"
} > "$out/PROVENANCE.md"

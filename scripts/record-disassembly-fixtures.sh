#!/usr/bin/env bash
# Records test/fixtures/disassembly/page-faults-freq.perf.data: the demo's A build under `perf record -e page-faults
# -F 20000`. In frequency mode the kernel adapts a software event's period from sample to sample, so its samples
# carry different periods (cpu-clock and task-clock at -F have one fixed period): perf annotate's period column
# (--show-total-period) then differs from its sample column (-n) times a constant, which the disassembly tests need
# to tell period-weighted counts from sample counts. Needs perf; the demo binaries are the committed ones.
#
#   scripts/record-disassembly-fixtures.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/test/fixtures/disassembly
case "$OUT/" in /tmp/perf-*) echo "refusing to record under $OUT: perf ignores symbols of binaries in /tmp/perf-*" >&2; exit 1 ;; esac
command -v perf >/dev/null || { echo "perf not found; the committed recording is left untouched" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT/page-faults-freq.perf.data" "$OUT/page-faults-freq.perf.data.old"
cd "$ROOT/demo/mini-hz3"
perf record -q -e page-faults -F 20000 -o "$OUT/page-faults-freq.perf.data" -- ./build/mini-hz3-bench 4 1000000 >/dev/null
perf report -i "$OUT/page-faults-freq.perf.data" --stdio -n --sort dso 2>/dev/null | grep -E '^ +[0-9]' | head -5

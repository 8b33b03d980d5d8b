#!/usr/bin/env bash
# Records two more events of the demo's A build, in separate perf.data files, for the tests of one profile made
# from several recordings (src/model/profile-merge.ts, src/engine/load-profiles.test.ts): page-faults (every
# fault) and task-clock, beside the cpu-clock recording scripts/record-demo.sh made; and page-faults of the B build
# beside its cpu-clock recording. Next to each, perf's own
# per-line answer (`perf report --sort srcline -n`), the oracle the merged profile is checked against.
#
# It does not rebuild: the recordings must be of the very binary cpu-clock.perf.data recorded (same build-id),
# which is checked below. After scripts/record-demo.sh (which rebuilds), run this again.
#
#   scripts/record-merge-demo.sh      ITERS (per thread, default 6000000), THREADS (default 4)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEMO=$ROOT/demo/mini-hz3
OUT=profiles
THREADS=${THREADS:-4}
ITERS=${ITERS:-6000000}
die() { echo "record-merge-demo: $*" >&2; exit 1; }
command -v perf >/dev/null || die "perf not found; the committed recordings are left untouched"
# perf takes any DSO under /tmp/perf-* for a JIT map and drops its symbols.
case "$DEMO/" in /tmp/perf-*) die "refusing to record under $DEMO: perf ignores symbols of binaries in /tmp/perf-*" ;; esac
cd "$DEMO"
A=build/mini-hz3-bench
[ -x "$A" ] || die "$A is missing: run scripts/record-demo.sh first"

# The build the cpu-clock recording was made of, and the binary at hand: they must be one build.
recorded=$(perf buildid-list -i $OUT/cpu-clock.perf.data 2>/dev/null | awk '$2 ~ /\/mini-hz3-bench$/ {print $1}')
here=$(readelf -n "$A" | awk '/Build ID/ {print $3}')
[ -n "$recorded" ] && [ "$recorded" = "$here" ] || die "$A (build-id $here) is not the build cpu-clock.perf.data recorded (${recorded:-none}): run scripts/record-demo.sh"

B=build/mini-hz3-bench-b
recorded_b=$(perf buildid-list -i $OUT/cpu-clock-b.perf.data 2>/dev/null | awk '$2 ~ /\/mini-hz3-bench-b$/ {print $1}')
here_b=$(readelf -n "$B" | awk '/Build ID/ {print $3}')
[ -n "$recorded_b" ] && [ "$recorded_b" = "$here_b" ] || die "$B (build-id $here_b) is not the build cpu-clock-b.perf.data recorded (${recorded_b:-none}): run scripts/record-demo.sh"

rm -f $OUT/page-faults.perf.data* $OUT/page-faults-b.perf.data* $OUT/task-clock.perf.data* $OUT/report-srcline-page-faults.txt $OUT/report-srcline-task-clock.txt
# -c 1: a sample on every page fault, so perf's sample count is the number of faults.
perf record -q -e page-faults -c 1 -g -o $OUT/page-faults.perf.data -- ./$A "$THREADS" "$ITERS" >/dev/null
perf record -q -e task-clock -F 1000 -g -o $OUT/task-clock.perf.data -- ./$A "$THREADS" "$ITERS" >/dev/null
# The B build's page-faults, beside its cpu-clock recording: an A/B pair where each side is two recordings.
perf record -q -e page-faults -c 1 -g -o $OUT/page-faults-b.perf.data -- ./$B "$THREADS" "$ITERS" >/dev/null
for ev in page-faults task-clock; do
  perf report -i $OUT/$ev.perf.data --stdio --no-children -g none --sort srcline -n >$OUT/report-srcline-$ev.txt 2>/dev/null
  perf report -i $OUT/$ev.perf.data --stdio --no-children -g none --sort sym,dso -n >$OUT/report-sym-$ev.txt 2>/dev/null
done
# Per-function answers for the report's tables (src/engine/report.test.ts) of the recordings record-demo.sh made.
for ev in cpu-clock cpu-clock-b page-faults-b; do
  perf report -i $OUT/$ev.perf.data --stdio --no-children -g none --sort sym,dso -n >$OUT/report-sym-$ev.txt 2>/dev/null
done
# Per (function, line): the oracle of the report's per-#if-block table of the hottest function.
for ev in cpu-clock page-faults; do
  perf report -i $OUT/$ev.perf.data --stdio --no-children -g none --sort sym,srcline -n >$OUT/report-sym-srcline-$ev.txt 2>/dev/null
done
{
  echo "# recordings made by scripts/record-merge-demo.sh"
  echo "date: $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
  echo "perf: $(perf --version)"
  echo "binary: $A build-id $here (the build of cpu-clock.perf.data)"
  echo "perf record -q -e page-faults -c 1 -g -o $OUT/page-faults.perf.data -- ./$A $THREADS $ITERS"
  echo "perf record -q -e task-clock -F 1000 -g -o $OUT/task-clock.perf.data -- ./$A $THREADS $ITERS"
  echo "perf record -q -e page-faults -c 1 -g -o $OUT/page-faults-b.perf.data -- ./$B $THREADS $ITERS (B build $here_b)"
  echo "perf report -i $OUT/<event>.perf.data --stdio --no-children -g none --sort srcline -n > $OUT/report-srcline-<event>.txt"
  echo "perf report -i $OUT/<event>.perf.data --stdio --no-children -g none --sort sym,dso -n > $OUT/report-sym-<event>.txt"
  echo "(and the same sym,dso report of cpu-clock.perf.data, cpu-clock-b.perf.data and page-faults-b.perf.data)"
  echo "perf report -i $OUT/<event>.perf.data --stdio --no-children -g none --sort sym,srcline -n > $OUT/report-sym-srcline-<event>.txt (cpu-clock, page-faults)"
} >$OUT/recording-merge.txt
ls -l $OUT/page-faults.perf.data $OUT/page-faults-b.perf.data $OUT/task-clock.perf.data

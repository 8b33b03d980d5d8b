#!/usr/bin/env bash
# Rebuilds the mini-hz3 demo (A, B and presets) and re-records every profile in demo/mini-hz3/profiles/ with the
# perf, objdump and valgrind of this machine. Outputs are kept exactly as the tools print them.
#
#   scripts/record-demo.sh            run from anywhere; works from the repository root
#
# Environment: ITERS (per thread, first guess 10000000), THREADS (default 4), CG_ITERS (cachegrind run, default
# 4000000 with 2 threads). Cross-CPU cache-line latency on these VMs drifts 5-10x over minutes, and with it the
# CPU time of the same run, so the cpu-clock recording is repeated (at most 3 times) with ITERS rescaled until
# it has 4,500-9,000 samples; every later run uses the ITERS that was kept.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEMO=$ROOT/demo/mini-hz3
OUT=profiles
THREADS=${THREADS:-4}
ITERS=${ITERS:-10000000}
CG_THREADS=2
CG_ITERS=${CG_ITERS:-4000000}
FREQ=4000
STAT_EVENTS=task-clock,cpu-clock,context-switches,page-faults,cycles,instructions,cache-misses

die() { echo "record-demo: $*" >&2; exit 1; }

for tool in perf make gcc objdump readelf valgrind; do
  command -v "$tool" >/dev/null || die "'$tool' not found; the committed recordings are left untouched"
done
# perf takes any DSO under /tmp/perf-* for a JIT map and drops its symbols (see docs/perf-formats.md).
case "$DEMO/" in /tmp/perf-*) die "refusing to record under $DEMO: perf ignores symbols of binaries in /tmp/perf-*" ;; esac

cd "$DEMO"
A=build/mini-hz3-bench
B=build/mini-hz3-bench-b

echo "== build (clean, then A, B and presets)"
make --no-print-directory clean >/dev/null
make --no-print-directory ab presets >/dev/null
[ -x "$A" ] && [ -x "$B" ] || die "build did not produce $A and $B"

mkdir -p "$OUT"
rm -f "$OUT"/cpu-clock.perf.data* "$OUT"/cpu-clock-b.perf.data* "$OUT"/two-events.perf.data* "$OUT"/annotate*.txt "$OUT"/script*.txt \
  "$OUT"/report-srcline*.txt "$OUT"/stat-*.csv "$OUT"/cachegrind.out "$OUT"/recording.txt "$OUT"/*.old

LOG=$(mktemp)
trap 'rm -f "$LOG" "$LOG.rec" "$LOG.err"' EXIT
CMDS=()
run() { # run and remember a command (its stdout goes to the log; perf's own files are named in the command)
  CMDS+=("$*")
  echo "+ $*" >&2
  "$@" >>"$LOG"
}
to() { # to FILE cmd...: run cmd with stdout into FILE, remember it as "cmd > FILE"
  local file=$1; shift
  CMDS+=("$* > $file")
  echo "+ $* > $file" >&2
  "$@" >"$file"
}

echo "== perf record"
for attempt in 1 2 3; do
  rm -f $OUT/cpu-clock.perf.data $OUT/cpu-clock.perf.data.old
  perf record -e cpu-clock -F $FREQ -g -o $OUT/cpu-clock.perf.data -- ./$A "$THREADS" "$ITERS" >"$LOG.rec" 2>"$LOG.err"
  samples=$(sed -n 's/.*(\([0-9]*\) samples).*/\1/p' "$LOG.err")
  echo "   attempt $attempt: ITERS=$ITERS -> ${samples:-?} samples" >&2
  [ -n "$samples" ] || die "no sample count in perf record's output: $(cat "$LOG.err")"
  [ "$samples" -ge 100 ] || die "only $samples samples: is perf allowed to sample (perf_event_paranoid)?"
  if [ "$samples" -ge 4500 ] && [ "$samples" -le 9000 ]; then break; fi
  [ $attempt -lt 3 ] || die "could not get 4,500-9,000 samples; set ITERS by hand"
  ITERS=$((ITERS * 6500 / samples))
done
CMDS+=("perf record -e cpu-clock -F $FREQ -g -o $OUT/cpu-clock.perf.data -- ./$A $THREADS $ITERS")
cat "$LOG.rec" >>"$LOG"
run perf record -e cpu-clock,task-clock -F $FREQ -g -o $OUT/two-events.perf.data -- ./$A "$THREADS" "$ITERS"
# The B build of the A/B pair (one flag flipped in the hot .inc), same workload: the input of profile diffs.
run perf record -e cpu-clock -F $FREQ -g -o $OUT/cpu-clock-b.perf.data -- ./$B "$THREADS" "$ITERS"

echo "== perf annotate"
ANN=(perf annotate --stdio --dsos mini-hz3-bench)
to $OUT/annotate.txt "${ANN[@]}" -i $OUT/cpu-clock.perf.data
to $OUT/annotate-l.txt "${ANN[@]}" -l -i $OUT/cpu-clock.perf.data
to $OUT/annotate-n.txt "${ANN[@]}" -n -i $OUT/cpu-clock.perf.data
to $OUT/annotate-group.txt "${ANN[@]}" --group -i $OUT/two-events.perf.data
to $OUT/annotate-group-l.txt "${ANN[@]}" --group -l -i $OUT/two-events.perf.data

echo "== perf script / report"
to $OUT/script.txt perf script -i $OUT/cpu-clock.perf.data
to $OUT/script-srcline.txt perf script -F comm,tid,time,event,ip,sym,dso,srcline,period -i $OUT/cpu-clock.perf.data
to $OUT/report-srcline.txt perf report --stdio --no-children -g none --sort srcline -i $OUT/cpu-clock.perf.data
to $OUT/report-srcline-n.txt perf report --stdio --no-children -g none --sort srcline -n -i $OUT/cpu-clock.perf.data
to $OUT/report-srcline-b.txt perf report --stdio --no-children -g none --sort srcline -i $OUT/cpu-clock-b.perf.data
to $OUT/report-srcline-two-events.txt perf report --stdio --no-children -g none --sort srcline -i $OUT/two-events.perf.data

echo "== perf stat"
run perf stat -x, -e $STAT_EVENTS -o $OUT/stat-a.csv -- ./$A "$THREADS" "$ITERS"
run perf stat -x, -e $STAT_EVENTS -o $OUT/stat-b.csv -- ./$B "$THREADS" "$ITERS"
run perf stat -x, -r 3 -e $STAT_EVENTS -o $OUT/stat-a-r3.csv -- ./$A "$THREADS" "$ITERS"

echo "== cachegrind"
run valgrind --tool=cachegrind --cache-sim=yes --branch-sim=yes --LL=8388608,16,64 \
  --cachegrind-out-file=$OUT/cachegrind.out ./$A $CG_THREADS "$CG_ITERS"

echo "== checks"
# Every user symbol of the bench that has samples must have been annotated (a kernel symbol must not have
# stopped perf annotate early).
syms=$(perf report --stdio --no-children -g none --sort sym --dsos mini-hz3-bench -q -i $OUT/cpu-clock.perf.data 2>/dev/null |
  awk '$2 == "[.]" {print $3}')
[ -n "$syms" ] || die "no samples in mini-hz3-bench"
for s in $syms; do
  grep -q "<$s>:" $OUT/annotate.txt || die "annotate.txt lacks $s"
done
grep -q '// mh3_owner_stash_pop.inc:' $OUT/annotate-l.txt || die "annotate-l.txt has no mh3_owner_stash_pop.inc lines"
grep -q '// mh3_inline.h:' $OUT/annotate-l.txt || die "annotate-l.txt has no mh3_inline.h lines"
for f in mh3_owner_stash_pop.inc mh3_pop_std_body.inc mh3_inline.h; do
  grep -q " $f:" $OUT/report-srcline.txt || die "report-srcline.txt has no $f lines"
done

echo "== recording.txt"
{
  echo "# mini-hz3 demo recordings (written by scripts/record-demo.sh)"
  echo "date: $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
  echo "host: $(uname -srm), $(nproc) CPUs"
  echo "directory: $DEMO"
  echo "perf: $(perf --version)"
  echo "gcc: $(gcc --version | head -n1)"
  echo "objdump: $(objdump --version | head -n1)"
  echo "valgrind: $(valgrind --version)"
  echo
  echo "## build-ids (readelf -n)"
  for bin in build/mini-hz3-bench build/mini-hz3-bench-*; do
    [ -x "$bin" ] || continue
    echo "$bin $(readelf -n "$bin" | awk '/Build ID/ {print $3}') $(stat -c %s "$bin") bytes"
  done
  echo
  echo "## -D sets (build/obj/<variant>/defs.txt)"
  for d in build/obj/*/defs.txt; do
    echo "$(basename "$(dirname "$d")"): $(cat "$d")"
  done
  echo
  echo "## commands (cwd $DEMO)"
  echo "make clean && make ab presets"
  printf '%s\n' "${CMDS[@]}"
  echo
  echo "## benchmark output (one line per run, in command order)"
  grep '^mini-hz3-bench ' "$LOG" || true
} >$OUT/recording.txt

echo "== sizes"
du -ch "$OUT"/* build/mini-hz3-bench* | tail -n1
echo "done: $DEMO/$OUT"

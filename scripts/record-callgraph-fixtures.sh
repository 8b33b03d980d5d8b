#!/usr/bin/env bash
# Records the call-graph fixtures (test/fixtures/callgraph) and perf's own answers for them, which the call-graph
# tests read as their oracle:
#   - callgraph: a small two-thread program (src/callgraph.c: named threads cg-owner and cg-remote, a leaf called
#     from two places, a function inlined into two callers), recorded with `perf record -g -e cpu-clock --sample-cpu`;
#   - demo-callgraph.perf.data: the mini-hz3 demo's committed A build (demo/mini-hz3/build/mini-hz3-bench, not
#     rebuilt: the demo's other recordings name its build-id), recorded with -g into demo/mini-hz3/profiles/.
# perf's answers (all with the perf of this machine, kept as it prints them):
#   *.children-sym.txt   perf report --children --sort sym -g none          inclusive and self shares per symbol
#   *.folded.txt         perf report --no-children --sort sym -g folded,0,caller,count   every chain with its period
#   callgraph.filters.txt  the tid, comm, CPU and time range the filter oracles use, one `name value` a line
#   callgraph.remote.script.txt  perf script (with callchains) of the cg-remote thread; .remote.folded.txt its chains
#   callgraph.tid.txt, .comm.txt, .cpu.txt, .time.txt   period per symbol, perf report with --tid / --comm / --cpu / --time
#
# Environment: DEMO_ITERS (per thread, default 4000000). Never run under /tmp/perf-* (perf drops symbols there).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FIX=$ROOT/test/fixtures/callgraph
DEMO=$ROOT/demo/mini-hz3
case "$FIX/" in /tmp/perf-*) echo "refusing to record under /tmp/perf-*" >&2; exit 1 ;; esac
for tool in perf gcc; do command -v "$tool" >/dev/null || { echo "'$tool' not found" >&2; exit 1; }; done

cd "$FIX"
# Frame pointers everywhere, no sibling calls: each call is a frame perf's -g walk can see.
gcc -O2 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls -pthread -o callgraph src/callgraph.c
rm -f callgraph.perf.data callgraph.perf.data.old
perf record -q -g -e cpu-clock -F 4000 --sample-cpu -o callgraph.perf.data -- ./callgraph 300000 >/dev/null

report() { perf report -i "$1" --stdio "${@:2}" 2>/dev/null | grep -v '^$'; }
oracles() { # oracles DATA PREFIX
  report "$1" --children --sort sym -g none --percent-limit 0 >"$2.children-sym.txt"
  report "$1" --no-children --sort sym -g folded,0,caller,period --percent-limit 0 >"$2.folded.txt"
}
oracles callgraph.perf.data callgraph

# The filters: the owner thread's tid, the remote thread's comm, a CPU, and the middle half of the recording.
tid=$(perf script -i callgraph.perf.data -F comm,tid 2>/dev/null | awk '$1 == "cg-owner" && !t { t = $2 } END { print t }')
[ -n "$tid" ] || { echo "no cg-owner samples in callgraph.perf.data" >&2; exit 1; }
read -r first last < <(perf script -i callgraph.perf.data -F time 2>/dev/null | tr -d ' :' | awk 'NR == 1 { f = $1 } { l = $1 } END { print f, l }')
range=$(awk -v f="$first" -v l="$last" 'BEGIN { d = l - f; printf "%.6f,%.6f", f + d / 4, f + 3 * d / 4 }')
# The CPU with the fewest samples (the threads may all have run on one).
cpu=$(perf script -i callgraph.perf.data -F cpu 2>/dev/null | tr -d '[] ' | sort | uniq -c | sort -n | awk 'NR == 1 { print $2 + 0 }')
printf 'tid %s\ncomm cg-remote\ncpu %s\ntime %s\n' "$tid" "$cpu" "$range" >callgraph.filters.txt
# The thread (pid) or comm is a sort key, or perf merges entries of several threads before it filters them.
report callgraph.perf.data --no-children -g none --sort pid,sym -F period,pid,sym --tid "$tid" >callgraph.tid.txt
report callgraph.perf.data --no-children -g none --sort comm,sym -F period,comm,sym --comm cg-remote >callgraph.comm.txt
report callgraph.perf.data --no-children -g none --sort sym -F period,sym --cpu "$cpu" >callgraph.cpu.txt
report callgraph.perf.data --no-children -g none --sort sym -F period,sym --time "$range" >callgraph.time.txt
# perf script text with its callchains (the remote thread only, to keep it small) and perf's chains for the same samples.
perf script -i callgraph.perf.data --comm cg-remote -F comm,tid,time,period,event,ip,sym,dso 2>/dev/null >callgraph.remote.script.txt
report callgraph.perf.data --no-children --sort comm,sym -g folded,0,caller,period --percent-limit 0 --comm cg-remote >callgraph.remote.folded.txt

cd "$DEMO"
[ -x build/mini-hz3-bench ] || { echo "demo/mini-hz3/build/mini-hz3-bench is missing (scripts/record-demo.sh builds it)" >&2; exit 1; }
rm -f profiles/callgraph.perf.data profiles/callgraph.perf.data.old
perf record -q -g -e cpu-clock -F 4000 --sample-cpu -o profiles/callgraph.perf.data -- ./build/mini-hz3-bench 4 "${DEMO_ITERS:-4000000}" >/dev/null
cd "$FIX"
oracles "$DEMO/profiles/callgraph.perf.data" demo-callgraph
ls -la "$FIX"/callgraph* "$FIX"/demo-callgraph* "$DEMO/profiles/callgraph.perf.data"

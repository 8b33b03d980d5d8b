#!/usr/bin/env bash
# Records the small perf.data files that the native perf.data reader (src/parsers/perf-data) is tested against,
# and next to each the text perf itself prints for the same file, which the tests compare with what the reader
# decodes. Needs gcc and perf (root, or perf_event_paranoid ≤ 1 so that kernel samples are recorded too).
#
# Re-running changes every fixture (addresses, pids, times): commit the .data and .txt files together.
# Everything happens inside the repo: perf takes any DSO under /tmp/perf-* for a JIT perf-map and drops its
# symbols, so never move FIX to such a path.
set -euo pipefail
cd "$(dirname "$0")/.."
FIX=test/fixtures/perf-data
case "$(realpath "$FIX")" in /tmp/perf-*) echo "refusing to record under /tmp/perf-*" >&2; exit 1;; esac

# ~0.6 s of work (a 32 MiB buffer, 2 passes) sampled at 1.5 kHz: each file stays under 300 KB (checked below).
ARGS="4194304 2"
FREQ=1500

gcc -O2 -g -o "$FIX/prog" "$FIX/src/main.c"

# -N: keep ~/.debug untouched; the build-ids are still written into the file's BUILD_ID feature.
rec() { # rec NAME perf-record-options...
  local name=$1; shift
  rm -f "$FIX/$name.data" "$FIX/$name.data.old"
  perf record -q -N -F "$FREQ" "$@" -o "$FIX/$name.data" -- "$FIX/prog" $ARGS >/dev/null
}
rec cpu-clock-g -e cpu-clock -g
rec two-events -e cpu-clock,task-clock
# -m 4 (16 KiB ring buffers) makes perf flush often, so the zstd stream spans many COMPRESSED records.
rec compressed -e cpu-clock -g -z -m 4
# Pipe mode: attrs and features arrive as records in the stream, not in a header. The workload must not write to
# perf's stdout (it would land inside the stream), hence the shell that sends it to /dev/null; the exec also puts
# a COMM-exec and a second set of mmaps into the file.
perf record -q -N -F "$FREQ" -e cpu-clock -g -o - -- sh -c "exec $FIX/prog $ARGS >/dev/null" > "$FIX/pipe.data"

for f in cpu-clock-g two-events compressed pipe; do
  data="$FIX/$f.data"
  # The side-band records verbatim (MMAP/COMM/FORK/EXIT/LOST, in file order), then the samples aggregated per
  # (event, absolute sample ip, dso) as "S event ip dso samples period-sum": a fraction of the per-sample dump's size.
  {
    echo "# perf script -F event,ip,dso,period -G --show-mmap-events --show-task-events --show-lost-events, aggregated"
    perf script -i "$data" -F event,ip,dso,period -G --show-mmap-events --show-task-events --show-lost-events \
      2>/dev/null | awk '
        /^ *[0-9]+ +[^ ]+: +[0-9a-f]+ \(/ {
          ev = $2; sub(/:$/, "", ev); dso = $4; gsub(/^\(|\)$/, "", dso)
          k = ev " " $3 " " dso; n[k]++; p[k] += $1; next
        }
        { print }
        END { for (k in n) print "S " k " " n[k] " " p[k] | "sort" }'
  } > "$FIX/$f.script.txt"
  perf report -i "$data" --header-only > "$FIX/$f.header.txt" 2>/dev/null
  # perf's own per-line shares: the oracle the pipeline is checked against (src/engine/load-profile.test.ts).
  perf report -i "$data" --stdio --no-children -g none --sort srcline > "$FIX/$f.report-srcline.txt" 2>/dev/null
  # Empty build-ids (pipe mode, -z) are perf's own answer for those files, not a recording failure.
  perf buildid-list -i "$data" > "$FIX/$f.buildids.txt" 2>/dev/null
done
ls -l "$FIX"
for f in "$FIX"/*.data; do
  if [ "$(stat -c %s "$f")" -gt 300000 ]; then echo "$f is over 300 KB: lower FREQ or ARGS" >&2; exit 1; fi
done

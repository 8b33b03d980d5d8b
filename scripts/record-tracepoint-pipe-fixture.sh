#!/usr/bin/env bash
# Records test/fixtures/perf-data/tracepoint-pipe.data (src/parsers/perf-data/tracing-data.test.ts): a pipe-mode
# perf.data (`perf record -o -`) with two tracepoints and cpu-clock, so that it carries HEADER_TRACING_DATA with
# the tracepoints' format files. The test turns it into what an older perf wrote (no EVENT_UPDATE, no EVENT_DESC:
# tracepoints then have their names only in the tracing data) and asks perf for the names.
#
# Needs perf, root and tracefs (mounted here if it is not). Never run under /tmp/perf-*.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=test/fixtures/perf-data/tracepoint-pipe.data
[ -e /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing
perf record -q -e sched:sched_switch -e syscalls:sys_enter_write -e cpu-clock -o - -- \
  sh -c 'for i in 1 2 3 4 5; do echo x > /dev/null; sleep 0.01; done' > "$OUT"
perf script -i "$OUT" -F event 2>/dev/null | sort | uniq -c
ls -l "$OUT"

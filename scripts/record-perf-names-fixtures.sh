#!/usr/bin/env bash
# Records the perf.data files that perf's naming rules are tested against (src/engine/perf-names.test.ts,
# src/parsers/perf-data/group-read.test.ts): a C++ workload sampled with a leader-sampled group
# `{cpu-clock,task-clock}:S` (PERF_SAMPLE_READ + PERF_FORMAT_GROUP) whose samples land in PLT stubs, in mangled
# C++ functions, in a .constprop clone and in the kernel. Next to it, perf's own answers for the same file.
#
# The kernel's names come from the kallsyms copy perf record leaves in its build-id cache. That copy is ~5 MB, so
# the committed one keeps only what perf needs to name these samples: every line at the address of a symbol
# covering a sampled kernel ip, every line at the next symbol's address (where that symbol ends), and `_text`.
# The script checks that perf report names every sample identically from the trimmed copy and from the full one.
#
# Needs g++, perf and root (kernel samples). Never run under /tmp/perf-* (perf takes such DSOs for JIT maps).
set -euo pipefail
cd "$(dirname "$0")/.."
FIX=test/fixtures/perf-names
case "$(realpath "$FIX")" in /tmp/perf-*) echo "refusing to record under /tmp/perf-*" >&2; exit 1;; esac

g++ -O2 -g -o "$FIX/names" "$FIX/src/names.cpp"
# IBT-style PLT (.plt.sec): the stubs perf and objdump name live in another section.
g++ -O2 -g -fcf-protection=full -Wl,-z,ibtplt -o "$FIX/names-ibt" "$FIX/src/names.cpp"

FULL=$(mktemp -d /tmp/names-buildid-cache.XXXXXX)
trap 'rm -rf "$FULL"' EXIT
rm -f "$FIX/group.data" "$FIX/group.data.old"
perf --buildid-dir "$FULL" record -q -F 2000 -e '{cpu-clock,task-clock}:S' -o "$FIX/group.data" -- "$FIX/names" 4000 >/dev/null

bid=$(perf buildid-list -i "$FIX/group.data" 2>/dev/null | awk '$2 == "[kernel.kallsyms]" { print $1 }')
[ -n "$bid" ] || { echo "no kernel build-id in group.data" >&2; exit 1; }
full="$FULL/[kernel.kallsyms]/$bid/kallsyms"
[ -s "$full" ] || { echo "perf record left no kallsyms copy in $FULL" >&2; exit 1; }
rm -rf "$FIX/buildid-cache"
mkdir -p "$FIX/buildid-cache/[kernel.kallsyms]/$bid"
perf --buildid-dir "$FULL" script -i "$FIX/group.data" -F ip,dso 2>/dev/null | awk '/kernel.kallsyms/ { print $1 }' | sort -u > "$FULL/ips"
node scripts/trim-kallsyms.mjs "$full" "$FULL/ips" "$FIX/buildid-cache/[kernel.kallsyms]/$bid/kallsyms"

# perf's answers, from the trimmed cache; the same from the full one, or the trimming lost something.
report() { perf --buildid-dir "$1" report -i "$FIX/group.data" --stdio --no-children --sort "$2" 2>/dev/null | grep -v '^#' | grep -v '^$'; }
report "$FIX/buildid-cache" dso,sym > "$FIX/group.report-dso-sym.txt"
diff <(report "$FULL" dso,sym) "$FIX/group.report-dso-sym.txt" || { echo "trimmed kallsyms names samples differently" >&2; exit 1; }
report "$FIX/buildid-cache" sym > "$FIX/group.report-sym.txt"
# Per delivered sample (perf splits each group read into one sample per member, weighted by the counter delta):
# "event dso symbol samples period-sum".
perf --buildid-dir "$FIX/buildid-cache" script -i "$FIX/group.data" -F event,period,ip,sym,dso 2>/dev/null | awk '
  { per = $1; ev = $2; sub(/:$/, "", ev); dso = $NF; gsub(/^\(|\)$/, "", dso)
    sym = ""; for (i = 4; i < NF; i++) sym = sym (sym == "" ? "" : " ") $i
    k = ev "\t" dso "\t" sym; n[k]++; p[k] += per }
  END { for (k in n) print k "\t" n[k] "\t" p[k] | "sort" }' > "$FIX/group.script-sums.txt"
perf report -i "$FIX/group.data" --header-only > "$FIX/group.header.txt" 2>/dev/null
ls -l "$FIX/buildid-cache/[kernel.kallsyms]/$bid"

# perf script text whose binaries are gone (read on another machine): the workload runs from a folder deleted
# afterwards. --call-graph dwarf makes perf print inlined leaf frames (`mix64+0x51 (inlined)` above the real
# `hot_loop+0x51 (prog)`). Only the text and perf's report of the same data are kept (the .data is megabytes).
GONE=$(mktemp -d /tmp/gone-binaries.XXXXXX)
cp test/fixtures/perf-data/prog "$GONE/prog"
cp "$FIX/names" "$GONE/names"
perf --buildid-dir "$FULL" record -q --call-graph dwarf -F 300 -e cpu-clock -o "$GONE/inline.data" -- "$GONE/prog" 4194304 1 >/dev/null 2>&1
perf --buildid-dir "$FULL" script -i "$GONE/inline.data" 2>/dev/null > "$FIX/inline.script.txt"
# The same text with the tabs expanded to spaces (as an editor or a mail client leaves it).
expand -t 8 "$FIX/inline.script.txt" > "$FIX/inline.script-spaces.txt"
perf --buildid-dir "$FULL" report -i "$GONE/inline.data" --stdio --no-children -g none --sort dso,sym -n 2>/dev/null | grep -v '^#' | grep -v '^$' > "$FIX/inline.report-dso-sym.txt"
perf --buildid-dir "$FULL" report -i "$GONE/inline.data" --stdio --no-children -g none --sort srcline 2>/dev/null | grep -v '^$' > "$FIX/inline.report-srcline.txt"
# Two events, one printed with its period (cpu-clock) and one without (a tracepoint: perf script -F per type).
perf --buildid-dir "$FULL" record -q -e cpu-clock -e syscalls:sys_enter_write -F 2000 -o "$GONE/mixed.data" -- "$GONE/names" 300 >/dev/null 2>&1
perf --buildid-dir "$FULL" script -i "$GONE/mixed.data" -F sw:comm,tid,time,period,event,ip,sym,dso -F trace:comm,tid,time,event,ip,sym,dso 2>/dev/null > "$FIX/mixed.script.txt"
perf --buildid-dir "$FULL" report -i "$GONE/mixed.data" --stdio --no-children --sort sym 2>/dev/null | grep -E "^# (Samples|Event count)" > "$FIX/mixed.report-totals.txt"
rm -rf "$GONE"
ls -l "$FIX"

# JIT code: a loop run from executable anonymous memory (no /tmp/perf-<pid>.map is written).
gcc -O2 -o "$FIX/jit" "$FIX/src/jit.c"
rm -f "$FIX/jit.data"
perf --buildid-dir "$FULL" record -q -F 500 -e cpu-clock -o "$FIX/jit.data" -- "$FIX/jit"
cp "$FULL/[kernel.kallsyms]/$bid/kallsyms" "$FULL/kallsyms.full"
perf --buildid-dir "$FULL" script -i "$FIX/jit.data" -F ip,dso 2>/dev/null | awk '/kernel.kallsyms/ { print $1 }' | sort -u > "$FULL/jit-ips"
cat "$FULL/ips" "$FULL/jit-ips" | sort -u > "$FULL/all-ips"
node scripts/trim-kallsyms.mjs "$FULL/kallsyms.full" "$FULL/all-ips" "$FIX/buildid-cache/[kernel.kallsyms]/$bid/kallsyms"
perf --buildid-dir "$FIX/buildid-cache" report -i "$FIX/jit.data" --stdio --no-children --sort dso,sym 2>/dev/null | grep -v '^#' | grep -v '^$' > "$FIX/jit.report-dso-sym.txt"
rm -f "$FIX/jit"

#!/usr/bin/env bash
# Records test/fixtures/perf-names/clones.data (src/engine/perf-clones.test.ts): a C program built with gcc -O2 so
# that its hot code is in GCC's clones (mix.constprop.0, checksum.isra.0, scan.part.0), sampled with cpu-clock in user
# space, libc (versioned names such as cfree@GLIBC_2.2.5 and pthread_spin_lock@@GLIBC_2.34) and the kernel. Beside
# it, perf report's own rows for the same file, and the recorded kernel's kallsyms trimmed to what names its samples
# (as scripts/record-perf-names-fixtures.sh does; the script checks that the trimmed copy names every sample as the
# full one does).
#
# Needs gcc, perf and root (kernel samples). Never run under /tmp/perf-* (perf takes such DSOs for JIT maps).
set -euo pipefail
cd "$(dirname "$0")/.."
FIX=test/fixtures/perf-names
case "$(realpath "$FIX")" in /tmp/perf-*) echo "refusing to record under /tmp/perf-*" >&2; exit 1;; esac

gcc -O2 -g -o "$FIX/clones" "$FIX/src/clones.c"
for s in mix.constprop.0 checksum.isra.0 scan.part.0 refill.cold; do
  nm "$FIX/clones" | grep -q " $s\$" || { echo "gcc made no $s: the fixture would not test clone names" >&2; exit 1; }
done

FULL=$(mktemp -d /tmp/clones-buildid-cache.XXXXXX)
trap 'rm -rf "$FULL"' EXIT
rm -f "$FIX/clones.data" "$FIX/clones.data.old"
perf --buildid-dir "$FULL" record -q -F 4000 -e cpu-clock -o "$FIX/clones.data" -- "$FIX/clones" 3000 >/dev/null

bid=$(perf buildid-list -i "$FIX/clones.data" 2>/dev/null | awk '$2 == "[kernel.kallsyms]" { print $1 }')
[ -n "$bid" ] || { echo "no kernel build-id in clones.data" >&2; exit 1; }
full="$FULL/[kernel.kallsyms]/$bid/kallsyms"
[ -s "$full" ] || { echo "perf record left no kallsyms copy in $FULL" >&2; exit 1; }
out="$FIX/buildid-cache/[kernel.kallsyms]/$bid/kallsyms"
mkdir -p "$(dirname "$out")"
perf --buildid-dir "$FULL" script -i "$FIX/clones.data" -F ip,dso 2>/dev/null | awk '/kernel.kallsyms/ { print $1 }' | sort -u > "$FULL/ips"
# Another recording of the same kernel may already keep lines in this copy: keep them too.
if [ -s "$out" ]; then
  node scripts/trim-kallsyms.mjs "$full" "$FULL/ips" "$FULL/new"
  sort -u "$out" "$FULL/new" | sort -k1,1 -s > "$FULL/merged" && mv "$FULL/merged" "$out"
else
  node scripts/trim-kallsyms.mjs "$full" "$FULL/ips" "$out"
fi

report() { perf --buildid-dir "$1" report -i "$FIX/clones.data" --stdio --no-children --sort dso,sym -n 2>/dev/null | grep -v '^#' | grep -v '^$'; }
report "$FIX/buildid-cache" > "$FIX/clones.report-dso-sym.txt"
diff <(report "$FULL") "$FIX/clones.report-dso-sym.txt" || { echo "trimmed kallsyms names samples differently" >&2; exit 1; }
grep -q 'mix.constprop.0' "$FIX/clones.report-dso-sym.txt" || { echo "no samples in mix.constprop.0" >&2; exit 1; }
ls -l "$FIX/clones" "$FIX/clones.data" "$FIX/clones.report-dso-sym.txt" "$out"

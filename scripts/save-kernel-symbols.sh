#!/usr/bin/env bash
# For each perf.data given, saves beside it (in .debug/, laid out like perf's build-id cache, as `perf archive`
# unpacks) the part of the recorded kernel's kallsyms that names its kernel samples, so that the kernel rows of
# committed recordings do not depend on the kernel of the machine that reads them.
# Source: perf's build-id cache, or /proc/kallsyms when the running kernel has the recorded build-id (root needed).
# Checks that perf report names every sample the same from the trimmed copy as from the full one.
set -euo pipefail
cd "$(dirname "$0")/.."
running=$(perf buildid-list -k 2>/dev/null || true)
for data in "$@"; do
  dir=$(dirname "$data")
  bid=$(perf buildid-list -i "$data" 2>/dev/null | awk '$2 == "[kernel.kallsyms]" { print $1 }')
  [ -n "$bid" ] || { echo "$data: no kernel build-id, nothing to save" >&2; continue; }
  full="${PERF_BUILDID_DIR:-$HOME/.debug}/[kernel.kallsyms]/$bid/kallsyms"
  if [ ! -s "$full" ]; then
    [ "$bid" = "$running" ] || { echo "$data: kernel $bid is neither cached nor running here" >&2; exit 1; }
    full=/proc/kallsyms
  fi
  out="$dir/.debug/[kernel.kallsyms]/$bid"
  mkdir -p "$out"
  ips=$(mktemp /tmp/kernel-ips.XXXXXX)
  perf script -i "$data" -F ip,dso 2>/dev/null | awk '/kernel.kallsyms/ { print $1 }' > "$ips"
  # Callchain frames too (-g recordings): every kernel address perf may name.
  perf script -i "$data" -F ip,dso -G 2>/dev/null | awk '/kernel.kallsyms/ { print $1 }' >> "$ips" || true
  sort -u -o "$ips" "$ips"
  if [ -f "$out/kallsyms" ]; then cat "$out/kallsyms" > "$ips.prev"; else : > "$ips.prev"; fi
  node scripts/trim-kallsyms.mjs "$full" "$ips" "$out/kallsyms.new"
  # Several recordings of one kernel share the copy: keep the union, in kallsyms order.
  sort -u "$ips.prev" "$out/kallsyms.new" > "$out/kallsyms"
  rm -f "$out/kallsyms.new" "$ips" "$ips.prev"
  a=$(perf --buildid-dir "$dir/.debug" report -i "$data" --stdio --no-children --sort sym 2>/dev/null | grep -v '^#')
  b=$(perf report -i "$data" --stdio --no-children --sort sym 2>/dev/null | grep -v '^#')
  [ "$a" = "$b" ] || { echo "$data: the trimmed kallsyms names samples differently from $full" >&2; exit 1; }
  echo "$data: $(wc -l < "$out/kallsyms") kallsyms lines kept in $out"
done

#!/usr/bin/env bash
# perf stat's human output in locales with digit grouping (de_DE: `1.103,52 msec`, `0,960`; fr_FR: narrow no-break
# space grouping), and in C, all printed by `perf stat report` from ONE `perf stat record`, so every file holds the
# same counts: the C-locale file is the oracle for the others (src/parsers/perf-stat-locale.test.ts).
# The locales are compiled into /work/trees (localedef), not installed system-wide.
set -euo pipefail
cd "$(dirname "$0")/.."
FIX=test/fixtures/perf-stat-locale
LOC=/work/trees/i10-locales
mkdir -p "$LOC" "$FIX"
for l in de_DE fr_FR; do [ -d "$LOC/$l.UTF-8" ] || localedef -i "$l" -f UTF-8 "$LOC/$l.UTF-8"; done
g++ -O2 -o "$LOC/names" test/fixtures/perf-names/src/names.cpp
data=$(mktemp /tmp/stat-locale.XXXXXX)
trap 'rm -f "$data"' EXIT
perf stat record -o "$data" -e task-clock,page-faults,cpu-clock -- sh -c "for i in $(seq -s " " 20); do $LOC/names 1000; done" >/dev/null 2>&1
LC_ALL=C perf stat report -i "$data" > "$FIX/c.txt" 2>&1
LOCPATH=$LOC LC_ALL=de_DE.UTF-8 perf stat report -i "$data" > "$FIX/de_DE.txt" 2>&1
LOCPATH=$LOC LC_ALL=fr_FR.UTF-8 perf stat report -i "$data" > "$FIX/fr_FR.txt" 2>&1
head -12 "$FIX"/*.txt

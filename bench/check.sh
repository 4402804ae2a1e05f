#!/bin/sh
# bench/check.sh times `ucx check` against bench/barecsv, a program that only
# reads the same CSV with encoding/csv and writes one JSON line per row.
# Both write to /dev/null; each runs three times and the best wall time
# counts. The brief: ucx check >= 500,000 rows/s on 2 cores, and no more than
# 3x the bare program's time.
#
#   bench/check.sh            # 1,000,000 rows in /tmp/vehicles-1m.csv
#   N=200000 bench/check.sh   # a shorter run
#   UCX=/tmp/ucx bench/check.sh   # time an already built ucx binary
set -eu

cd "$(dirname "$0")/.."
N=${N:-1000000}
if [ "$N" = 1000000 ]; then FILE=${FILE:-/tmp/vehicles-1m.csv}; else FILE=${FILE:-/tmp/vehicles-$N.csv}; fi
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT

if [ -n "${UCX:-}" ]; then cp "$UCX" "$BIN/ucx"; else go build -o "$BIN/ucx" ./cmd/ucx; fi
(cd bench && go build -o "$BIN/barecsv" ./barecsv)
(cd bench && go build -o "$BIN/gencsv" ./gencsv)
if [ ! -s "$FILE" ]; then
	echo "generating $FILE ($N rows)" >&2
	"$BIN/gencsv" -n "$N" -o "$FILE"
fi

# best SECONDS of three runs of "$@"
best() {
	b=
	for _ in 1 2 3; do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || [ $? -eq 1 ]
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc -l)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}

rows=$(($(wc -l <"$FILE") - 1))
bare=$(best "$BIN/barecsv" "$FILE")
ucx=$(best "$BIN/ucx" check --as-of 2026-03-01 "$FILE")

echo "nproc: $(nproc)   GOMAXPROCS: ${GOMAXPROCS:-default}   rows: $rows   file: $(du -h "$FILE" | cut -f1)"
printf 'barecsv:   %6.3f s  %9.0f rows/s\n' "$bare" "$(echo "$rows / $bare" | bc -l)"
printf 'ucx check: %6.3f s  %9.0f rows/s\n' "$ucx" "$(echo "$rows / $ucx" | bc -l)"
printf 'ratio ucx/bare: %.2f (target <= 3)\n' "$(echo "$ucx / $bare" | bc -l)"

#!/bin/sh
# bench/openattestation/run.sh: the peer comparison. Offline verification of
# the same licence documents by @govtechsg/open-attestation 6.9.7 (Node, one
# thread) and by ucx's seal package (Go, GOMAXPROCS=1), both pinned to one
# CPU with taskset when it is available. Prints documents/s for each and the
# ratio. The target: ucx at least 30 times open-attestation per core.
#
#   bench/openattestation/run.sh              # 1000 documents, 3 timed passes
#   N=2000 ROUNDS=5 bench/openattestation/run.sh
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
N=${N:-1000}
ROUNDS=${ROUNDS:-3}
OUT="$HERE/out"
mkdir -p "$OUT"

if [ ! -f "$HERE/node_modules/@govtechsg/open-attestation/package.json" ] ||
	! grep -q '"version": "6.9.7"' "$HERE/node_modules/@govtechsg/open-attestation/package.json"; then
	echo "installing @govtechsg/open-attestation@6.9.7 into $HERE/node_modules" >&2
	(cd "$HERE" && npm install --no-audit --no-fund --no-save @govtechsg/open-attestation@6.9.7 >&2)
fi

PIN=
if command -v taskset >/dev/null 2>&1; then PIN="taskset -c 0"; fi

cd "$ROOT"
(cd bench && go build -o "$OUT/sealverify" ./sealverify)
"$OUT/sealverify" -gen -n "$N" -o "$OUT/docs.jsonl"

echo "nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); pinned: ${PIN:-no}"
(cd "$HERE" && $PIN node bench.js "$OUT/docs.jsonl" "$ROUNDS") >"$OUT/oa.txt"
grep -v '^OA_' "$OUT/oa.txt"
GOMAXPROCS=1 $PIN "$OUT/sealverify" -docs "$OUT/docs.jsonl" -rounds "$ROUNDS" >"$OUT/ucx.txt"
grep -v '^UCX_' "$OUT/ucx.txt"
OA=$(sed -n 's/^OA_DOCS_PER_S=//p' "$OUT/oa.txt")
UCX=$(sed -n 's/^UCX_DOCS_PER_S=//p' "$OUT/ucx.txt")
awk -v u="$UCX" -v o="$OA" 'BEGIN {
	r = u / o
	printf "ratio ucx/open-attestation, one core: %.1fx (target >= 30x): %s\n", r, (r >= 30 ? "met" : "NOT met")
	printf "against the issue'"'"'s 650 documents/s for open-attestation: %.1fx\n", u / 650
}'

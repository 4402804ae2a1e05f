#!/bin/sh
# bench/all.sh runs every benchmark the issues name, each comparison in one
# go test run so that its two sides see the same machine, and writes the raw
# output to $OUT (default /tmp/ucx-bench.txt). docs/benchmarks.md quotes it.
#
#   bench/all.sh           # about 10 minutes on 2 cores
set -eu
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/ucx-bench.txt}
: >"$OUT"
say() { echo "### $*" | tee -a "$OUT"; }
run() { "$@" 2>&1 | grep -vE '^(goos|goarch|pkg|cpu|PASS|ok )|level=' | tee -a "$OUT"; }

# The PostgreSQL halves run when UCX_TEST_POSTGRES is set, e.g.
#   UCX_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' bench/all.sh
say "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(go version)"
say "vin, policy (issue 2: a decision under 3 µs on one core)"
run go test -run '^$' -bench . -benchtime=1s -cpu 1 ./vin ./policy
say "ucx check vs bare encoding/csv (issue 2: >= 500,000 rows/s, <= 3x bare)"
run sh bench/check.sh
say "SQLite drivers, raw insert with a unique VIN index"
run sh -c "cd bench && go run ./sqlitedrivers -n 200000"
say "bulk import vs raw insert, same driver, same run (issue 3: >= 0.5)"
run env UCX_BENCH_ROWS=200000 go test -run '^$' -bench 'BenchmarkImport$|BenchmarkRawInsertUniqueVIN$|BenchmarkRawCopyUniqueVIN$' -benchtime=1x ./sqlstore
say "filing over HTTP on SQLite (issue 3: >= 10,000/s; p99 < 20 ms at 5,000/s)"
# ucx serve sets GOGC=400 unless the environment says otherwise; measure it as it runs.
run env GOGC=400 go test -run '^$' -bench 'FileApplication$|FileApplicationStoreOnly$' -benchtime=20000x ./http
run env GOGC=400 UCX_BENCH_RATE=5000 go test -run '^$' -bench 'FileApplicationAtRate$' -benchtime=25000x ./http
say "seal and verify vs raw signatures (issue 4: verify >= 0.8 raw Ed25519, >= 0.65 raw SM2; seal >= 0.8 raw sign)"
run go test -run '^$' -bench . -benchtime=1s -cpu 1 ./seal
say "transparency log (issue 5: >= 10,000 integrated/s, >= 18,000 proofs/s, offline verify >= 0.8 raw)"
run go test -run '^$' -bench 'Log' -benchtime=1s ./sqlstore
run go test -run '^$' -bench . -benchtime=1s ./tlog
run go test -run '^$' -bench 'LogProofs' -benchtime=1s ./http
say "offline verification of a witnessed licence bundle vs bare Ed25519 of its 5 signatures (issue 15: >= 0.5)"
run go test -run '^$' -bench 'VerifyBundleVsBare' -cpu 1 -count 5 ./bundle
echo "written to $OUT"

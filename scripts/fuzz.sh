#!/bin/sh
# Runs every parser's fuzz target for FUZZTIME each (default 10s): VIN,
# dates, CSV/JSONL, XLSX, canonical JSON/envelopes/trust lists, and the
# API's JSON bodies. CI calls it with a short FUZZTIME; run it with
# FUZZTIME=10m before a release. Go fuzzes one target per invocation, so
# they run one after another; the total is about FUZZTIME × targets plus
# build time (well under 2 minutes at the default). A failure leaves the
# crashing input in the package's testdata/fuzz for `go test` to replay.
set -eu
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-10s}
targets="
./vin FuzzValidate
./vin FuzzDecode
. FuzzParseDate
./sheet FuzzReadCSV
./sheet FuzzReadXLSX
./seal FuzzCanonicalize
./seal FuzzVerify
./seal FuzzParseTrustList
./http FuzzAPIBodies
"
status=0
echo "$targets" | while read -r pkg name; do
	[ -n "$pkg" ] || continue
	if ! go test -list "^$name\$" "$pkg" | grep -qx "$name"; then
		echo "fuzz: $pkg $name does not exist (yet); skipped" >&2
		continue
	fi
	echo "fuzz: $pkg $name for $FUZZTIME"
	go test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" "$pkg" || exit 1
done || status=1
exit $status

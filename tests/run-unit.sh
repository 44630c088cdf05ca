#!/usr/bin/env bash
# run-unit.sh BIN...: runs each cmocka test binary and sums the results into
# one closing line "unit: N passed, N failed".
set -u
pass=0 fail=0
for t in "$@"; do
	if "$t"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAILED: $t"; fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

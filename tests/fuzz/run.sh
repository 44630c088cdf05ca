#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/fuzz/run.sh: runs one libFuzzer target for tests/fuzz/fuzz.mk.
#
#   run.sh fuzz   NAME BIN CORPUS OUTDIR SECONDS TIMEOUT
#       Fuzzes a fresh copy of CORPUS in OUTDIR/work/NAME/corpus (new inputs
#       go there, never into CORPUS) for SECONDS, with leak detection, using
#       tests/fuzz/dict/NAME.dict when there is one.
#   run.sh replay NAME BIN CORPUS OUTDIR
#       Runs every file of CORPUS once.
#
# Either way: one summary line; on a crash, leak, timeout or any sanitizer
# report, the end of the log and exit 1. The full log is OUTDIR/work/NAME/log
# (replay.log for a replay); what failed is in OUTDIR/artifacts/NAME/.
set -uo pipefail

mode=$1 name=$2 bin=$3 corpus=$4 out=$5
work=$out/work/$name
art=$out/artifacts/$name
mkdir -p "$work" "$art"
# UBSan already stops at the first report (-fno-sanitize-recover=all); with
# a stack, please.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# A sanitizer or libFuzzer report that a zero exit status would hide.
reported() {
	grep -qE '^==[0-9]+==ERROR:|runtime error:|^SUMMARY: |ERROR: libFuzzer|deadly signal' "$1"
}

label=FUZZ
[ "$mode" = replay ] && label=FUZZ-REPLAY
fail() {
	local log=$1
	echo "$label $name: FAILED ($2); last lines of $log:" >&2
	tail -n 60 "$log" >&2
	ls "$art"/* >/dev/null 2>&1 && { echo "inputs that failed:" >&2; ls -1 "$art"/* >&2; }
	exit 1
}

seeds=$(find "$corpus" -maxdepth 1 -type f | wc -l)
[ "$seeds" -gt 0 ] || { echo "$label $name: no seeds in $corpus" >&2; exit 1; }

case $mode in
fuzz)
	secs=$6 timeout=$7 log=$work/log
	dict=()
	[ -f "tests/fuzz/dict/$name.dict" ] && dict=(-dict="tests/fuzz/dict/$name.dict")
	rm -rf "$work/corpus" && cp -R "$corpus" "$work/corpus" && chmod -R u+w "$work/corpus" || exit 1
	"$bin" -max_total_time="$secs" -timeout="$timeout" -detect_leaks=1 -print_final_stats=1 \
		-artifact_prefix="$art/" "${dict[@]}" "$work/corpus" >"$log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || fail "$log" "exit status $rc"
	! reported "$log" || fail "$log" "sanitizer report"
	stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
	runs=$(stat number_of_executed_units) rate=$(stat average_exec_per_sec)
	# The last status line: "#N  DONE   cov: C ft: F corp: K/S ..."
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
	printf 'FUZZ %-8s ok: %s runs in %ss (%s/s), cov %s, ft %s, corpus %s (%s seeds)\n' \
		"$name" "${runs:-?}" "$secs" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$seeds"
	;;
replay)
	log=$work/replay.log
	files=()
	while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$corpus" -maxdepth 1 -type f -print0 | sort -z)
	start=$(date +%s%N)
	"$bin" -timeout=10 -detect_leaks=1 -artifact_prefix="$art/" "${files[@]}" >"$log" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	[ $rc -eq 0 ] || fail "$log" "exit status $rc"
	! reported "$log" || fail "$log" "sanitizer report"
	ran=$(grep -c '^Executed ' "$log")
	[ "$ran" -eq "${#files[@]}" ] || fail "$log" "ran $ran of ${#files[@]} inputs"
	printf 'FUZZ-REPLAY %-8s ok: %s inputs in %s ms\n' "$name" "$ran" "$ms"
	;;
*)
	echo "usage: run.sh fuzz|replay NAME BIN CORPUS OUTDIR [SECONDS TIMEOUT]" >&2
	exit 2
	;;
esac

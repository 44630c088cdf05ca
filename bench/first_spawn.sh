#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/first_spawn.sh BIN [RUNS]: time from `ringvisor run` to its first
# child's exec (issue 18), beside the shell's own fork+exec of the same
# program (the floor). The service is `touch FILE`; the time is FILE's
# mtime (ns) less the time taken just before the daemon was started. With
# --probe=auto the leak probe is opened after the first spawn; with
# --probe=bpf (a probe asked for by name, which must fail the start) it is
# loaded before it, as every start did before. Medians of RUNS (10) runs
# each. Prints figures only. Every daemon started here is stopped by pid.
set -uo pipefail
BIN=${1:?usage: bench/first_spawn.sh /abs/ringvisor [RUNS]}
RUNS=${2:-10}
TMP=$(mktemp -d /tmp/rv-bench-first.XXXXXX)
CG=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
CGROOT=${CG:+$CG/rv-bench-first-$$}
DPID=
cleanup() {
	[ -n "$DPID" ] && { kill -TERM "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; }
	[ -n "$CGROOT" ] && [ -d "$CGROOT" ] && find "$CGROOT" -depth -type d -exec rmdir {} \; 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
cat >"$TMP/c.yaml" <<YAML
services:
  first: {command: [/usr/bin/touch, "$TMP/stamp"], type: oneshot}
YAML
ns_now() { date +%s%N; }
mtime_ns() { stat -c %.9Y "$1" | tr -d .; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

floor() {
	local t0
	rm -f "$TMP/stamp"; t0=$(ns_now); /usr/bin/touch "$TMP/stamp"
	echo $(( ($(mtime_ns "$TMP/stamp") - t0) / 1000 ))
}
daemon() {   # $1: probe mode
	local t0 i
	rm -f "$TMP/stamp"
	t0=$(ns_now)
	"$BIN" run -c "$TMP/c.yaml" --socket "$TMP/s.sock" --probe="$1" ${CGROOT:+--cgroup-root="$CGROOT"} \
		>/dev/null 2>"$TMP/d.log" &
	DPID=$!
	for i in $(seq 1 500); do [ -e "$TMP/stamp" ] && break; sleep 0.01; done
	[ -e "$TMP/stamp" ] && echo $(( ($(mtime_ns "$TMP/stamp") - t0) / 1000 ))
	for i in $(seq 1 200); do "$BIN" --socket "$TMP/s.sock" status >/dev/null 2>&1 && break; sleep 0.01; done
	kill -TERM "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; DPID=
}
f=$(for _ in $(seq "$RUNS"); do floor; done | median)
a=$(for _ in $(seq "$RUNS"); do daemon auto; done | median)
b=$(for _ in $(seq "$RUNS"); do daemon bpf; done | median)
printf '%-44s %10s\n' "first exec after start (median of $RUNS)" "us"
printf '%-44s %10s\n' "shell fork+exec of touch (floor)" "$f"
printf '%-44s %10s\n' "ringvisor run, probe auto (opened after)" "$a"
printf '%-44s %10s\n' "ringvisor run, probe bpf (loaded before)" "$b"

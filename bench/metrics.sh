#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/metrics.sh BIN [N]: the daemon's CPU for one `metrics` call with N
# instances (1000), beside one `status --json`, and its memory after many
# calls (issue 17: under 5 ms for 1000 instances, no growth from call to
# call). N services of one sleep each, leak sampling on (every family
# filled); CPU from the daemon's schedstat over BENCH_METRICS_CALLS calls
# (20), made one after another. Prints figures only; nothing is asserted.
# The daemon started here is stopped by its pid on the way out.
set -uo pipefail
BIN=${1:?usage: bench/metrics.sh /abs/ringvisor [N]}
N=${2:-1000}
CALLS=${BENCH_METRICS_CALLS:-20}
. "$(dirname "$0")/lib_measure.sh"
TMP=$(mktemp -d /tmp/rv-bench-metrics.XXXXXX)
SOCK=$TMP/control.sock
CG=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
CGROOT=${CG:+$CG/rv-bench-metrics-$$}
DPID=
cleanup() {
	if [ -n "$DPID" ]; then
		timeout 60 "$BIN" --socket "$SOCK" shutdown >/dev/null 2>&1 || kill -KILL "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	[ -n "$CGROOT" ] && [ -d "$CGROOT" ] && find "$CGROOT" -depth -type d -exec rmdir {} \; 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
{
	echo "supervisor: {shutdown_timeout: 30s}"
	echo "services:"
	for ((i = 0; i < N; i++)); do
		printf '  s%04d:\n    command: [sleep, "100000"]\n    leak: {sample_every: 5s}\n' "$i"
	done
} >"$TMP/c.yaml"
"$BIN" run -c "$TMP/c.yaml" --socket "$SOCK" ${CGROOT:+--cgroup-root="$CGROOT"} >"$TMP/out" 2>"$TMP/log" &
DPID=$!
for _ in $(seq 1 600); do
	[ "$("$BIN" --socket "$SOCK" status --json 2>/dev/null | jq '[.services[].instances[] | select(.state == "running")] | length')" = "$N" ] && break
	sleep 0.1
done
sleep 6   # one leak pass over every instance: fds and threads are there

# per_call CMD...: the daemon's CPU per call, in ms, and the reply's bytes.
per_call() {
	local c0 c1 bytes
	bytes=$("$BIN" --socket "$SOCK" "$@" | wc -c)
	c0=$(cpu_ns "$DPID")
	for ((k = 0; k < CALLS; k++)); do "$BIN" --socket "$SOCK" "$@" >/dev/null; done
	c1=$(cpu_ns "$DPID")
	awk -v a="$c0" -v b="$c1" -v n="$CALLS" -v by="$bytes" 'BEGIN { printf "%.2f ms  (%d bytes)", (b - a) / n / 1e6, by }'
}
echo "ringvisor metrics bench: $N instances, $CALLS calls each, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
echo "  daemon CPU per metrics:       $(per_call metrics)"
echo "  daemon CPU per status --json: $(per_call status --json)"
r0=$(rss_kib "$DPID")
for ((k = 0; k < 100; k++)); do "$BIN" --socket "$SOCK" metrics >/dev/null; done
r1=$(rss_kib "$DPID")
for ((k = 0; k < 100; k++)); do "$BIN" --socket "$SOCK" metrics >/dev/null; done
r2=$(rss_kib "$DPID")
echo "  daemon RSS: $r0 KiB, after 100 more metrics $r1 KiB, after 200 $r2 KiB"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/ready.sh BIN: the cost of checks (issue 13, docs/readiness.md).
# BENCH_READY_N services (1000), each a sleep with a tcp readiness check and
# a tcp health check every BENCH_READY_INTERVAL (1s) against one listener
# (python3, accepting and closing); beside it the same services with no
# check at all, as the baseline. Prints, for each: the time until all are
# running / ready, then over BENCH_READY_WINDOW seconds (10) the daemon's
# CPU time (utime+stime from /proc/PID/stat), its wakeups (status counter),
# the health checks done (status: health.checks), and so the daemon CPU per
# check and the wakeups per check. Figures only; nothing is asserted.
# Everything started here is stopped by its pid on the way out.
set -uo pipefail

BIN=${1:?usage: bench/ready.sh /abs/path/to/ringvisor}
N=${BENCH_READY_N:-1000}
INTERVAL=${BENCH_READY_INTERVAL:-1s}
WINDOW=${BENCH_READY_WINDOW:-10}
TMP=$(mktemp -d /tmp/ringvisor-ready-bench.XXXXXX) || exit 1
PIDS=()
CG_MOUNT=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
CGROOT=${CG_MOUNT:+$CG_MOUNT/rv-ready-bench-$$}

cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "${CGROOT:-}" ] && [ -d "$CGROOT" ] && find "$CGROOT" -depth -type d -exec rmdir {} \; 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { echo "ready-bench [$((SECONDS))s]: $*" >&2; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
status() { "$BIN" --socket "$TMP/sock" status --json; }

# The listener every check connects to.
python3 - "$TMP/port" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(4096)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept(); c.close()
PY
PIDS+=($!)
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
PORT=$(cat "$TMP/port") || exit 1

# run NAME CHECKS: one daemon, its figures in $TMP/NAME.figs
run() {
	local name=$1 checks=$2 cfg="$TMP/$1.yaml" t0 t1 want c0 c1 w0 w1 h0 h1 hz
	{
		echo "supervisor: {shutdown_timeout: 20s}"
		echo "services:"
		for i in $(seq 1 "$N"); do
			printf '  s%d:\n    command: [/bin/sleep, "100000"]\n' "$i"
			[ "$checks" = 1 ] && printf '    readiness: {tcp: "127.0.0.1:%s", interval: 100ms}\n    health: {tcp: "127.0.0.1:%s", interval: %s}\n' "$PORT" "$PORT" "$INTERVAL"
		done
	} >"$cfg"
	want=running; [ "$checks" = 1 ] && want=ready
	t0=$(date +%s%N)
	"$BIN" run -c "$cfg" --socket "$TMP/sock" --cgroup-root="${CGROOT:-none}" >"$TMP/$name.log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	for _ in $(seq 1200); do
		[ "$(status 2>/dev/null | jq "[.services[].instances[] | select(.state == \"$want\")] | length")" = "$N" ] && break
		sleep 0.05
	done
	t1=$(date +%s%N)
	sleep 2   # past the first health checks, spread over the interval
	hz=$(getconf CLK_TCK)
	# The window holds no status call of ours: CPU is read inside the
	# status calls' bracket (each status costs the daemon a little).
	h0=$(status | jq '[.services[].instances[].health.checks // 0] | add')
	w0=$(status | jq .supervisor.wakeups); c0=$(ticks "$pid")
	sleep "$WINDOW"
	c1=$(ticks "$pid"); w1=$(status | jq .supervisor.wakeups)
	h1=$(status | jq '[.services[].instances[].health.checks // 0] | add')
	echo "$(( (t1 - t0) / 1000000 )) $(( (c1 - c0) * 1000 / hz )) $((w1 - w0)) $((h1 - h0))" >"$TMP/$name.figs"
	"$BIN" --socket "$TMP/sock" shutdown >/dev/null 2>&1
	wait "$pid" 2>/dev/null
}

log "$N services without checks"
run plain 0
log "$N services with a tcp readiness and a tcp health check every $INTERVAL"
run checks 1

read -r p_up p_cpu p_wake _ <"$TMP/plain.figs"
read -r c_up c_cpu c_wake c_checks <"$TMP/checks.figs"
per() { [ "$2" -gt 0 ] && awk -v a="$1" -v b="$2" -v m="$3" 'BEGIN { printf "%.3f", a * m / b }' || echo n/a; }
echo
echo "checks: $N services, tcp readiness (100ms) + tcp health every $INTERVAL, ${WINDOW}s window ($(date -u +%FT%RZ), $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-44s %14s %14s\n' "" "no checks" "with checks"
printf '%-44s %14s %14s\n' "all running (no checks) / ready (ms)" "$p_up" "$c_up"
printf '%-44s %14s %14s\n' "daemon CPU in the window (ms)" "$p_cpu" "$c_cpu"
printf '%-44s %14s %14s\n' "wakeups in the window" "$p_wake" "$c_wake"
printf '%-44s %14s %14s\n' "health checks done in the window" "-" "$c_checks"
printf '%-44s %14s %14s\n' "daemon CPU per check (us)" "-" "$(per "$((c_cpu - p_cpu))" "$c_checks" 1000)"
printf '%-44s %14s %14s\n' "wakeups per check" "-" "$(per "$((c_wake - p_wake))" "$c_checks" 1)"

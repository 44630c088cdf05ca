#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/metrics.sh BIN: the daemon's CPU for one `metrics` call, beside one
# `status --json` and supervisord's getAllProcessInfo (XML-RPC, what
# `supervisorctl status` asks), and the daemon's memory from call to call
# (issue 17: under 5 ms for 1000 instances and 50 ms for 10 000, no growth).
# Run by `make bench`; prints figures only, nothing is asserted.
#
# For each N of BENCH_METRICS_N ("1000 10000"): N services of one sleep
# each, leak sampling on (every family filled), one leak pass waited for;
# then CPU from the daemon's schedstat over BENCH_METRICS_CALLS calls (20;
# 5 for status --json past 2000 instances, ~1 s each there), made one after
# another; RSS and Pss after the first metrics call and after 50 more.
# supervisord: BENCH_METRICS_SV_N programs (1000; 0 skips it), skipped with
# the reason when it is not installed (make bench-deps).
# Time here (2 vCPUs): ~1 min for 1000, ~4 min for 10 000 (starting 10 000
# sleeps is most of it), ~30 s for supervisord's 1000.
#
# fds: the daemon holds ~5 per instance (pidfd, cgroup dir, output pipe
# ends, exec-error pipe while starting); the soft RLIMIT_NOFILE is raised to
# 6 per instance, the hard one too when root may (CAP_SYS_RESOURCE). An N
# that does not fit is said, and the largest N that fits (in steps of 500)
# is measured instead: the cost is per instance. Everything started here is stopped by its pid on
# the way out (even on failure or ^C); its cgroups and temp dir are removed.
set -uo pipefail
BIN=${1:?usage: bench/metrics.sh /abs/ringvisor}
NS=${BENCH_METRICS_N:-1000 10000}
CALLS=${BENCH_METRICS_CALLS:-20}
SV_N=${BENCH_METRICS_SV_N:-1000}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib_measure.sh"
TMP=$(mktemp -d /tmp/rv-bench-metrics.XXXXXX)
CG=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
CGROOT=
DPID=
SVPID=
T0=$SECONDS

# stop PID: SIGTERM, then SIGKILL after 60 s; only children of this shell.
stop() {
	local i
	kill -TERM "$1" 2>/dev/null
	for ((i = 0; i < 600; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
rmcg() { [ -n "$CGROOT" ] && [ -d "$CGROOT" ] && find "$CGROOT" -depth -type d -exec rmdir {} \; 2>/dev/null; CGROOT=; }
cleanup() {
	[ -n "$DPID" ] && stop "$DPID"
	[ -n "$SVPID" ] && stop "$SVPID"
	rmcg
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "metrics bench: interrupted" >&2; exit 130' INT TERM

# fds N: raises the fd limits for N instances (or programs); 1 if it cannot.
fds() {
	local need=$((6 * $1 + 256)) hard
	hard=$(ulimit -Hn)
	if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ]; then
		ulimit -Hn "$need" 2>/dev/null || return 1
	fi
	[ "$(ulimit -Sn)" = unlimited ] || [ "$(ulimit -Sn)" -ge "$need" ] || ulimit -Sn "$need"
}

# fit N: N if its fds fit, else (said) the largest multiple of 500 that does.
fit() {
	local hard
	fds "$1" && { echo "$1"; return; }
	hard=$(ulimit -Hn)
	echo "ringvisor, $1 instances: not here: $((6 * $1 + 256)) fds wanted, the hard RLIMIT_NOFILE is $hard" \
		"and cannot be raised (no CAP_SYS_RESOURCE)" >&3
	echo $(((hard - 256) / 6 / 500 * 500))
}

# per_call PID CMD...: the CPU of PID per call of CMD, in ms, and the
# reply's bytes; COUNT calls (CALLS unless set).
per_call() {
	local pid=$1 c0 c1 bytes k n=${COUNT:-$CALLS}
	shift
	bytes=$("$@" | wc -c)
	c0=$(cpu_ns "$pid")
	for ((k = 0; k < n; k++)); do "$@" >/dev/null; done
	c1=$(cpu_ns "$pid")
	awk -v a="$c0" -v b="$c1" -v n="$n" -v by="$bytes" \
		'BEGIN { printf "%6.2f ms  (%d calls, reply %d bytes)", (b - a) / n / 1e6, n, by }'
}

mem() { echo "RSS $(rss_kib "$1") KiB, Pss $(pss_kib "$1") KiB"; }

# rv_metrics N: one daemon with N instances.
rv_metrics() {
	local n=$1 sock=$TMP/rv.sock t=$SECONDS i k
	echo "ringvisor, $n instances:"
	[ "$n" -gt 0 ] && fds "$n" || { echo "  skipped: not enough fds"; return 0; }
	{
		echo "supervisor: {shutdown_timeout: 60s}"
		echo "services:"
		for ((i = 0; i < n; i++)); do
			printf '  s%05d:\n    command: [sleep, "100000"]\n    leak: {sample_every: 5s}\n' "$i"
		done
	} >"$TMP/c.yaml"
	CGROOT=${CG:+$CG/rv-bench-metrics-$$}
	"$BIN" run -c "$TMP/c.yaml" --socket "$sock" ${CGROOT:+--cgroup-root="$CGROOT"} >"$TMP/out" 2>"$TMP/log" &
	DPID=$!
	# Every instance running and counted by a leak pass (its threads).
	for ((k = 0; k < 1200; k++)); do
		[ "$("$BIN" --socket "$sock" metrics 2>/dev/null | grep -c '^ringvisor_instance_threads{')" = "$n" ] && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 1
	done
	if [ "$k" = 1200 ] || ! kill -0 "$DPID" 2>/dev/null; then
		echo "  failed: not every instance running and sampled after 20 min; see the log:"; tail -3 "$TMP/log"
	else
		echo "  started and sampled in $((SECONDS - t)) s; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
		echo "  daemon CPU per metrics:       $(per_call "$DPID" "$BIN" --socket "$sock" metrics)"
		echo "  memory after 1 metrics:        $(mem "$DPID")"
		for ((k = 0; k < 50; k++)); do "$BIN" --socket "$sock" metrics >/dev/null; done
		echo "  memory after 50 more:          $(mem "$DPID")"
		echo "  daemon CPU per status --json: $(COUNT=$((n > 2000 ? 5 : CALLS)) per_call "$DPID" "$BIN" --socket "$sock" status --json)"
	fi
	stop "$DPID"; DPID=
	rmcg
}

# sv_metrics N: supervisord with N programs, getAllProcessInfo.
sv_metrics() {
	local n=$1 d=$TMP/sv i k py=/usr/bin/python3
	echo "supervisord, $n programs:"
	command -v supervisord >/dev/null || { echo "  skipped: supervisord is not installed (make bench-deps)"; return 0; }
	"$py" -c 'import supervisor.xmlrpc' 2>/dev/null || { echo "  skipped: no supervisor module for $py"; return 0; }
	fds "$((n / 2 + 1))" || { echo "  skipped: not enough fds"; return 0; }   # 3 per program
	mkdir -p "$d"
	{
		printf '[unix_http_server]\nfile=%s/sock\n[supervisord]\nnodaemon=true\nlogfile=%s/log\n' "$d" "$d"
		printf 'pidfile=%s/pid\nminfds=%d\n[rpcinterface:supervisor]\n' "$d" $((3 * n + 256))
		printf 'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n'
		for ((i = 0; i < n; i++)); do
			printf '[program:s%05d]\ncommand=sleep 100000\nstartsecs=0\n' "$i"
			printf 'stdout_logfile=NONE\nstderr_logfile=NONE\n'
		done
	} >"$d/sv.conf"
	supervisord -n -c "$d/sv.conf" >"$d/out" 2>&1 &
	SVPID=$!
	cat >"$d/call.py" <<'PY'
import sys, xmlrpc.client
from supervisor.xmlrpc import SupervisorTransport
p = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=SupervisorTransport(None, None, "unix://" + sys.argv[1]))
if sys.argv[2] == "running":
    print(sum(1 for i in p.supervisor.getAllProcessInfo() if i["statename"] == "RUNNING"))
else:
    for _ in range(int(sys.argv[2])):
        info = p.supervisor.getAllProcessInfo()
    print(len(xmlrpc.client.dumps((info,), methodresponse=True)))
PY
	for ((k = 0; k < 300; k++)); do
		[ "$("$py" "$d/call.py" "$d/sock" running 2>/dev/null)" = "$n" ] && break
		sleep 1
	done
	if [ "$k" = 300 ]; then
		echo "  failed: not every program running after 300 s"
	else
		local c0 c1 bytes
		c0=$(cpu_ns "$SVPID")
		bytes=$("$py" "$d/call.py" "$d/sock" "$CALLS")
		c1=$(cpu_ns "$SVPID")
		awk -v a="$c0" -v b="$c1" -v n="$CALLS" -v by="$bytes" \
			'BEGIN { printf "  daemon CPU per getAllProcessInfo: %6.2f ms  (%d calls, reply %d bytes)\n", (b - a) / n / 1e6, n, by }'
		echo "  memory:                        $(mem "$SVPID")"
	fi
	stop "$SVPID"; SVPID=
}

echo "metrics bench (issue 17: 1000 instances < 5 ms, 10 000 < 50 ms of daemon CPU per scrape)"
exec 3>&1   # fit's message, from inside $()
for n in $NS; do rv_metrics "$(fit "$n")"; done
[ "$SV_N" -gt 0 ] && sv_metrics "$SV_N"
echo "metrics bench took $((SECONDS - T0)) s"

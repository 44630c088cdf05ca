#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/run.sh BIN: ringvisor's benchmarks, printed beside supervisord's as a
# baseline and beside the aims. Figures only: nothing here asserts a timing.
# docs/performance.md says what each row measures and has one run's output.
#
# Columns: ringvisor (default backend, io_uring here), ringvisor with
# --event-backend=epoll (start and restart only), supervisord (the baseline),
# and the machine's floor: a small C program (bench/rvbench.c) doing the same
# spawning with no supervisor at all, by fork and by vfork.
#
# Knobs (environment): BENCH_N (services, 1000), BENCH_SV_N (supervisord's
# programs, 50: it spawns only a few a second here), BENCH_SAMPLES (restart
# samples, 200), BENCH_STATUS_SAMPLES (restart samples timed by a status
# loop, 50), BENCH_SV_SAMPLES (supervisord's, 10: each waits for its 1 s
# tick), BENCH_FLOOR_N (floor's bulk spawn, 250), BENCH_IDLE_S (idle window,
# 10), BENCH_EPOLL, BENCH_BASELINE, BENCH_FLOOR (1: run that column),
# BENCH_KEEP (1: keep the temp dir).
#
# Everything started here is stopped by its pid on the way out, even on
# failure or ^C, and the temp dir (configs, sockets, logs) is removed.
set -uo pipefail

BIN=${1:?usage: bench/run.sh /abs/path/to/ringvisor}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
N=${BENCH_N:-1000}
SV_N=${BENCH_SV_N:-$((N < 50 ? N : 50))}
SAMPLES=${BENCH_SAMPLES:-200}
ST_SAMPLES=${BENCH_STATUS_SAMPLES:-$((SAMPLES < 50 ? SAMPLES : 50))}
SV_SAMPLES=${BENCH_SV_SAMPLES:-$((SAMPLES < 10 ? SAMPLES : 10))}
FLOOR_N=${BENCH_FLOOR_N:-$((N < 250 ? N : 250))}
DO_FLOOR=${BENCH_FLOOR:-1}
IDLE_S=${BENCH_IDLE_S:-10}
DO_EPOLL=${BENCH_EPOLL:-1}
DO_BASELINE=${BENCH_BASELINE:-1}
TARGET_IDX=$((N / 2))   # the instance killed for restart latency: mid-table
BENCH_T0=$SECONDS

TMP=$(mktemp -d /tmp/ringvisor-bench.XXXXXX) || exit 1
STARTED=()   # pids of daemons this script started (children of this shell)
BGPID=       # the measuring command in flight, if any

log() { printf 'bench [%3ds]: %s\n' $((SECONDS - BENCH_T0)) "$*" >&2; }

alive() {   # a live process, not a zombie waiting for us
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

wait_gone() {   # wait_gone PID SECONDS: 0 once PID has exited
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		alive "$1" || return 0
		sleep 0.05
	done
	return 1
}

children_of() { cat /proc/"$1"/task/*/children 2>/dev/null; }

# stop_pid PID: SIGTERM (both supervisors then stop their services), wait,
# then SIGKILL, and SIGKILL any `sleep` child left behind, each by its pid.
stop_pid() {
	local pid=$1 kids c
	if alive "$pid"; then
		kids=$(children_of "$pid")
		kill -TERM "$pid" 2>/dev/null
		if ! wait_gone "$pid" 30; then
			log "pid $pid ignored SIGTERM for 30 s: SIGKILL"
			kids="$kids $(children_of "$pid")"
			kill -KILL "$pid" 2>/dev/null
			wait_gone "$pid" 5
		fi
		for c in $kids; do
			[ "$(cat /proc/"$c"/comm 2>/dev/null)" = sleep ] && kill -KILL "$c" 2>/dev/null
		done
	fi
	wait "$pid" 2>/dev/null
	return 0
}

forget() {   # forget PID: it was stopped cleanly
	local keep=() p
	for p in "${STARTED[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	STARTED=("${keep[@]}")
}

cleanup() {
	local p f
	trap - EXIT INT TERM
	if [ -n "$BGPID" ] && alive "$BGPID"; then kill -TERM "$BGPID" 2>/dev/null; wait "$BGPID" 2>/dev/null; fi
	for p in "${STARTED[@]}"; do
		alive "$p" && log "cleanup: stopping pid $p"
		stop_pid "$p"
	done
	for f in "$TMP"/*/*res.pid; do   # watchers of rvbench launch, if still up
		[ -f "$f" ] || continue
		p=$(cat "$f")
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = rvbench ] && kill -TERM "$p" 2>/dev/null
	done
	# The daemon removes its cgroups; if it had to be SIGKILLed, do it here.
	if [ -n "$CGROOT" ] && [ -d "$CGROOT" ]; then
		[ -f "$CGROOT/services/cgroup.kill" ] && echo 1 >"$CGROOT/services/cgroup.kill" 2>/dev/null && sleep 0.2
		find "$CGROOT" -depth -type d -exec rmdir {} \; 2>/dev/null
	fi
	if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM

# ---- prerequisites ----

[ -x "$BIN" ] || { log "no binary at $BIN"; exit 1; }
command -v jq >/dev/null || { log "jq is missing (make deps)"; exit 1; }
HELPER=$TMP/rvbench
cc -std=gnu17 -O2 -Wall -Wextra -o "$HELPER" "$HERE/rvbench.c" || { log "cannot build rvbench"; exit 1; }

# File descriptors: ringvisor holds 2 per starting instance (pidfd, exec-error
# pipe) and 1 per running one; supervisord 3 per program (stdin, stdout, stderr
# pipes). Raise the soft limit towards the hard one if it is short.
need=$((3 * (N > SV_N ? N : SV_N) + 256))
soft=$(ulimit -Sn); hard=$(ulimit -Hn)
if [ "$soft" != unlimited ] && [ "$soft" -lt "$need" ]; then
	if [ "$hard" = unlimited ] || [ "$hard" -ge "$need" ]; then
		ulimit -Sn "$need"
	else
		ulimit -Sn "$hard"
		log "fd hard limit $hard is below the $need wanted; some starts may fail"
	fi
fi
log "fd limit: soft $(ulimit -Sn), hard $(ulimit -Hn)"

SUPERVISORD=
if [ "$DO_BASELINE" = 1 ]; then
	SUPERVISORD=$(command -v supervisord || true)
	if [ -z "$SUPERVISORD" ] && [ "$(id -u)" = 0 ]; then
		log "installing the Debian package supervisor (the baseline)"
		had_pidfile=0; [ -e /var/run/supervisord.pid ] && had_pidfile=1
		{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends supervisor ||
		  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends supervisor; }
		} >"$TMP/apt.log" 2>&1 || log "apt-get install supervisor failed (see below)"
		# Where invoke-rc.d is allowed to, the package starts a system
		# supervisord: stop that one (by its pid), this script started it.
		if [ "$had_pidfile" = 0 ] && [ -s /var/run/supervisord.pid ]; then
			p=$(cat /var/run/supervisord.pid)
			[ "$(cat /proc/"$p"/comm 2>/dev/null)" = supervisord ] && kill -TERM "$p" 2>/dev/null
		fi
		SUPERVISORD=$(command -v supervisord || true)
		[ -n "$SUPERVISORD" ] || tail -5 "$TMP/apt.log" >&2
	fi
	[ -n "$SUPERVISORD" ] || log "no supervisord: the baseline column stays empty"
fi

# Each daemon gets a cgroup root of its own (as the integration tests do),
# so that the benchmark can run beside other daemons on the host.
RV_EXTRA=()
CGROOT=
if [ "$(id -u)" = 0 ] && "$BIN" run --help 2>&1 | grep -q -- --cgroup-root; then
	CG_MOUNT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	CGROOT=${CG_MOUNT:+$CG_MOUNT/rv-bench-$$}
	RV_EXTRA=(--cgroup-root="${CGROOT:-none}")
fi

# ---- small helpers ----

declare -A R   # results: R[column.key]=value

ms_of_day() {   # awk: "HH:MM:SS.mmm" or "HH:MM:SS,mmm" -> ms since midnight
	cat <<'EOF'
function ms(t,   a) { gsub(",", ".", t); split(t, a, ":"); return (a[1] * 3600 + a[2] * 60 + a[3]) * 1000 }
EOF
}

# percentiles PCT...: nearest-rank percentiles of the numbers on stdin
percentiles() {
	sort -n | awk -v want="$*" '{ v[NR] = $1 } END {
		n = split(want, p, " ");
		for (i = 1; i <= n; i++) {
			if (NR == 0) { printf "n/a "; continue }
			k = int(p[i] / 100 * NR + 0.999999); if (k < 1) k = 1; if (k > NR) k = NR;
			printf "%s ", v[k] }
		printf "%d\n", NR }'
}

pss_kib() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null; }
rss_kib() { awk '/^Rss:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null; }
pd_kib() { awk '/^Private_Dirty:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null; }

cpu_ns() {   # on-CPU time of every thread of PID (io_uring workers included), ns
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}
minflt() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $8 }'; }
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }   # utime+stime
vol_ctx() {
	cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }'
}
threads() { ls /proc/"$1"/task 2>/dev/null | wc -l; }

kv() {   # kv "a=1 b=2" KEY
	tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'
}

# launch PROTO COUNT RESULT -- CMD...: starts CMD through rvbench (which
# becomes it) in the background; sets LPID. The watcher writes RESULT.
launch() {
	local proto=$1 count=$2 res=$3 interval
	shift 4
	interval=10; [ "$proto" = sv ] && interval=50
	rm -f "$res"
	"$HELPER" launch --proto "$proto" --socket "$SOCK" --count "$count" --result "$res" \
		--interval-ms "$interval" --timeout-s 150 -- "$@" &
	LPID=$!
	STARTED+=("$LPID")
}

# wait_result RESULT PID SECONDS: sets line to the watcher's result. Runs in
# this shell (no $(...)), so that ^C is acted on within 50 ms.
wait_result() {
	local i
	line=
	for ((i = 0; i < $3 * 20; i++)); do
		[ -f "$1" ] && { line=$(<"$1"); return 0; }
		alive "$2" || { sleep 0.2; [ -f "$1" ] && { line=$(<"$1"); return 0; }; return 1; }
		sleep 0.05
	done
	return 1
}

# bg OUT CMD...: runs CMD in the background and waits for it, so that a
# signal is acted on at once; its stdout goes to OUT.
bg() {
	local out=$1 rc
	shift
	"$@" >"$out" &
	BGPID=$!
	wait "$BGPID"
	rc=$?
	BGPID=
	return $rc
}

# ---- ringvisor ----

rv_config() {   # rv_config FILE COUNT
	{
		echo "supervisor:"
		echo "  shutdown_timeout: 20s"
		echo "services:"
		local i
		for ((i = 0; i < $2; i++)); do
			printf '  s%04d:\n    command: [sleep, "100000"]\n' "$i"
			echo "    restart: {policy: always, backoff_initial: 0ms, max_restarts: 0}"
		done
	} >"$1"
}

rv_wakeups() {   # a status of one instance: a reply small enough for one write
	"$BIN" status s0000.0 --json --socket "$SOCK" 2>/dev/null | jq -r '.supervisor.wakeups // empty'
}

rv_stop() {   # rv_stop PID: the daemon's own shutdown, then by pid if that fails
	timeout 30 "$BIN" shutdown --socket "$SOCK" >/dev/null 2>&1
	wait_gone "$1" 30 || log "ringvisor $1 still up after shutdown: stopping it by pid"
	stop_pid "$1"
	forget "$1"
}

# rv_bench COL BACKEND DO_IDLE
rv_bench() {
	local col=$1 backend=$2 do_idle=$3 dir=$TMP/$1 line pid
	mkdir -p "$dir"
	SOCK=$dir/control.sock
	rv_config "$dir/one.yaml" 1
	rv_config "$dir/all.yaml" "$N"
	"$BIN" check -c "$dir/all.yaml" >/dev/null || { log "$col: config rejected"; return 1; }

	# Pss with one service, the base of the per-service cost.
	log "$col: 1 service (memory base)"
	launch rv 1 "$dir/one.res" -- "$BIN" run -c "$dir/one.yaml" --socket "$SOCK" \
		--event-backend="$backend" --log-format=json "${RV_EXTRA[@]}" 2>"$dir/one.log"
	pid=$LPID
	if wait_result "$dir/one.res" "$pid" 30; then
		sleep 0.5
		R[$col.pss1]=$(pss_kib "$pid")
		R[$col.pd1]=$(pd_kib "$pid")
	else
		log "$col: one service did not come up"; tail -3 "$dir/one.log" >&2
	fi
	rv_stop "$pid"

	# 1. Start N.
	log "$col: starting $N services"
	launch rv "$N" "$dir/all.res" -- "$BIN" run -c "$dir/all.yaml" --socket "$SOCK" \
		--event-backend="$backend" --log-format=json "${RV_EXTRA[@]}" 2>"$dir/all.log"
	pid=$LPID
	if ! wait_result "$dir/all.res" "$pid" 160; then
		log "$col: no result from the start watcher"; tail -5 "$dir/all.log" >&2
		rv_stop "$pid"; return 1
	fi
	R[$col.start_cpu]=$(awk -v c="$(cpu_ns "$pid")" 'BEGIN { printf "%.0f", c / 1e6 }')
	R[$col.start_flt]=$(minflt "$pid")
	R[$col.start_running]=$(kv "$line" running_ms)
	R[$col.start_exec]=$(kv "$line" exec_ms)
	R[$col.start_forked]=$(kv "$line" forked_ms)
	R[$col.start_netlink]=$(kv "$line" netlink)
	R[$col.start_log]=$(jq -r 'select(.event == "start") | .ts' "$dir/all.log" | sed -n '1p;$p' |
		awk "$(ms_of_day)"'{ t = $0; sub(/.*T/, "", t); sub(/Z$/, "", t); v[NR] = ms(t) }
			END { if (NR == 2) { d = v[2] - v[1]; if (d < 0) d += 86400000; print d } }')
	R[$col.backend]=$("$BIN" status --json --socket "$SOCK" | jq -r .supervisor.event_backend)
	log "$col: $line"

	# 3. Memory with N running.
	sleep 1
	R[$col.pssN]=$(pss_kib "$pid")
	R[$col.rssN]=$(rss_kib "$pid")
	R[$col.pdN]=$(pd_kib "$pid")
	R[$col.fds]=$("$BIN" status --json --socket "$SOCK" | jq -r .supervisor.fds)

	# 4. Idle. A status call wakes the daemon itself (accept, request,
	# reply, close: 3 or 4 loop passes, depending on how the events batch),
	# so the counter is read 6 times back to back first: each of the 5
	# deltas is one call's cost (kmin..kmax). The window's delta
	# d = w_after - w_last_before holds the same: one call's close and the
	# next one's accept and request. The daemon's own idle wakeups are
	# then d - kmax .. d - kmin (not below 0). CPU time and context switches
	# are read from /proc, which does not wake the daemon, over a window
	# that starts 0.5 s after the last call: no calibration there.
	if [ "$do_idle" = 1 ]; then
		log "$col: idle for ${IDLE_S}s"
		local w=() i k kmin kmax d lo hi c0 c1 t0 t1 v0 v1 wa
		for i in 1 2 3 4 5 6; do w+=("$(rv_wakeups)"); done
		k=$(for i in 1 2 3 4 5; do echo $((w[i] - w[i - 1])); done | sort -n | tr '\n' ' ')
		kmin=${k%% *}; kmax=$(echo $k | awk '{ print $NF }')
		sleep 0.5
		c0=$(cpu_ns "$pid"); t0=$(cpu_ticks "$pid"); v0=$(vol_ctx "$pid")
		bg /dev/null sleep "$IDLE_S"
		c1=$(cpu_ns "$pid"); t1=$(cpu_ticks "$pid"); v1=$(vol_ctx "$pid")
		wa=$(rv_wakeups)
		R[$col.idle_cpu_ms]=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')
		R[$col.idle_ticks]=$((t1 - t0))
		R[$col.idle_ctx]=$((v1 - v0))
		d=$((wa - w[5]))
		lo=$((d - kmax)); hi=$((d - kmin))
		((lo < 0)) && lo=0
		((hi < 0)) && hi=0
		if [ "$lo" = "$hi" ]; then R[$col.idle_wake]=$lo; else R[$col.idle_wake]="$lo..$hi"; fi
		R[$col.wake_per_call]="$kmin..$kmax"
		R[$col.wake_raw]="${w[*]} [${IDLE_S}s] $wa"
		R[$col.threads]=$(threads "$pid")
	fi

	# 2. Restart latency of s<mid>.0: kill -> the kernel's exec event of the
	# replacement (nothing asked of the daemon meanwhile), then the same
	# timed by a tight status loop, which competes with what it measures.
	local target
	target=$(printf 's%04d.0' "$TARGET_IDX")
	log "$col: restart latency, $SAMPLES samples, then $ST_SAMPLES timed by a status loop"
	bg "$dir/rx" "$HELPER" restart --proto rv --socket "$SOCK" --target "$target" --parent "$pid" \
		--samples "$SAMPLES" --method exec
	bg "$dir/rs" "$HELPER" restart --proto rv --socket "$SOCK" --target "$target" --parent "$pid" \
		--samples "$ST_SAMPLES" --method status
	bg "$dir/sc" "$HELPER" status-cost --proto rv --socket "$SOCK" --target "$target"
	R[$col.rx]=$(<"$dir/rx"); R[$col.rs]=$(<"$dir/rs"); R[$col.sc]=$(<"$dir/sc")
	# The daemon's log: exit -> next start of the target, ms resolution.
	R[$col.rlog]=$(jq -r --arg s "${target%.0}" 'select(.service == $s and (.event == "exit" or .event == "start")) |
			"\(.event) \(.ts)"' "$dir/all.log" |
		awk "$(ms_of_day)"'{ t = $2; sub(/.*T/, "", t); sub(/Z$/, "", t)
			if ($1 == "exit") x = ms(t); else if (x != "") { d = ms(t) - x; if (d < 0) d += 86400000; print d; x = "" } }' |
		percentiles 50 99)

	log "$col: shutdown"
	rv_stop "$pid"
}

# ---- supervisord ----

sv_config() {   # sv_config FILE COUNT
	local d
	d=$(dirname "$1")
	{
		cat <<EOF
[unix_http_server]
file=$d/control.sock
chmod=0700

[supervisord]
nodaemon=true
logfile=$d/supervisord.log
logfile_maxbytes=0
pidfile=$d/supervisord.pid
childlogdir=$d
minfds=$need
loglevel=info

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$d/control.sock
EOF
		local i
		for ((i = 0; i < $2; i++)); do
			printf '\n[program:s%04d]\ncommand=sleep 100000\nstartsecs=0\nautorestart=true\n' "$i"
			printf 'stdout_logfile=NONE\nstderr_logfile=NONE\n'
		done
	} >"$1"
}

sv_stop() {   # supervisord stops its programs on SIGTERM
	stop_pid "$1"
	forget "$1"
}

sv_bench() {
	local col=sv dir line pid n=$SV_N
	dir=$TMP/sv-one; mkdir -p "$dir"; SOCK=$dir/control.sock
	sv_config "$dir/supervisord.conf" 1
	log "supervisord: 1 program (memory base)"
	launch sv 1 "$dir/res" -- "$SUPERVISORD" -n -c "$dir/supervisord.conf" >"$dir/out.log" 2>&1
	pid=$LPID
	if wait_result "$dir/res" "$pid" 30; then
		sleep 0.5
		R[$col.pss1]=$(pss_kib "$pid")
		R[$col.pd1]=$(pd_kib "$pid")
	fi
	sv_stop "$pid"

	dir=$TMP/sv; mkdir -p "$dir"; SOCK=$dir/control.sock
	sv_config "$dir/supervisord.conf" "$n"
	log "supervisord: starting $n programs"
	launch sv "$n" "$dir/res" -- "$SUPERVISORD" -n -c "$dir/supervisord.conf" >"$dir/out.log" 2>&1
	pid=$LPID
	if ! wait_result "$dir/res" "$pid" 160; then
		log "supervisord: no result from the start watcher"; tail -5 "$dir/supervisord.log" >&2
		sv_stop "$pid"; return 1
	fi
	log "supervisord: $line"
	R[$col.start_cpu]=$(awk -v c="$(cpu_ns "$pid")" 'BEGIN { printf "%.0f", c / 1e6 }')
	R[$col.start_flt]=$(minflt "$pid")
	R[$col.start_running]=$(kv "$line" running_ms)
	R[$col.start_exec]=$(kv "$line" exec_ms)
	R[$col.start_forked]=$(kv "$line" forked_ms)
	R[$col.start_log]=$(grep "INFO spawned: " "$dir/supervisord.log" | sed -n '1p;$p' |
		awk "$(ms_of_day)"'{ v[NR] = ms($2) } END { if (NR == 2) { d = v[2] - v[1]; if (d < 0) d += 86400000; print d } }')
	# supervisorctl's own answer, once, as the brief's reference check.
	R[$col.ctl_running]=$(supervisorctl -c "$dir/supervisord.conf" status 2>/dev/null | grep -c ' RUNNING ')

	sleep 1
	R[$col.pssN]=$(pss_kib "$pid")
	R[$col.rssN]=$(rss_kib "$pid")
	R[$col.pdN]=$(pd_kib "$pid")
	R[$col.fds]=$(ls /proc/"$pid"/fd | wc -l)

	log "supervisord: idle for ${IDLE_S}s"
	local c0 c1 t0 t1 v0 v1
	sleep 0.5
	c0=$(cpu_ns "$pid"); t0=$(cpu_ticks "$pid"); v0=$(vol_ctx "$pid")
	bg /dev/null sleep "$IDLE_S"
	c1=$(cpu_ns "$pid"); t1=$(cpu_ticks "$pid"); v1=$(vol_ctx "$pid")
	R[$col.idle_cpu_ms]=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')
	R[$col.idle_ticks]=$((t1 - t0))
	R[$col.idle_ctx]=$((v1 - v0))
	R[$col.threads]=$(threads "$pid")

	local target
	target=$(printf 's%04d' $((n / 2)))
	log "supervisord: restart latency, $SV_SAMPLES samples per method"
	bg "$dir/rx" "$HELPER" restart --proto sv --socket "$SOCK" --target "$target" --parent "$pid" \
		--samples "$SV_SAMPLES" --warmup 1 --method exec
	bg "$dir/rs" "$HELPER" restart --proto sv --socket "$SOCK" --target "$target" --parent "$pid" \
		--samples "$SV_SAMPLES" --warmup 1 --method status
	bg "$dir/sc" "$HELPER" status-cost --proto sv --socket "$SOCK" --target "$target"
	R[$col.rx]=$(<"$dir/rx"); R[$col.rs]=$(<"$dir/rs"); R[$col.sc]=$(<"$dir/sc")
	R[$col.rlog]=$(grep -E "(exited|spawned): '?$target'? " "$dir/supervisord.log" |
		awk "$(ms_of_day)"'{ t = ms($2) }
			/exited:/ { x = t } /spawned:/ { if (x != "") { d = t - x; if (d < 0) d += 86400000; print d; x = "" } }' |
		percentiles 50 99)

	log "supervisord: stopping"
	sv_stop "$pid"
}

# ---- the machine's floor ----

floor_bench() {
	log "floor: $FLOOR_N sleeps by fork from a small C program, then $SAMPLES restarts by fork and by vfork"
	bg "$TMP/floor-fork" "$HELPER" floor --method fork --count "$FLOOR_N" --samples "$SAMPLES"
	bg "$TMP/floor-vfork" "$HELPER" floor --method vfork --count 1 --samples "$SAMPLES"
	R[fl.line]=$(<"$TMP/floor-fork"); R[fv.line]=$(<"$TMP/floor-vfork")
	R[fl.bulk_ms]=$(kv "${R[fl.line]}" bulk_ms)
	R[fl.rx]=${R[fl.line]}
	R[fv.rx]=${R[fv.line]}
}

# ---- run ----

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
[ "$DO_FLOOR" = 1 ] && floor_bench
rv_bench rv uring 1 || log "ringvisor (uring) run failed"
[ "$DO_EPOLL" = 1 ] && { rv_bench ep epoll 0 || log "ringvisor (epoll) run failed"; }
[ -n "$SUPERVISORD" ] && { sv_bench || log "supervisord run failed"; }

# ---- table ----

COLS=(rv); [ "$DO_EPOLL" = 1 ] && COLS+=(ep); [ -n "$SUPERVISORD" ] && COLS+=(sv)
[ "$DO_FLOOR" = 1 ] && COLS+=(fl fv)

get() { local v=${R[$1]:-}; [ -n "$v" ] && [ "$v" != -1.0 ] && printf '%s' "$v" || printf 'n/a'; }
us2ms() { [ -n "$1" ] && [ "$1" != n/a ] && awk -v u="$1" 'BEGIN { if (u < 0) print "n/a"; else printf "%.2f", u / 1000 }' || echo n/a; }
per_service() {   # per_service COL COUNT [pss|pd]: (XN - X1) / (count - 1), KiB
	local k=${3:-pss}
	local a=${R[$1.${k}N]:-} b=${R[$1.${k}1]:-} c=$2
	[ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN { printf "%.2f", (a - b) / (c - 1) }' || echo n/a
}

row() {   # row METRIC AIM VALUES...
	local metric=$1 aim=$2
	shift 2
	printf '| %-44s |' "$metric"
	local v
	for v in "$@"; do printf ' %12s |' "$v"; done
	printf ' %-14s |\n' "$aim"
}

cell() {   # cell KIND COL: one figure of one column
	local k=$1 c=$2 n=$N v
	[ "$c" = sv ] && n=$SV_N
	case $k in
	start_running|start_exec|start_log|start_cpu) get "$c.$k" ;;
	spawn_cpu) [ -n "${R[$c.start_cpu]:-}" ] && awk -v a="${R[$c.start_cpu]}" -v n="$n" 'BEGIN { printf "%.2f", a / n }' || echo n/a ;;
	spawn_flt) [ -n "${R[$c.start_flt]:-}" ] && awk -v a="${R[$c.start_flt]}" -v n="$n" 'BEGIN { printf "%.0f", a / n }' || echo n/a ;;
	rx_med) us2ms "$(kv "${R[$c.rx]:-}" median_us)" ;;
	rx_p99) us2ms "$(kv "${R[$c.rx]:-}" p99_us)" ;;
	rx_f2e) us2ms "$(kv "${R[$c.rx]:-}" fork_exec_med_us)" ;;
	rs_med) us2ms "$(kv "${R[$c.rs]:-}" median_us)" ;;
	rs_p99) us2ms "$(kv "${R[$c.rs]:-}" p99_us)" ;;
	rlog_med) v=${R[$c.rlog]:-}; echo "${v%% *}" | sed 's/^$/n\/a/' ;;
	rlog_p99) v=${R[$c.rlog]:-}; v=${v#* }; echo "${v%% *}" | sed 's/^$/n\/a/' ;;
	pssN|pss1|rssN|fds|idle_cpu_ms|idle_ticks|idle_ctx|threads) get "$c.$k" ;;
	idle_wake) [ "$c" = sv ] && echo "no counter" || get "$c.$k" ;;
	rx_x2f) [ "${c:0:1}" = f ] && echo n/a || us2ms "$(kv "${R[$c.rx]:-}" exit_fork_med_us)" ;;
	per) per_service "$c" "$n" ;;
	per_pd) per_service "$c" "$n" pd ;;
	rx_e2r) us2ms "$(kv "${R[$c.rx]:-}" exec_status_med_us)" ;;
	rs_x) us2ms "$(kv "${R[$c.rs]:-}" kill_exec_while_polling_med_us)" ;;
	rate) # services exec'd per second during the start
		if [ "$c" = fl ]; then v=$(get fl.bulk_ms); n=$FLOOR_N; else v=$(get "$c.start_exec"); fi
		[ "$v" != n/a ] && awk -v n="$n" -v t="$v" 'BEGIN { printf "%.0f", n * 1000 / t }' || echo n/a ;;
	sc_one) us2ms "$(kv "${R[$c.sc]:-}" one_us)" ;;
	sc_all) us2ms "$(kv "${R[$c.sc]:-}" all_us)" ;;
	sc_bytes) v=$(kv "${R[$c.sc]:-}" all_bytes); echo "${v:-n/a}" ;;
	esac
}

line_for() {   # line_for METRIC AIM KIND
	local vals=() c
	for c in "${COLS[@]}"; do vals+=("$(cell "$3" "$c")"); done
	row "$1" "$2" "${vals[@]}"
}

heads=()
for c in "${COLS[@]}"; do
	case $c in
	rv) heads+=("ringvisor") ;; ep) heads+=("rv epoll") ;; sv) heads+=("supervisord") ;;
	fl) heads+=("floor fork") ;; fv) heads+=("floor vfork") ;;
	esac
done
echo
echo "ringvisor benchmarks, $(date -u +%Y-%m-%dT%H:%MZ): $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), kernel $(uname -r), load average $LOAD0 before, $(cut -d' ' -f1-3 /proc/loadavg) after"
echo "ringvisor: $N services ('rv epoll': --event-backend=epoll); restart: $SAMPLES samples, $ST_SAMPLES timed by a status loop, on instance $TARGET_IDX"
[ -n "$SUPERVISORD" ] && echo "supervisord $("$SUPERVISORD" --version 2>/dev/null): $SV_N programs$([ "$SV_N" != "$N" ] && echo ", not $N (it spawns only a few a second here)"); restart: $SV_SAMPLES samples each way"
[ "$DO_FLOOR" = 1 ] && echo "floor: a small C program spawning sleep itself, no daemon: $FLOOR_N at once by fork, restarts by fork and by vfork ($(kv "${R[fl.line]:-}" fault_us) us per page fault here)"
echo "'n/a': not measured or not applicable"
echo
row metric aim "${heads[@]}"
printf '|%s|' "$(printf -- '-%.0s' $(seq 46))"
for c in "${COLS[@]}"; do printf '%s|' "$(printf -- '-%.0s' $(seq 14))"; done
printf '%s|\n' "$(printf -- '-%.0s' $(seq 16))"
line_for "1. start all: status shows all running (ms)" "< 1000 ms" start_running
line_for "   last child exec'd (kernel event, ms)" "" start_exec
line_for "   services exec'd per second" "" rate
line_for "   own log: first to last start (ms)" "" start_log
line_for "   daemon CPU time until then (ms)" "" start_cpu
line_for "   daemon CPU per service started (ms)" "" spawn_cpu
line_for "   daemon page faults per service started" "" spawn_flt
line_for "2. restart kill->exec median (ms)" "< 2 ms" rx_med
line_for "   restart kill->exec p99 (ms)" "" rx_p99
line_for "   of which exit->fork median (ms)" "" rx_x2f
line_for "   of which fork->exec median (ms)" "" rx_f2e
line_for "   then exec->status running, 1ms polls (ms)" "" rx_e2r
line_for "   status loop: kill->running median (ms)" "" rs_med
line_for "   status loop: kill->running p99 (ms)" "" rs_p99
line_for "   status loop: kill->exec median (ms)" "" rs_x
line_for "   own log exit->start median (ms, 1ms res.)" "" rlog_med
line_for "   own log exit->start p99 (ms, 1ms res.)" "" rlog_p99
line_for "3. Pss, all services running (KiB)" "" pssN
line_for "   Pss, one service (KiB)" "" pss1
line_for "   per service (PssN-Pss1)/(N-1) (KiB)" "< 8 KiB" per
line_for "   per service, Private_Dirty (KiB)" "" per_pd
line_for "   Rss, all services running (KiB)" "" rssN
line_for "   open fds, all services running" "" fds
line_for "4. idle ${IDLE_S}s: CPU time (ms, schedstat)" "" idle_cpu_ms
line_for "   idle ${IDLE_S}s: CPU ticks (utime+stime)" "" idle_ticks
line_for "   idle ${IDLE_S}s: wakeups (status counter)" "0" idle_wake
line_for "   idle ${IDLE_S}s: voluntary ctx switches" "" idle_ctx
line_for "   threads (incl. io_uring workers)" "" threads
line_for "status of one instance, round trip (ms)" "" sc_one
line_for "status of everything, round trip (ms)" "" sc_all
line_for "status of everything, reply size (bytes)" "" sc_bytes
echo
[ -n "${R[rv.wake_raw]:-}" ] && echo "rv wakeups counter, 6 reads, idle window, 1 read: ${R[rv.wake_raw]}; one status call costs $(get rv.wake_per_call)"
for c in "${COLS[@]}"; do
	case $c in
	fl|fv) echo "$c: ${R[$c.line]:-n/a}" ;;
	*) echo "$c restart, kill->exec:   ${R[$c.rx]:-n/a}"
	   echo "$c restart, status loop:  ${R[$c.rs]:-n/a}"
	   echo "$c status cost:           ${R[$c.sc]:-n/a}" ;;
	esac
done
[ -n "$SUPERVISORD" ] && echo "sv supervisorctl status after start: ${R[sv.ctl_running]:-n/a} RUNNING of $SV_N"
[ "${R[rv.start_netlink]:-ok}" = ok ] || echo "note: proc connector ${R[rv.start_netlink]}: kernel-event rows are n/a"
echo "bench took $((SECONDS - BENCH_T0)) s"

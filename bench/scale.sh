#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/scale.sh BIN: how each of ringvisor's figures grows with the number
# of instances (issue 18). Run by `make bench`; prints figures only,
# nothing is asserted. docs/performance.md ("How the figures grow with N")
# has one run and says what each column measures.
#
# First one service (the base), then for each N of BENCH_SCALE_N ("10 100
# 1000 10000"): N services of one `sleep` each (restart always, no backoff,
# no breaker; the leak watch at its defaults), in a private cgroup root
# under the cgroup2 mount. One row per N:
#   start ms     `run` to status showing all N running (rvbench launch:
#                t0 just before the daemon's exec, then status polled every
#                10 ms once all N have forked)
#   fds/inst     (daemon's open fds with N - with 1) / (N - 1), /proc/PID/fd
#   Pss/inst     the same with Pss (KiB, smaps_rollup) of the daemon plus
#                its fd-store helper (supervisor.fdstore.pid, docs/adoption.md)
#   idle CPU     daemon CPU (schedstat, every thread) over BENCH_SCALE_IDLE_S
#                (20) s with nothing asked of it but the leak watch's passes
#   idle wake    its loop wakeups in that window (status's supervisor.wakeups,
#                less a calibrated status call's own, as bench/lib_rv.sh does;
#                lo..hi when the calibration varies)
#   restart p50  kill -9 of one instance's main pid (mid-table) -> the kernel's
#                exec event of its replacement, BENCH_SCALE_SAMPLES (20)
#                samples (`rvbench restart --method exec`, as bench/run.sh)
#   st one / st all  daemon CPU per `status sNNNNN.0 --json` / per `status
#                --json`, over BENCH_SCALE_CALLS (20) / BENCH_SCALE_ALL_CALLS
#                (10; 5 past 2000 instances) calls back to back; a window a
#                leak pass fell into is measured again (up to 3 times), then
#                the pass's CPU is subtracted and the cell marked '~'
#   probe wall / probe CPU  the leak probe's last pass: wall time from its
#                first slice to its last (metrics' ringvisor_leak_probe_last_
#                pass_duration_seconds) and the daemon's CPU for it (`leaks`)
#   shutdown ms  `shutdown` sent to the daemon's exit (every instance stopped,
#                the cgroups removed)
# Then, per column, how it grew from the smallest N to the largest: the
# ratio of the figures, the ratio of N, and the slope log(ratio)/log(N
# ratio) (0: constant, 1: linear), also between the two largest N, where a
# fixed cost weighs least.
#
# fds: the daemon holds ~5 per instance (pidfd, cgroup dir, both ends of
# the output pipe, the exec-error pipe while starting); the soft
# RLIMIT_NOFILE is raised to 6 per instance, the hard one too when root may
# (CAP_SYS_RESOURCE). An N that does not fit is said, and the largest N that
# fits (in steps of 500) is measured instead, as bench/metrics.sh does.
# Time here (2 vCPUs): ~160 s at the default (10 000 cut to 3000) at load 3,
# over 10 min at load 30; starting the largest N is most of it, and each N
# adds IDLE_S.
# BENCH_SCALE_LEAK_EVERY=1h sets every service's leak.sample_every (and a
# 24 h window): no leak pass falls in the run, so the idle columns show the
# daemon without its leak watch.
# Knobs: BENCH_SCALE_N, BENCH_SCALE_IDLE_S, BENCH_SCALE_SAMPLES, BENCH_SCALE_LEAK_EVERY,
# BENCH_SCALE_CALLS, BENCH_SCALE_ALL_CALLS, BENCH_KEEP=1 (keep the temp dir:
# configs, daemon logs, raw results).
#
# Everything started here is stopped by its pid on the way out (even on
# failure or ^C): the daemon, the watcher of rvbench launch and, if the
# daemon had to be killed, every process left in its private cgroup root
# (read from its cgroup.procs); the cgroups and the temp dir are removed.
set -uo pipefail
BIN=${1:?usage: bench/scale.sh /abs/path/to/ringvisor}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS=${BENCH_SCALE_N:-10 100 1000 10000}
IDLE_S=${BENCH_SCALE_IDLE_S:-20}
LEAK_EVERY=${BENCH_SCALE_LEAK_EVERY:-}   # e.g. 1h: the leak watch as good as off (no pass in the run)
SAMPLES=${BENCH_SCALE_SAMPLES:-20}
CALLS=${BENCH_SCALE_CALLS:-20}
ALL_CALLS=${BENCH_SCALE_ALL_CALLS:-}
BENCH_T0=$SECONDS

# shellcheck source-path=SCRIPTDIR
. "$HERE/lib_proc.sh" || exit 1      # log, alive, wait_gone
. "$HERE/lib_measure.sh" || exit 1   # pss_kib, cpu_ns, kv, wait_result, bg

TMP=$(mktemp -d /tmp/rv-bench-scale.XXXXXX) || exit 1
CG=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
CGROOT=      # the private cgroup root of the daemon in flight
DPID=        # the daemon in flight (rvbench launch became it: our child)
GUARD=       # the shutdown's timeout, a sleep of ours
BGPID=       # the measuring command in flight (lib_measure.sh's bg)
STARTED=()   # unused here; lib_measure.sh's launch would fill it
SOCK=

# ---- processes and cleanup ----

# kill_cgroup ROOT: SIGKILL every process left in ROOT's tree, by pid (all
# of them the daemon's or its children's: the root is this run's own).
kill_cgroup() {
	local p
	[ -n "$1" ] && [ -d "$1" ] || return 0
	find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null |
		while read -r p; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null; done
}

rmcg() {   # the cgroup root of this run, once empty
	local i
	[ -n "$CGROOT" ] || return 0
	for ((i = 0; i < 50; i++)); do
		[ -d "$CGROOT" ] || break
		find "$CGROOT" -depth -type d -exec rmdir {} \; 2>/dev/null
		[ -d "$CGROOT" ] || break
		kill_cgroup "$CGROOT"
		sleep 0.1
	done
	[ -d "$CGROOT" ] && log "cannot remove $CGROOT"
	CGROOT=
}

stop_daemon() {   # SIGTERM, SIGKILL after 60 s, then whatever is left in its root
	local f p
	[ -n "$DPID" ] || return 0
	if alive "$DPID"; then
		kill -TERM "$DPID" 2>/dev/null
		wait_gone "$DPID" 60 || { log "daemon $DPID ignored SIGTERM for 60 s: SIGKILL"; kill -KILL "$DPID" 2>/dev/null; }
	fi
	wait "$DPID" 2>/dev/null
	for f in "$TMP"/*/*.res.pid; do   # rvbench launch's watcher, if still up
		[ -f "$f" ] || continue
		p=$(<"$f")
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = rvbench ] && kill -TERM "$p" 2>/dev/null
		rm -f "$f"
	done
	DPID=
	kill_cgroup "$CGROOT"
}

cleanup() {
	trap - EXIT INT TERM
	if [ -n "$BGPID" ] && alive "$BGPID"; then kill -TERM "$BGPID" 2>/dev/null; wait "$BGPID" 2>/dev/null; fi
	if [ -n "$GUARD" ]; then kill -TERM "$GUARD" 2>/dev/null; wait "$GUARD" 2>/dev/null; fi
	[ -n "$DPID" ] && log "cleanup: stopping daemon $DPID"
	stop_daemon
	rmcg
	if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM

# ---- fds ----

# fds N: raises the fd limits for N instances; 1 if it cannot.
fds() {
	local need=$((6 * $1 + 256)) hard
	hard=$(ulimit -Hn)
	if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ]; then
		ulimit -Hn "$need" 2>/dev/null || return 1
	fi
	[ "$(ulimit -Sn)" = unlimited ] || [ "$(ulimit -Sn)" -ge "$need" ] || ulimit -Sn "$need"
}

# fit N: N if its fds fit, else (said on fd 3) the largest multiple of 500
# that does.
fit() {
	local hard
	fds "$1" && { echo "$1"; return; }
	hard=$(ulimit -Hn)
	echo "scale bench: $1 instances: not here: $((6 * $1 + 256)) fds wanted, the hard RLIMIT_NOFILE is $hard" \
		"and cannot be raised (no CAP_SYS_RESOURCE); measuring $(((hard - 256) / 6 / 500 * 500)) instead" >&3
	echo $(((hard - 256) / 6 / 500 * 500))
}

# ---- the daemon ----

name() { printf 's%05d' "$1"; }

config() {   # config FILE COUNT
	local i
	{
		echo "supervisor: {shutdown_timeout: 60s}"
		echo "services:"
		for ((i = 0; i < $2; i++)); do   # no $(...) here: a fork per service is slow
			printf '  s%05d:\n    command: [sleep, "100000"]\n' "$i"
			echo "    restart: {policy: always, backoff_initial: 0ms, max_restarts: 0}"
			[ -n "$LEAK_EVERY" ] && echo "    leak: {sample_every: $LEAK_EVERY, window: 24h}"
		done
	} >"$1"
}

# start N DIR: the daemon with N services, through rvbench launch; sets
# DPID, CGROOT, SOCK and line (the watcher's result); 1 if they did not all
# come up.
start() {
	local n=$1 dir=$2 tmo
	mkdir -p "$dir"
	config "$dir/c.yaml" "$n"
	SOCK=$dir/control.sock
	CGROOT=${CG:+$CG/rv-bench-scale-$$-$n}
	tmo=$((n / 5 > 150 ? n / 5 : 150))   # 5 starts a second: a loaded 2-CPU host
	"$HELPER" launch --proto rv --socket "$SOCK" --count "$n" --result "$dir/all.res" \
		--interval-ms 10 --timeout-s "$tmo" -- \
		"$BIN" run -c "$dir/c.yaml" --socket "$SOCK" ${CGROOT:+--cgroup-root="$CGROOT"} 2>"$dir/log" &
	DPID=$!
	wait_result "$dir/all.res" "$DPID" $((tmo + 10)) || { log "$n: no result from the start watcher"; tail -3 "$dir/log" >&2; return 1; }
	[ -n "$(kv "$line" running_ms)" ] || { log "$n: not all running: $line"; tail -3 "$dir/log" >&2; return 1; }
}

ctl() { "$BIN" --socket "$SOCK" "$@"; }

# shutdown_ms: `shutdown` to the daemon's exit, in ms; the daemon is
# SIGTERMed by pid if it is not gone within 120 s.
shutdown_ms() {
	local t0 t1 cl
	(wait_gone "$DPID" 120 || kill -TERM "$DPID") >/dev/null 2>&1 &
	GUARD=$!
	t0=$(date +%s%N)
	ctl shutdown >/dev/null 2>&1 &
	cl=$!
	wait "$DPID" 2>/dev/null
	t1=$(date +%s%N)
	kill -TERM "$GUARD" 2>/dev/null; wait "$GUARD" "$cl" 2>/dev/null; GUARD=
	DPID=
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) / 1e6 }'
}

# ---- measurements ----

fdstore_pid() { ctl status "$T" --json 2>/dev/null | jq -r '.supervisor.fdstore.pid // empty'; }
wakeups() { ctl status "$T" --json 2>/dev/null | jq -r '.supervisor.wakeups // empty'; }
passes() { ctl leaks "$T" --json 2>/dev/null | jq -r '.passes // 0'; }
pass_cpu_us() { ctl leaks "$T" --json 2>/dev/null | jq -r '.last_pass_cpu_us // 0'; }

# memory PID: fds, Pss and Private_Dirty (KiB, daemon + fd-store helper)
# and the helper's fds, as "fds pss pd helper_fds"
memory() {
	local h hp=0 hd=0 hf=0
	h=$(fdstore_pid)
	[ -n "$h" ] && { hp=$(pss_kib "$h"); hd=$(pd_kib "$h"); hf=$(ls /proc/"$h"/fd 2>/dev/null | wc -l); }
	echo "$(ls /proc/"$1"/fd | wc -l) $(($(pss_kib "$1") + ${hp:-0})) $(($(pd_kib "$1") + ${hd:-0})) $hf"
}

# idle: CPU (ms) and wakeups over IDLE_S, as "cpu_ms wake_lo wake_hi". The
# counter is read through status, which wakes the daemon 3 or 4 times: 6
# reads back to back give one call's cost kmin..kmax, taken off the
# window's delta (bench/lib_rv.sh's rv_idle, which explains it).
idle() {
	local w=() i k kmin kmax d c0 c1 wa lo hi
	for i in 1 2 3 4 5 6; do w+=("$(wakeups)"); done
	k=$(for i in 1 2 3 4 5; do echo $((w[i] - w[i - 1])); done | sort -n | tr '\n' ' ')
	kmin=${k%% *}; kmax=$(echo "$k" | awk '{ print $NF }')
	sleep 0.5
	c0=$(cpu_ns "$DPID")
	bg /dev/null sleep "$IDLE_S"
	c1=$(cpu_ns "$DPID")
	wa=$(wakeups)
	d=$((wa - w[5])); lo=$((d - kmax)); hi=$((d - kmin))
	((lo < 0)) && lo=0
	((hi < 0)) && hi=0
	awk -v a="$c0" -v b="$c1" -v lo="$lo" -v hi="$hi" 'BEGIN { printf "%.1f %d %d\n", (b - a) / 1e6, lo, hi }'
}

# per_call COUNT CMD...: the daemon's CPU per call of CMD (ms), made COUNT
# times back to back, as "ms bytes": a window a leak pass fell into is
# measured again, up to 3 times; then that pass's CPU is taken off and the
# figure is marked '~'.
per_call() {
	local n=$1 c0 c1 p0 p1 bytes k try mark='' sub=0
	shift
	bytes=$("$@" | wc -c)
	for ((try = 0; try < 3; try++)); do
		p0=$(passes)
		c0=$(cpu_ns "$DPID")
		for ((k = 0; k < n; k++)); do "$@" >/dev/null; done
		c1=$(cpu_ns "$DPID")
		p1=$(passes)
		[ "$p0" = "$p1" ] && break
	done
	if [ "$p0" != "$p1" ]; then
		mark='~'
		sub=$(($(pass_cpu_us) * 1000 * (p1 - p0)))
	fi
	awk -v a="$c0" -v b="$c1" -v s="$sub" -v n="$n" -v m="$mark" -v by="$bytes" \
		'BEGIN { v = (b - a - s) / n / 1e6; if (v < 0) v = 0; printf "%s%.3f %d\n", m, v, by }'
}

# probe: the last leak pass, as "wall_ms cpu_ms source"
probe() {
	local wall cpu
	wall=$(ctl metrics 2>/dev/null | awk '$1 == "ringvisor_leak_probe_last_pass_duration_seconds" { printf "%.2f", $2 * 1000 }')
	cpu=$(ctl leaks "$T" --json 2>/dev/null | jq -r '"\(.last_pass_cpu_us / 1000) \(.source)"')
	echo "${wall:-n/a} $cpu"
}

declare -A R   # R[N.key]
line=          # set by wait_result

# base: the daemon with one service: fds and Pss, the base of the
# per-instance figures.
base() {
	log "1 service (the base)"
	T=$(name 0).0
	start 1 "$TMP/n1" || { stop_daemon; rmcg; return 1; }
	sleep 1
	read -r 'R[1.fds]' 'R[1.pss]' 'R[1.pd]' 'R[1.hfds]' <<<"$(memory "$DPID")"
	R[1.start]=$(kv "$line" running_ms)
	R[1.shutdown]=$(shutdown_ms)
	stop_daemon; rmcg
}

# one N: one row.
one() {
	local n=$1 dir=$TMP/n$1 x ac
	T=$(name $((n / 2))).0
	log "$n services: start"
	start "$n" "$dir" || { stop_daemon; rmcg; return 1; }
	R[$n.start]=$(kv "$line" running_ms)
	R[$n.exec]=$(kv "$line" exec_ms)
	R[$n.backend]=$(ctl status "$T" --json | jq -r .supervisor.event_backend)
	sleep 1
	R[$n.fdstore]=$(ctl status "$T" --json | jq -r '.supervisor.fdstore | if . then "held \(.held), failed \(.failed)" else "none" end')
	read -r "R[$n.fds]" "R[$n.pss]" "R[$n.pd]" "R[$n.hfds]" <<<"$(memory "$DPID")"
	log "$n services: idle for ${IDLE_S}s"
	read -r "R[$n.idle_cpu]" "R[$n.wlo]" "R[$n.whi]" <<<"$(idle)"
	log "$n services: restart of $T, $SAMPLES samples"
	bg "$dir/rx" "$HELPER" restart --proto rv --socket "$SOCK" --target "$T" --parent "$DPID" \
		--samples "$SAMPLES" --method exec
	R[$n.rx]=$(<"$dir/rx")
	log "$n services: status"
	read -r "R[$n.st1]" "R[$n.st1b]" <<<"$(per_call "$CALLS" ctl status "$T" --json)"
	ac=${ALL_CALLS:-$((n > 2000 ? 5 : 10))}
	read -r "R[$n.sta]" "R[$n.stab]" <<<"$(per_call "$ac" ctl status --json)"
	read -r "R[$n.pwall]" "R[$n.pcpu]" "R[$n.psrc]" <<<"$(probe)"
	log "$n services: shutdown"
	R[$n.shutdown]=$(shutdown_ms)
	stop_daemon; rmcg
	x=${R[$n.rx]}
	log "$n: start ${R[$n.start]} ms, fds ${R[$n.fds]}, Pss ${R[$n.pss]} KiB, idle ${R[$n.idle_cpu]} ms" \
		"${R[$n.wlo]}..${R[$n.whi]} wakeups, restart p50 $(kv "$x" median_us) us, status ${R[$n.st1]} / ${R[$n.sta]} ms," \
		"probe ${R[$n.pwall]} / ${R[$n.pcpu]} ms, shutdown ${R[$n.shutdown]} ms"
}

# ---- the table ----

us2ms() { [ -n "$1" ] && awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }' || echo n/a; }
per_inst() {   # per_inst N KEY: (X_N - X_1) / (N - 1)
	local a=${R[$1.$2]:-} b=${R[1.$2]:-}
	[ -n "$a" ] && [ -n "$b" ] && [ "$1" -gt 1 ] && awk -v a="$a" -v b="$b" -v n="$1" 'BEGIN { printf "%.2f", (a - b) / (n - 1) }' || echo n/a
}
wake() {
	local lo=${R[$1.wlo]:-} hi=${R[$1.whi]:-}
	[ -n "$lo" ] || { echo n/a; return; }
	[ "$lo" = "$hi" ] && echo "$lo" || echo "$lo..$hi"
}

COLS=(start fdsi pssi idle wake rx st1 sta pwall pcpu shut)
declare -A HEAD=([start]="start ms" [fdsi]="fds/inst" [pssi]="Pss KiB/inst" [idle]="idle CPU ms"
	[wake]="idle wake" [rx]="restart p50 ms" [st1]="st one ms" [sta]="st all ms"
	[pwall]="probe wall ms" [pcpu]="probe CPU ms" [shut]="shutdown ms")

cell() {   # cell N COL
	local n=$1
	case $2 in
	start) echo "${R[$n.start]:-n/a}" ;;
	fdsi) per_inst "$n" fds ;;
	pssi) per_inst "$n" pss ;;
	idle) echo "${R[$n.idle_cpu]:-n/a}" ;;
	wake) wake "$n" ;;
	rx) us2ms "$(kv "${R[$n.rx]:-}" median_us)" ;;
	st1) echo "${R[$n.st1]:-n/a}" ;;
	sta) echo "${R[$n.sta]:-n/a}" ;;
	pwall) echo "${R[$n.pwall]:-n/a}" ;;
	pcpu) echo "${R[$n.pcpu]:-n/a}" ;;
	shut) echo "${R[$n.shutdown]:-n/a}" ;;
	esac
}

num() {   # the number in a cell: '~' dropped, lo..hi as its middle; empty if none
	local v=${1#\~}
	case $v in
	n/a|'') ;;
	*..*) awk -v a="${v%%..*}" -v b="${v##*..}" 'BEGIN { print (a + b) / 2 }' ;;
	*) echo "$v" ;;
	esac
}

# slope A B NA NB: "xR over N xNR, slope K (word)"
slope() {
	awk -v a="$1" -v b="$2" -v na="$3" -v nb="$4" 'BEGIN {
		if (a <= 0 || b <= 0) { printf "%s -> %s (not above 0: no slope)", a, b; exit }
		r = b / a; nr = nb / na; k = log(r) / log(nr)
		w = k < 0.2 && k > -0.2 ? "constant" : k >= 0.8 && k <= 1.2 ? "linear" : k > 1.2 ? "more than linear" : k > 0 ? "between" : "falls"
		printf "x%.2f for N x%g, slope %.2f (%s)", r, nr, k, w }'
}

print_table() {
	local n c v=() first last prev
	echo
	echo "scale bench, $(date -u +%Y-%m-%dT%H:%MZ): $(nproc) CPUs, kernel $(uname -r), load average $LOAD0 before, $(cut -d' ' -f1-3 /proc/loadavg) after"
	echo "N services of one sleep, each N a fresh daemon ($BIN), backend ${R[$LAST.backend]:-?}, leak probe ${R[$LAST.psrc]:-?} (defaults);" \
		"idle ${IDLE_S}s; restart: $SAMPLES samples on instance N/2; status: daemon CPU per call ('~': a leak pass's CPU taken off);" \
		"per instance: (X_N - X_1)/(N - 1), X_1 = ${R[1.fds]:-?} fds, ${R[1.pss]:-?} KiB Pss (daemon + fd store)"
	echo
	printf '| %6s |' N
	for c in "${COLS[@]}"; do printf ' %14s |' "${HEAD[$c]}"; done
	echo
	printf '|%s|' "--------"
	for c in "${COLS[@]}"; do printf '%s|' "----------------"; done
	echo
	for n in "${DONE[@]}"; do
		printf '| %6s |' "$n"
		for c in "${COLS[@]}"; do printf ' %14s |' "$(cell "$n" "$c")"; done
		echo
	done
	echo
	[ "${#DONE[@]}" -ge 2 ] || return 0
	first=${DONE[0]}; last=${DONE[-1]}; prev=${DONE[-2]}
	echo "growth, N $first -> $last (and $prev -> $last): the ratio of each figure, the ratio of N, slope = log ratio / log N ratio (0 constant, 1 linear)"
	for c in "${COLS[@]}"; do
		local a b p s1 s2
		a=$(num "$(cell "$first" "$c")"); b=$(num "$(cell "$last" "$c")"); p=$(num "$(cell "$prev" "$c")")
		if [ -z "$a" ] || [ -z "$b" ]; then s1="n/a"; else s1=$(slope "$a" "$b" "$first" "$last"); fi
		if [ -z "$p" ] || [ -z "$b" ] || [ "$prev" = "$first" ]; then s2="n/a"; else s2=$(slope "$p" "$b" "$prev" "$last"); fi
		printf '  %-16s %s; %s\n' "${HEAD[$c]}:" "$s1" "$s2"
	done
	echo
	for n in "${DONE[@]}"; do
		echo "N=$n: fds ${R[$n.fds]:-?} (fd store: ${R[$n.hfds]:-?} fds, ${R[$n.fdstore]:-?}), Pss ${R[$n.pss]:-?} KiB," \
			"Private_Dirty ${R[$n.pd]:-?} KiB ($(per_inst "$n" pd) per instance), last exec ${R[$n.exec]:-?} ms," \
			"status reply ${R[$n.st1b]:-?} / ${R[$n.stab]:-?} bytes; restart: ${R[$n.rx]:-n/a}"
	done
}

# ---- run ----

[ -x "$BIN" ] || { log "no binary at $BIN"; exit 1; }
command -v jq >/dev/null || { log "jq is missing (make deps)"; exit 1; }
HELPER=$TMP/rvbench
cc -std=gnu17 -O2 -Wall -Wextra -o "$HELPER" "$HERE"/rvbench{,_ctl,_launch,_restart,_floor}.c ||
	{ log "cannot build rvbench"; exit 1; }

echo "scale bench (issue 18: how each figure grows with the number of instances)"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
exec 3>&1   # fit's message, from inside $()
WANT=()
for n in $NS; do
	[ "$n" -ge 2 ] || { echo "scale bench: N=$n skipped (the per-instance figures need N >= 2)"; continue; }
	n=$(fit "$n")
	[ "$n" -ge 2 ] || continue
	[[ " ${WANT[*]} " == *" $n "* ]] || WANT+=("$n")
done
mapfile -t WANT < <(printf '%s\n' "${WANT[@]}" | sort -n)
fds "${WANT[-1]}"   # the largest N's limits (fit ran in a subshell), for every run
DONE=()
base || { log "the base run failed"; exit 1; }
for n in "${WANT[@]}"; do
	if one "$n"; then DONE+=("$n"); LAST=$n; else log "$n services: failed"; fi
done
LAST=${LAST:-1}
print_table
echo "scale bench took $((SECONDS - BENCH_T0)) s"

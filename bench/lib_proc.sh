# SPDX-License-Identifier: MIT
# bench/lib_proc.sh: sourced by bench/run.sh. The processes the bench
# starts: the log line, whether a pid is alive, stopping one by its pid
# (SIGTERM, then SIGKILL, then its `sleep` children), and the cleanup run
# on the way out, even on failure or ^C: every daemon in STARTED and the
# watcher in flight stopped by pid, the cgroup root and the temp dir TMP
# removed. Uses run.sh's BENCH_T0, TMP, STARTED, BGPID, CGROOT, BENCH_KEEP.

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

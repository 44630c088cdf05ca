#!/usr/bin/env bash
# lib.sh: sourced by every integration test. Starts a daemon of its own
# (socket, config and log in a private temp dir), drives it with the CLI,
# and cleans up on exit even when the test fails: the daemon is shut down
# through its socket, then killed by its pid; nothing else is touched.
#
# Environment: RINGVISOR (binary), RV_BACKEND (uring|epoll), RV_SPAWN
# (auto|clone3|fork), RV_WRAP (a command prefix, e.g. seccomp-deny ...),
# RV_LOG_SPLICE (auto|off; unset: the daemon's default).
set -u
RINGVISOR=${RINGVISOR:?set RINGVISOR to the binary}
RV_BACKEND=${RV_BACKEND:-auto}
RV_SPAWN=${RV_SPAWN:-auto}
T=$(mktemp -d /tmp/rv-it.XXXXXX)
SOCK=$T/control.sock
# Each test daemon gets its own cgroup root, so tests (and a benchmark) can
# run at once; `none` where cgroup2 is not mounted.
CG_MOUNT=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
CGROOT=${CG_MOUNT:+$CG_MOUNT/rv-test-$$}
CGROOT=${CGROOT:-none}
DAEMON_PID=
TEST_NAME=$(basename "$0" .sh)

rv() { "$RINGVISOR" --socket "$SOCK" "$@"; }
# rv_answers: the daemon answers `status` (exit 0: all up, 3: some not).
rv_answers() { rv status >/dev/null 2>&1; case $? in 0|3) return 0;; esac; return 1; }
log() { echo "[$TEST_NAME] $*"; }
fail() {
	echo "[$TEST_NAME] FAIL: $*" >&2
	if [ -f "$T/daemon.log" ]; then echo "--- daemon log (tail) ---" >&2; tail -n 30 "$T/daemon.log" >&2; fi
	exit 1
}
skip() { echo "[$TEST_NAME] SKIP: $*"; exit 77; }

rv_cleanup() {
	local rc=$?
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		timeout 20 "$RINGVISOR" --socket "$SOCK" shutdown >/dev/null 2>&1
		for _ in $(seq 1 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	local i
	for ((i = ${#RV_AT_EXIT[@]} - 1; i >= 0; i--)); do eval "${RV_AT_EXIT[i]}"; done
	# Under ASan/UBSan a report in the (last) daemon's log fails the test,
	# even when the daemon went on or only reported leaks at exit.
	if [ -f "$T/daemon.log" ] && grep -qE "$RV_SANITIZER_RE" "$T/daemon.log"; then
		echo "[$TEST_NAME] FAIL: sanitizer report in the daemon log:" >&2
		grep -E -A 30 "$RV_SANITIZER_RE" "$T/daemon.log" | head -n 60 >&2
		rc=1
	fi
	rm -rf "$T"
	# The daemon removes its cgroups; if it was SIGKILLed, do it here.
	if [ "$CGROOT" != none ] && [ -d "$CGROOT" ]; then
		# services/ and the fd store (fdhold/): the daemon is gone by now.
		for k in "$CGROOT/services/cgroup.kill" "$CGROOT/fdhold/cgroup.kill"; do
			[ -f "$k" ] && echo 1 >"$k" 2>/dev/null && sleep 0.2
		done
		find "$CGROOT" -depth -type d -exec rmdir {} \; 2>/dev/null
	fi
	exit $rc
}
RV_SANITIZER_RE='^==[0-9]+==ERROR: |^SUMMARY: [A-Za-z]+Sanitizer|runtime error: '
# at_exit 'COMMAND': run at exit (last registered first), after the daemon
# is gone and before $T is removed, even when the test fails.
RV_AT_EXIT=()
at_exit() { RV_AT_EXIT+=("$1"); }
trap rv_cleanup EXIT

# rv_start CONFIG_FILE [extra run args]: starts the daemon, waits for its socket.
rv_start() {
	local cfg=$1; shift
	${RV_WRAP:-} "$RINGVISOR" run -c "$cfg" --socket "$SOCK" --event-backend="$RV_BACKEND" --cgroup-root="$CGROOT" \
		--spawn="$RV_SPAWN" ${RV_LOG_SPLICE:+--log-splice="$RV_LOG_SPLICE"} "$@" >"$T/daemon.out" 2>"$T/daemon.log" &
	DAEMON_PID=$!
	for _ in $(seq 1 200); do
		[ -S "$SOCK" ] && rv_answers && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon exited at start"
		sleep 0.05
	done
	fail "daemon did not answer on $SOCK"
}

# (exit 3, some instance not running, is an answer like 0)
status_json() { rv status --json "$@"; local r=$?; [ "$r" = 3 ] && return 0; return "$r"; }

# count_state STATE: instances in STATE over all services.
count_state() {
	status_json | jq --arg s "$1" '[.services[].instances[] | select(.state == $s)] | length'
}

# wait_for SECONDS CMD...: polls CMD every 50 ms until it succeeds.
wait_for() {
	local t=$1; shift
	local end=$(( $(date +%s%N) + t * 1000000000 ))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

state_is() { [ "$(status_json "$1" | jq -r --argjson i "${1##*.}" '.services[0].instances[] | select(.index == $i) | .state')" = "$2" ]; }
all_in_state() { [ "$(count_state "$2")" -eq "$1" ]; }

# Process facts, from /proc, for the daemon and its descendants.
daemon_fds() { ls /proc/"$DAEMON_PID"/fd | wc -l; }
daemon_rss_kib() { awk '/^VmRSS/ {print $2}' /proc/"$DAEMON_PID"/status; }
# Zombies whose parent is the daemon.
daemon_zombies() { ps -eo ppid=,stat= | awk -v p="$DAEMON_PID" '$1 == p && $2 ~ /^Z/' | wc -l; }
# Every descendant pid of the daemon.
descendants() {
	local p out=""
	local frontier=$DAEMON_PID
	while [ -n "$frontier" ]; do
		local next=""
		for p in $frontier; do
			local kids
			kids=$(cat /proc/"$p"/task/*/children 2>/dev/null)
			out="$out $kids"; next="$next $kids"
		done
		frontier=$(echo $next)
	done
	echo $out
}

write_config() { cat >"$T/$1"; echo "$T/$1"; }

# --- More facts, for the stress and edge-case tests ---

# inst TARGET JQ_PATH: one field of the instance TARGET (SERVICE.INDEX), e.g. inst web.0 .pid
inst() { status_json "$1" | jq -r ".services[0].instances[0]$2"; }
# sup_field KEY: a field of status's supervisor object, e.g. sup_field orphans_reaped
sup_field() { status_json | jq -r ".supervisor.$1"; }
# all_pids: the pid of every instance that has one, one a line.
all_pids() { status_json | jq -r '.services[].instances[] | .pid // empty'; }
# proc_state PID: the state letter from /proc/PID/stat (R, S, Z...), empty if gone.
proc_state() { sed -n 's/^.*) \([A-Za-z]\).*/\1/p' /proc/"$1"/stat 2>/dev/null; }
# proc_alive PID: the process exists and is not a zombie.
proc_alive() { local s; s=$(proc_state "$1"); [ -n "$s" ] && [ "$s" != Z ]; }
# proc_id PID: "PID:STARTTIME", to tell a process from a later one with the same pid.
proc_id() { local st; st=$(sed 's/^.*) //' /proc/"$1"/stat 2>/dev/null | awk '{print $20}'); [ -n "$st" ] && echo "$1:$st"; }
# proc_id_alive PID:STARTTIME: that very process still exists (zombie or not).
proc_id_alive() { [ "$(proc_id "${1%%:*}")" = "$1" ]; }
# daemon_children: the daemon's direct children, but its fd store
# (`ringvisor fdhold`, docs/adoption.md), which is not a service.
daemon_children() {
	local p
	for p in $(cat /proc/"$DAEMON_PID"/task/*/children 2>/dev/null); do
		[ "$(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null)" = "ringvisor fdhold " ] && continue
		echo "$p"
	done
}
# daemon_fds_settled: the daemon's fd count once two reads 300 ms apart agree
# (a CLI connection that just ended may still be open for a moment).
daemon_fds_settled() {
	local a b
	for _ in $(seq 1 20); do
		a=$(daemon_fds); sleep 0.3; b=$(daemon_fds)
		[ "$a" -eq "$b" ] && { echo "$a"; return 0; }
	done
	echo "$b"
}
fds_are() { [ "$(daemon_fds)" -eq "$1" ]; }
no_zombies() { [ "$(daemon_zombies)" -eq 0 ]; }
daemon_gone() { ! kill -0 "$DAEMON_PID" 2>/dev/null; }
# rv_stop_daemon: shutdown through the CLI, wait until the daemon is gone;
# returns the daemon's exit status (and clears DAEMON_PID).
rv_stop_daemon() {
	local rc
	timeout 30 "$RINGVISOR" --socket "$SOCK" shutdown >/dev/null 2>&1
	wait_for 30 daemon_gone || kill -KILL "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null; rc=$?
	DAEMON_PID=
	return $rc
}
# rv_light ARGS...: the CLI without LeakSanitizer's scan at exit, which
# triples an ASan client's run time; for loops of hundreds of calls (the
# daemon keeps every check). Same as rv for a build without ASan.
rv_light() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$RINGVISOR" --socket "$SOCK" "$@"; }

# numbered_lines_intact FILE: FILE's lines "n 1", "n 2", ... are every
# number from 1 to the last, each once, in order (no line lost or repeated);
# says how many. For the writers of t_reexec, t_adopt_logs, t_pid1_reexec.
numbered_lines_intact() {
	python3 - "$1" "$TEST_NAME" <<'PY'
import sys
nums = [int(l.split()[1]) for l in open(sys.argv[1]) if l.startswith("n ") and l.split()[1].isdigit()]
bad = [(a, b) for a, b in zip(nums, nums[1:]) if b != a + 1]
print(f"[{sys.argv[2]}] {len(nums)} lines, breaks: {bad[:5]}")
sys.exit(0 if nums and nums[0] == 1 and not bad and len(nums) == nums[-1] else 1)
PY
}

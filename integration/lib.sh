#!/usr/bin/env bash
# lib.sh: sourced by every integration test. Starts a daemon of its own
# (socket, config and log in a private temp dir), drives it with the CLI,
# and cleans up on exit even when the test fails: the daemon is shut down
# through its socket, then killed by its pid; nothing else is touched.
#
# Environment: RINGVISOR (binary), RV_BACKEND (uring|epoll), RV_SPAWN
# (auto|clone3|fork), RV_WRAP (a command prefix, e.g. seccomp-deny ...).
set -u
RINGVISOR=${RINGVISOR:?set RINGVISOR to the binary}
RV_BACKEND=${RV_BACKEND:-auto}
RV_SPAWN=${RV_SPAWN:-auto}
T=$(mktemp -d /tmp/rv-it.XXXXXX)
SOCK=$T/control.sock
DAEMON_PID=
TEST_NAME=$(basename "$0" .sh)

rv() { "$RINGVISOR" --socket "$SOCK" "$@"; }
log() { echo "[$TEST_NAME] $*"; }
fail() {
	echo "[$TEST_NAME] FAIL: $*" >&2
	if [ -f "$T/daemon.log" ]; then echo "--- daemon log (tail) ---" >&2; tail -n 30 "$T/daemon.log" >&2; fi
	exit 1
}
skip() { echo "[$TEST_NAME] SKIP: $*"; exit 77; }

rv_cleanup() {
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		timeout 20 "$RINGVISOR" --socket "$SOCK" shutdown >/dev/null 2>&1
		for _ in $(seq 1 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap rv_cleanup EXIT

# rv_start CONFIG_FILE [extra run args]: starts the daemon, waits for its socket.
rv_start() {
	local cfg=$1; shift
	${RV_WRAP:-} "$RINGVISOR" run -c "$cfg" --socket "$SOCK" --event-backend="$RV_BACKEND" \
		--spawn="$RV_SPAWN" "$@" >"$T/daemon.out" 2>"$T/daemon.log" &
	DAEMON_PID=$!
	for _ in $(seq 1 200); do
		[ -S "$SOCK" ] && rv status >/dev/null 2>&1 && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon exited at start"
		sleep 0.05
	done
	fail "daemon did not answer on $SOCK"
}

status_json() { rv status --json "$@"; }

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

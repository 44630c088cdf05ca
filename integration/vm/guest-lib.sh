# guest-lib.sh: sourced by the tests in the VM (busybox sh, no bash).
# The guest counterpart of integration/lib.sh: each test starts a daemon of
# its own (config, socket and log in a private dir under /tmp), drives it
# with the CLI, and cleans up on exit even when it fails: shutdown through
# the socket, then SIGKILL to the daemon's pid; nothing else is touched.
# jq is in the guest when the host had it; HAVE_JQ says so, and tests that
# need it call need_jq (a skip otherwise).
RINGVISOR=${RINGVISOR:-/bin/ringvisor}
TEST_NAME=${VMTEST_NAME:-$(basename "$0" .sh)}
T=$(mktemp -d /tmp/rv-vm.XXXXXX)
SOCK=$T/control.sock
DAEMON_PID=
HAVE_JQ=0
command -v jq >/dev/null 2>&1 && HAVE_JQ=1

log() { echo "[$TEST_NAME] $*"; }
fail() {
	echo "[$TEST_NAME] FAIL: $*"
	if [ -f "$T/daemon.log" ]; then echo "--- daemon log (tail) ---"; tail -n 30 "$T/daemon.log"; fi
	exit 1
}
skip() { echo "SKIP: $*"; exit 77; }
need_jq() { [ $HAVE_JQ = 1 ] || skip "jq is not in the guest (not installed on the host)"; }

rv() { "$RINGVISOR" --socket "$SOCK" "$@"; }
# rv_answers: the daemon answers `status` (exit 0: all up, 3: some not).
rv_answers() { rv status >/dev/null 2>&1; case $? in 0|3) return 0;; esac; return 1; }

rv_cleanup() {
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		timeout 20 "$RINGVISOR" --socket "$SOCK" shutdown >/dev/null 2>&1
		i=0
		while [ $i -lt 100 ] && kill -0 "$DAEMON_PID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap rv_cleanup EXIT
# init's per-test timeout sends TERM: leave through the EXIT trap.
trap 'exit 143' TERM INT

# write_config NAME: stdin to $T/NAME; prints the path.
write_config() { cat >"$T/$1"; echo "$T/$1"; }

# rv_start CONFIG [run args...]: starts the daemon, waits for its socket.
# Everything is slow under software emulation: allow 30 s. RV_WRAP, when
# set, is a command prefix for the daemon (split on spaces), e.g.
# RV_WRAP="seccomp-deny clone3=ENOSYS --" as in the host suite's lib.sh.
rv_start() {
	cfg=$1; shift
	# shellcheck disable=SC2086 # the prefix is words
	${RV_WRAP:-} "$RINGVISOR" run -c "$cfg" --socket "$SOCK" "$@" >"$T/daemon.out" 2>"$T/daemon.log" &
	DAEMON_PID=$!
	i=0
	while [ $i -lt 300 ]; do
		[ -S "$SOCK" ] && rv_answers && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon exited at start"
		sleep 0.1; i=$((i + 1))
	done
	fail "daemon did not answer on $SOCK"
}

# rv_stop_daemon: `ringvisor shutdown`, then the daemon's exit status, which
# must be 0.
rv_stop_daemon() {
	timeout 60 "$RINGVISOR" --socket "$SOCK" shutdown || fail "shutdown command failed (rc=$?)"
	wait "$DAEMON_PID"; rc=$?
	DAEMON_PID=
	[ $rc -eq 0 ] || fail "daemon exited with $rc after shutdown"
}

# (exit 3, some instance not running, is an answer like 0)
status_json() { rv status --json "$@"; local r=$?; [ "$r" = 3 ] && return 0; return "$r"; }

# wait_for SECONDS CMD...: runs CMD every 100 ms until it succeeds.
wait_for() {
	n=$(( $1 * 10 )); shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1; n=$((n - 1))
	done
	return 1
}

# instance_state SERVICE.INDEX: its state from `status --json`, with jq
# when there is one, else from the flat JSON (one instance per query).
instance_state() {
	if [ $HAVE_JQ = 1 ]; then
		status_json "$1" | jq -r '.services[0].instances[0].state'
	else
		status_json "$1" | sed -n 's/.*"instances":\[{[^]]*"state":"\([a-z-]*\)".*/\1/p'
	fi
}
state_is() { [ "$(instance_state "$1")" = "$2" ]; }

# zombies: "pid comm" of every zombie in the guest (state Z in /proc/PID/stat).
zombies() {
	for s in /proc/[0-9]*/stat; do
		# comm may hold spaces; the state is the first field after ") ".
		line=$(cat "$s" 2>/dev/null) || continue
		rest=${line##*) }
		[ "${rest%% *}" = Z ] && echo "${line%% *} $(echo "$line" | sed 's/^[0-9]* (\(.*\)) .*/\1/')"
	done
	return 0
}

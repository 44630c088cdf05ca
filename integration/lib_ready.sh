#!/usr/bin/env bash
# lib_ready.sh: helpers of the readiness, health, watchdog, depends_on and
# oneshot tests (issue 13), sourced after lib.sh. Not a test itself (run.sh
# runs t_*.sh only).

# need_notify_ready: $NOTIFY_READY is the libsystemd sd_notify client
# (integration/tools/notify-ready.c); run.sh builds it, a test run alone
# builds it here, or skips when libsystemd-dev is missing.
need_notify_ready() {
	if [ -n "${NOTIFY_READY:-}" ] && [ -x "$NOTIFY_READY" ]; then return 0; fi
	NOTIFY_READY=$T/notify-ready
	cc -std=gnu17 -O2 "$(dirname "$0")/tools/notify-ready.c" -o "$NOTIFY_READY" -lsystemd 2>"$T/cc.err" ||
		skip "cannot build notify-ready (libsystemd-dev?): $(head -1 "$T/cc.err")"
}

# free_port: a TCP port of 127.0.0.1 that nothing listens on just now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ifield TARGET JQ: one field of the instance TARGET (SERVICE.INDEX), with
# the index honoured (inst of lib.sh takes the first instance).
ifield() {
	status_json "$1" | jq -r --argjson i "${1##*.}" ".services[0].instances[] | select(.index == \$i) | $2"
}
# svc_field SERVICE JQ: a field of the service object.
svc_field() { status_json "$1" | jq -r ".services[0]$2"; }
# istate TARGET: the state of SERVICE.INDEX.
istate() { ifield "$1" .state; }
# in_state TARGET STATE...: the state is one of those given.
in_state() {
	local s t=$1; shift
	s=$(istate "$t")
	for w in "$@"; do [ "$s" = "$w" ] && return 0; done
	return 1
}
# restarts_at_least TARGET N
restarts_at_least() { [ "$(ifield "$1" .restarts)" -ge "$2" ]; }

# log_ms PATTERN: the time (ms since the epoch) of the first daemon log line
# matching the extended regex PATTERN; empty when there is none.
log_ms() {
	local line
	line=$(grep -m1 -E "$1" "$T/daemon.log") || return 1
	date -d "${line%% *}" +%s%3N
}
# log_line_no PATTERN: the line number of the first daemon log line matching
# the extended regex PATTERN, empty when there is none.
log_line_no() { grep -n -m1 -E "$1" "$T/daemon.log" | cut -d: -f1; }
# in_log PATTERN: a daemon log line matches the extended regex.
in_log() { grep -qE "$1" "$T/daemon.log"; }

# marker_pids WORD: pids whose command line has the argument WORD exactly
# (zombies have an empty cmdline: not listed). The word reaches grep through
# a file, so grep's own command line does not match.
marker_pids() {
	grep -lzxF -f <(printf '%s\n' "$1") /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3
}
# marker_count WORD: how many processes marker_pids lists.
marker_count() { marker_pids "$1" | wc -l; }

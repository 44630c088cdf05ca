#!/usr/bin/env bash
# Signals the daemon does not use are logged and ignored, not fatal: a
# `kill -USR1` from a logrotate habit (or ALRM, a real-time signal)
# must not take the daemon, and every service with it, down. Before this,
# SIGUSR1's default action ended the daemon. SIGHUP reloads (t_reload),
# SIGUSR2 re-executes the daemon (t_reexec).
. "$(dirname "$0")/lib.sh"
cfg=$(write_config sig.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  sleeper: {command: [/bin/sleep, "1000"]}
YAML
)
rv_start "$cfg"
wait_for 5 all_in_state 1 running || fail "sleeper not running"
pid=$(status_json sleeper.0 | jq '.services[0].instances[0].pid')
ignored_lines() { [ "$(grep -c 'signal SIG[A-Z0-9+]* ([0-9]*) ignored' "$T/daemon.log")" -ge "$1" ]; }
i=0
for sig in USR1 ALRM VTALRM PROF IO PWR XCPU XFSZ RTMIN RTMIN+3 RTMAX; do
	kill -s "$sig" "$DAEMON_PID" || fail "kill -$sig"
	i=$((i + 1))
	wait_for 3 ignored_lines $i || fail "no 'ignored' line for $sig"
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died of SIG$sig"
done
sleep 0.2
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died"
rv_answers || fail "status after the signals"
[ "$(status_json sleeper.0 | jq '.services[0].instances[0].pid')" = "$pid" ] || fail "the sleeper was restarted"
n=$(grep -c " ignored: SIGHUP reloads" "$T/daemon.log")
[ "$n" -eq 11 ] || fail "$n 'ignored' lines for 11 signals"
log "11 unused signals logged and ignored; the daemon and its service are untouched"
exit 0

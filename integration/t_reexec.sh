#!/usr/bin/env bash
# reexec: the daemon exec()s its binary again with no service stopped and no
# log line lost. A writer prints numbered lines as fast as it can into a log
# file; the daemon is re-executed twice (`ringvisor reexec`, then SIGUSR2)
# while it writes. Then:
# - the daemon's pid and every service's pid are the same, all running;
# - the log file holds every number from 1 to the last, each once, in order
#   (the read end of the pipe crossed the exec, so the writer never saw
#   EPIPE, and what the old image had read was written out before exec);
# - the instances are still the daemon's children: a later kill of one is
#   reported with its real signal (not "status unknown") and it restarts,
#   its restart count carried across the reexec;
# - the daemon holds no more fds than before (nothing leaked across exec).
. "$(dirname "$0")/lib.sh"
logdir=$T/logs
mkdir -p "$logdir"
cfg=$(write_config reexec.yaml <<YAML
supervisor: {shutdown_timeout: 5s, log: {dir: $logdir, max_bytes: 0}}
services:
  sleeper: {command: [/bin/sleep, "1000"], instances: 3, restart: {backoff_initial: 50ms}}
  writer: {command: [/bin/sh, -c, 'i=0; while :; do i=\$((i+1)); echo "n \$i"; done']}
YAML
)
rv_start "$cfg"
wait_for 5 all_in_state 4 running || fail "not all running"
before=$(status_json | jq -c '[.services[].instances[] | {k: "\(.index)", pid}]')
# One restart before the reexec: its count must survive it.
p0=$(status_json sleeper.0 | jq '.services[0].instances[0].pid')
kill -KILL "$p0"
wait_for 5 bash -c "[ \"\$($RINGVISOR --socket $SOCK status --json sleeper.0 | jq '.services[0].instances[0].restarts')\" = 1 ]" ||
	fail "sleeper.0 not restarted before the reexec"
wait_for 5 state_is sleeper.0 running || fail "sleeper.0 not running"
pids=$(status_json | jq -c '[.services[].instances[] | .pid]')
fds_before=$(daemon_fds)
sleep 0.3

out=$(rv reexec) || fail "reexec: $out"
case $out in *"reexec complete"*) ;; *) fail "reexec said: $out";; esac
kill -0 "$DAEMON_PID" || fail "the daemon is gone"
grep -q ' reexec by=control' "$T/daemon.log" || fail "no reexec event"
wait_for 5 grep -q 'adoption adopted=4 failed=0' "$T/daemon.log" || fail "not 4 taken back: $(grep -E 'adopt' "$T/daemon.log")"
[ "$(status_json | jq -c '[.services[].instances[] | .pid]')" = "$pids" ] || fail "pids changed: $pids -> $(status_json | jq -c '[.services[].instances[] | .pid]')"
sleep 0.3
kill -USR2 "$DAEMON_PID"
wait_for 5 grep -q ' reexec by=SIGUSR2' "$T/daemon.log" || fail "no reexec on SIGUSR2"
wait_for 5 bash -c "[ \$(grep -c 'adoption adopted=4 failed=0' $T/daemon.log) -eq 2 ]" || fail "second adoption"
wait_for 5 rv_answers || fail "no status after SIGUSR2"
[ "$(status_json | jq -c '[.services[].instances[] | .pid]')" = "$pids" ] || fail "pids changed after SIGUSR2"
[ "$(count_state running)" -eq 4 ] || fail "not all running after the reexecs"
[ "$(status_json sleeper.0 | jq '.services[0].instances[0].restarts')" = 1 ] || fail "sleeper.0's restart count lost"
# Still our children: the status of an end is known, and the restart counts on.
p1=$(status_json sleeper.1 | jq '.services[0].instances[0].pid')
[ "$(awk '{print $4}' /proc/"$p1"/stat)" = "$DAEMON_PID" ] || fail "sleeper.1's parent is not the daemon"
kill -KILL "$p1"
wait_for 5 bash -c "[ \"\$($RINGVISOR --socket $SOCK status --json sleeper.1 | jq -r '.services[0].instances[0].last_exit.signal')\" = SIGKILL ]" ||
	fail "sleeper.1's end: $(status_json sleeper.1 | jq -c '.services[0].instances[0].last_exit')"
wait_for 5 state_is sleeper.1 running || fail "sleeper.1 not restarted"
sleep 0.3
fds_after=$(daemon_fds)
[ "$fds_after" -le "$fds_before" ] || fail "daemon fds $fds_before -> $fds_after"

# Every line, once, in order.
rv stop writer >/dev/null
wait_for 5 state_is writer.0 stopped || fail "writer not stopped"
numbered_lines_intact "$logdir/writer.0.log" || fail "lines lost or repeated"
log "two reexecs under a steady writer: same pids, $(wc -l <"$logdir/writer.0.log") lines and none lost, fds $fds_before -> $fds_after"
exit 0

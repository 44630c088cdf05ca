#!/usr/bin/env bash
# Start, status, stop, start, restart, signal and scale through the CLI, and
# an exec failure shown in status with its errno text. The auto leak probe
# is opened after the first batch of spawns (loading BPF is not on their
# path): the `ready` event, logged before them, comes before `probe`, and
# the first sleeper's start comes before it too.
. "$(dirname "$0")/lib.sh"
cfg=$(write_config basic.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  sleeper:
    command: [/bin/sleep, "1000"]
    instances: 2
  missing:
    command: [/nonexistent/binary]
    restart: {backoff_initial: 50ms, backoff_max: 100ms, max_restarts: 2, window: 1m}
YAML
)
rv_start "$cfg"
wait_for 5 all_in_state 2 running || fail "two sleepers not running"
wait_for 10 grep -q ' probe source=' "$T/daemon.log" || fail "no probe event: $(cat "$T/daemon.log")"
ready_at=$(grep -n ' ready backend=' "$T/daemon.log" | cut -d: -f1)
probe_at=$(grep -n ' probe source=' "$T/daemon.log" | cut -d: -f1)
[ -n "$ready_at" ] && [ -n "$probe_at" ] && [ "$ready_at" -lt "$probe_at" ] ||
	fail "the probe was opened before the services started: $(grep -n 'ready\|probe' "$T/daemon.log")"
start_at=$(grep -n ' sleeper.0 start pid=' "$T/daemon.log" | cut -d: -f1)
[ -n "$start_at" ] && [ "$start_at" -lt "$probe_at" ] ||
	fail "the probe was opened before the first spawn: $(grep -n 'start\|probe' "$T/daemon.log")"
rv status sleeper >"$T/status.txt" || fail "status sleeper failed"
grep -q 'sleeper.1' "$T/status.txt" || fail "status table lacks sleeper.1"

# Exec failure: the reason, then the breaker opens after 2 restarts.
wait_for 5 state_is missing.0 failed || fail "missing.0 not failed: $(status_json missing)"
cause=$(status_json missing | jq -r '.services[0].instances[0].last_exit.cause')
case $cause in *"No such file or directory"*) ;; *) fail "cause is '$cause'";; esac
[ "$(status_json missing | jq '.services[0].instances[0].restarts')" -eq 2 ] || fail "restarts != 2"
grep -q 'breaker-open' "$T/daemon.log" || fail "no breaker-open event line"

# stop / start / restart one instance.
pid0=$(status_json sleeper.0 | jq '.services[0].instances[0].pid')
rv stop sleeper.0 || fail "stop"
wait_for 5 state_is sleeper.0 stopped || fail "sleeper.0 not stopped"
kill -0 "$pid0" 2>/dev/null && fail "old pid $pid0 still alive"
[ "$(status_json sleeper.1 | jq -r '.services[0].instances[0].state')" = running ] || fail "sleeper.1 disturbed"
rv start sleeper.0 || fail "start"
wait_for 5 state_is sleeper.0 running || fail "sleeper.0 not running again"
pid1=$(status_json sleeper.1 | jq '.services[0].instances[0].pid')
rv restart sleeper.1 || fail "restart"
wait_for 5 bash -c "[ \"\$('$RINGVISOR' --socket '$SOCK' status --json sleeper.1 | jq '.services[0].instances[0].pid')\" != $pid1 ]" || fail "restart kept the pid"
wait_for 5 state_is sleeper.1 running || fail "sleeper.1 not running after restart"

# signal: SIGKILL to sleeper.0 comes back (policy always).
rv signal sleeper.0 SIGKILL || fail "signal"
wait_for 5 bash -c "[ \"\$('$RINGVISOR' --socket '$SOCK' status --json sleeper.0 | jq '.services[0].instances[0].restarts')\" -ge 1 ]" || fail "no restart after SIGKILL"
wait_for 5 state_is sleeper.0 running || fail "sleeper.0 not back"
[ "$(status_json sleeper.0 | jq -r '.services[0].instances[0].last_exit.signal')" = SIGKILL ] || fail "last_exit.signal"

# scale up and down.
rv scale sleeper 5 || fail "scale 5"
wait_for 5 all_in_state 5 running || fail "not 5 running"
rv scale sleeper 1 || fail "scale 1"
wait_for 5 bash -c "[ \"\$('$RINGVISOR' --socket '$SOCK' status --json sleeper | jq '.services[0].instances | length')\" -eq 1 ]" || fail "not scaled to 1"

# Unknown service and bad arguments.
rv stop nosuch 2>"$T/err" && fail "stop nosuch succeeded"
grep -q 'no such service' "$T/err" || fail "error text: $(cat "$T/err")"
rv scale sleeper abc 2>/dev/null; [ $? -eq 100 ] || fail "usage error exit code"
[ "$(status_json | jq -r .supervisor.event_backend)" = "$RV_BACKEND" ] || fail "backend is not $RV_BACKEND"
exit 0

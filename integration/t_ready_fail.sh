#!/usr/bin/env bash
# start_timeout: an instance not ready in time has failed its start; it is
# stopped, last_exit.cause is "readiness", and the restart policy decides:
# - on-failure: restarted again and again (restarts grows), each try ends
#   the same way;
# - never: `exited`, its process gone;
# - the same for an fd closed without a newline and for an exec check that
#   keeps failing (its last result in the not-ready event line);
# - EXTEND_TIMEOUT_USEC= (libsystemd's sd_notify) moves the deadline: a
#   program ready after 900 ms with start_timeout 400ms is ready, not killed;
#   also for 16 started at once, whose extension (and STATUS=) mostly comes
#   before the daemon has seen their exec.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ready.sh"
need_notify_ready
cfg=$(write_config fail.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  retry:
    command: [$NOTIFY_READY, -r]
    readiness: {notify: true, start_timeout: 300ms}
    restart: {policy: on-failure, backoff_initial: 50ms, backoff_max: 100ms, max_restarts: 0}
  once:
    command: [$NOTIFY_READY, -r]
    readiness: {notify: true, start_timeout: 300ms}
    restart: {policy: never}
  fdclosed:
    command: [/bin/sh, -c, 'exec 3>&-; exec sleep 1000']
    readiness: {fd: 3, start_timeout: 400ms}
    restart: {policy: never}
  execfail:
    command: [/bin/sleep, "1000"]
    readiness: {exec: [/bin/sh, -c, 'exit 4'], interval: 50ms, timeout: 500ms, start_timeout: 400ms}
    restart: {policy: never}
  extended:
    command: [$NOTIFY_READY, -x, "3000000", -d, "900"]
    readiness: {notify: true, start_timeout: 400ms}
    restart: {policy: never}
  burst:
    command: [$NOTIFY_READY, -x, "3000000", -d, "600", -s, "burst up"]
    instances: 16
    readiness: {notify: true, start_timeout: 300ms}
    restart: {policy: never}
YAML
)
rv_start "$cfg"
once_pid=
wait_for 3 bash -c "[ -n \"\$('$RINGVISOR' --socket '$SOCK' status --json once | jq '.services[0].instances[0].pid // empty')\" ]" &&
	once_pid=$(inst once.0 .pid)

# never: exited, cause readiness, the process gone.
for s in once fdclosed execfail; do
	wait_for 5 state_is "$s.0" exited || fail "$s.0 not exited: $(status_json "$s" | jq -c '.services[0].instances[0]')"
	[ "$(inst "$s.0" .last_exit.cause)" = readiness ] || fail "$s: last_exit $(inst "$s.0" .last_exit)"
	[ "$(inst "$s.0" .restarts)" -eq 0 ] || fail "$s restarted with policy never"
	[ "$(inst "$s.0" .pid)" = null ] || fail "$s still has a pid"
	in_log "^[^ ]+ $s\.0 not-ready after=" || fail "no not-ready event line for $s.0"
done
[ -z "$once_pid" ] || ! proc_alive "$once_pid" || fail "once's process $once_pid survived"
in_log "^[^ ]+ fdclosed\.0 not-ready after=400ms" || fail "fdclosed's not-ready line: $(grep fdclosed "$T/daemon.log")"
in_log "^[^ ]+ execfail\.0 not-ready after=400ms last-check=\"?exit 4" ||
	fail "execfail's not-ready line lacks the last check: $(grep 'execfail.0 not-ready' "$T/daemon.log")"
log "never: exited with cause readiness ($(inst once.0 .last_exit | jq -c .))"

# on-failure: each start times out and is tried again.
wait_for 10 restarts_at_least retry.0 3 || fail "retry restarts: $(inst retry.0 .restarts)"
[ "$(inst retry.0 .last_exit.cause)" = readiness ] || fail "retry: last_exit $(inst retry.0 .last_exit)"
n=$(grep -cE '^[^ ]+ retry\.0 not-ready after=300ms' "$T/daemon.log")
[ "$n" -ge 3 ] || fail "retry: $n not-ready lines for 3 restarts"
[ "$(inst retry.0 .readiness.ready)" != true ] || fail "retry says ready"
log "on-failure: $(inst retry.0 .restarts) restarts, $n not-ready events"

# EXTEND_TIMEOUT_USEC moved the 400ms deadline: ready after 900 ms.
wait_for 5 state_is extended.0 ready || fail "extended not ready: $(status_json extended | jq -c '.services[0].instances[0]')"
[ "$(inst extended.0 .restarts)" -eq 0 ] || fail "extended was restarted"
[ "$(inst extended.0 .last_exit)" = null ] || fail "extended ended: $(inst extended.0 .last_exit)"
after=$(inst extended.0 .readiness.ready_after_ms)
[ "$after" -ge 900 ] || fail "extended: ready_after_ms $after"
in_log "^[^ ]+ extended\.0 extend-timeout by=3s" || fail "no extend-timeout line"
in_log "^[^ ]+ extended\.0 not-ready" && fail "extended got a not-ready event"
log "EXTEND_TIMEOUT_USEC: ready after ${after}ms with start_timeout 400ms"

# 16 at once: most send EXTEND_TIMEOUT_USEC= before the daemon has seen
# their exec (it spawns a batch first); the extension still holds, and the
# STATUS= sent with READY=1 is kept.
all_burst_ready() { [ "$(status_json burst | jq '[.services[0].instances[] | select(.state == "ready")] | length')" -eq 16 ]; }
wait_for 5 all_burst_ready || fail "burst: $(status_json burst | jq -c '[.services[0].instances[] | {index, state, last_exit}]')"
in_log '^[^ ]+ burst\.[0-9]+ not-ready' && fail "burst: $(grep -c 'burst\.[0-9]* not-ready' "$T/daemon.log") not-ready events"
texts=$(status_json burst | jq -r '[.services[0].instances[] | .readiness.status_text] | unique | join(",")')
[ "$texts" = "burst up" ] || fail "burst: status_text of the 16: $(status_json burst | jq -c '[.services[0].instances[] | .readiness.status_text]')"
log "16 at once, extended before their exec was seen: all ready, all with their STATUS="
exit 0

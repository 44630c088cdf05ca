#!/usr/bin/env bash
# watchdog: with readiness notify, WATCHDOG_USEC is in the environment and
# WATCHDOG=1 (libsystemd's sd_notify) must come at least that often once
# the instance is ready:
# - pings every 200ms for 10 pings, watchdog 500ms: alive (ready, no restart)
#   while it pings, then restarted with last_exit.cause "watchdog" and a
#   "watchdog missed=500ms" event line;
# - a program that keeps pinging every 100ms is never restarted (several
#   periods), and its watchdog.last_ping_ago_ms stays below the period;
# - WATCHDOG=trigger (sent from inside the instance) restarts it at once;
# - a frozen instance's watchdog is paused: frozen for 3 periods, thawed,
#   it goes on without a restart (with cgroups only).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ready.sh"
need_notify_ready
cfg=$(write_config wd.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  dying:
    command: [$NOTIFY_READY, -w, "200", -n, "10"]
    readiness: {notify: true, start_timeout: 2s}
    watchdog: 500ms
    restart: {policy: always, backoff_initial: 100ms, backoff_max: 100ms, max_restarts: 0}
  keeper:
    command: [/bin/sh, -c, 'echo "env: WATCHDOG_USEC=\$WATCHDOG_USEC NOTIFY_SOCKET=\$NOTIFY_SOCKET"; exec $NOTIFY_READY -w 100']
    readiness: {notify: true, start_timeout: 2s}
    watchdog: 500ms
    restart: {backoff_initial: 50ms, max_restarts: 0}
  trigger:
    command: [/usr/bin/python3, -c, 'import os, socket, time; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); a = os.environ["NOTIFY_SOCKET"]; s.sendto(b"READY=1", a); time.sleep(0.3); s.sendto(b"WATCHDOG=trigger", a); time.sleep(1000)']
    readiness: {notify: true, start_timeout: 2s}
    watchdog: 10s
    restart: {policy: always, backoff_initial: 5s, backoff_max: 5s, max_restarts: 0}
YAML
)
rv_start "$cfg"
wait_for 5 state_is dying.0 ready || fail "dying not ready: $(status_json dying | jq -c '.services[0].instances[0]')"
ready_at=$(date +%s%3N)
[ "$(inst dying.0 .readiness.watchdog.usec)" -eq 500000 ] || fail "watchdog.usec: $(inst dying.0 .readiness.watchdog)"

# While it pings (2 s after ready; the checks below take a few hundred ms
# under ASan on a loaded machine: with 6 pings they once ran past them),
# more than two periods: no restart.
sleep 0.9
[ "$(inst dying.0 .restarts)" -eq 0 ] || fail "dying restarted while it pinged: $(inst dying.0 .last_exit)"
[ "$(inst dying.0 .state)" = ready ] || fail "dying is $(inst dying.0 .state) while it pinged"
ago=$(inst dying.0 .readiness.watchdog.last_ping_ago_ms)
[ "$ago" != null ] && [ "$ago" -lt 500 ] || fail "last_ping_ago_ms is $ago while it pings"
in_log "dying\.0 watchdog" && fail "a watchdog event while it pinged"
# Then the pings stop: restarted, cause watchdog.
wait_for 5 in_log '^[^ ]+ dying\.0 watchdog missed=500ms' || fail "no 'watchdog missed=500ms' line"
missed_at=$(log_ms '^[^ ]+ dying\.0 watchdog missed=500ms')
wait_for 3 in_state dying.0 backoff starting running ready || fail "dying is $(inst dying.0 .state) after the miss"
[ "$(inst dying.0 .last_exit.cause)" = watchdog ] || fail "dying: last_exit $(inst dying.0 .last_exit)"
wait_for 3 restarts_at_least dying.0 1 || fail "dying not restarted after its pings stopped"
# 10 pings of 200ms then a 500ms period: about 2.5 s after ready.
[ $((missed_at - ready_at)) -ge 2000 ] || fail "the miss came $((missed_at - ready_at)) ms after ready"
log "dying: restarted $((missed_at - ready_at)) ms after ready, last_exit $(inst dying.0 .last_exit | jq -c .)"

# The keeper, ready as long as dying (about 2 s, 4 periods): never restarted.
ago=$(inst keeper.0 .readiness.watchdog.last_ping_ago_ms)
[ "$ago" != null ] && [ "$ago" -lt 500 ] || fail "keeper: last_ping_ago_ms $ago"
[ "$(inst keeper.0 .restarts)" -eq 0 ] || fail "keeper restarted: $(inst keeper.0 .last_exit)"
[ "$(inst keeper.0 .state)" = ready ] || fail "keeper is $(inst keeper.0 .state)"
[ "$(inst keeper.0 .uptime_ms)" -ge 1500 ] || fail "keeper up $(inst keeper.0 .uptime_ms) ms only"
rv logs keeper.0 >"$T/keeper.log" || fail "logs keeper.0"
grep -qF "env: WATCHDOG_USEC=500000 NOTIFY_SOCKET=$SOCK.notify" "$T/keeper.log" ||
	fail "keeper's environment: $(cat "$T/keeper.log")"
log "keeper: no restart in $(inst keeper.0 .uptime_ms) ms of 500ms periods, WATCHDOG_USEC=500000"

# WATCHDOG=trigger: stopped at once for a restart, whatever the period
# (10s). The restart itself waits for its 5 s backoff (so the trigger,
# sent again 0.3 s after each start, cannot loop), which is why this waits
# for the exit, not for the restart count: by now the test has run about
# 3 s since trigger's start, and the restart may or may not have come.
wait_for 3 in_log '^[^ ]+ trigger\.0 exit .*cause=watchdog' || fail "trigger not stopped by its WATCHDOG=trigger"
[ "$(inst trigger.0 .last_exit.cause)" = watchdog ] || fail "trigger: last_exit $(inst trigger.0 .last_exit)"
in_log '^[^ ]+ trigger\.0 watchdog trigger=' || fail "no watchdog trigger line"
trig_at=$(log_ms '^[^ ]+ trigger\.0 watchdog trigger=')
exit_at=$(log_ms '^[^ ]+ trigger\.0 exit .*cause=watchdog')
[ $((exit_at - trig_at)) -lt 1000 ] || fail "trigger stopped $((exit_at - trig_at)) ms after its WATCHDOG=trigger"
in_log '^[^ ]+ trigger\.0 restart delay=' || fail "trigger: no restart scheduled after the watchdog exit"

# Frozen for 3 periods: no restart, it goes on after the thaw.
if [ "$CGROOT" != none ]; then
	rv freeze keeper.0 >/dev/null || fail "freeze"
	wait_for 3 state_is keeper.0 frozen || fail "keeper not frozen"
	sleep 1.2
	[ "$(inst keeper.0 .restarts)" -eq 0 ] || fail "frozen keeper restarted: $(inst keeper.0 .last_exit)"
	rv thaw keeper.0 >/dev/null || fail "thaw"
	wait_for 3 state_is keeper.0 ready || fail "keeper after thaw: $(inst keeper.0 .state)"
	sleep 0.7
	[ "$(inst keeper.0 .restarts)" -eq 0 ] || fail "keeper restarted after the thaw: $(inst keeper.0 .last_exit)"
	[ "$(inst keeper.0 .state)" = ready ] || fail "keeper after the thaw: $(inst keeper.0 .state)"
	log "frozen 1.2 s with a 500ms watchdog: no restart, ready after the thaw"
fi
exit 0
